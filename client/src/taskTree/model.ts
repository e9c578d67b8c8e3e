/**
 * The Async Tasks view's model: plain data, no `vscode` import, unit-tested in client/test.
 *
 * It keeps the latest task snapshot of one debug session keyed by task id, diffs each new snapshot
 * against it, and answers "children of this node" for two groupings:
 * - by owner: a task sits under the task that created it; tasks whose owner has finished (or is no
 *   longer reported) sit under one root group, "Orphans (owner finished)";
 * - by awaiter: a task sits under each task awaiting it; tasks nobody awaits are roots, and tasks
 *   that only await each other in a cycle sit under a root group "Await cycles".
 * Large sibling sets are grouped by coroutine and then cut into ranges, so 10k handler tasks are a
 * few rows until expanded. `apply()` returns the nodes whose rows or children changed, so the view
 * refreshes those only (an element refresh in VS Code), never the whole tree per event.
 *
 * Node objects are cached per parent and reused across calls: VS Code identifies tree elements by
 * object, and a refresh of an element needs the very object it was given.
 *
 * It deliberately does not talk to the debug adapter, build `TreeItem`s or read settings.
 */
import type { SourceLocation, TaskInfo, TaskState } from '../../../debug-adapter/src/protocol/dap';

export type Grouping = 'owner' | 'awaiter';
export type RowState = TaskState | 'blocked';

export interface TaskFilter {
  /** Hide tasks that are done, cancelled or failed. */
  hideDone: boolean;
  /** When > 0, show only pending tasks waiting at least this long, as a flat list, longest first. */
  minWaitSeconds: number;
}

export interface ModelOptions {
  /** More siblings than this are grouped by coroutine. */
  groupThreshold?: number;
  /** Members of a coroutine group beyond this are cut into ranges of this size. */
  chunkSize?: number;
}

export interface TaskEntry {
  info: TaskInfo;
  /** Order of first sight: siblings are listed in creation order. */
  seq: number;
  /** Client clock (ms) when the task was first seen; used for the age unless the adapter sends one. */
  firstSeen: number;
  /** Client clock (ms) when the task's current wait began (its location or awaited thing changed). */
  waitingSince: number;
}

export interface TaskNode {
  kind: 'task';
  key: string;
  id: string;
  parent: TreeNode | null;
  /** Awaiter view: this task already appears among its ancestors; shown without children. */
  cycle: boolean;
}

export type GroupKind = 'orphans' | 'cycles' | 'coroutine' | 'range';

export interface GroupNode {
  kind: 'group';
  key: string;
  group: GroupKind;
  parent: TreeNode | null;
  label: string;
  /** Members of coroutine and range groups, fixed when the parent's children were computed. */
  ids: string[];
}

export type TreeNode = TaskNode | GroupNode;

/** What the view must refresh after a change: everything, or these nodes (null = the root). */
export type Refresh = { all: true } | { all: false; nodes: (TreeNode | null)[] };

export interface Counts { total: number; live: number; pending: number; running: number; finished: number }

const FINISHED: ReadonlySet<string> = new Set(['done', 'cancelled', 'failed']);
export const isFinished = (info: TaskInfo): boolean => FINISHED.has(info.state);

const ROOT = '';

export class TaskTreeModel {
  grouping: Grouping = 'owner';
  filter: TaskFilter = { hideDone: true, minWaitSeconds: 0 };
  private readonly groupThreshold: number;
  private readonly chunkSize: number;

  private readonly tasks = new Map<string, TaskEntry>();
  /** Owner id -> ids of the tasks it created (raw edges, whatever the owner's state). */
  private readonly owned = new Map<string, Set<string>>();
  /** Task id -> ids of the tasks it awaits (from each child's `awaitedBy`). */
  private readonly awaits = new Map<string, Set<string>>();
  /** Ids of tasks with `owner: null`. */
  private readonly ownerRoots = new Set<string>();
  private nextSeq = 0;
  private blocked: string | null = null;

  /** Children cache: parent key -> (child key -> node). Reusing nodes keeps their identity. */
  private readonly cache = new Map<string, Map<string, TreeNode>>();
  /** Task id -> the nodes currently showing it (several in the awaiter view). */
  private readonly nodesOf = new Map<string, Set<TaskNode>>();

  constructor(options: ModelOptions = {}) {
    this.groupThreshold = options.groupThreshold ?? 50;
    this.chunkSize = options.chunkSize ?? 500;
  }

  get size(): number { return this.tasks.size; }
  get blockedTask(): string | null { return this.blocked; }
  entry(id: string): TaskEntry | undefined { return this.tasks.get(id); }

  setGrouping(grouping: Grouping): Refresh {
    this.grouping = grouping;
    return this.reset();
  }

  setFilter(filter: Partial<TaskFilter>): Refresh {
    this.filter = { ...this.filter, ...filter };
    return this.reset();
  }

  /** Forgets every task (a new session, or the session ended). */
  clear(): Refresh {
    this.tasks.clear(); this.owned.clear(); this.awaits.clear(); this.ownerRoots.clear();
    this.blocked = null; this.nextSeq = 0;
    return this.reset();
  }

  /** Marks the task blocking the loop (null: the loop runs again). */
  setBlocked(id: string | null): Refresh {
    if (id === this.blocked) return { all: false, nodes: [] };
    const nodes: TreeNode[] = [];
    for (const t of [this.blocked, id]) if (t) nodes.push(...(this.nodesOf.get(t) ?? []));
    this.blocked = id;
    return { all: false, nodes };
  }

  /**
   * Replaces the snapshot with `tasks` (tasks absent from it are gone) and returns what to refresh.
   * Cost: one pass over the snapshot plus work proportional to what changed.
   */
  apply(tasks: readonly TaskInfo[], now: number): Refresh {
    const seen = new Set<string>();
    /** Parents whose children lists changed (task ids, ROOT, or a group marker). */
    const structural = new Set<string>();
    /** Tasks whose rows changed. */
    const rows = new Set<string>();
    let orphansChanged = false;
    let awaitEdgesChanged = false;

    for (const info of tasks) {
      if (!info || typeof info.id !== 'string' || seen.has(info.id)) continue;
      seen.add(info.id);
      const prev = this.tasks.get(info.id);
      if (!prev) {
        this.tasks.set(info.id, { info, seq: this.nextSeq++, firstSeen: now, waitingSince: now });
        this.link(info);
        structural.add(this.ownerParentKey(info));
        if (this.owned.has(info.id)) { orphansChanged = true; structural.add(info.id); } // children seen first
        awaitEdgesChanged = true;
        for (const a of info.awaitedBy ?? []) structural.add(a);
        continue;
      }
      const old = prev.info;
      if (sameTask(old, info)) { prev.info = info; continue; }
      if (old.awaiting !== info.awaiting || !sameLocation(old.location, info.location) || old.state !== info.state) {
        prev.waitingSince = now;
      }
      rows.add(info.id);
      const ownerMoved = old.owner !== info.owner;
      const liveness = isFinished(old) !== isFinished(info);
      const awaitMoved = !sameIds(old.awaitedBy, info.awaitedBy);
      if (ownerMoved || awaitMoved) {
        structural.add(this.ownerParentKey(old));
        for (const a of old.awaitedBy ?? []) structural.add(a);
        this.unlink(old);
        this.link(info);
        awaitEdgesChanged = true;
      }
      prev.info = info;
      if (ownerMoved) structural.add(this.ownerParentKey(info));
      if (awaitMoved) for (const a of info.awaitedBy ?? []) structural.add(a);
      if (liveness) {
        // A finished task's children become orphans; a finished task may be hidden by the filter.
        structural.add(this.ownerParentKey(info)).add(info.id);
        if (this.owned.has(info.id)) orphansChanged = true;
        for (const a of info.awaitedBy ?? []) structural.add(a);
        awaitEdgesChanged = true;
      }
    }

    for (const [id, e] of this.tasks) {
      if (seen.has(id)) continue;
      structural.add(this.ownerParentKey(e.info));
      for (const a of e.info.awaitedBy ?? []) structural.add(a);
      if (this.owned.has(id)) orphansChanged = true;
      this.unlink(e.info);
      this.tasks.delete(id);
      awaitEdgesChanged = true;
      this.forgetNodes(id);
      if (this.blocked === id) this.blocked = null;
    }

    if (this.filter.minWaitSeconds > 0) {
      // The flat "waiting longer than N s" list changes with the clock: refresh it whole.
      return structural.size || rows.size || tasks.length ? { all: false, nodes: [null] } : { all: false, nodes: [] };
    }
    return this.targets(structural, rows, orphansChanged, awaitEdgesChanged);
  }

  /** Children of `node` (null: the root) under the current grouping and filter. */
  children(node: TreeNode | null, now: number): TreeNode[] {
    const parentKey = node ? node.key : ROOT;
    const specs = this.childSpecs(node, now);
    const old = this.cache.get(parentKey);
    const next = new Map<string, TreeNode>();
    const out: TreeNode[] = [];
    for (const spec of specs) {
      let n = old?.get(spec.key);
      if (n && n.kind === 'group' && spec.kind === 'group') { n.ids = spec.ids; n.label = spec.label; }
      if (!n || n.kind !== spec.kind) {
        n = spec.kind === 'task'
          ? { kind: 'task', key: spec.key, id: spec.id, parent: node, cycle: spec.cycle }
          : { kind: 'group', key: spec.key, group: spec.group, parent: node, label: spec.label, ids: spec.ids };
        if (n.kind === 'task') this.indexNode(n);
      }
      next.set(spec.key, n);
      out.push(n);
    }
    if (old) for (const [k, n] of old) if (!next.has(k)) this.dropNode(n);
    this.cache.set(parentKey, next);
    return out;
  }

  /** Whether a node has children (decides its collapsible state). */
  hasChildren(node: TreeNode): boolean {
    if (node.kind === 'group') return true;
    if (node.cycle || this.filter.minWaitSeconds > 0) return false;
    const info = this.tasks.get(node.id)?.info;
    if (!info) return false;
    const kids = this.grouping === 'owner' ? (isFinished(info) ? undefined : this.owned.get(node.id)) : this.awaits.get(node.id);
    if (!kids) return false;
    for (const k of kids) if (this.visible(k)) return true;
    return false;
  }

  /** The state shown for a task: its own, or `blocked` while it blocks the loop. */
  rowState(id: string): RowState | undefined {
    const info = this.tasks.get(id)?.info;
    if (!info) return undefined;
    return id === this.blocked && !isFinished(info) ? 'blocked' : info.state;
  }

  /** Age of a task in ms: the adapter's figure when it sends one, else since first seen. */
  ageMs(id: string, now: number): number {
    const e = this.tasks.get(id);
    if (!e) return 0;
    const sent = numberField(e.info, 'ageMs') ?? secondsField(e.info, 'age');
    return sent ?? Math.max(0, now - e.firstSeen);
  }

  /** How long a pending task has waited at its current suspension point, in ms. */
  waitingMs(id: string, now: number): number {
    const e = this.tasks.get(id);
    if (!e || e.info.state !== 'pending') return 0;
    const sent = numberField(e.info, 'waitingMs') ?? secondsField(e.info, 'waiting');
    return sent ?? Math.max(0, now - e.waitingSince);
  }

  counts(): Counts {
    const c: Counts = { total: 0, live: 0, pending: 0, running: 0, finished: 0 };
    for (const { info } of this.tasks.values()) {
      c.total++;
      if (info.state === 'pending') c.pending++;
      else if (info.state === 'running') c.running++;
      if (isFinished(info)) c.finished++; else c.live++;
    }
    return c;
  }

  /** Task nodes currently known to the view (for periodic age refreshes), capped. */
  shownTaskNodes(cap: number): TaskNode[] {
    const out: TaskNode[] = [];
    for (const set of this.nodesOf.values()) for (const n of set) { if (out.length >= cap) return out; out.push(n); }
    return out;
  }

  /**
   * A plain-text stack for "Copy Stack": the task, its frames (the adapter's `stack` when sent,
   * else its suspension point), the chain of tasks awaiting it, and where it was created.
   */
  stackText(id: string): string {
    const e = this.tasks.get(id);
    if (!e) return '';
    const { info } = e;
    const lines = [`${info.name} (${info.coroutine}) ${this.rowState(id)}${info.awaiting ? `, awaiting ${info.awaiting}` : ''}`];
    const frames = Array.isArray(info.stack) ? (info.stack as SourceLocation[]).filter(isLocation) : info.location ? [info.location] : [];
    for (const f of frames) lines.push(`  at ${formatLocation(f)}`);
    const chain = new Set([id]);
    let cur = info;
    for (;;) {
      const up = (cur.awaitedBy ?? []).find((a) => this.tasks.has(a) && !chain.has(a));
      if (!up) break;
      chain.add(up);
      cur = this.tasks.get(up)!.info;
      lines.push(`  awaited by ${cur.name} (${cur.coroutine})${cur.location ? ` at ${formatLocation(cur.location)}` : ''}`);
    }
    if (info.createdAt) lines.push(`  created at ${formatLocation(info.createdAt)}`);
    return lines.join('\n');
  }

  // ---- internals ----

  private reset(): Refresh {
    this.cache.clear();
    this.nodesOf.clear();
    return { all: true };
  }

  private link(info: TaskInfo): void {
    if (info.owner == null) this.ownerRoots.add(info.id);
    else addTo(this.owned, info.owner, info.id);
    for (const a of info.awaitedBy ?? []) addTo(this.awaits, a, info.id);
  }

  private unlink(info: TaskInfo): void {
    if (info.owner == null) this.ownerRoots.delete(info.id);
    else removeFrom(this.owned, info.owner, info.id);
    for (const a of info.awaitedBy ?? []) removeFrom(this.awaits, a, info.id);
  }

  /** Where a task sits in the owner view: ROOT, its owner's id, or the orphans marker. */
  private ownerParentKey(info: TaskInfo): string {
    if (info.owner == null) return ROOT;
    const owner = this.tasks.get(info.owner)?.info;
    return owner && !isFinished(owner) ? info.owner : ORPHANS_MARK;
  }

  private visible(id: string): boolean {
    const info = this.tasks.get(id)?.info;
    return !!info && !(this.filter.hideDone && isFinished(info));
  }

  /** Turns changed task ids / parent markers into the node objects the view must refresh. */
  private targets(structural: Set<string>, rows: Set<string>, orphansChanged: boolean, awaitEdgesChanged: boolean): Refresh {
    const nodes = new Set<TreeNode | null>();
    const addParent = (key: string): void => {
      if (key === ROOT) { nodes.add(null); return; }
      if (key === ORPHANS_MARK) { orphansChanged = true; return; }
      for (const n of this.nodesOf.get(key) ?? []) nodes.add(n);
    };
    if (this.grouping === 'owner') {
      for (const k of structural) addParent(k);
      if (orphansChanged) {
        // The orphans group refreshes itself; the root only when the group appears or goes.
        const g = this.cache.get(ROOT)?.get(ORPHANS_KEY);
        if (!g !== !this.hasOrphans()) nodes.add(null);
        else if (g) nodes.add(g);
      }
    } else if (awaitEdgesChanged) {
      // Roots and cycles in the awaiter view depend on edges anywhere: refresh the awaiters whose
      // children changed, and the root (a task may have become, or stopped being, awaited).
      for (const k of structural) addParent(k);
      nodes.add(null);
    }
    for (const id of rows) for (const n of this.nodesOf.get(id) ?? []) nodes.add(n);
    // A root refresh re-reads every expanded node anyway.
    return { all: false, nodes: nodes.has(null) ? [null] : [...nodes] };
  }

  private hasOrphans(): boolean {
    for (const [owner, kids] of this.owned) {
      const o = this.tasks.get(owner)?.info;
      if (o && !isFinished(o)) continue;
      for (const k of kids) if (this.visible(k)) return true;
    }
    return false;
  }

  private childSpecs(node: TreeNode | null, now: number): Spec[] {
    if (this.filter.minWaitSeconds > 0) return node ? this.groupSpecsMembers(node) : this.waitingSpecs(now);
    if (node?.kind === 'group') return this.groupSpecsMembers(node);
    if (this.grouping === 'owner') return this.ownerSpecs(node);
    return this.awaiterSpecs(node);
  }

  private ownerSpecs(node: TaskNode | null): Spec[] {
    if (!node) {
      const specs = this.siblings(ROOT, [...this.ownerRoots].filter((id) => this.visible(id)), null);
      if (this.hasOrphans()) specs.push({ kind: 'group', key: ORPHANS_KEY, group: 'orphans', label: 'Orphans (owner finished)', ids: [] });
      return specs;
    }
    const info = this.tasks.get(node.id)?.info;
    if (!info || isFinished(info)) return [];
    return this.siblings(node.key, [...(this.owned.get(node.id) ?? [])].filter((id) => this.visible(id)), null);
  }

  private orphanIds(): string[] {
    const out: string[] = [];
    for (const [owner, kids] of this.owned) {
      const o = this.tasks.get(owner)?.info;
      if (o && !isFinished(o)) continue;
      for (const k of kids) if (this.visible(k)) out.push(k);
    }
    return out;
  }

  /** Ancestor task ids of a node in the awaiter view (its path), innermost last. */
  private pathOf(node: TreeNode | null): string[] {
    const ids: string[] = [];
    for (let n = node; n; n = n.parent) if (n.kind === 'task') ids.unshift(n.id);
    return ids;
  }

  private awaiterSpecs(node: TaskNode | null): Spec[] {
    if (!node) {
      const roots: string[] = [];
      for (const [id, e] of this.tasks) {
        if (!this.visible(id)) continue;
        if (!(e.info.awaitedBy ?? []).some((a) => this.visible(a))) roots.push(id);
      }
      const specs = this.siblings(ROOT, roots, []);
      const cyc = this.cycleIds(roots);
      if (cyc.length) specs.push({ kind: 'group', key: CYCLES_KEY, group: 'cycles', label: 'Await cycles', ids: cyc });
      return specs;
    }
    if (node.cycle) return [];
    return this.siblings(node.key, [...(this.awaits.get(node.id) ?? [])].filter((id) => this.visible(id)), this.pathOf(node));
  }

  /** Visible tasks not reachable from the awaiter roots: members (or dependants) of await cycles. */
  private cycleIds(roots: string[]): string[] {
    const reached = new Set(roots);
    const stack = [...roots];
    while (stack.length) {
      for (const k of this.awaits.get(stack.pop()!) ?? []) if (!reached.has(k) && this.visible(k)) { reached.add(k); stack.push(k); }
    }
    const out: string[] = [];
    for (const id of this.tasks.keys()) if (this.visible(id) && !reached.has(id)) out.push(id);
    return this.sortBySeq(out);
  }

  private waitingSpecs(now: number): Spec[] {
    const minMs = this.filter.minWaitSeconds * 1000;
    const ids = [...this.tasks.keys()].filter((id) => this.visible(id) && this.waitingMs(id, now) >= minMs);
    ids.sort((a, b) => this.waitingMs(b, now) - this.waitingMs(a, now));
    return this.chunks('f', ids, (id) => ({ kind: 'task', key: `f:${id}`, id, cycle: false }), 'waiting');
  }

  /**
   * Specs for a sibling set: the tasks themselves, or, beyond the threshold, one group per
   * coroutine (singletons stay plain rows). `path` is the awaiter-view ancestry (null: owner view).
   */
  private siblings(parentKey: string, ids: string[], path: string[] | null): Spec[] {
    const sorted = this.sortBySeq(ids);
    const taskSpec = (id: string): Spec => path
      ? { kind: 'task', key: `a:${[...path, id].join('/')}`, id, cycle: path.includes(id) }
      : { kind: 'task', key: `o:${id}`, id, cycle: false };
    if (sorted.length <= this.groupThreshold) return sorted.map(taskSpec);
    const byCoroutine = new Map<string, string[]>();
    for (const id of sorted) {
      const c = this.tasks.get(id)!.info.coroutine || '?';
      (byCoroutine.get(c) ?? byCoroutine.set(c, []).get(c)!).push(id);
    }
    const specs: Spec[] = [];
    for (const [coroutine, members] of byCoroutine) {
      if (members.length === 1) { specs.push(taskSpec(members[0])); continue; }
      specs.push({ kind: 'group', key: `${parentKey}#c:${coroutine}`, group: 'coroutine', label: coroutine, ids: members });
    }
    // One coroutine only: grouping by it adds a level for nothing; go straight to ranges.
    if (specs.length === 1 && specs[0].kind === 'group') {
      return this.chunks(`${parentKey}#c`, sorted, taskSpec, specs[0].label);
    }
    return specs;
  }

  /** Members of a coroutine/range/orphans/cycles group. */
  private groupSpecsMembers(node: TreeNode): Spec[] {
    if (node.kind !== 'group') return [];
    const path = this.grouping === 'awaiter' && this.filter.minWaitSeconds <= 0 ? this.pathOf(node) : null;
    const taskSpec = (id: string): Spec => this.filter.minWaitSeconds > 0
      ? { kind: 'task', key: `f:${id}`, id, cycle: false }
      : path ? { kind: 'task', key: `a:${[...path, id].join('/')}`, id, cycle: path.includes(id) }
        : { kind: 'task', key: `o:${id}`, id, cycle: false };
    if (node.group === 'orphans') return this.siblings(node.key, this.orphanIds(), null);
    const ids = node.ids.filter((id) => this.tasks.has(id) && this.visible(id));
    if (node.group === 'range' || ids.length <= this.chunkSize) return ids.map(taskSpec);
    return this.chunks(node.key, ids, taskSpec, node.group === 'coroutine' ? node.label : '');
  }

  /** Cuts a long list into range groups of chunkSize ("1–500"); short lists stay as they are. */
  private chunks(parentKey: string, ids: string[], taskSpec: (id: string) => Spec, prefix = ''): Spec[] {
    if (ids.length <= this.chunkSize) return ids.map(taskSpec);
    const specs: Spec[] = [];
    const total = ids.length.toLocaleString('en-US');
    for (let i = 0; i < ids.length; i += this.chunkSize) {
      const part = ids.slice(i, i + this.chunkSize);
      const label = `${prefix ? `${prefix} ` : ''}${(i + 1).toLocaleString('en-US')}–${(i + part.length).toLocaleString('en-US')} of ${total}`;
      specs.push({ kind: 'group', key: `${parentKey}#r:${i}`, group: 'range', label, ids: part });
    }
    return specs;
  }

  private sortBySeq(ids: string[]): string[] {
    return ids.sort((a, b) => this.tasks.get(a)!.seq - this.tasks.get(b)!.seq);
  }

  private indexNode(n: TaskNode): void {
    addTo(this.nodesOf, n.id, n);
  }

  private dropNode(n: TreeNode): void {
    if (n.kind === 'task') removeFrom(this.nodesOf, n.id, n);
    const kids = this.cache.get(n.key);
    if (!kids) return;
    this.cache.delete(n.key);
    for (const k of kids.values()) this.dropNode(k);
  }

  private forgetNodes(id: string): void {
    for (const n of this.nodesOf.get(id) ?? []) {
      const kids = this.cache.get(n.key);
      this.cache.delete(n.key);
      if (kids) for (const k of kids.values()) this.dropNode(k);
    }
    this.nodesOf.delete(id);
  }
}

const ORPHANS_MARK = '\u0000orphans';
const ORPHANS_KEY = 'o:#orphans';
const CYCLES_KEY = 'a:#cycles';

type Spec =
  | { kind: 'task'; key: string; id: string; cycle: boolean }
  | { kind: 'group'; key: string; group: GroupKind; label: string; ids: string[] };

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

function sameLocation(a: SourceLocation | null | undefined, b: SourceLocation | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.path === b.path && a.line === b.line && a.function === b.function;
}

function sameIds(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [], y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Field-by-field equality of what the view shows; extra fields count only for ages sent by the adapter. */
function sameTask(a: TaskInfo, b: TaskInfo): boolean {
  return a.state === b.state && a.name === b.name && a.coroutine === b.coroutine && a.owner === b.owner
    && a.awaiting === b.awaiting && sameIds(a.awaitedBy, b.awaitedBy)
    && sameLocation(a.location, b.location) && sameLocation(a.createdAt, b.createdAt);
}

function numberField(info: TaskInfo, key: string): number | undefined {
  const v = info[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function secondsField(info: TaskInfo, key: string): number | undefined {
  const v = numberField(info, key);
  return v === undefined ? undefined : v * 1000;
}

function isLocation(x: unknown): x is SourceLocation {
  return !!x && typeof (x as SourceLocation).path === 'string' && typeof (x as SourceLocation).line === 'number';
}

/** `handler (app.py:42)`: function, then file base name and 1-based line. */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.function || '<module>'} (${baseName(loc.path)}:${loc.line})`;
}

export function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? p : p.slice(i + 1);
}

/** Compact age: `850 ms`, `4.2 s`, `3 min`, `2 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  return `${Math.floor(ms / 3_600_000)} h`;
}
