/**
 * Message types of the inspector protocol (docs/inspector-protocol.md), as the debug adapter sees
 * them: the agent's core methods and events, and the `debug.*` methods the debugger modules add
 * (docs/debug-adapter-protocol.md). Types only, no runtime code; the wire is in inspector/client.ts.
 */

export const INSPECTOR_PROTOCOL = '1.0';

export interface AgentFrame { path: string; line: number; function: string }

export interface AgentTaskInfo {
  id: string;
  name: string;
  coroutine: string;
  state: 'pending' | 'running' | 'done' | 'cancelled' | 'failed';
  owner: string | null;
  awaitedBy: string[];
  awaiting: string | null;
  location: AgentFrame | null;
  createdAt: AgentFrame | null;
  loop?: string;
  eager?: boolean;
  [extra: string]: unknown;
}

export interface Welcome {
  type: 'welcome'; protocol: string; agent: string; session: number; pid: number; python: string;
  features: string[]; waiting: boolean;
}

/** A frame of a paused thread or of a task's await chain, as `debug.stackTrace` returns it. */
export interface DebugFrame {
  id: number;
  name: string;
  path?: string;
  line?: number;
  /** False for library frames shown only because no frame of the user's code exists. */
  user?: boolean;
  /** An await boundary between two tasks (`awaited by Task-3`). */
  label?: boolean;
  task?: string;
}

export interface DebugVariable {
  name: string; value: string; type: string; ref: number; evaluateName?: string; indexedVariables?: number;
}

export interface ExceptionInfo {
  exceptionId: string; description: string; breakMode: 'never' | 'always' | 'unhandled' | 'userUnhandled';
  typeName?: string; stackTrace?: string | null; createdAt?: AgentFrame | null;
}

export interface BreakpointSpec { line: number; condition?: string; hitCondition?: string; logMessage?: string }
export interface BreakpointResult { id: number | null; verified: boolean; line: number; message?: string | null }

/** Method name -> [params, result]. */
export interface Methods {
  'run': [Record<string, never>, { started: boolean }];
  'agent.ping': [Record<string, never>, { servedBy: string; thread: string; time: number }];
  'tasks.list': [{ includeDone?: boolean; offset?: number; limit?: number; loop?: string },
    { tasks: AgentTaskInfo[]; total: number; offset: number; servedBy: string; consistent: boolean }];
  'tasks.cancel': [{ id: string; message?: string }, { cancelled: boolean }];
  'events.configure': [{ taskEvents?: boolean; taskEventsIntervalMs?: number; blockedThresholdMs?: number; originDepth?: number },
    { options: Record<string, unknown> }];
  'debug.configure': [{ justMyCode?: boolean; stopOnEntry?: boolean; adapterPid?: number; exceptionFilters?: string[] },
    { engine: string; filters: string[] }];
  'debug.setBreakpoints': [{ path: string; breakpoints: BreakpointSpec[] }, { breakpoints: BreakpointResult[] }];
  'debug.setExceptionBreakpoints': [{ filters: string[] }, { filters: string[] }];
  'debug.threads': [Record<string, never>, { threads: { id: number; name: string; paused: boolean }[] }];
  'debug.pause': [Record<string, never>, { pausing: boolean }];
  'debug.continue': [{ threadId?: number }, { resumed: boolean }];
  'debug.step': [{ threadId: number; kind: 'in' | 'over' | 'out' }, { resumed: boolean }];
  'debug.stackTrace': [{ threadId: number; startFrame?: number; levels?: number }, { frames: DebugFrame[]; total: number }];
  'debug.taskStack': [{ task: string }, { frames: DebugFrame[] }];
  'debug.scopes': [{ frameId: number }, { scopes: { name: string; ref: number; expensive: boolean; presentationHint?: string }[] }];
  'debug.variables': [{ ref: number; start?: number; count?: number }, { variables: DebugVariable[] }];
  'debug.setVariable': [{ ref: number; name: string; value: string }, { variable: DebugVariable }];
  'debug.evaluate': [{ expression: string; frameId?: number; context?: string }, { variable: DebugVariable }];
  'debug.exceptionInfo': [{ threadId: number }, { info: ExceptionInfo | null }];
}

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M][0];
export type Result<M extends MethodName> = Methods[M][1];

/** Event name -> body. */
export interface Events {
  'loop.blocked': { loop: string; thread: string; durationMs: number; recovered: boolean; task: string | null; stack: AgentFrame[]; source: string };
  'lost.error': { kind: 'never-awaited' | 'exception-never-retrieved' | 'destroyed-pending' | 'pending-at-shutdown'; task: string | null;
    coroutine: string; message: string; createdAt: AgentFrame | null; createdStack: AgentFrame[]; exception: string | null; traceback: string | null };
  'tasks.changed': { created: AgentTaskInfo[]; finished: { id: string; state: string }[]; dropped: number };
  'target.started': { argv: string[] };
  'target.exited': { exitCode: number; error: string | null };
  'debug.stopped': { threadId: number; reason: string; allThreadsStopped: boolean; hitBreakpointIds?: number[]; text?: string; description?: string };
  'debug.output': { category: string; output: string; path?: string; line?: number };
}

export type EventName = keyof Events;
