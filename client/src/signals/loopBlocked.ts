/**
 * "Event loop blocked" in the editor, from the adapter's `loopBlocked` event: one notification per
 * blocking episode ("Event loop blocked for 1.2 s in `handler()` at `app.py:42`", with "Go to
 * line"), a highlighted line at the blocking call while it blocks (kept, dimmer, after it recovers
 * until the session ends), and a status-bar item with the loop's state during a taskscope session.
 * It does not touch the Async Tasks view (the view marks the blocked task itself).
 */
import * as vscode from 'vscode';
import { CustomEvents, type LoopBlockedEventBody, type SourceLocation, type TaskInfo, type TaskTreeBody } from '../../../debug-adapter/src/protocol/dap';
import { DEBUG_TYPE } from '../debug/configuration';
import { formatDuration } from '../taskTree/model';
import { blockedMessage, blockingFrame } from './format';

export class LoopBlockedSignals implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('taskscope.loopLag', vscode.StatusBarAlignment.Left, 50);
  private readonly blockingLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editorWarning.background'),
    border: '1px solid',
    borderColor: new vscode.ThemeColor('editorWarning.foreground'),
    overviewRulerColor: new vscode.ThemeColor('editorWarning.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorWarning.foreground') },
  });
  private readonly disposables: vscode.Disposable[] = [];
  /** Per session: the episode currently notified (so one episode gives one notification). */
  private readonly episodes = new Map<string, { notified: boolean }>();
  /** The line to decorate, with its hover text; null when nothing to show. */
  private mark: { uri: string; line: number; text: string; active: boolean } | null = null;
  private lastFrame: SourceLocation | undefined;

  constructor(private readonly log: (msg: string) => void) {
    this.status.name = 'Taskscope: event loop';
    this.status.command = 'taskscope.goToBlockedLine';
    this.disposables.push(
      this.status, this.blockingLine,
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE) return;
        if (e.event === CustomEvents.loopBlocked && e.body) this.onBlocked(e.session, e.body as LoopBlockedEventBody);
        else if (e.event === CustomEvents.taskTree && e.body) this.onSnapshot(e.body as TaskTreeBody & { loopLagMs?: unknown });
      }),
      vscode.debug.onDidStartDebugSession((s) => { if (s.type === DEBUG_TYPE) this.onStart(s); }),
      vscode.debug.onDidTerminateDebugSession((s) => { if (s.type === DEBUG_TYPE) this.onEnd(s); }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
    );
  }

  dispose(): void { for (const d of this.disposables) d.dispose(); }

  /** Opens the line that blocked the loop most recently. */
  async goToBlockedLine(): Promise<void> {
    if (this.lastFrame) await openLocation(this.lastFrame);
  }

  private onStart(s: vscode.DebugSession): void {
    this.episodes.set(s.id, { notified: false });
    this.mark = null;
    this.lastFrame = undefined;
    this.decorate();
    this.setStatus('$(pulse) Loop: running', 'The asyncio event loop of the debugged program turns normally.', false);
    this.status.show();
  }

  private onEnd(s: vscode.DebugSession): void {
    this.episodes.delete(s.id);
    if ([...this.episodes.keys()].length === 0) {
      this.status.hide();
      this.mark = null;
      this.decorate();
    }
  }

  private onSnapshot(body: { loopLagMs?: unknown; tasks: TaskInfo[] }): void {
    // Adapters may report the loop's lag with each snapshot (an optional extra field).
    if (typeof body.loopLagMs === 'number' && !this.mark?.active) {
      this.setStatus(`$(pulse) Loop lag: ${formatDuration(body.loopLagMs)}`, 'Delay of the asyncio event loop in the debugged program.', false);
    }
  }

  private onBlocked(s: vscode.DebugSession, body: LoopBlockedEventBody): void {
    const episode = this.episodes.get(s.id) ?? { notified: false };
    this.episodes.set(s.id, episode);
    const frame = blockingFrame(body.stack);
    const message = blockedMessage(body);
    if (frame) this.lastFrame = frame;
    if (body.recovered) {
      episode.notified = false;
      this.log(`${message} (recovered)`);
      this.setStatus(`$(pulse) Loop: running (last block ${formatDuration(body.durationMs)})`, `${message}. Click to go to the line.`, false);
      if (this.mark) { this.mark.active = false; this.mark.text = `blocked the event loop for ${formatDuration(body.durationMs)}`; }
      this.decorate();
      return;
    }
    this.setStatus(`$(warning) Loop blocked ${formatDuration(body.durationMs)}`, `${message}. Click to go to the line.`, true);
    if (frame) {
      this.mark = { uri: vscode.Uri.file(frame.path).toString(), line: frame.line - 1, text: `blocking the event loop (${formatDuration(body.durationMs)})`, active: true };
      this.decorate();
    }
    if (episode.notified) return;
    episode.notified = true;
    this.log(message);
    if (!vscode.workspace.getConfiguration('taskscope.signals').get<boolean>('loopBlockedNotification', true)) return;
    void vscode.window.showWarningMessage(message, ...(frame ? ['Go to line'] : [])).then((choice) => {
      if (choice === 'Go to line' && frame) void openLocation(frame);
    });
  }

  private setStatus(text: string, tooltip: string, warning: boolean): void {
    this.status.text = text;
    this.status.tooltip = tooltip;
    this.status.backgroundColor = warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  private decorate(): void {
    for (const ed of vscode.window.visibleTextEditors) {
      const m = this.mark;
      if (!m || ed.document.uri.toString() !== m.uri || m.line < 0 || m.line >= ed.document.lineCount) {
        ed.setDecorations(this.blockingLine, []);
        continue;
      }
      ed.setDecorations(this.blockingLine, [{
        range: ed.document.lineAt(m.line).range,
        hoverMessage: `Taskscope: this line ${m.text}`,
        renderOptions: { after: { contentText: `  ⚠ ${m.text}` } },
      }]);
    }
  }
}

/** Opens a file at a 1-based line from the adapter. */
export async function openLocation(loc: SourceLocation, preview = true): Promise<void> {
  const line = Math.max(0, loc.line - 1);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(loc.path));
  await vscode.window.showTextDocument(doc, { preview, selection: new vscode.Range(line, 0, line, 0) });
}
