/**
 * The `check` command's work: find files, load them all into one engine (so imports between them
 * resolve), then check each. Returns plain findings and per-file problems; printing is done by
 * the formatters. Unreadable, non-UTF-8 or unanalysable files become problems, never exceptions.
 */
import { createEngine, type Engine, type RuleMeta, type Violation } from '../engine';
import { findPythonFiles, importRoots, readPythonFile, type FileProblem } from './files';

export interface Finding {
  /** Absolute path. */
  file: string;
  violation: Violation;
}

export interface CheckReport {
  files: number;
  /** Paths given that do not exist: a usage error. */
  missing: string[];
  /** Files that could not be analysed (reported, skipped). */
  problems: FileProblem[];
  /** Engine failures on a file: internal errors, reported and counted for exit status 2. */
  internalErrors: FileProblem[];
  /** Sorted by file, then position. */
  findings: Finding[];
  rules: RuleMeta[];
}

export interface CheckOptions {
  paths: string[];
  cwd: string;
  pythonVersion?: string;
  /** Engine log lines (e.g. a rule that threw); default: dropped. */
  log?: (message: string) => void;
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const found = findPythonFiles(options.paths, options.cwd);
  const problems: FileProblem[] = [...found.problems];
  const internalErrors: FileProblem[] = [];
  const engine: Engine = await createEngine({
    roots: importRoots(options.paths, options.cwd),
    pythonVersion: options.pythonVersion,
    log: options.log,
    // Each file is checked once: keeping every checked file's syntax tree only feeds the GC.
    releaseAfterCheck: true,
  });
  const loaded: string[] = [];
  for (const file of found.files) {
    const read = readPythonFile(file);
    if ('error' in read) {
      problems.push({ path: file, message: read.error });
      continue;
    }
    try {
      engine.setFile(file, read.text);
      loaded.push(file);
    } catch (e) {
      internalErrors.push({ path: file, message: `internal error while loading: ${describe(e)}` });
    }
  }
  const findings: Finding[] = [];
  for (const file of loaded) {
    try {
      const result = engine.check(file);
      if (result.problem) {
        problems.push({ path: file, message: result.problem.message });
        continue;
      }
      for (const violation of result.violations) findings.push({ file, violation });
    } catch (e) {
      internalErrors.push({ path: file, message: `internal error while checking: ${describe(e)}` });
    }
  }
  findings.sort(compareFindings);
  return { files: found.files.length, missing: found.missing, problems, internalErrors, findings, rules: engine.rules() };
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const x = a.violation.range.start;
  const y = b.violation.range.start;
  return x.line - y.line || x.character - y.character || (a.violation.rule < b.violation.rule ? -1 : a.violation.rule > b.violation.rule ? 1 : 0);
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 3).join(' | ') : String(e);
}
