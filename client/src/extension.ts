/**
 * Extension entry (dist/extension.js): wiring only. Starts the language client lazily (on the
 * first Python document), registers the `taskscope` debugger, the Async Tasks view, the runtime
 * signals (blocked loop, lost errors) and the commands. Activation: Python files or a taskscope
 * debug session (package.json). No logic lives here.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerDebugger } from './debug/adapter';
import { registerLanguageClient, stopLanguageClient } from './languageClient';
import { LoopBlockedSignals } from './signals/loopBlocked';
import { LostErrorSignals } from './signals/lostErrors';
import { TaskTreeView } from './taskTree/view';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Taskscope');
  const log = (msg: string): void => output.appendLine(`[${new Date().toLocaleTimeString()}] ${msg}`);
  context.subscriptions.push(output);

  registerLanguageClient(context);
  registerDebugger(context, log);

  const view = new TaskTreeView(log);
  const loop = new LoopBlockedSignals(log);
  const lost = new LostErrorSignals(output);
  context.subscriptions.push(view, loop, lost);
  registerCommands(context, { view, loop, output, log });
}

export function deactivate(): Promise<void> {
  return stopLanguageClient();
}
