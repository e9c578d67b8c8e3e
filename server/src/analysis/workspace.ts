/**
 * The workspace index: maps module names to files (workspace roots, the importing file's
 * directory, then a virtual environment's site-packages, lazily) and keeps one summary per file.
 * Summaries come from the engine's parse of a file it was given (so nothing is parsed twice) or
 * from disk, parse-only: no rules run on indexed files. Changing or removing a file drops its
 * summary. It knows nothing about rules or LSP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isKnownLibraryRoot } from './library';
import type { ParsedFile } from './parser';
import { moduleNameFor, summarize, type ModuleSummary } from './summary';

export interface WorkspaceHost {
  /** Parsed text for a file the engine holds (set/edited), or null if it holds none. */
  parsedIfOpen(file: string): ParsedFile | null;
  /** Whether the engine holds a file (without parsing it). */
  holds(file: string): boolean;
  /** Parses text (the engine's parser; caches are its business). */
  parse(file: string, text: string): ParsedFile;
}

const MAX_FILE_BYTES = 2_000_000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class Workspace {
  private summaries = new Map<string, ModuleSummary | null>();
  private moduleCache = new Map<string, string | null>();
  private packageBaseCache = new Map<string, string>();
  private dirCache = new Map<string, Set<string> | null>();
  private nsCache = new Map<string, boolean>();
  private sitePackages: string[] | null = null;
  /** Bumped on every change; resolvers use it to drop stale caches. */
  generation = 0;

  constructor(public roots: string[], private host: WorkspaceHost) {}

  setRoots(roots: string[]): void {
    this.roots = roots;
    this.sitePackages = null;
    this.changed();
  }

  /** A file changed or vanished: its summary and the module map are stale. */
  invalidate(file: string, structural = true): void {
    this.summaries.delete(file);
    // A new or removed file can change what imports resolve to; an edit cannot.
    if (structural) { this.moduleCache.clear(); this.packageBaseCache.clear(); this.dirCache.clear(); this.nsCache.clear(); }
    this.generation++;
  }

  private changed(): void {
    this.moduleCache.clear();
    this.packageBaseCache.clear();
    this.dirCache.clear();
    this.nsCache.clear();
    this.generation++;
  }

  /** Root (or `src/` under it) holding a file, for module naming. */
  private rootFor(file: string): string | null {
    let best: string | null = null;
    for (const r of this.roots) {
      for (const base of [path.join(r, 'src'), r]) {
        if (file.startsWith(base + path.sep) && (!best || base.length > best.length)) best = base;
      }
    }
    return best;
  }

  /** Dotted module name of a file, and whether it is a package `__init__`. */
  moduleOf(file: string): { module: string; isPackage: boolean } {
    for (const sp of this.venvSitePackages()) {
      if (file.startsWith(sp + path.sep)) return moduleNameFor(path.relative(sp, file));
    }
    const root = this.rootFor(file);
    if (root) {
      const r = moduleNameFor(path.relative(root, file));
      // Directories without __init__.py are namespace packages; that still resolves. A path
      // with segments that are not identifiers (`versions/3.13.0/…`) cannot be imported that
      // way: the package chain names it instead.
      if (r.module.split('.').every((p) => IDENTIFIER.test(p))) return r;
    }
    const base = this.packageBase(file);
    return moduleNameFor(path.relative(base, file));
  }

  /** The first ancestor directory that is not a package (no __init__.py): sys.path for it. */
  packageBase(file: string): string {
    const hit = this.packageBaseCache.get(path.dirname(file));
    if (hit) return hit;
    let dir = path.dirname(file);
    for (let i = 0; i < 64; i++) {
      const hasInit = this.host.holds(path.join(dir, '__init__.py')) || this.listed(path.join(dir, '__init__.py'));
      if (!hasInit || path.dirname(dir) === dir || !IDENTIFIER.test(path.basename(dir))) break;
      dir = path.dirname(dir);
    }
    this.packageBaseCache.set(path.dirname(file), dir);
    return dir;
  }

  /** Summary of a file the engine holds or one on disk. */
  summaryOf(file: string): ModuleSummary | null {
    if (this.summaries.has(file)) return this.summaries.get(file)!;
    this.summaries.set(file, null); // recursion guard
    let parsed = this.host.parsedIfOpen(file);
    if (!parsed) {
      try {
        const st = fs.statSync(file);
        if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
        parsed = this.host.parse(file, fs.readFileSync(file, 'utf8'));
      } catch {
        return null;
      }
    }
    const { module, isPackage } = this.moduleOf(file);
    const s = summarize(parsed, module, isPackage, file);
    this.summaries.set(file, s);
    return s;
  }

  /** Stores a summary computed by the engine from a parse it already has. */
  storeSummary(file: string, parsed: ParsedFile): ModuleSummary {
    const { module, isPackage } = this.moduleOf(file);
    const s = summarize(parsed, module, isPackage, file);
    this.summaries.set(file, s);
    return s;
  }

  hasSummary(file: string): boolean {
    return !!this.summaries.get(file);
  }

  /**
   * File for a module name, or null. Search order: the importing file's directory (scripts
   * importing siblings), workspace roots and their `src/`, then site-packages of a virtual
   * environment in a root (only for packages the bundled tables do not describe).
   */
  resolveModule(name: string, fromFile?: string): string | null {
    const key = `${name}\u0000${fromFile ? path.dirname(fromFile) : ''}`;
    if (this.moduleCache.has(key)) return this.moduleCache.get(key)!;
    const rel = name.split('.');
    const bases: string[] = [];
    for (const r of this.roots) bases.push(r, path.join(r, 'src'));
    if (fromFile) {
      const own = this.rootFor(fromFile);
      const dir = path.dirname(fromFile);
      // A script's directory is on sys.path; a package module's is not, but siblings still
      // resolve that way only if no root does, so it is tried last among the workspace bases.
      if (!own || !dir.startsWith(own) || dir === own) bases.unshift(dir); else bases.push(dir);
      // The directory holding the file's top-level package (running from there puts it on sys.path).
      const pkgBase = this.packageBase(fromFile);
      if (!bases.includes(pkgBase)) bases.push(pkgBase);
    }
    let found: string | null = null;
    for (const b of bases) {
      found = this.findIn(b, rel);
      if (found) break;
    }
    if (!found && !isKnownLibraryRoot(rel[0])) {
      for (const sp of this.venvSitePackages()) {
        found = this.findIn(sp, rel);
        if (found) break;
      }
    }
    this.moduleCache.set(key, found);
    return found;
  }

  private findIn(base: string, rel: string[]): string | null {
    const p = path.join(base, ...rel);
    for (const cand of [p + '.py', path.join(p, '__init__.py'), p + '.pyi', path.join(p, '__init__.pyi')]) {
      if (this.host.holds(cand) || this.listed(cand)) return cand;
    }
    return null;
  }

  /** Whether a directory listing (read once, cached) names this file: no stat per lookup. */
  private listed(file: string): boolean {
    const dir = path.dirname(file);
    let names = this.dirCache.get(dir);
    if (names === undefined) {
      try { names = new Set(fs.readdirSync(dir)); } catch { names = null; }
      this.dirCache.set(dir, names);
    }
    return !!names && names.has(path.basename(file));
  }

  /** Whether a module name is a directory (namespace package) under a root. */
  isNamespacePackage(name: string): boolean {
    const hit = this.nsCache.get(name);
    if (hit !== undefined) return hit;
    let found = false;
    for (const r of this.roots) {
      if (fs.statSync(path.join(r, ...name.split('.')), { throwIfNoEntry: false })?.isDirectory()) { found = true; break; }
    }
    this.nsCache.set(name, found);
    return found;
  }

  /** site-packages of `.venv`/`venv`/`env` in a root, found once. */
  venvSitePackages(): string[] {
    if (this.sitePackages) return this.sitePackages;
    const out: string[] = [];
    for (const r of this.roots) {
      for (const v of ['.venv', 'venv', 'env', '.env']) {
        const lib = path.join(r, v, 'lib');
        try {
          for (const py of fs.readdirSync(lib)) {
            const sp = path.join(lib, py, 'site-packages');
            if (py.startsWith('python') && fs.existsSync(sp)) out.push(sp);
          }
        } catch { /* no venv here */ }
        const win = path.join(r, v, 'Lib', 'site-packages');
        if (fs.existsSync(win)) out.push(win);
      }
    }
    this.sitePackages = out;
    return out;
  }

  /** True if a path is inside a virtual environment (such files are indexed, never checked). */
  isInVenv(file: string): boolean {
    return this.venvSitePackages().some((sp) => file.startsWith(sp + path.sep));
  }
}
