/**
 * The whole-workspace analysis on start (and after a settings change): loads every Python file
 * of the roots into the engine (the index imports resolve through), then checks and publishes the
 * files not open in the editor. Progress is shown with window/workDoneProgress and the user may
 * cancel it; the work yields to the event loop every few milliseconds so typing stays responsive.
 * Open documents are never overwritten with disk text.
 */
import { findPythonFiles, readPythonFile } from '../cli/files';
import { checkAndPublish, scheduleOpenDocuments } from './diagnostics';
import { pathToUri, uriToPath, type Session } from './session';

/** Longest stretch of analysis between two turns of the event loop, in ms (keeps typing responsive). */
const SLICE_MS = 30;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** True when the current slice is used up (the caller then yields and reports progress). */
function sliceOver(state: { since: number }): boolean {
  const now = Date.now();
  if (now - state.since < SLICE_MS) return false;
  state.since = now;
  return true;
}

export interface ScanOutcome { files: number; checked: number; cancelled: boolean }

/** Loads (when `load`: the files of `roots`, default all roots) and checks the workspace's files. */
export async function scanWorkspace(session: Session, { load, roots = session.roots }: { load: boolean; roots?: string[] }): Promise<ScanOutcome> {
  const progress = await session.connection.window.createWorkDoneProgress().catch(() => null);
  const cancelled = (): boolean => progress?.token.isCancellationRequested ?? false;
  const openPaths = (): Set<string> => new Set([...session.documents.keys()].map(uriToPath));
  progress?.begin('Taskscope: analysing the workspace', 0, undefined, true);
  const started = Date.now();
  let files: string[] = [];
  let checked = 0;
  try {
    if (load) {
      const found = findPythonFiles(roots);
      for (const p of found.problems) session.log(`${p.path}: ${p.message}`);
      files = found.files;
      const slice = { since: 0 };
      for (let i = 0; i < files.length; i++) {
        if (sliceOver(slice)) {
          await tick();
          if (cancelled()) break;
          progress?.report(Math.round((i / files.length) * 40), `indexing ${i}/${files.length} files`);
        }
        const file = files[i];
        if (openPaths().has(file)) { session.workspaceFiles.add(file); continue; }
        const read = readPythonFile(file);
        if ('error' in read) { session.log(`${file}: ${read.error}`); continue; }
        try {
          session.engine.setFile(file, read.text);
          session.workspaceFiles.add(file);
        } catch (e) {
          session.log(`internal error loading ${file}: ${(e as Error).message}`);
        }
      }
    }
    const toCheck = [...session.workspaceFiles].sort();
    const open = openPaths();
    const slice = { since: 0 };
    for (let i = 0; i < toCheck.length && !cancelled(); i++) {
      if (sliceOver(slice)) {
        await tick();
        if (cancelled()) break;
        progress?.report(40 + Math.round((i / toCheck.length) * 60), `checking ${i}/${toCheck.length} files`);
      }
      if (open.has(toCheck[i])) continue;
      checkAndPublish(session, pathToUri(toCheck[i]));
      checked++;
    }
  } finally {
    progress?.done();
  }
  const wasCancelled = cancelled();
  session.log(`workspace analysis ${wasCancelled ? 'cancelled' : 'done'}: ${checked} files checked in ${Date.now() - started} ms`);
  // Open documents may now resolve imports to files that were not loaded before.
  scheduleOpenDocuments(session);
  return { files: files.length, checked, cancelled: wasCancelled };
}
