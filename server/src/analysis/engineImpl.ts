/**
 * The Engine (see ../engine.ts) over tree-sitter, the workspace index and the rule registry.
 *
 * Files the engine is given keep their text; their wasm trees are kept (for incremental
 * re-parsing on edits) in a small LRU and their mirrored parses in a larger one, so a file
 * indexed for another file's imports is not parsed again when it is checked. Files on disk that
 * are only imported are summarised (parse-only) by the workspace index; rules run only on files
 * passed to `check`.
 */
import path from 'node:path';
import type { CheckResult, Engine, EngineOptions, Range, RuleMeta, Violation } from '../engine';
import { runRules } from './checker';
import { clearConfigCache, configFor, parseVersion } from './config';
import { initParser, mirror, parseText, parseTree, type ParsedFile, type Tree } from './parser';
import { LineIndex } from './positions';
import { Resolver } from './resolver';
import { Workspace } from './workspace';
import { allRules } from '../rules';

interface FileState {
  text: string;
  lines: LineIndex | null;
  tree: Tree | null;
  /** The tree has been `edit()`ed to match `text` but not re-parsed yet. */
  edited: boolean;
  parsed: ParsedFile | null;
}

const MAX_TREES = 32;
const MAX_PARSED = 256;
const CONFIG_FILES = new Set(['pyproject.toml', 'pytest.ini', 'setup.cfg', 'tox.ini']);

/** Re-inserting a key moves it to the back of a Map's iteration order: a simple LRU. */
function touch<K>(lru: Map<K, true>, key: K, max: number, evict: (k: K) => void): void {
  lru.delete(key);
  lru.set(key, true);
  while (lru.size > max) {
    const oldest = lru.keys().next().value as K;
    lru.delete(oldest);
    evict(oldest);
  }
}

export class EngineImpl implements Engine {
  private files = new Map<string, FileState>();
  private treeLru = new Map<string, true>();
  private parsedLru = new Map<string, true>();
  private options: EngineOptions;
  readonly workspace: Workspace;
  private log: (m: string) => void;

  constructor(options: EngineOptions) {
    this.options = { ...options };
    this.log = options.log ?? (() => undefined);
    this.workspace = new Workspace((options.roots ?? []).map((r) => path.resolve(r)), {
      parsedIfOpen: (file) => (this.files.has(file) ? this.parsedOf(file) : null),
      holds: (file) => this.files.has(file),
      parse: (_file, text) => parseText(text),
    });
  }

  setFile(file: string, text: string): void {
    const existed = this.files.has(file);
    this.dropTree(file);
    this.files.set(file, { text, lines: null, tree: null, edited: false, parsed: null });
    this.parsedLru.delete(file);
    this.workspace.invalidate(file, !existed);
    if (CONFIG_FILES.has(path.basename(file))) clearConfigCache();
  }

  editFile(file: string, changes: { range?: Range; text: string }[]): void {
    const st = this.files.get(file);
    if (!st) throw new Error(`editFile: ${file} was never set`);
    let tree = st.tree;
    let text = st.text;
    for (const ch of changes) {
      if (!ch.range) {
        text = ch.text;
        if (tree) { tree.delete(); tree = null; }
        continue;
      }
      const lines = new LineIndex(text);
      const start = lines.offsetAt(ch.range.start);
      const oldEnd = Math.max(start, lines.offsetAt(ch.range.end));
      const next = text.slice(0, start) + ch.text + text.slice(oldEnd);
      if (tree) {
        const newLines = new LineIndex(next);
        const newEnd = start + ch.text.length;
        tree.edit({
          startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd,
          startPosition: lines.pointAt(start), oldEndPosition: lines.pointAt(oldEnd), newEndPosition: newLines.pointAt(newEnd),
        });
      }
      text = next;
    }
    // The re-parse (reusing the edited old tree) waits for the next check: several changes in a
    // row cost one parse.
    st.tree = tree;
    st.edited = !!tree;
    st.text = text;
    st.lines = null;
    st.parsed = null;
    this.parsedLru.delete(file);
    if (tree) touch(this.treeLru, file, MAX_TREES, (k) => this.dropTree(k));
    this.workspace.invalidate(file, false);
  }

  removeFile(file: string): void {
    this.dropTree(file);
    this.files.delete(file);
    this.parsedLru.delete(file);
    this.workspace.invalidate(file, true);
  }

  private dropTree(file: string): void {
    const st = this.files.get(file);
    if (st?.tree) { st.tree.delete(); st.tree = null; st.edited = false; }
    this.treeLru.delete(file);
  }

  /** The mirrored parse of a held file, parsing (once) if needed. */
  parsedOf(file: string): ParsedFile {
    const st = this.files.get(file)!;
    if (!st.parsed) {
      if (!st.tree || st.edited) {
        const fresh = parseTree(st.text, st.tree);
        if (st.tree) st.tree.delete();
        st.tree = fresh;
        st.edited = false;
        touch(this.treeLru, file, MAX_TREES, (k) => this.dropTree(k));
      }
      st.parsed = mirror(st.tree, st.text);
    }
    touch(this.parsedLru, file, MAX_PARSED, (k) => { const s = this.files.get(k); if (s) s.parsed = null; });
    return st.parsed;
  }

  check(file: string): CheckResult {
    try {
      return this.checkUnguarded(file);
    } catch (e) {
      // Never fatal for the caller: report the file as not analysed.
      this.log(`check failed on ${file}: ${(e as Error)?.stack ?? e}`);
      return { violations: [], problem: { path: file, message: `internal error: ${(e as Error)?.message ?? e}` } };
    }
  }

  private checkUnguarded(file: string): CheckResult {
    try {
      return this.checkParsed(file);
    } finally {
      if (this.options.releaseAfterCheck) this.release(file);
    }
  }

  /** Drops a held file's mirrored parse and tree (not its text or summary). */
  private release(file: string): void {
    const st = this.files.get(file);
    if (!st) return;
    st.parsed = null;
    this.parsedLru.delete(file);
    this.dropTree(file);
  }

  private checkParsed(file: string): CheckResult {
    const st = this.files.get(file);
    if (!st) return { violations: [], problem: { path: file, message: 'file was not set' } };
    let parsed: ParsedFile;
    try {
      parsed = this.parsedOf(file);
    } catch (e) {
      return { violations: [], problem: { path: file, message: `could not parse: ${(e as Error).message}` } };
    }
    const module = this.workspace.summaryOf(file);
    if (!module) return { violations: [], problem: { path: file, message: 'could not index' } };
    st.lines ??= new LineIndex(st.text);
    const config = configFor(file, this.workspace.roots, this.workspace.venvSitePackages());
    const pythonVersion = parseVersion(this.options.pythonVersion) ?? config.requiresPython ?? [3, 10];
    const resolver = new Resolver(file, parsed, module, this.workspace);
    let violations: Violation[];
    try {
      violations = runRules({
        file, parsed, lines: st.lines, module, resolver, config, pythonVersion,
        rules: allRules, settings: this.options.rules ?? {}, log: this.log,
      });
    } catch (e) {
      this.log(`check failed on ${file}: ${(e as Error)?.stack ?? e}`);
      return { violations: [], problem: { path: file, message: `internal error: ${(e as Error).message}` } };
    }
    return { violations };
  }

  configure(options: Partial<EngineOptions>): void {
    this.options = { ...this.options, ...options };
    if (options.log) this.log = options.log;
    if (options.roots) this.workspace.setRoots(options.roots.map((r) => path.resolve(r)));
    clearConfigCache();
  }

  rules(): RuleMeta[] {
    return allRules.map((r) => ({ name: r.name, severity: r.severity, summary: r.summary, docs: ruleDocUrl(r.name) }));
  }
}

export function ruleDocUrl(name: string): string {
  return `https://github.com/taskscope/taskscope/blob/main/docs/rules/${name}.md`;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  await initParser(options.wasmDir);
  return new EngineImpl(options);
}
