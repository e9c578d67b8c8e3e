/**
 * workspace/didChangeWorkspaceFolders: keeps the engine's roots equal to the editor's folders.
 * An added folder is loaded and checked (through the usual workspace analysis); a removed one
 * has its files dropped and their diagnostics cleared, unless a file is open.
 */
import path from 'node:path';
import type { WorkspaceFoldersChangeEvent } from 'vscode-languageserver/node';
import { clearDiagnostics } from './diagnostics';
import { pathToUri, uriToPath, type Session } from './session';
import { scanWorkspace } from './workspaceScan';

export function onDidChangeWorkspaceFolders(session: Session, event: WorkspaceFoldersChangeEvent): void {
  const removed = event.removed.filter((f) => f.uri.startsWith('file:')).map((f) => path.resolve(uriToPath(f.uri)));
  const added = event.added.filter((f) => f.uri.startsWith('file:')).map((f) => path.resolve(uriToPath(f.uri)));
  session.roots = [...session.roots.filter((r) => !removed.includes(r)), ...added.filter((r) => !session.roots.includes(r))];
  session.engine.configure({ roots: session.roots });
  const open = new Set([...session.documents.keys()].map(uriToPath));
  for (const file of [...session.workspaceFiles]) {
    if (!removed.some((r) => file.startsWith(r + path.sep)) || session.roots.some((r) => file.startsWith(r + path.sep))) continue;
    session.workspaceFiles.delete(file);
    if (open.has(file)) continue;
    session.engine.removeFile(file);
    clearDiagnostics(session, pathToUri(file));
  }
  if (added.length) session.idle = session.idle.then(() => scanWorkspace(session, { load: true, roots: added }).then(() => undefined));
}
