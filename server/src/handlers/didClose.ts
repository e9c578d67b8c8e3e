/**
 * textDocument/didClose: the disk's text takes over again. A workspace file keeps its
 * workspace diagnostics (computed from the disk); any other file is dropped and cleared.
 */
import type { DidCloseTextDocumentParams } from 'vscode-languageserver/node';
import { readPythonFile } from '../cli/files';
import { checkAndPublish, clearDiagnostics, scheduleOpenDocuments } from './diagnostics';
import { inWorkspace, uriToPath, type Session } from './session';

export function onDidClose(session: Session, params: DidCloseTextDocumentParams): void {
  const { uri } = params.textDocument;
  if (!session.documents.delete(uri)) return;
  const file = uriToPath(uri);
  const read = session.workspaceFiles.has(file) || (uri.startsWith('file:') && inWorkspace(session, file)) ? readPythonFile(file) : null;
  try {
    if (read && 'text' in read) {
      session.engine.setFile(file, read.text);
      session.workspaceFiles.add(file);
      checkAndPublish(session, uri);
    } else {
      session.engine.removeFile(file);
      session.workspaceFiles.delete(file);
      clearDiagnostics(session, uri);
    }
  } catch (e) {
    session.log(`internal error on close of ${file}: ${(e as Error).message}`);
  }
  scheduleOpenDocuments(session);
}
