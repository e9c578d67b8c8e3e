/**
 * "Event loop blocked" in the editor, from the adapter's `loopBlocked` event: one notification per
 * blocking episode with its real duration ("Event loop blocked for 1.2 s in `handler()` at
 * `app.py:42`", with "Go to line"; shown at recovery, or after a second while it still blocks), a
 * highlighted line at the blocking call while it blocks (then a quieter note until the session
 * ends), and a status-bar item with the loop's state during a taskscope session.
 * It does not touch the Async Tasks view (the view marks the blocked task itself).
 */
import * as vscode from 'vscode';
import { CustomEvents, type LoopBlockedEventBody, type SourceLocation, type TaskInfo, type TaskTreeBody } from '../../../debug-adapter/src/protocol/dap';
import { DEBUG_TYPE } from '../debug/configuration';
import { formatDuration } from '../taskTree/model';
import { blockedByAgent, blockedMessage, blockingFrame } from './format';

/** How long a block may last before the notification shows while it still blocks. */
const NOTIFY_AFTER_MS = 1000;

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
  private readonly pastBlockingLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorWarning.foreground') },
  });
  private readonly disposables: vscode.Disposable[] = [];
  /** Per session: the blocking episode in progress (one notification per episode). */
  private readonly episodes = new Map<string, {
    notified: boolean; frame: SourceLocation | undefined; timer: ReturnType<typeof setTimeout>; ticker: ReturnType<typeof setInterval>;
  }>();
  /** The line to decorate, with its hover text; null when nothing to show. */
  private mark: { uri: string; line: number; text: string; active: boolean } | null = null;
  private lastFrame: SourceLocation | undefined;
  private readonly sessions = new Set<string>();
  private readonly notifiedPlaces = new Set<string>();

  constructor(private readonly log: (msg: string) => void) {
    this.status.name = 'Taskscope: event loop';
    this.status.command = 'taskscope.goToBlockedLine';
    this.disposables.push(
      this.status, this.blockingLine, this.pastBlockingLine,
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

  dispose(): void {
    for (const id of [...this.episodes.keys()]) this.endEpisode(id);
    for (const d of this.disposables) d.dispose();
  }

  /** Opens the line that blocked the loop most recently. */
  async goToBlockedLine(): Promise<void> {
    if (this.lastFrame) await openLocation(this.lastFrame);
  }

  private endEpisode(id: string): void {
    const e = this.episodes.get(id);
    if (e) { clearTimeout(e.timer); clearInterval(e.ticker); }
    this.episodes.delete(id);
  }

  private onStart(s: vscode.DebugSession): void {
    this.sessions.add(s.id);
    this.endEpisode(s.id);
    this.mark = null;
    this.lastFrame = undefined;
    this.decorate();
    this.setStatus('$(pulse) Loop: running', 'The asyncio event loop of the debugged program turns normally.', false);
    this.status.show();
  }

  private onEnd(s: vscode.DebugSession): void {
    this.endEpisode(s.id);
    this.sessions.delete(s.id);
    for (const p of [...this.notifiedPlaces]) if (p.startsWith(`${s.id}\u0000`)) this.notifiedPlaces.delete(p);
    if (this.sessions.size === 0) {
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
    let episode = this.episodes.get(s.id);
    if (!body.recovered && !episode && blockedByAgent(body.stack)) {
      this.log(`the debugger itself held the event loop for ${formatDuration(body.durationMs)} (${body.stack[0].function})`);
      return;
    }
    const frame = blockingFrame(body.stack) ?? episode?.frame;
    if (frame) this.lastFrame = frame;
    if (body.recovered) {
      // The recovery event may carry no stack: describe the episode with the frame seen while blocked.
      const message = blockedMessage({ ...body, stack: frame ? [frame] : [] });
      this.log(`${message} (recovered)`);
      if (episode && !episode.notified) this.notify(s.id, message, frame);
      this.endEpisode(s.id);
      this.setStatus(`$(pulse) Loop: running (last block ${formatDuration(body.durationMs)})`, `${message}. Click to go to the line.`, false);
      if (this.mark) { this.mark.active = false; this.mark.text = `blocked the event loop for ${formatDuration(body.durationMs)}`; }
      this.decorate();
      return;
    }
    this.setStatus(`$(warning) Loop blocked ${formatDuration(body.durationMs)}`, `${blockedMessage(body)}. Click to go to the line.`, true);
    if (frame) {
      this.mark = { uri: vscode.Uri.file(frame.path).toString(), line: frame.line - 1, text: 'is blocking the event loop', active: true };
      this.decorate();
    }
    if (episode) { episode.frame = frame; return; }
    // The status bar counts the block up live (the agent reports it at the start and at the end).
    const startedAt = Date.now() - body.durationMs;
    const ticker = setInterval(() => {
      if (this.episodes.get(s.id)?.ticker !== ticker) { clearInterval(ticker); return; }
      this.setStatus(`$(warning) Loop blocked ${formatDuration(Date.now() - startedAt)}`, `${blockedMessage(body)}. Click to go to the line.`, true);
    }, 250);
    // One notification per episode, with the real duration: at recovery when that comes soon,
    // else after NOTIFY_AFTER_MS while the loop is still blocked.
    episode = { notified: false, frame, timer: setTimeout(() => {
      const e = this.episodes.get(s.id);
      if (!e || e.notified) return;
      const message = blockedMessage({ ...body, durationMs: Date.now() - startedAt, stack: e.frame ? [e.frame] : [] });
      this.log(`${message} (still blocked)`);
      this.notify(s.id, `${message} (still blocked)`, e.frame);
      e.notified = true;
    }, NOTIFY_AFTER_MS), ticker };
    this.episodes.set(s.id, episode);
  }

  /**
   * One toast per blocking place and session: a loop that blocks every few seconds at the same
   * line would otherwise pile notifications up. Repeats show in the status bar, the line and the log.
   */
  private notify(sessionId: string, message: string, frame: SourceLocation | undefined): void {
    if (!vscode.workspace.getConfiguration('taskscope.signals').get<boolean>('loopBlockedNotification', true)) return;
    const place = `${sessionId}\u0000${frame ? `${frame.path}:${frame.line}` : '?'}`;
    if (this.notifiedPlaces.has(place)) return;
    this.notifiedPlaces.add(place);
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
    const m = this.mark;
    for (const ed of vscode.window.visibleTextEditors) {
      const on = m && ed.document.uri.toString() === m.uri && m.line >= 0 && m.line < ed.document.lineCount;
      const options: vscode.DecorationOptions[] = on ? [{
        range: ed.document.lineAt(m.line).range,
        hoverMessage: `Taskscope: this line ${m.text}`,
        renderOptions: { after: { contentText: `  ⚠ ${m.text}` } },
      }] : [];
      ed.setDecorations(this.blockingLine, on && m.active ? options : []);
      ed.setDecorations(this.pastBlockingLine, on && !m.active ? options : []);
    }
  }
}

/** Opens a file at a 1-based line from the adapter. */
export async function openLocation(loc: SourceLocation, preview = true): Promise<void> {
  const line = Math.max(0, loc.line - 1);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(loc.path));
  await vscode.window.showTextDocument(doc, { preview, selection: new vscode.Range(line, 0, line, 0) });
}
