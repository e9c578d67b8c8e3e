/**
 * The task tree as plain data: built from an agent snapshot (`TaskTree.fromSnapshot()`), turned
 * into the public `taskTree` body (`toDap()`), into CALL STACK entry names, and checked for await
 * cycles (reported as data, never a crash). No DAP session, no wire, no I/O.
 */
import type { TaskInfo } from '../protocol/dap';
import type { AgentTaskInfo } from '../protocol/inspector';

export class TaskTree {
  private readonly byId: Map<string, AgentTaskInfo>;

  private constructor(readonly tasks: readonly AgentTaskInfo[]) {
    this.byId = new Map(tasks.map((t) => [t.id, t]));
  }

  static fromSnapshot(tasks: readonly AgentTaskInfo[]): TaskTree {
    return new TaskTree([...tasks].sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id)));
  }

  get(id: string): AgentTaskInfo | undefined { return this.byId.get(id); }

  /** The public `TaskInfo[]` (extra agent fields such as `loop` and `eager` are kept). */
  toDap(): TaskInfo[] {
    return this.tasks.map((t) => ({
      ...t,
      owner: t.owner ?? null,
      awaitedBy: [...(t.awaitedBy ?? [])],
      awaiting: t.awaiting ?? null,
      location: t.location ?? null,
      createdAt: t.createdAt ?? null,
    }));
  }

  /** Tasks worth a CALL STACK entry: live ones, the running first, at most `cap`. */
  forCallStack(cap: number): AgentTaskInfo[] {
    const live = this.tasks.filter((t) => t.state === 'pending' || t.state === 'running');
    live.sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running') || Number(a.id) - Number(b.id));
    return live.slice(0, Math.max(0, cap));
  }

  /**
   * Await cycles (`A` awaits `B` awaits `A`): each cycle once, as the list of its task ids starting
   * at the smallest id. A deadlock the user should see, not a reason to recurse forever.
   */
  awaitCycles(): string[][] {
    const cycles: string[][] = [];
    const seen = new Set<string>();
    // Edges point from a task to the tasks it awaits: the reverse of `awaitedBy`.
    const awaits = new Map<string, string[]>();
    for (const t of this.tasks) for (const waiter of t.awaitedBy ?? []) {
      if (!awaits.has(waiter)) awaits.set(waiter, []);
      awaits.get(waiter)!.push(t.id);
    }
    const onPath: string[] = [];
    const visit = (id: string): void => {
      const at = onPath.indexOf(id);
      if (at >= 0) {
        const cycle = onPath.slice(at);
        const min = cycle.reduce((m, x, i) => (Number(x) < Number(cycle[m]) ? i : m), 0);
        const norm = [...cycle.slice(min), ...cycle.slice(0, min)];
        const key = norm.join(',');
        if (!seen.has(key)) { seen.add(key); cycles.push(norm); }
        return;
      }
      if (onPath.length > 1000) return;
      onPath.push(id);
      for (const next of awaits.get(id) ?? []) visit(next);
      onPath.pop();
    };
    for (const t of this.tasks) visit(t.id);
    return cycles;
  }
}

/** The CALL STACK entry of a task: `Task-7 fetch_user · awaiting sleep 2.0s`. */
export function taskThreadName(t: AgentTaskInfo): string {
  const what = t.state === 'running' ? 'running' : t.awaiting ? `awaiting ${t.awaiting}` : t.state;
  const coro = t.coroutine && t.coroutine !== t.name ? ` ${t.coroutine}` : '';
  return `${t.name}${coro} · ${what}`;
}
