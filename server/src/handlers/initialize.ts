/**
 * initialize / initialized: reads the workspace roots and what the client supports, creates the
 * engine, then (once initialized) registers file watchers, loads settings and starts the
 * workspace analysis. Capabilities themselves are declared in server.ts.
 */
import path from 'node:path';
import { DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, type Connection, type InitializeParams } from 'vscode-languageserver/node';
import { createEngine } from '../engine';
import { applySettings, loadSettings, parseSettings } from './settings';
import { CONFIG_FILES, uriToPath, type Session } from './session';
import { scanWorkspace } from './workspaceScan';

export interface InitializationOptions {
  /** Settings for clients without workspace/configuration (same shape as `taskscope.*`). */
  settings?: unknown;
  /** Debounce of diagnostics while typing, in ms (tests lower it). */
  debounceMs?: number;
  /** Skip the whole-workspace analysis on start. */
  scanWorkspace?: boolean;
}

let markReady: () => void = () => undefined;

export async function createSession(connection: Connection, params: InitializeParams): Promise<Session> {
  const log = (message: string): void => connection.console.log(`[taskscope] ${message}`);
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const roots = folders.filter((u) => u.startsWith('file:')).map((u) => path.resolve(uriToPath(u)));
  const options = (params.initializationOptions ?? {}) as InitializationOptions;
  const caps = params.capabilities;
  const settings = parseSettings(options.settings, log);
  const engine = await createEngine({ roots, rules: settings.rules, pythonVersion: settings.pythonVersion, log });
  return {
    connection,
    engine,
    roots,
    client: {
      configuration: caps.workspace?.configuration === true,
      workDoneProgress: caps.window?.workDoneProgress === true,
      watchedFilesDynamic: caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
      documentChanges: caps.workspace?.workspaceEdit?.documentChanges === true,
      workspaceFolders: caps.workspace?.workspaceFolders === true,
    },
    settings,
    rules: new Map(engine.rules().map((r) => [r.name, r])),
    documents: new Map(),
    workspaceFiles: new Set(),
    results: new Map(),
    timers: new Map(),
    debounceMs: typeof options.debounceMs === 'number' && options.debounceMs >= 0 ? options.debounceMs : 200,
    ready: new Promise<void>((resolve) => { markReady = resolve; }),
    idle: Promise.resolve(),
    log,
  };
}

/** Runs after `initialized`: watchers, settings, then the workspace analysis in the background. */
export async function onInitialized(session: Session, options: InitializationOptions): Promise<void> {
  const { connection } = session;
  if (session.client.watchedFilesDynamic) {
    await connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: '**/*.py' }, { globPattern: `**/{${[...CONFIG_FILES].join(',')}}` }],
    }).catch((e: Error) => session.log(`cannot watch files: ${e.message}`));
  }
  try {
    if (session.client.configuration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: 'taskscope' })
        .catch(() => undefined);
      applySettings(session, await loadSettings(session, options.settings));
    }
  } finally {
    markReady();
  }
  if (options.scanWorkspace !== false && session.roots.length) {
    session.idle = session.idle.then(() => scanWorkspace(session, { load: true }).then(() => undefined));
  }
}
