/**
 * The Async Tasks view in the Run and Debug container. It keeps one plain model per `taskscope`
 * debug session, feeds it from the adapter's `taskTree` event (pushed while the program runs) and
 * the `taskTree` request (on start, on refresh, and for finished tasks when they are shown), and
 * refreshes only the rows the model says changed. It shows the active taskscope session, or the
 * most recent one; with none running the tree is empty and the view's welcome text shows.
 * It does not render signals (see ../signals) or decide menus (contextValue, package.json).
 */
import * as vscode from 'vscode';
import {
  CustomEvents, CustomRequests, type LoopBlockedEventBody, type TaskTreeArguments, type TaskTreeBody,
} from '../../../debug-adapter/src/protocol/dap';
import { DEBUG_TYPE } from '../debug/configuration';
import { resolveTooltip, treeItem } from './items';
import { type Grouping, type Refresh, TaskTreeModel, type TreeNode } from './model';

export const VIEW_ID = 'taskscope.tasks';
const FLUSH_MS = 150;

export class TaskTreeView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly models = new Map<string, { session: vscode.DebugSession; model: TaskTreeModel; polls: number; cut?: string }>();
  private current: string | undefined;
  private readonly emitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly view: vscode.TreeView<TreeNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private grouping: Grouping;
  private hideDone: boolean;
  private minWaitSeconds: number;
  private ageTimer: ReturnType<typeof setInterval> | undefined;
  private pending: Set<TreeNode> | 'all' | undefined;
  /** Bumped on every full rebuild; part of every row's id (see treeItem). */
  private generation = 0;
  private rebuild = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private doneRequest: Promise<void> | undefined;
  /** An empty model shown when no session runs (so the welcome text shows). */
  private readonly idle = new TaskTreeModel();

  constructor(private readonly log: (msg: string) => void) {
    const cfg = vscode.workspace.getConfiguration('taskscope.tasks');
    this.grouping = cfg.get<Grouping>('grouping') === 'awaiter' ? 'awaiter' : 'owner';
    this.hideDone = cfg.get<boolean>('hideDone', true);
    this.minWaitSeconds = 0;
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      vscode.debug.onDidStartDebugSession((s) => this.onStart(s)),
      vscode.debug.onDidTerminateDebugSession((s) => this.onEnd(s)),
      vscode.debug.onDidChangeActiveDebugSession((s) => { if (s?.type === DEBUG_TYPE && s.id !== this.current) this.show(s.id); }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => this.onCustomEvent(e)),
      this.view.onDidChangeVisibility((e) => { if (e.visible) this.fire({ all: true }); }),
    );
    void this.syncContext();
  }

  dispose(): void {
    if (this.ageTimer) clearInterval(this.ageTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }

  // ---- TreeDataProvider ----

  getTreeItem(node: TreeNode): vscode.TreeItem { return treeItem(this.model, node, Date.now(), `${this.generation}/`); }
  getChildren(node?: TreeNode): TreeNode[] { return this.model.children(node ?? null, Date.now()); }
  getParent(node: TreeNode): TreeNode | undefined { return node.parent ?? undefined; }
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem { return resolveTooltip(this.model, node, item, Date.now()); }

  // ---- what commands use ----

  get model(): TaskTreeModel { return (this.current && this.models.get(this.current)?.model) || this.idle; }
  get session(): vscode.DebugSession | undefined { return this.current ? this.models.get(this.current)?.session : undefined; }
  /** The selected task row, if any. */
  selectedTask(): TreeNode | undefined { return this.view.selection.find((n) => n.kind === 'task'); }

  setGrouping(g: Grouping): void {
    this.grouping = g;
    for (const { model } of this.models.values()) model.setGrouping(g);
    this.fire({ all: true });
    void this.syncContext();
  }

  setHideDone(hide: boolean): void {
    this.hideDone = hide;
    for (const { model } of this.models.values()) model.setFilter({ hideDone: hide });
    this.fire({ all: true });
    void this.syncContext();
    void this.requestSnapshot(!hide);
  }

  setMinWait(seconds: number): void {
    this.minWaitSeconds = Math.max(0, seconds);
    for (const { model } of this.models.values()) model.setFilter({ minWaitSeconds: this.minWaitSeconds });
    this.fire({ all: true });
    void this.syncContext();
  }

  /** Asks the adapter for a fresh snapshot (all tasks, or live ones only). */
  async requestSnapshot(includeDone = !this.hideDone): Promise<void> {
    const entry = this.current ? this.models.get(this.current) : undefined;
    if (!entry) return;
    // pushDone: later events then carry finished tasks too, so no request per event is needed.
    const args: TaskTreeArguments = { includeDone, pushDone: includeDone };
    const t = Date.now();
    try {
      const body = await entry.session.customRequest(CustomRequests.taskTree, args) as TaskTreeBody | undefined;
      if (body && Array.isArray(body.tasks) && this.models.get(entry.session.id) === entry) this.applySnapshot(entry.session.id, body, 'reply');
    } catch (e) {
      this.log(`taskTree request failed after ${Date.now() - t} ms: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  // ---- session wiring ----

  private onStart(s: vscode.DebugSession): void {
    if (s.type !== DEBUG_TYPE) return;
    const model = new TaskTreeModel({ groupThreshold: vscode.workspace.getConfiguration('taskscope.tasks').get<number>('groupThreshold', 50) });
    model.grouping = this.grouping;
    model.filter = { hideDone: this.hideDone, minWaitSeconds: this.minWaitSeconds };
    const entry = { session: s, model, polls: 0 };
    this.models.set(s.id, entry);
    this.show(s.id);
    if (vscode.workspace.getConfiguration('taskscope.tasks').get<boolean>('revealOnStart', true)) void this.reveal();
    // Snapshots normally come as events. If none has come after a while (a program whose tasks
    // never change), ask, a few times: each answer costs the debuggee a walk over its tasks.
    const poll = (): void => {
      if (this.models.get(s.id) !== entry || entry.model.size > 0 || entry.polls++ >= 5) return;
      void this.requestSnapshot().finally(() => setTimeout(poll, 3000));
    };
    setTimeout(poll, 2000);
    if (!this.ageTimer) {
      // Ages and wait times move with the clock: re-render the shown rows now and then.
      this.ageTimer = setInterval(() => {
        if (!this.view.visible) return;
        // Leaf rows only: refreshing a parent makes VS Code drop and re-fetch its children, and a
        // context menu opened on one of them meanwhile gets no element (seen in the e2e runs).
        const nodes = this.model.shownTaskNodes(2000).filter((n) => !this.model.hasChildren(n));
        this.fire(this.model.filter.minWaitSeconds > 0 ? { all: true } : { all: false, nodes });
      }, 2000);
    }
  }

  private onEnd(s: vscode.DebugSession): void {
    if (!this.models.delete(s.id)) return;
    if (this.current === s.id) {
      const next = [...this.models.keys()].pop();
      this.show(next);
    }
    if (this.models.size === 0 && this.ageTimer) { clearInterval(this.ageTimer); this.ageTimer = undefined; }
  }

  private show(id: string | undefined): void {
    this.current = id;
    this.fire({ all: true });
    void this.syncContext();
  }

  private onCustomEvent(e: vscode.DebugSessionCustomEvent): void {
    if (e.session.type !== DEBUG_TYPE) return;
    const entry = this.models.get(e.session.id);
    if (!entry) return;
    if (e.event === CustomEvents.taskTree) {
      const body = e.body as TaskTreeBody | undefined;
      if (!body || !Array.isArray(body.tasks)) return;
      // Events carry live tasks; when finished ones are shown, follow up with a full request
      // (one in flight at a time, so a busy program cannot queue requests up).
      if (!this.hideDone && e.session.id === this.current && body.includeDone !== true) {
        this.doneRequest ??= this.requestSnapshot(true).finally(() => { this.doneRequest = undefined; });
        return;
      }
      this.applySnapshot(e.session.id, body, 'event');
    } else if (e.event === CustomEvents.loopBlocked) {
      const body = e.body as LoopBlockedEventBody | undefined;
      if (!body) return;
      const r = entry.model.setBlocked(body.recovered ? null : body.task ?? null);
      if (e.session.id === this.current) this.fire(r);
    }
  }

  private applySnapshot(sessionId: string, body: TaskTreeBody, via: 'event' | 'reply'): void {
    const entry = this.models.get(sessionId);
    if (!entry) return;
    const t = Date.now();
    const first = entry.model.size === 0 && body.tasks.length > 0;
    const r = entry.model.apply(body.tasks, t);
    // The adapter caps long lists (launch `maxTasksInTree`) and says so: never a silent cut.
    entry.cut = body.truncated && typeof body.total === 'number'
      ? `Showing ${body.tasks.length.toLocaleString('en-US')} of ${body.total.toLocaleString('en-US')} tasks (launch setting maxTasksInTree).`
      : undefined;
    if (first) this.log(`first task snapshot of ${entry.session.name}: ${body.tasks.length} tasks by ${via}, applied in ${Date.now() - t} ms`);
    if (sessionId === this.current) { this.fire(r); this.updateBadge(); }
  }

  /**
   * Refreshes are coalesced into one `onDidChangeTreeData` per FLUSH_MS: a busy program sends
   * snapshots back to back, and overlapping refreshes of the same rows have left stale rows drawn
   * on top of fresh ones in VS Code 1.100 (seen in the e2e runs). A root refresh absorbs the rest.
   */
  private fire(r: Refresh): void {
    if (r.all) this.rebuild = true;
    if (r.all || r.nodes.includes(null)) this.pending = 'all';
    else if (this.pending !== 'all' && r.nodes.length) {
      const set: Set<TreeNode> = this.pending ?? new Set();
      for (const n of r.nodes) if (n) set.add(n);
      this.pending = set;
    }
    if (r.all) this.updateBadge();
    if (!this.pending || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const p = this.pending;
      this.pending = undefined;
      // New ids only for a full rebuild (new node objects); a plain root refresh keeps them, and
      // with them the rows the user expanded or collapsed.
      if (this.rebuild) { this.generation++; this.rebuild = false; }
      if (p === 'all') this.emitter.fire(undefined);
      else if (p?.size) this.emitter.fire([...p]);
    }, FLUSH_MS);
  }

  private updateBadge(): void {
    const c = this.model.counts();
    this.view.badge = this.current && c.live ? { value: c.live, tooltip: `${c.live} live asyncio tasks` } : undefined;
    const filters = [this.minWaitSeconds > 0 ? `waiting ≥ ${this.minWaitSeconds} s` : '', this.hideDone ? '' : 'with finished']
      .filter(Boolean).join(', ');
    this.view.description = this.current
      ? `${c.live} live (${c.pending} waiting, ${c.running} running)${filters ? ` · ${filters}` : ''}`
      : undefined;
    const cut = this.current ? this.models.get(this.current)?.cut : undefined;
    const none = this.current && this.minWaitSeconds > 0 && c.live && !this.model.children(null, Date.now()).length
      ? `No task has waited ${this.minWaitSeconds} s or longer.` : undefined;
    this.view.message = [cut, none].filter(Boolean).join(' ') || undefined;
  }

  private async syncContext(): Promise<void> {
    this.updateBadge();
    await Promise.all([
      vscode.commands.executeCommand('setContext', 'taskscope.tasks.grouping', this.grouping),
      vscode.commands.executeCommand('setContext', 'taskscope.tasks.hideDone', this.hideDone),
      vscode.commands.executeCommand('setContext', 'taskscope.tasks.filtered', this.minWaitSeconds > 0),
      vscode.commands.executeCommand('setContext', 'taskscope.tasks.sessionActive', this.current !== undefined),
      vscode.commands.executeCommand('setContext', 'taskscope.activated', true),
    ]);
  }
}
