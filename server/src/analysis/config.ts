/**
 * Project configuration the rules depend on, read from the files pytest and packaging tools read:
 * pytest's `asyncio_mode`, `python_files` and `addopts` (pytest.ini, pyproject.toml
 * `[tool.pytest.ini_options]`/`[tool.pytest]`, tox.ini `[pytest]`, setup.cfg `[tool:pytest]`,
 * first file found walking up, as pytest picks its inifile), whether pytest-asyncio/anyio appear
 * installed or declared, and the target Python version from `requires-python` (a setting wins).
 * Results are cached per directory; `clearConfigCache()` drops them when such files change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

export interface PytestConfig {
  /** asyncio_mode; 'strict' when pytest-asyncio is present but the mode is unset. */
  mode: 'auto' | 'strict';
  /** True if the mode was set explicitly (config or addopts). */
  modeSet: boolean;
  /** pytest-asyncio appears installed or declared (or a mode is configured). */
  asyncioPlugin: boolean;
  /** anyio (its pytest plugin ships with it) appears installed or declared. */
  anyioPlugin: boolean;
  /** Another async test runner plugin (pytest-trio, pytest-twisted…) whose rules we do not model,
   * or a conftest.py hook (`pytest_pyfunc_call`) that runs test functions its own way. */
  otherPlugin: boolean;
  /** A pytest config or a dependency manifest was found: only then can a plugin's absence be
   * told (an installed package's tests, shipped without their project files, cannot). */
  projectSeen: boolean;
  /** `python_files` globs. */
  pythonFiles: string[];
  /** The file the settings came from, if any. */
  source: string | null;
}

export interface FileConfig {
  pytest: PytestConfig;
  /** From requires-python (lower bound), or null. */
  requiresPython: [number, number] | null;
}

const cache = new Map<string, FileConfig>();

export function clearConfigCache(): void { cache.clear(); }

/** A minimal INI reader: sections → keys → values (continuation lines joined with spaces). */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | null = null;
  let lastKey: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') { continue; }
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (sec) { section = new Map(); out.set(sec[1].trim(), section); lastKey = null; continue; }
    if (!section) continue;
    if (/^\s/.test(raw) && lastKey) { section.set(lastKey, `${section.get(lastKey)} ${raw.trim()}`.trim()); continue; }
    const kv = /^([^=:]+)[=:](.*)$/.exec(raw);
    if (kv) { lastKey = kv[1].trim(); section.set(lastKey, kv[2].trim()); }
  }
  return out;
}

function readText(p: string): string | null {
  try { return fs.readFileSync(p, 'utf8'); } catch { return null; }
}

interface RawPytest { mode?: string; addopts?: string; pythonFiles?: string; source: string }

/** The pytest settings file for a directory, as pytest would pick it (walking up). */
function findPytestConfig(dir: string, stopAt: string | null): RawPytest | null {
  let d = dir;
  for (let i = 0; i < 64; i++) {
    const ini = readText(path.join(d, 'pytest.ini'));
    if (ini !== null) {
      const s = parseIni(ini).get('pytest');
      return { mode: s?.get('asyncio_mode'), addopts: s?.get('addopts'), pythonFiles: s?.get('python_files'), source: path.join(d, 'pytest.ini') };
    }
    const py = readText(path.join(d, 'pyproject.toml'));
    if (py !== null) {
      try {
        const t = parseToml(py) as any;
        const opts = t?.tool?.pytest?.ini_options ?? t?.tool?.pytest;
        if (opts && typeof opts === 'object') {
          const str = (v: unknown) => (Array.isArray(v) ? v.join(' ') : v === undefined ? undefined : String(v));
          return { mode: str(opts.asyncio_mode), addopts: str(opts.addopts), pythonFiles: str(opts.python_files), source: path.join(d, 'pyproject.toml') };
        }
      } catch { /* invalid TOML: pytest would fail too; ignore */ }
    }
    const tox = readText(path.join(d, 'tox.ini'));
    if (tox !== null) {
      const s = parseIni(tox).get('pytest');
      if (s) return { mode: s.get('asyncio_mode'), addopts: s.get('addopts'), pythonFiles: s.get('python_files'), source: path.join(d, 'tox.ini') };
    }
    const cfg = readText(path.join(d, 'setup.cfg'));
    if (cfg !== null) {
      const s = parseIni(cfg).get('tool:pytest');
      if (s) return { mode: s.get('asyncio_mode'), addopts: s.get('addopts'), pythonFiles: s.get('python_files'), source: path.join(d, 'setup.cfg') };
    }
    if (stopAt && d === stopAt) break;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return null;
}

/** `requires-python` lower bound from the nearest pyproject.toml. */
function findRequiresPython(dir: string, stopAt: string | null): [number, number] | null {
  let d = dir;
  for (let i = 0; i < 64; i++) {
    const py = readText(path.join(d, 'pyproject.toml'));
    if (py !== null) {
      try {
        const t = parseToml(py) as any;
        const spec = t?.project?.['requires-python'];
        if (typeof spec === 'string') return lowerBound(spec);
      } catch { /* ignore */ }
    }
    if (stopAt && d === stopAt) break;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return null;
}

/** Lowest version a specifier admits: ">=3.9,<4" → [3, 9]; "~=3.10" → [3, 10]; "==3.11.*" → [3, 11]. */
export function lowerBound(spec: string): [number, number] | null {
  let best: [number, number] | null = null;
  for (const part of spec.split(',')) {
    const m = /^\s*(>=|~=|==|>)\s*(\d+)\.(\d+)/.exec(part);
    if (!m) continue;
    let v: [number, number] = [Number(m[2]), Number(m[3])];
    if (m[1] === '>') v = [v[0], v[1] + 1];
    if (!best || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
  }
  return best;
}

export function parseVersion(s: string | undefined | null): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(s ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const MANIFESTS = ['pyproject.toml', 'setup.cfg', 'tox.ini', 'pytest.ini', 'setup.py', 'requirements.txt', 'requirements-dev.txt',
  'requirements-test.txt', 'dev-requirements.txt', 'test-requirements.txt', 'Pipfile'];

/** Whether some file in `dir` or its parents (up to `stopAt`) passes `test`. */
function anyUpwards(dir: string, stopAt: string | null, names: string[], test: (text: string) => boolean): boolean {
  let d = dir;
  for (let i = 0; i < 64; i++) {
    for (const f of names) {
      const t = readText(path.join(d, f));
      if (t !== null && test(t)) return true;
    }
    if (stopAt && d === stopAt) break;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return false;
}

/** Whether a dependency name appears declared near `dir` or installed in a venv. */
function declaredOrInstalled(dir: string, stopAt: string | null, dist: string, moduleDir: string, sitePackages: string[]): boolean {
  for (const sp of sitePackages) if (fs.existsSync(path.join(sp, moduleDir))) return true;
  const re = new RegExp(`(^|[^\\w-])${dist.replace(/[-_]/g, '[-_]')}([^\\w-]|$)`, 'im');
  // conftest.py counts: `pytest_plugins = ["pytest_asyncio"]` or an import loads the plugin.
  return anyUpwards(dir, stopAt, [...MANIFESTS, 'conftest.py'], (t) => re.test(t));
}

export function configFor(file: string, roots: string[], sitePackages: string[]): FileConfig {
  const dir = path.dirname(file);
  const hit = cache.get(dir);
  if (hit) return hit;
  const stopAt = roots.filter((r) => dir === r || dir.startsWith(r + path.sep)).sort((a, b) => b.length - a.length)[0] ?? null;
  const raw = findPytestConfig(dir, stopAt);
  let mode = raw?.mode?.trim().toLowerCase();
  const addMode = raw?.addopts ? /--asyncio-mode[= ](\w+)/.exec(raw.addopts)?.[1] : undefined;
  if (addMode) mode = addMode.toLowerCase();
  const modeSet = mode === 'auto' || mode === 'strict';
  const pluginByOpts = !!raw?.addopts && /-p\s*pytest_asyncio/.test(raw.addopts);
  const asyncioPlugin = modeSet || pluginByOpts || declaredOrInstalled(dir, stopAt, 'pytest-asyncio', 'pytest_asyncio', sitePackages);
  const anyioPlugin = declaredOrInstalled(dir, stopAt, 'anyio', 'anyio', sitePackages);
  const otherPlugin = [['pytest-trio', 'pytest_trio'], ['pytest-twisted', 'pytest_twisted'], ['pytest-tornasync', 'pytest_tornasync']]
    .some(([dist, mod]) => declaredOrInstalled(dir, stopAt, dist, mod, sitePackages))
    || anyUpwards(dir, stopAt, ['conftest.py'], (t) => /^\s*def\s+pytest_pyfunc_call\b/m.test(t));
  const projectSeen = !!raw?.source || anyUpwards(dir, stopAt, MANIFESTS, () => true);
  const cfg: FileConfig = {
    pytest: {
      mode: mode === 'auto' ? 'auto' : 'strict',
      modeSet,
      asyncioPlugin,
      anyioPlugin,
      otherPlugin,
      projectSeen,
      pythonFiles: raw?.pythonFiles ? raw.pythonFiles.split(/\s+/).filter(Boolean) : ['test_*.py', '*_test.py'],
      source: raw?.source ?? null,
    },
    requiresPython: findRequiresPython(dir, stopAt),
  };
  cache.set(dir, cfg);
  return cfg;
}

/** fnmatch-style match of a file's base name against pytest `python_files` globs. */
export function matchesPythonFiles(file: string, globs: string[]): boolean {
  const base = path.basename(file);
  return globs.some((g) => new RegExp('^' + g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$').test(base));
}
