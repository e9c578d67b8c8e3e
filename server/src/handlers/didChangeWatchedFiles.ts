/**
 * workspace/didChangeWatchedFiles: keeps the engine's workspace index in step with the disk for
 * files not open in the editor (an open document's text wins until it is closed). Created and
 * changed files are re-read and re-checked, deleted ones (or deleted folders) dropped and cleared;
 * open documents are then re-checked, as their imports may resolve differently. A changed
 * project configuration (pyproject.toml, pytest.ini, setup.cfg, tox.ini) re-checks everything.
 */
import path from 'node:path';
import { FileChangeType, type DidChangeWatchedFilesParams } from 'vscode-languageserver/node';
import { readPythonFile } from '../cli/files';
import { checkAndPublish, clearDiagnostics, scheduleOpenDocuments } from './diagnostics';
import { CONFIG_FILES, inWorkspace, pathToUri, uriToPath, type Session } from './session';
import { scanWorkspace } from './workspaceScan';

export function onDidChangeWatchedFiles(session: Session, params: DidChangeWatchedFilesParams): void {
  const openPaths = new Set([...session.documents.keys()].map(uriToPath));
  const toCheck = new Set<string>();
  let configChanged = false;
  for (const change of params.changes) {
    if (!change.uri.startsWith('file:')) continue;
    const file = uriToPath(change.uri);
    if (CONFIG_FILES.has(path.basename(file))) {
      configChanged = true;
      continue;
    }
    if (change.type === FileChangeType.Deleted) {
      // The engine may hold a summary of the file read from disk for an import: forget it.
      if (!openPaths.has(file)) forget(session, file);
      // A deleted folder arrives as one event for the folder.
      const prefix = file + path.sep;
      for (const known of [...session.workspaceFiles]) {
        if (known !== file && !known.startsWith(prefix)) continue;
        session.workspaceFiles.delete(known);
        toCheck.delete(known);
        if (openPaths.has(known)) continue;
        forget(session, known);
        clearDiagnostics(session, pathToUri(known));
      }
      continue;
    }
    if (!file.endsWith('.py') || openPaths.has(file)) continue;
    if (!inWorkspace(session, file)) {
      // Not ours to check (e.g. a virtual env), but imports may read it: drop any stale summary.
      forget(session, file);
      continue;
    }
    const read = readPythonFile(file);
    if ('error' in read) {
      session.log(`${file}: ${read.error}`);
      continue;
    }
    try {
      session.engine.setFile(file, read.text);
      session.workspaceFiles.add(file);
      toCheck.add(file);
    } catch (e) {
      session.log(`internal error loading ${file}: ${(e as Error).message}`);
    }
  }
  if (configChanged) {
    // configure() with nothing new keeps the settings and drops the engine's cached project config.
    session.engine.configure({});
    for (const uri of session.documents.keys()) checkAndPublish(session, uri);
    session.idle = session.idle.then(() => scanWorkspace(session, { load: false }).then(() => undefined));
    return;
  }
  for (const file of toCheck) checkAndPublish(session, pathToUri(file));
  scheduleOpenDocuments(session);
}

/** Removes a file from the engine, which then reads the disk again if something imports it. */
function forget(session: Session, file: string): void {
  try {
    session.engine.removeFile(file);
  } catch (e) {
    session.log(`internal error removing ${file}: ${(e as Error).message}`);
  }
}
