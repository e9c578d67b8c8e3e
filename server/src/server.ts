/**
 * The Taskscope language server (bundled to dist/server.js; stdio, node-ipc or socket as
 * vscode-languageserver picks from argv). This file only opens the connection, declares the
 * capabilities and routes each LSP method to its handler in handlers/. Every handler is guarded:
 * an exception is logged and answered with an empty result, never fatal to the process.
 */
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { version } from '../../package.json';
import { FIX_ALL_KIND, onCodeAction } from './handlers/codeAction';
import { onDidChange } from './handlers/didChange';
import { onDidChangeConfiguration } from './handlers/didChangeConfiguration';
import { onDidChangeWatchedFiles } from './handlers/didChangeWatchedFiles';
import { onDidChangeWorkspaceFolders } from './handlers/didChangeWorkspaceFolders';
import { onDidClose } from './handlers/didClose';
import { onDidOpen } from './handlers/didOpen';
import { createSession, onInitialized, type InitializationOptions } from './handlers/initialize';
import type { Session } from './handlers/session';

const connection = createConnection(ProposedFeatures.all);
let session: Session | undefined;
let initOptions: InitializationOptions = {};

/** Wraps a handler: no session yet or an exception gives `fallback`, and the error is logged. */
function guard<P, R>(name: string, fallback: R, handler: (s: Session, params: P) => R): (params: P) => R {
  return (params: P): R => {
    if (!session) return fallback;
    try {
      return handler(session, params);
    } catch (e) {
      connection.console.error(`[taskscope] ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return fallback;
    }
  };
}

connection.onInitialize(async (params): Promise<InitializeResult> => {
  initOptions = (params.initializationOptions ?? {}) as InitializationOptions;
  session = await createSession(connection, params);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'taskscope', version },
  };
});

connection.onInitialized(() => {
  if (!session) return;
  if (session.client.workspaceFolders) connection.workspace.onDidChangeWorkspaceFolders(guard('didChangeWorkspaceFolders', undefined, onDidChangeWorkspaceFolders));
  void onInitialized(session, initOptions).catch((e: Error) => connection.console.error(`[taskscope] initialization: ${e.stack ?? e.message}`));
});

connection.onDidOpenTextDocument(guard('didOpen', undefined, onDidOpen));
connection.onDidChangeTextDocument(guard('didChange', undefined, onDidChange));
connection.onDidCloseTextDocument(guard('didClose', undefined, onDidClose));
connection.onDidChangeWatchedFiles(guard('didChangeWatchedFiles', undefined, onDidChangeWatchedFiles));
connection.onDidChangeConfiguration(guard('didChangeConfiguration', undefined, (s, p) => {
  void onDidChangeConfiguration(s, p).catch((e: Error) => connection.console.error(`[taskscope] didChangeConfiguration: ${e.stack ?? e.message}`));
}));
connection.onCodeAction(guard('codeAction', [], onCodeAction));
connection.onShutdown(() => {
  for (const timer of session?.timers.values() ?? []) clearTimeout(timer);
  session?.timers.clear();
});

// A bug must not take the server down with the user's diagnostics: log it and keep serving.
process.on('uncaughtException', (e) => connection.console.error(`[taskscope] uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`[taskscope] unhandled rejection: ${String(e)}`));

connection.listen();
