/**
 * Finds the Python files of a project and reads them as text, for the CLI and for the language
 * server's workspace scan. Directories are walked skipping version-control metadata, virtual
 * environments (any directory holding `pyvenv.cfg`, or named `venv`/`.venv`) and `node_modules`.
 * Reading decodes strict UTF-8 (a BOM is dropped); anything else is reported, never thrown.
 * It knows nothing of the engine, of LSP or of output formats.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Directory names never descended into. */
const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', 'venv', '.venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache']);

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

/**
 * The directories imports resolve against for the given paths: for each, the nearest ancestor
 * (or itself) that is not inside a package, i.e. has no `__init__.py`; plus `cwd` when a path lies
 * in it (the project being checked from its root), never a directory unrelated to the paths.
 */
export function importRoots(paths: string[], cwd = process.cwd()): string[] {
  const base = path.resolve(cwd);
  const roots = new Set<string>();
  for (const given of paths) {
    const abs = path.resolve(base, given);
    if (abs === base || abs.startsWith(base + path.sep)) roots.add(base);
    let dir = abs;
    if (!safeIsDir(dir)) dir = path.dirname(dir);
    while (fs.existsSync(path.join(dir, '__init__.py')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    roots.add(dir);
  }
  return [...roots];
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
