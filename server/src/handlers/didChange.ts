/**
 * textDocument/didChange (incremental sync): the edits go to the engine as they are, so it can
 * reuse the old tree; the check itself is debounced. If the engine rejects the edits, it gets
 * the whole text instead.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DidChangeTextDocumentParams } from 'vscode-languageserver/node';
import { scheduleCheck, scheduleOpenDocuments } from './diagnostics';
import { uriToPath, type Session } from './session';

export function onDidChange(session: Session, params: DidChangeTextDocumentParams): void {
  const { uri, version } = params.textDocument;
  const doc = session.documents.get(uri);
  if (!doc) return;
  const updated = TextDocument.update(doc, params.contentChanges, version);
  session.documents.set(uri, updated);
  const file = uriToPath(uri);
  try {
    session.engine.editFile(file, params.contentChanges.map((c) => ('range' in c ? { range: c.range, text: c.text } : { text: c.text })));
  } catch (e) {
    session.log(`incremental edit failed for ${file}, reloading the whole text: ${(e as Error).message}`);
    try { session.engine.setFile(file, updated.getText()); } catch (e2) { session.log(`internal error loading ${file}: ${(e2 as Error).message}`); }
  }
  scheduleCheck(session, uri);
  scheduleOpenDocuments(session, uri);
}
