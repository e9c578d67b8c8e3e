/**
 * textDocument/codeAction. Re-runs nothing: quick fixes come from the `data` of our own
 * diagnostics in `context.diagnostics`, and a diagnostic computed for another document version
 * than the open one is stale and gets no action. Per diagnostic: its fix (`isPreferred` only
 * when safe), its other fixes, and "Disable <rule> for this line". `source.fixAll.taskscope`
 * applies the safe fixes of the last check of the current version (checking now if a debounced
 * check is still pending).
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Fix } from '../engine';
import { checkAndPublish, SOURCE, type DiagnosticData } from './diagnostics';
import { mergeSafeFixes } from './fixAll';
import { noqaEdit } from './noqa';
import type { Session } from './session';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.${SOURCE}`;

/** Whether an action of `kind` is wanted by `only` (a kind matches itself and its parents). */
function wanted(kind: string, only: string[] | undefined): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(o + '.'));
}

function editOf(session: Session, doc: TextDocument, edits: TextEdit[]): WorkspaceEdit {
  return session.client.documentChanges
    ? { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits }] }
    : { changes: { [doc.uri]: edits } };
}

function isData(data: unknown): data is DiagnosticData {
  return !!data && typeof data === 'object' && 'version' in data && 'fix' in data;
}

export function onCodeAction(session: Session, params: CodeActionParams): CodeAction[] {
  const doc = session.documents.get(params.textDocument.uri);
  if (!doc) return [];
  const only = params.context.only;
  const actions: CodeAction[] = [];
  if (wanted(CodeActionKind.QuickFix, only)) {
    const silenced = new Set<string>();
    for (const d of params.context.diagnostics) {
      if (d.source !== SOURCE || !isData(d.data) || d.data.version !== doc.version) continue;
      const rule = String(d.code);
      const fixes: Fix[] = [...(d.data.fix ? [d.data.fix] : []), ...(d.data.otherFixes ?? [])];
      fixes.forEach((fix, i) => {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: i === 0 && fix.safe ? true : undefined,
          edit: editOf(session, doc, fix.edits),
        });
      });
      const line = d.range.start.line;
      if (silenced.has(`${rule}:${line}`)) continue;
      silenced.add(`${rule}:${line}`);
      const edit = noqaEdit(lineText(doc, line), line, rule);
      if (edit) actions.push(disableAction(session, doc, d, rule, edit));
    }
  }
  if (wanted(FIX_ALL_KIND, only)) {
    const fixAll = fixAllAction(session, doc);
    if (fixAll) actions.push(fixAll);
  }
  return actions;
}

function disableAction(session: Session, doc: TextDocument, d: Diagnostic, rule: string, edit: TextEdit): CodeAction {
  return { title: `Disable ${rule} for this line`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: editOf(session, doc, [edit]) };
}

function lineText(doc: TextDocument, line: number): string {
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
}

function fixAllAction(session: Session, doc: TextDocument): CodeAction | null {
  let last = session.results.get(doc.uri);
  if (!last || last.version !== doc.version) {
    if (!checkAndPublish(session, doc.uri)) return null;
    last = session.results.get(doc.uri);
  }
  if (!last || last.version !== doc.version) return null;
  const { edits, applied } = mergeSafeFixes(last.violations.map((v) => v.fix));
  if (applied === 0) return null;
  return { title: `Taskscope: fix all safe problems (${applied})`, kind: FIX_ALL_KIND, edit: editOf(session, doc, edits) };
}
