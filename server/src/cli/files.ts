/**
 * Finds the Python files of a project and reads them as text, for the CLI and for the language
 * server's workspace scan. Directories are walked skipping version-control metadata, virtual
 * environments (any directory holding `pyvenv.cfg`, or named `venv`/`.venv`), `node_modules`,
 * caches and build output.
 * Reading decodes strict UTF-8 (a BOM is dropped); anything else is reported, never thrown.
 * It knows nothing of the engine, of LSP or of output formats.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Directory names never descended into: version control, virtual environments, caches and build
 * output (ruff's default exclusions, so both tools see the same files).
 */
const SKIPPED_DIRS = new Set([
  '.bzr', '.direnv', '.eggs', '.git', '.git-rewrite', '.hg', '.ipynb_checkpoints', '.mypy_cache', '.nox', '.pants.d',
  '.pyenv', '.pytest_cache', '.pytype', '.ruff_cache', '.svn', '.tox', '.venv', '.vscode', '__pycache__', '__pypackages__',
  '_build', 'buck-out', 'build', 'dist', 'node_modules', 'site-packages', 'venv',
]);

export interface FileProblem { path: string; message: string }

export interface FoundFiles {
  /** Absolute paths, sorted. */
  files: string[];
  /** Directories that cannot be listed. */
  problems: FileProblem[];
  /** Paths given that do not exist (a usage error for the CLI). */
  missing: string[];
}

/** True when `dir` is a virtual environment's root (PEP 405 marker file). */
export function isVirtualEnv(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'pyvenv.cfg'));
}

function walk(dir: string, out: string[], problems: FileProblem[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    problems.push({ path: dir, message: `cannot list directory: ${(e as Error).message}` });
    return;
  }
  // A virtual environment is recognised by its marker before anything in it is read.
  if (entries.some((e) => e.name === 'pyvenv.cfg' && !e.isDirectory())) return;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(p, out, problems);
    } else if (e.name.endsWith('.py')) {
      // Symbolic links are followed only to files: a linked directory could loop.
      if (e.isFile() || (e.isSymbolicLink() && safeIsFile(p))) out.push(p);
    }
  }
}

function safeIsFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

/**
 * Expands files and directories into the Python files to check. A file named explicitly is
 * always included (whatever its extension); directories are walked.
 */
export function findPythonFiles(paths: string[], cwd = process.cwd()): FoundFiles {
  const files: string[] = [];
  const problems: FileProblem[] = [];
  const missing: string[] = [];
  for (const given of paths) {
    const abs = path.resolve(cwd, given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      missing.push(abs);
      continue;
    }
    if (stat.isDirectory()) walk(abs, files, problems);
    else files.push(abs);
  }
  const unique = [...new Set(files)].sort();
  return { files: unique, problems, missing };
}

export type ReadResult = { text: string } | { error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Reads a source file as strict UTF-8; a decoding failure is returned as an error message. */
export function decodeSource(bytes: Uint8Array): ReadResult {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { error: 'not valid UTF-8; skipped' };
  }
}

export function readPythonFile(file: string): ReadResult {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return { error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  return decodeSource(bytes);
}

/** Files that mark a Python project's root directory (where pytest and packaging tools look). */
const PROJECT_MARKERS = ['pyproject.toml', 'setup.py', 'setup.cfg', 'tox.ini', 'pytest.ini'];

/**
 * The directories imports resolve against for the given paths: for each, its project root (the
 * nearest ancestor, or itself, holding pyproject.toml, setup.py, setup.cfg, tox.ini or pytest.ini,
 * searched no higher than the enclosing git work tree); without one, the nearest ancestor not
 * inside a package (no `__init__.py`) and `cwd` if the path lies in it. Roots inside another root are dropped: a checked `tests/` directory is
 * not a root of its own, so its imports and the project's pytest configuration are found as
 * pytest would find them.
 */
export function importRoots(paths: string[], cwd = process.cwd()): string[] {
  const base = path.resolve(cwd);
  const roots = new Set<string>();
  for (const given of paths) {
    const abs = path.resolve(base, given);
    const start = safeIsDir(abs) ? abs : path.dirname(abs);
    const project = projectRoot(start);
    if (project) {
      roots.add(project);
      continue;
    }
    roots.add(packageRoot(start));
    if (abs === base || abs.startsWith(base + path.sep)) roots.add(base);
  }
  const all = [...roots];
  return all.filter((r) => !all.some((o) => o !== r && r.startsWith(o.endsWith(path.sep) ? o : o + path.sep)));
}

function projectRoot(start: string): string | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (PROJECT_MARKERS.some((m) => fs.existsSync(path.join(dir, m)))) return dir;
    // A repository's top is as far as a project reaches (an ancestor repo is someone else's).
    if (fs.existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return null;
  }
}

function packageRoot(start: string): string {
  let dir = start;
  while (fs.existsSync(path.join(dir, '__init__.py')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * Whether a file under `root` would be skipped by the walk: a skipped directory name or a
 * virtual environment between the root and the file. Used for files reported by a watcher.
 */
export function isExcluded(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const parts = rel.split(path.sep).slice(0, -1);
  let dir = root;
  for (const part of parts) {
    if (SKIPPED_DIRS.has(part)) return true;
    dir = path.join(dir, part);
    if (isVirtualEnv(dir)) return true;
  }
  return false;
}

function safeIsDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}
