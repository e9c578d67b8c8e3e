/**
 * Custom DAP requests and events of the `taskscope` debug type, shared by the debug adapter
 * (which sends the events and answers the requests) and the extension client (which listens and
 * asks). Types only, no runtime code. This contract is public: extend it, never break it.
 * Documented for users in docs/debug-adapter-protocol.md.
 */

export interface SourceLocation { path: string; line: number; function: string }

export type TaskState = 'pending' | 'running' | 'done' | 'cancelled' | 'failed';

export interface TaskInfo {
  id: string;
  name: string;
  /** Coroutine qualname, e.g. `fetch_user`. */
  coroutine: string;
  state: TaskState;
  /** Id of the task that created this one; null for tasks created outside any task. */
  owner: string | null;
  /** Ids of the tasks awaiting this one. */
  awaitedBy: string[];
  /** What a pending task waits on, in words: `sleep 2.0s`, `Queue.get`, `Task-7`, `gather(3)`. */
  awaiting: string | null;
  /** Current suspension point (innermost user frame). */
  location: SourceLocation | null;
  /** Where the task was created. */
  createdAt: SourceLocation | null;
  /** More fields are welcome; consumers ignore what they don't know. */
  [extra: string]: unknown;
}

/** Request `taskTree`: sent by anyone, answered while running and while paused. */
export interface TaskTreeArguments {
  includeDone?: boolean;
  /**
   * From now on, pushed `taskTree` events of this session list finished tasks too (their body then
   * says `includeDone: true`), so a view showing finished tasks needs no request per event.
   * Sticky until a request sets it again.
   */
  pushDone?: boolean;
}
export interface TaskTreeBody {
  tasks: TaskInfo[];
  /** How many tasks matched in the program; more than `tasks.length` when the list was capped. */
  total?: number;
  /** True when `tasks` holds fewer tasks than the program has (cap: launch `maxTasksInTree`). */
  truncated?: boolean;
  /**
   * Current delay of the event loop in ms: the round trip of a ping answered on the loop thread
   * (how long a ready callback waits for the loop). Absent when the loop did not answer it itself
   * (blocked, paused, not running).
   */
  loopLagMs?: number;
  /** True when finished tasks are listed too (the request's `includeDone`, or `pushDone` for events). */
  includeDone?: boolean;
}

/**
 * Event `taskTree`: pushed by the adapter at most twice a second while something changed, and less
 * often when snapshots are costly (they take at most ~10 % of the program's time).
 */
export type TaskTreeEventBody = TaskTreeBody;

/** Request `cancelTask`. */
export interface CancelTaskArguments { id: string }

/** Event `loopBlocked`: sent while the loop is blocked, and once more when it recovers. */
export interface LoopBlockedEventBody {
  durationMs: number;
  recovered: boolean;
  task: string | null;
  stack: SourceLocation[];
  /** The loop's agent id (absent from a faulthandler report) and its thread's ident. */
  loop?: string;
  thread?: string;
  /** `agent` (the agent's watchdog) or `faulthandler` (the interpreter's C watchdog: C code held the GIL). */
  source?: string;
}

export type LostErrorKind = 'never-awaited' | 'exception-never-retrieved' | 'destroyed-pending' | 'pending-at-shutdown';

/** Event `lostError`: an asyncio error that would otherwise only reach a log, if anything. */
export interface LostErrorEventBody {
  kind: LostErrorKind;
  task: string | null;
  coroutine: string;
  message: string;
  createdAt: SourceLocation | null;
}

export const CustomRequests = { taskTree: 'taskTree', cancelTask: 'cancelTask' } as const;
export const CustomEvents = { taskTree: 'taskTree', loopBlocked: 'loopBlocked', lostError: 'lostError' } as const;
