/**
 * Turns engine violations into LSP diagnostics and publishes them: per open document (debounced
 * while typing, carrying the document version) and for workspace files on disk (version null).
 * `code` = rule name, `codeDescription.href` = its doc, `source` = "taskscope", and `data` =
 * { version, fix, otherFixes } so codeAction never re-runs the analysis.
 * An engine failure on a file is logged and leaves that file's diagnostics alone.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { Fix, Severity, Violation } from '../engine';
import { ruleDocUrl } from '../cli/ruleDocs';
import { uriToPath, type Session } from './session';

export const SOURCE = 'taskscope';

/** What a diagnostic carries for codeAction. */
export interface DiagnosticData {
  /** The document version the diagnostic was computed for; null for a file read from disk. */
  version: number | null;
  fix: Fix | null;
  otherFixes: Fix[];
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(session: Session, v: Violation, version: number | null): Diagnostic {
  const data: DiagnosticData = { version, fix: v.fix, otherFixes: v.otherFixes ?? [] };
  return {
    range: v.range,
    severity: SEVERITY[v.severity] ?? DiagnosticSeverity.Warning,
    code: v.rule,
    codeDescription: { href: ruleDocUrl(session.rules.get(v.rule), v.rule) },
    source: SOURCE,
    message: v.message,
    data,
  };
}

/** Checks one file now and publishes its diagnostics. Returns false if the engine failed. */
export function checkAndPublish(session: Session, uri: string): boolean {
  const timer = session.timers.get(uri);
  if (timer) {
    clearTimeout(timer);
    session.timers.delete(uri);
  }
  const doc = session.documents.get(uri);
  const version = doc ? doc.version : null;
  const file = uriToPath(uri);
  let violations: Violation[];
  try {
    const result = session.engine.check(file);
    if (result.problem) session.log(`cannot analyse ${file}: ${result.problem.message}`);
    violations = result.violations;
  } catch (e) {
    session.log(`internal error checking ${file}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return false;
  }
  const before = session.results.get(uri);
  session.results.set(uri, { version, violations });
  // A file on disk with nothing to report, and nothing reported before, needs no notification:
  // on start that is most of a workspace.
  if (!doc && violations.length === 0 && !before?.violations.length) return true;
  void session.connection.sendDiagnostics({
    uri,
    version: version ?? undefined,
    diagnostics: violations.map((v) => toDiagnostic(session, v, version)),
  });
  return true;
}

export function clearDiagnostics(session: Session, uri: string): void {
  const timer = session.timers.get(uri);
  if (timer) clearTimeout(timer);
  session.timers.delete(uri);
  session.results.delete(uri);
  void session.connection.sendDiagnostics({ uri, diagnostics: [] });
}

/** Debounced check of an open document, restarted by every keystroke. */
export function scheduleCheck(session: Session, uri: string, delay = session.debounceMs): void {
  const old = session.timers.get(uri);
  if (old) clearTimeout(old);
  session.timers.set(uri, setTimeout(() => {
    session.timers.delete(uri);
    if (session.documents.has(uri)) checkAndPublish(session, uri);
  }, delay));
}

/**
 * Re-checks the other open documents once things settle: an edit or a file change elsewhere can
 * change what their imports resolve to. The longer delay keeps a burst of typing in one file
 * from re-checking every open editor on each pause.
 */
export function scheduleOpenDocuments(session: Session, except?: string): void {
  const delay = Math.max(1000, session.debounceMs * 5);
  for (const uri of session.documents.keys()) {
    if (uri !== except && !session.timers.has(uri)) scheduleCheck(session, uri, delay);
  }
}
