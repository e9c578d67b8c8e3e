/**
 * workspace/didChangeConfiguration: re-reads the `taskscope` settings (pull model when the client
 * serves workspace/configuration, else the pushed payload), hands them to the engine, and
 * re-checks open documents and the workspace so severities and disabled rules show at once.
 */
import type { DidChangeConfigurationParams } from 'vscode-languageserver/node';
import { checkAndPublish } from './diagnostics';
import { applySettings, loadSettings } from './settings';
import type { Session } from './session';
import { scanWorkspace } from './workspaceScan';

export async function onDidChangeConfiguration(session: Session, params: DidChangeConfigurationParams): Promise<void> {
  const pushed = (params.settings as Record<string, unknown> | null | undefined)?.taskscope;
  applySettings(session, await loadSettings(session, pushed));
  for (const uri of session.documents.keys()) checkAndPublish(session, uri);
  const next = session.idle.then(() => scanWorkspace(session, { load: false }).then(() => undefined));
  session.idle = next;
  await next;
}
