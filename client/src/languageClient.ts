/**
 * Starts the Taskscope language server (dist/server.js, over node IPC) lazily: on the first
 * Python document, not on activation, so a window without Python pays nothing. Exports
 * `registerLanguageClient(context)` for extension.ts and `stopLanguageClient()` for its
 * `deactivate`. It owns no commands and no UI beyond the server's output channel.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;
let starting: Promise<void> | undefined;

function isPython(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'python' && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled');
}

function start(context: vscode.ExtensionContext): Promise<void> {
  if (starting) return starting;
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }, { scheme: 'untitled', language: 'python' }],
    outputChannelName: 'Taskscope Language Server',
  };
  client = new LanguageClient('taskscope', 'Taskscope', serverOptions, clientOptions);
  starting = client.start().catch((e: unknown) => {
    void vscode.window.showErrorMessage(`Taskscope: the language server did not start (${e instanceof Error ? e.message : String(e)}).`);
  });
  return starting;
}

/** Starts the server when the first Python document is (or already was) opened. */
export function registerLanguageClient(context: vscode.ExtensionContext): void {
  if (vscode.workspace.textDocuments.some(isPython)) {
    void start(context);
  } else {
    const listener = vscode.workspace.onDidOpenTextDocument((doc) => {
      if (!isPython(doc)) return;
      listener.dispose();
      void start(context);
    });
    context.subscriptions.push(listener);
  }
  context.subscriptions.push({ dispose: () => void stopLanguageClient() });
}

/** Stops the server; return it from the extension's `deactivate` so VS Code waits for it. */
export async function stopLanguageClient(): Promise<void> {
  const c = client;
  const pending = starting;
  client = undefined;
  starting = undefined;
  // A client still starting cannot be stopped (vscode-languageclient throws): let it finish.
  if (pending) await pending;
  if (c?.isRunning()) await c.stop().catch(() => undefined);
}
