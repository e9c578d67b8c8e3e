/**
 * The analysis engine's public face, shared by the language server (handlers/) and the CLI.
 * It owns the workspace index and the parsed trees; it knows nothing of LSP or of the terminal.
 * Positions are LSP positions: 0-based lines, UTF-16 code-unit columns.
 *
 * CONTRACT (written before the implementation so the server/CLI and the engine can be built in
 * parallel): the names and shapes below may be extended, never broken.
 */

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
export interface TextEdit { range: Range; newText: string }

export interface Fix {
  title: string;
  /** Safe fixes preserve behaviour and are applied by `source.fixAll.taskscope`. */
  safe: boolean;
  edits: TextEdit[];
}

export interface Violation {
  /** Rule name from RULES.md, e.g. `unawaited-coroutine`; the diagnostic `code`. */
  rule: string;
  range: Range;
  message: string;
  severity: Severity;
  /** The preferred fix, if any. */
  fix: Fix | null;
  /** Further, alternative fixes (e.g. "make function async"), never applied by fix-all. */
  otherFixes?: Fix[];
}

export interface RuleMeta {
  name: string;
  severity: Severity;
  /** One line for settings and docs. */
  summary: string;
  /** URL or relative doc path for `codeDescription.href`. */
  docs: string;
}

export interface RuleSetting { enabled?: boolean; severity?: Severity }

export interface EngineOptions {
  /** Workspace roots: imports resolve against them. */
  roots?: string[];
  /** Per-rule settings by rule name. */
  rules?: Record<string, RuleSetting>;
  /** Target Python version like "3.10"; overrides `requires-python`. */
  pythonVersion?: string;
  /** Directory holding tree-sitter.wasm and tree-sitter-python.wasm (default: next to the bundle). */
  wasmDir?: string;
  log?: (message: string) => void;
  /**
   * Batch use (the CLI checks each file once): after `check(file)` drop that file's parse and
   * tree (its module summary stays), so the heap does not keep every checked file's syntax tree.
   * A later check of the file parses it again; results are the same. Default false (editors
   * re-check files, so keeping the parse pays there).
   */
  releaseAfterCheck?: boolean;
}

export interface ParseProblem { path: string; message: string }

export interface CheckResult {
  violations: Violation[];
  /** Set when the file could not be analysed at all (never for ordinary syntax errors). */
  problem?: ParseProblem;
}

/**
 * One engine per process. Files are keyed by absolute path.
 * Implementations live under server/src/analysis and server/src/rules.
 */
export interface Engine {
  /** Adds or replaces a file's full text (from disk or an editor). */
  setFile(path: string, text: string): void;
  /** Applies LSP content changes incrementally, reusing the old tree. */
  editFile(path: string, changes: { range?: Range; text: string }[]): void;
  removeFile(path: string): void;
  /** Diagnostics for one file, which must have been set. */
  check(path: string): CheckResult;
  /** Settings may change at run time (LSP didChangeConfiguration). */
  configure(options: Partial<EngineOptions>): void;
  rules(): RuleMeta[];
}

export { createEngine } from './analysis/engineImpl';
