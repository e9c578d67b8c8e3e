/**
 * DAP thread ids for asyncio tasks shown in the CALL STACK: stable for the session, never
 * colliding with OS thread ids (which are below 2^22 on Linux), one per task id. Plain data.
 */
export const TASK_THREAD_BASE = 1_000_000_000;

export class TaskThreadIds {
  private readonly byTask = new Map<string, number>();
  private readonly byThread = new Map<number, string>();

  idFor(taskId: string): number {
    let id = this.byTask.get(taskId);
    if (id === undefined) {
      id = TASK_THREAD_BASE + this.byTask.size + 1;
      this.byTask.set(taskId, id);
      this.byThread.set(id, taskId);
    }
    return id;
  }

  /** The task behind a DAP thread id, or undefined for an OS thread. */
  taskOf(threadId: number): string | undefined { return this.byThread.get(threadId); }
}
