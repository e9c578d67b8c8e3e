/**
 * textDocument/didOpen: the editor's text becomes the engine's text for that file, and the file
 * is checked at once (no debounce: the user just looked at it).
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DidOpenTextDocumentParams } from 'vscode-languageserver/node';
import { checkAndPublish, scheduleOpenDocuments } from './diagnostics';
import { uriToPath, type Session } from './session';

export function onDidOpen(session: Session, params: DidOpenTextDocumentParams): void {
  const { uri, languageId, version, text } = params.textDocument;
  session.documents.set(uri, TextDocument.create(uri, languageId, version, text));
  try {
    session.engine.setFile(uriToPath(uri), text);
  } catch (e) {
    session.log(`internal error loading ${uri}: ${(e as Error).message}`);
    return;
  }
  // Before the settings are in, the check waits for them (once; later opens run at once).
  // A pending debounced check (the user typed meanwhile) will publish instead.
  void session.ready.then(() => {
    if (session.documents.has(uri) && !session.timers.has(uri)) checkAndPublish(session, uri);
  });
  scheduleOpenDocuments(session, uri);
}
