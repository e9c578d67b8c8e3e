// Extension entry (dist/extension.js). Minimal wiring by the language-server work (issue 2) until
// the UX work takes this file over: start the language client lazily, stop it on deactivate.
import type * as vscode from 'vscode';
import { registerLanguageClient, stopLanguageClient } from './languageClient';

export function activate(context: vscode.ExtensionContext): void {
  registerLanguageClient(context);
}

export function deactivate(): Promise<void> {
  return stopLanguageClient();
}
