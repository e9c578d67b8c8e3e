/**
 * Lost asyncio errors (coroutine never awaited, task exception never retrieved, task destroyed
 * while pending, pending at shutdown) from the adapter's `lostError` event: a line in the
 * "Taskscope" output channel and a diagnostic on the creation site (source "taskscope runtime"),
 * cleared when a taskscope session (re)starts. Static diagnostics belong to the language server.
 */
import * as vscode from 'vscode';
import { CustomEvents, type LostErrorEventBody } from '../../../debug-adapter/src/protocol/dap';
import { DEBUG_TYPE } from '../debug/configuration';
import { baseName } from '../taskTree/model';
import { lostErrorText } from './format';

export const RUNTIME_SOURCE = 'taskscope runtime';

export class LostErrorSignals implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('taskscope-runtime');
  private readonly byFile = new Map<string, vscode.Diagnostic[]>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly output: vscode.OutputChannel) {
    this.disposables.push(
      this.diagnostics,
      vscode.debug.onDidStartDebugSession((s) => { if (s.type === DEBUG_TYPE) this.clear(); }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === CustomEvents.lostError && e.body) this.onLostError(e.body as LostErrorEventBody);
      }),
    );
  }

  dispose(): void { for (const d of this.disposables) d.dispose(); }

  clear(): void {
    this.byFile.clear();
    this.diagnostics.clear();
  }

  private onLostError(body: LostErrorEventBody): void {
    const text = lostErrorText(body);
    const where = body.createdAt ? ` (created at ${baseName(body.createdAt.path)}:${body.createdAt.line} in ${body.createdAt.function || '<module>'})` : '';
    this.output.appendLine(`[${new Date().toLocaleTimeString()}] ${text}${where}`);
    if (!body.createdAt || !vscode.workspace.getConfiguration('taskscope.signals').get<boolean>('lostErrorDiagnostics', true)) return;
    const uri = vscode.Uri.file(body.createdAt.path);
    const line = Math.max(0, body.createdAt.line - 1);
    const list = this.byFile.get(uri.toString()) ?? [];
    // The same error from many tasks created on one line: one diagnostic, counted.
    const same = list.find((d) => d.range.start.line === line && d.code === body.kind);
    if (same) {
      const n = Number(/ \(×(\d+)\)$/.exec(same.message)?.[1] ?? 1) + 1;
      same.message = `${same.message.replace(/ \(×\d+\)$/, '')} (×${n})`;
    } else {
      const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), text,
        body.kind === 'exception-never-retrieved' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = RUNTIME_SOURCE;
      d.code = body.kind;
      list.push(d);
    }
    this.byFile.set(uri.toString(), list);
    this.diagnostics.set(uri, list.slice());
  }
}
