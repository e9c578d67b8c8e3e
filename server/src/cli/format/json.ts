/**
 * `--format json`: one JSON array, one object per finding, with 1-based lines and columns
 * (columns in UTF-16 code units) and paths relative to the current directory. The shape is a
 * public contract (CI scripts parse it): keys and their order are fixed here and tested.
 */
import path from 'node:path';
import type { Severity } from '../../engine';
import type { Finding } from '../check';

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: Severity;
  message: string;
  fix: { title: string; safe: boolean } | null;
}

/** A path relative to `cwd` with forward slashes, for every output format. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file) || path.basename(file);
  return rel.split(path.sep).join('/');
}

export function toJsonFinding(f: Finding, cwd: string): JsonFinding {
  const v = f.violation;
  return {
    file: displayPath(f.file, cwd),
    line: v.range.start.line + 1,
    column: v.range.start.character + 1,
    endLine: v.range.end.line + 1,
    endColumn: v.range.end.character + 1,
    code: v.rule,
    severity: v.severity,
    message: v.message,
    fix: v.fix ? { title: v.fix.title, safe: v.fix.safe } : null,
  };
}

export function formatJson(findings: Finding[], cwd: string): string {
  return JSON.stringify(findings.map((f) => toJsonFinding(f, cwd)), null, 2) + '\n';
}
