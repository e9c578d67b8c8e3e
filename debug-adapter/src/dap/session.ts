/**
 * The `taskscope` DAP session: one handler per DAP request, translating arguments into inspector
 * requests (inspector/client.ts) and agent answers into DAP bodies through the model (model/).
 * It owns the DAP ids (variablesReference, frame ids, the thread ids of task entries), emits the
 * DAP events and the custom ones of protocol/dap.ts, and manages the debuggee's lifetime.
 * It never sees agent JSON (only typed results) and never spawns processes itself (dap/launch.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  Event, ExitedEvent, Handles, InitializedEvent, LoggingDebugSession, OutputEvent, Scope, StoppedEvent,
  TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { InspectorClient, InspectorError, type ConnectOptions } from '../inspector/client';
import { loopThread, openFaulthandlerChannel, parseDump } from '../inspector/faulthandler';
import { frameToDap } from '../model/frames';
import { PauseWindow } from '../model/pauses';
import { TaskThreadIds } from '../model/taskThreads';
import { TaskTree, taskThreadName } from '../model/taskTree';
import { CustomEvents, CustomRequests, type CancelTaskArguments, type LoopBlockedEventBody, type LostErrorEventBody, type TaskTreeArguments, type TaskTreeBody } from '../protocol/dap';
import type { AgentTaskInfo, DebugFrame, DebugVariable } from '../protocol/inspector';
import { DebugError, silentError, userError } from './errors';
import { Debuggee, isAlive, killGroup, prepareLaunch, waitForPort, type LaunchConfig } from './launch';

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments, LaunchConfig { request?: 'launch' }
export interface AttachArguments extends DebugProtocol.AttachRequestArguments {
  host?: string; port: number; secret?: string; justMyCode?: boolean; maxTasksInCallStack?: number; showTasksInCallStack?: boolean; maxTasksInTree?: number;
}

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'raised', label: 'Raised Exceptions', default: false, description: 'Pause where any exception is raised in your code.' },
  { filter: 'uncaught', label: 'Uncaught Exceptions', default: true, description: 'Pause on an exception nothing catches (post-mortem).' },
  { filter: 'exception-never-retrieved', label: 'Task Exception Never Retrieved', default: false, description: 'Pause where asyncio reports a task whose exception nobody retrieved.' },
  { filter: 'never-awaited', label: 'Coroutine Never Awaited', default: false, description: 'Pause where a coroutine that was never awaited is garbage-collected.' },
];

const DEFAULT_TASK_CAP = 50;
/** Task tree: tasks per `tasks.list` page, overlap between pages, default cap, push pacing. */
const TREE_PAGE = 1000;
const TREE_OVERLAP = 50;
const DEFAULT_TREE_CAP = 100_000;
const TREE_MIN_INTERVAL_MS = 500;
/** Largest share of the program's time the pushed task tree may take. */
const TREE_BUDGET = 0.1;
/** Every live debuggee of this process, killed when the adapter exits (see main.ts). */
export const liveDebuggees = new Set<number>();

export class TaskscopeDebugSession extends LoggingDebugSession {
  private agent?: InspectorClient;
  private debuggee?: Debuggee;
  private debuggeePid?: number;
  private launchArgs?: LaunchArguments;
  private attachArgs?: AttachArguments;
  private clientCaps: DebugProtocol.InitializeRequestArguments = { adapterID: 'taskscope' };
  private readonly breakpoints = new Map<string, DebugProtocol.SourceBreakpoint[]>();
  private exceptionFilters = EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter);
  private frames = new Handles<DebugFrame>(1);
  private vars = new Handles<number>(1);
  private readonly taskThreads = new TaskThreadIds();
  private pausedThread: number | null = null;
  private readonly pauses = new PauseWindow();
  private exitCode: number | null = null;
  private ended = false;
  private restarting = false;
  private treeDirty = true;
  private treeBusy = false;
  /** Pushed trees list finished tasks too (a `taskTree` request's `pushDone`). */
  private pushDone = false;
  private treeTimer?: NodeJS.Timeout;

  private readonly agentDir: string;

  /** `agentDir` defaults to `<dir of this bundle>/agent` (dist/agent); anything else is ignored. */
  constructor(agentDir?: unknown) {
    super();
    this.agentDir = typeof agentDir === 'string' ? agentDir : path.join(__dirname, 'agent');
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // -- the one place errors become DAP error responses ----------------------------------------

  private async handle<R extends DebugProtocol.Response>(response: R, fn: () => Promise<R['body'] | void>): Promise<void> {
    try {
      const body = await fn();
      if (body !== undefined) response.body = body;
      this.sendResponse(response);
    } catch (e) {
      let err: DebugError;
      if (e instanceof DebugError) err = e;
      else if (e instanceof InspectorError && (e.code === 'closed' || e.code === 'connect')) err = userError(e.code === 'closed' ? 'The program is no longer running.' : e.message);
      else if (e instanceof InspectorError) err = silentError(e.message);
      else err = userError(`Internal error: ${e instanceof Error ? e.message : String(e)}`);
      this.sendErrorResponse(response, { id: 1001, format: err.message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser: err.showUser });
    }
  }

  private get client(): InspectorClient {
    if (!this.agent || this.agent.isClosed) throw userError('The program is not running.');
    return this.agent;
  }

  // -- lifecycle -------------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientCaps = args;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      supportsRestartRequest: true,
      supportsDelayedStackTraceLoading: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS,
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    await this.handle(response, async () => {
      this.launchArgs = args;
      await this.startDebuggee(args);
      this.sendEvent(new InitializedEvent());
    });
  }

  protected override async attachRequest(response: DebugProtocol.AttachResponse, args: AttachArguments): Promise<void> {
    await this.handle(response, async () => {
      if (!args.port) throw userError('The attach configuration needs "port" (the agent\'s listen port).');
      this.attachArgs = args;
      const secret = args.secret ?? process.env.TASKSCOPE_SECRET;
      if (!secret) throw userError('Attaching needs the agent\'s secret: set "secret" or TASKSCOPE_SECRET.');
      const where = { host: args.host ?? '127.0.0.1', port: args.port, secret };
      const agent = await InspectorClient.connect(where);
      this.debuggeePid = agent.welcome.pid;
      await this.adopt(agent, args.justMyCode !== false, false, where);
      this.sendEvent(new InitializedEvent());
    });
  }

  private async startDebuggee(args: LaunchArguments): Promise<void> {
    const prepared = await prepareLaunch(args, this.agentDir);
    this.exitCode = null;
    if (args.console === 'integratedTerminal' && this.clientCaps.supportsRunInTerminalRequest) {
      const added: Record<string, string | null> = { ...(args.env ?? {}) };
      for (const k of ['PYTHONPATH', 'PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'TASKSCOPE_SECRET']) added[k] = prepared.env[k];
      const ok = await new Promise<boolean>((resolve) => this.runInTerminalRequest({
        kind: 'integrated', title: 'Taskscope', cwd: prepared.cwd, args: [prepared.python, ...prepared.argv], env: added,
      }, 10_000, (r) => resolve(r.success)));
      if (!ok) throw userError('VS Code could not start the program in the integrated terminal.');
    } else {
      const debuggee = new Debuggee(prepared, (category, text) => this.sendEvent(new OutputEvent(text, category)));
      this.debuggee = debuggee;
      this.debuggeePid = debuggee.pid;
      if (debuggee.pid) liveDebuggees.add(debuggee.pid);
      debuggee.whenEnded((code) => {
        if (debuggee.pid) liveDebuggees.delete(debuggee.pid);
        if (this.debuggee === debuggee && !this.restarting) this.end(this.exitCode ?? code);
      });
    }
    const died = () => (this.debuggee && !this.debuggee.running
      ? `The program exited (code ${this.debuggee.exitCode}) before the Taskscope agent started.${this.debuggee.stderrTail ? `\n${this.debuggee.stderrTail.trim()}` : ''}`
      : null);
    let port: number;
    try {
      port = await waitForPort(prepared.portFile, 20_000, died);
    } finally {
      fs.rm(prepared.tmpDir, { recursive: true, force: true }, () => undefined);
    }
    const where = { host: '127.0.0.1', port, secret: prepared.secret };
    const agent = await InspectorClient.connect(where);
    if (!this.debuggee) { this.debuggeePid = agent.welcome.pid; liveDebuggees.add(agent.welcome.pid); }
    await this.adopt(agent, args.justMyCode !== false, !!args.stopOnEntry, where);
  }

  /** Wires a connected agent: events, debugger configuration, breakpoints already known. */
  private async adopt(agent: InspectorClient, justMyCode: boolean, stopOnEntry: boolean, where: ConnectOptions): Promise<void> {
    this.agent = agent;
    agent.on('debug.stopped', (b) => {
      this.pausedThread = b.threadId;
      this.pauses.paused(Date.now());
      this.treeDirty = true;
      const ev = new StoppedEvent(b.reason, b.threadId, b.text) as DebugProtocol.StoppedEvent;
      ev.body.allThreadsStopped = b.allThreadsStopped;
      if (b.hitBreakpointIds) ev.body.hitBreakpointIds = b.hitBreakpointIds;
      if (b.description) ev.body.description = b.description;
      this.sendEvent(ev);
    });
    agent.on('debug.output', (b) => {
      const ev = new OutputEvent(b.output, b.category) as DebugProtocol.OutputEvent;
      if (b.path) { ev.body.source = { name: path.basename(b.path), path: b.path }; ev.body.line = b.line; }
      this.sendEvent(ev);
    });
    agent.on('loop.blocked', (b) => {
      this.sendLoopBlocked({ durationMs: b.durationMs, recovered: b.recovered, task: b.task, stack: b.stack, loop: b.loop, thread: b.thread, source: b.source });
    });
    agent.on('lost.error', (b) => {
      const body: LostErrorEventBody = { kind: b.kind, task: b.task, coroutine: b.coroutine, message: b.message, createdAt: b.createdAt, exception: b.exception } as LostErrorEventBody;
      this.sendEvent(new Event(CustomEvents.lostError, body));
    });
    agent.on('tasks.changed', () => { this.treeDirty = true; });
    agent.on('target.exited', (b) => { this.exitCode = b.exitCode; });
    agent.onClose(() => this.onAgentGone(agent));
    try {
      await agent.request('debug.configure', {
        justMyCode, stopOnEntry, adapterPid: this.launchArgs ? process.pid : undefined, exceptionFilters: this.exceptionFilters,
      });
    } catch (e) {
      agent.close();
      if (e instanceof InspectorError && e.code === 'unknown-method') {
        throw userError('This program\'s Taskscope agent has no debugger loaded: start it with `python -m taskscope_agent.debugger_main ...` or `import taskscope_agent.debugger_handlers` before `taskscope_agent.listen()`.');
      }
      throw e;
    }
    // Task created/finished events drive the pushed `taskTree` event (the agent sends none unless asked).
    const options = (await agent.request('events.configure', { taskEvents: true }).catch(() => undefined))?.options;
    await this.openFaulthandler(agent, where, typeof options?.blockedThresholdMs === 'number' ? options.blockedThresholdMs : 250);
    await this.configureOrigins();
    for (const [file, bps] of this.breakpoints) await this.sendBreakpoints(file, bps);
  }

  /**
   * The faulthandler channel: while C code holds the GIL the agent cannot say the loop is blocked,
   * but the interpreter's C watchdog writes every thread's stack to this second connection after
   * one to two thresholds. The loop thread's stack becomes a `loopBlocked` event (not recovered;
   * the agent's own event with the total duration follows once the GIL is free). Best effort:
   * without the channel, only that later event is shown.
   */
  private async openFaulthandler(agent: InspectorClient, where: ConnectOptions, thresholdMs: number): Promise<void> {
    if (!agent.welcome.features?.includes('faulthandler')) return;
    const channel = await openFaulthandlerChannel(where, (text) => {
      if (agent !== this.agent) return;
      const loop = loopThread(parseDump(text));
      if (loop) this.sendLoopBlocked({ durationMs: thresholdMs, recovered: false, task: null, stack: loop.frames, thread: loop.thread, source: 'faulthandler' });
    }).catch((e: Error) => {
      this.sendEvent(new OutputEvent(`Taskscope: no faulthandler channel (${e.message}); a loop blocked inside C code is reported once it is free.\n`, 'console'));
      return undefined;
    });
    if (!channel) return;
    if (agent.isClosed) channel.close();
    else agent.onClose(() => channel.close());
  }

  /**
   * Forwards a blocked-loop report, from the agent or the faulthandler channel. A loop paused at a
   * breakpoint is not "blocked": reports made during a pause are dropped, and so is any block that
   * began before the last pause ended (events sent while paused may arrive later).
   */
  private sendLoopBlocked(body: LoopBlockedEventBody): void {
    if (this.pausedThread !== null || this.pauses.isPauseArtifact(body.durationMs, Date.now())) return;
    this.sendEvent(new Event(CustomEvents.loopBlocked, body));
  }

  protected override async configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): Promise<void> {
    await this.handle(response, async () => {
      const agent = this.client;
      if (agent.welcome.waiting) await agent.request('run');
      this.startTreeEvents();
    });
  }

  private onAgentGone(agent: InspectorClient): void {
    if (agent !== this.agent || this.restarting) return;
    this.pausedThread = null;
    if (this.debuggee) return; // its exit (after all output) ends the session
    if (this.launchArgs) {
      // Integrated terminal: the agent's `target.exited` carried the code; wait for the process.
      const pid = this.debuggeePid;
      const deadline = Date.now() + 3000;
      const poll = () => {
        if (pid && isAlive(pid) && Date.now() < deadline) { setTimeout(poll, 50); return; }
        if (pid) liveDebuggees.delete(pid);
        this.end(this.exitCode ?? 0);
      };
      poll();
    } else {
      this.end(null);
    }
  }

  private end(code: number | null): void {
    if (this.ended) return;
    this.ended = true;
    if (this.treeTimer) clearTimeout(this.treeTimer);
    if (code !== null) this.sendEvent(new ExitedEvent(code));
    this.sendEvent(new TerminatedEvent());
    this.agent?.close();
  }

  private async stopDebuggee(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const pid = this.debuggeePid;
    if (!pid) return;
    killGroup(pid, signal);
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (isAlive(pid)) killGroup(pid, 'SIGKILL');
    const hard = Date.now() + 2000;
    while (isAlive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 25));
    liveDebuggees.delete(pid);
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.handle(response, async () => {
      if (this.attachArgs) { this.agent?.close(); return; }
      void this.stopDebuggee('SIGTERM', 2000);
    });
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): Promise<void> {
    await this.handle(response, async () => {
      const kill = args?.terminateDebuggee ?? !this.attachArgs;
      if (kill) {
        await this.stopDebuggee('SIGKILL', 0);
      } else if (this.agent && !this.agent.isClosed) {
        // Detach: leave the program running as if no debugger had been there.
        for (const file of this.breakpoints.keys()) await this.agent.request('debug.setBreakpoints', { path: file, breakpoints: [] }).catch(() => undefined);
        await this.agent.request('debug.setExceptionBreakpoints', { filters: [] }).catch(() => undefined);
        await this.agent.request('debug.continue', {}).catch(() => undefined);
      }
      this.ended = true;
      if (this.treeTimer) clearTimeout(this.treeTimer);
      this.agent?.close();
    });
    this.shutdown();
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    await this.handle(response, async () => {
      if (!this.launchArgs) throw userError('Restart is only available for launched programs.');
      this.restarting = true;
      try {
        await this.stopDebuggee('SIGKILL', 0);
        this.agent?.close();
        this.resetPauseState();
        const next = (args?.arguments as LaunchArguments | undefined) ?? this.launchArgs;
        this.launchArgs = next;
        this.debuggee = undefined;
        await this.startDebuggee(next);
        await this.client.request('run');
      } finally {
        this.restarting = false;
      }
    });
  }

  // -- breakpoints -------------------------------------------------------------------------------

  private async sendBreakpoints(file: string, bps: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    const { breakpoints } = await this.client.request('debug.setBreakpoints', {
      path: file,
      breakpoints: bps.map((b) => ({ line: b.line, condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage })),
    });
    return breakpoints.map((b) => ({ id: b.id ?? undefined, verified: b.verified, line: b.line, message: b.message ?? undefined, source: { path: file } }));
  }

  protected override async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    await this.handle(response, async () => {
      const file = args.source.path;
      if (!file) throw userError('Breakpoints need a file on disk.');
      const bps = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      this.breakpoints.set(file, bps);
      if (!this.agent || this.agent.isClosed) return { breakpoints: bps.map((b) => ({ verified: false, line: b.line })) };
      return { breakpoints: await this.sendBreakpoints(file, bps) };
    });
  }

  protected override async setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): Promise<void> {
    await this.handle(response, async () => {
      const known = new Set(EXCEPTION_FILTERS.map((f) => f.filter));
      this.exceptionFilters = (args.filters ?? []).filter((f) => known.has(f));
      if (this.agent && !this.agent.isClosed) {
        await this.agent.request('debug.setExceptionBreakpoints', { filters: this.exceptionFilters });
        await this.configureOrigins();
      }
      return { breakpoints: this.exceptionFilters.map(() => ({ verified: true })) };
    });
  }

  /**
   * A never-awaited coroutine's creation site is only known when the interpreter records coroutine
   * origins, which costs at every coroutine creation: on only while that exception filter is.
   */
  private async configureOrigins(): Promise<void> {
    const originDepth = this.exceptionFilters.includes('never-awaited') ? 3 : 0;
    await this.agent?.request('events.configure', { originDepth }).catch(() => undefined);
  }

  // -- execution control -------------------------------------------------------------------------

  private resetPauseState(): void {
    this.pauses.resumed(Date.now());
    this.pausedThread = null;
    this.frames.reset();
    this.vars.reset();
    this.treeDirty = true;
  }

  /** The OS thread a step applies to (a task entry steps the loop thread that is paused). */
  private osThread(threadId: number): number {
    return this.taskThreads.taskOf(threadId) !== undefined ? (this.pausedThread ?? threadId) : threadId;
  }

  protected override async continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    await this.handle(response, async () => {
      this.resetPauseState();
      await this.client.request('debug.continue', {});
      return { allThreadsContinued: true };
    });
  }

  private async step(response: DebugProtocol.Response, threadId: number, kind: 'in' | 'over' | 'out'): Promise<void> {
    await this.handle(response, async () => {
      const thread = this.osThread(threadId);
      this.resetPauseState();
      await this.client.request('debug.step', { threadId: thread, kind });
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): Promise<void> { return this.step(response, args.threadId, 'over'); }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): Promise<void> { return this.step(response, args.threadId, 'in'); }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): Promise<void> { return this.step(response, args.threadId, 'out'); }

  protected override async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    await this.handle(response, async () => { await this.client.request('debug.pause', {}); });
  }

  // -- inspection ----------------------------------------------------------------------------------

  private get maxTasksInTree(): number {
    const n = (this.launchArgs ?? this.attachArgs)?.maxTasksInTree;
    return typeof n === 'number' && n >= 1 ? Math.floor(n) : DEFAULT_TREE_CAP;
  }

  private get taskCap(): number {
    const args = this.launchArgs ?? this.attachArgs;
    if (args?.showTasksInCallStack === false) return 0;
    return typeof args?.maxTasksInCallStack === 'number' ? args.maxTasksInCallStack : DEFAULT_TASK_CAP;
  }

  protected override async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    await this.handle(response, async () => {
      if (!this.agent || this.agent.isClosed) return { threads: [] };
      const { threads } = await this.agent.request('debug.threads', {});
      const out = threads.map((t) => new Thread(t.id, t.name));
      const cap = this.taskCap;
      if (this.pausedThread !== null && cap > 0) {
        const snap = await this.agent.request('tasks.list', { limit: Math.max(cap * 4, 200) });
        for (const t of TaskTree.fromSnapshot(snap.tasks).forCallStack(cap)) out.push(new Thread(this.taskThreads.idFor(t.id), taskThreadName(t)));
      }
      return { threads: out };
    });
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    await this.handle(response, async () => {
      const task = this.taskThreads.taskOf(args.threadId);
      let frames: DebugFrame[];
      let total: number;
      if (task !== undefined) {
        frames = (await this.client.request('debug.taskStack', { task })).frames;
        total = frames.length;
        const start = args.startFrame ?? 0;
        frames = frames.slice(start, args.levels ? start + args.levels : undefined);
      } else {
        const r = await this.client.request('debug.stackTrace', { threadId: args.threadId, startFrame: args.startFrame, levels: args.levels });
        frames = r.frames;
        total = r.total;
      }
      return { stackFrames: frames.map((f) => frameToDap(f, this.frames.create(f))), totalFrames: total };
    });
  }

  protected override async scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): Promise<void> {
    await this.handle(response, async () => {
      const frame = this.frames.get(args.frameId);
      if (!frame || frame.label) return { scopes: [] };
      const { scopes } = await this.client.request('debug.scopes', { frameId: frame.id });
      return {
        scopes: scopes.map((s) => {
          const scope = new Scope(s.name, this.vars.create(s.ref), s.expensive) as DebugProtocol.Scope;
          if (s.presentationHint) scope.presentationHint = s.presentationHint;
          return scope;
        }),
      };
    });
  }

  private toDapVariable(v: DebugVariable): DebugProtocol.Variable {
    const out: DebugProtocol.Variable = { name: v.name, value: v.value, type: v.type, variablesReference: v.ref ? this.vars.create(v.ref) : 0 };
    if (v.evaluateName) out.evaluateName = v.evaluateName;
    if (v.indexedVariables) out.indexedVariables = v.indexedVariables;
    return out;
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.handle(response, async () => {
      const ref = this.vars.get(args.variablesReference);
      if (!ref) return { variables: [] };
      const { variables } = await this.client.request('debug.variables', { ref, start: args.start, count: args.count });
      return { variables: variables.map((v) => this.toDapVariable(v)) };
    });
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    await this.handle(response, async () => {
      const ref = this.vars.get(args.variablesReference);
      if (!ref) throw userError('This variable is no longer available.');
      try {
        const { variable } = await this.client.request('debug.setVariable', { ref, name: args.name, value: args.value });
        const v = this.toDapVariable(variable);
        return { value: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables };
      } catch (e) {
        throw e instanceof InspectorError && e.code !== 'closed' ? userError(e.message) : e;
      }
    });
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    await this.handle(response, async () => {
      if (this.pausedThread === null) throw silentError('Pause the program to evaluate expressions.');
      const frame = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
      const { variable } = await this.client.request('debug.evaluate', {
        expression: args.expression, frameId: frame && !frame.label ? frame.id : undefined, context: args.context,
      }, 20_000);
      const v = this.toDapVariable(variable);
      return { result: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables };
    });
  }

  protected override async exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): Promise<void> {
    await this.handle(response, async () => {
      const { info } = await this.client.request('debug.exceptionInfo', { threadId: this.osThread(args.threadId) });
      if (!info) throw userError('No exception on this thread.');
      const where = info.createdAt ? `${info.createdAt.path}:${info.createdAt.line}` : undefined;
      return {
        exceptionId: info.exceptionId, description: info.description, breakMode: info.breakMode,
        details: { typeName: info.typeName, message: info.description, stackTrace: info.stackTrace ?? where },
      };
    });
  }

  // -- custom requests and the task-tree event -------------------------------------------------------

  /**
   * The task tree, paged from the agent (TREE_PAGE tasks per `tasks.list`), so the debuggee's loop
   * is held for one page at a time, never for the whole walk. Tasks that finish between pages shift
   * later offsets left: each page overlaps the previous one, and a page that starts past the last
   * id seen is fetched again from further back. Up to `maxTasksInTree` tasks; `total` and
   * `truncated` say when there were more. `loopLagMs` is the round trip of an `agent.ping` answered
   * on the loop thread (how long a ready callback waits for the loop right now).
   */
  private async taskTreeBody(includeDone: boolean): Promise<TaskTreeBody & { costMs: number }> {
    const agent = this.client;
    const cap = this.maxTasksInTree;
    const t0 = performance.now();
    const ping = await agent.request('agent.ping').catch(() => undefined);
    const pingMs = performance.now() - t0;
    const loopLagMs = ping?.servedBy === 'loop' ? Math.round(pingMs * 10) / 10 : undefined;
    const byId = new Map<string, AgentTaskInfo>();
    let costMs = 0;
    let offset = 0;
    let total = 0;
    let lastId = -1;
    for (let guard = 0; guard < 10_000; guard++) {
      const limit = Math.min(TREE_PAGE, cap - byId.size + (offset > 0 ? TREE_OVERLAP : 0));
      if (limit <= 0) break;
      const t = performance.now();
      const page = await agent.request('tasks.list', { includeDone, offset, limit });
      costMs += performance.now() - t;
      total = page.total;
      const first = page.tasks.length ? Number(page.tasks[0].id) : NaN;
      if (offset > 0 && first > lastId) {
        // More tasks than the overlap finished since the last page: step back and fetch again.
        offset = Math.max(0, offset - TREE_PAGE);
        continue;
      }
      for (const task of page.tasks) {
        if (byId.size >= cap) break;
        if (!byId.has(task.id)) byId.set(task.id, task);
        lastId = Math.max(lastId, Number(task.id));
      }
      if (page.tasks.length < limit || byId.size >= cap) break;
      offset = page.offset + page.tasks.length - TREE_OVERLAP;
    }
    const tasks = [...byId.values()];
    const body: TaskTreeBody & { costMs: number } = {
      tasks: TaskTree.fromSnapshot(tasks).toDap(), total: Math.max(total, tasks.length), truncated: total > tasks.length, includeDone, costMs,
    };
    if (loopLagMs !== undefined) body.loopLagMs = loopLagMs;
    return body;
  }

  protected override async customRequest(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    if (command === CustomRequests.taskTree) {
      await this.handle(response, async () => {
        const a = args as TaskTreeArguments | undefined;
        if (typeof a?.pushDone === 'boolean') this.pushDone = a.pushDone;
        const { costMs: _cost, ...body } = await this.taskTreeBody(!!a?.includeDone);
        return body;
      });
    } else if (command === CustomRequests.cancelTask) {
      await this.handle(response, async () => {
        const id = (args as CancelTaskArguments | undefined)?.id;
        if (typeof id !== 'string') throw userError('cancelTask needs a task id.');
        try {
          return await this.client.request('tasks.cancel', { id });
        } catch (e) {
          throw e instanceof InspectorError && e.code === 'not-found' ? userError(`No task ${id}.`) : e;
        }
      });
    } else {
      await this.handle(response, async () => { throw userError(`Unknown request ${command}.`); });
    }
  }

  /**
   * Pushes `taskTree` at most twice a second, only when the agent reported a change
   * (`tasks.changed`), and never spending more than TREE_BUDGET of the program's time on it: after
   * a snapshot that kept the agent busy `cost` ms, the next one waits at least `cost / TREE_BUDGET`.
   */
  private startTreeEvents(): void {
    if (this.treeTimer) clearTimeout(this.treeTimer);
    this.treeDirty = true;
    const schedule = (delayMs: number): void => {
      this.treeTimer = setTimeout(tick, delayMs);
      this.treeTimer.unref();
    };
    const tick = (): void => {
      if (this.ended || !this.agent || this.agent.isClosed) return;
      if (!this.treeDirty || this.treeBusy) { schedule(TREE_MIN_INTERVAL_MS); return; }
      this.treeDirty = false;
      this.treeBusy = true;
      const started = performance.now();
      this.taskTreeBody(this.pushDone)
        .then(({ costMs, ...body }) => {
          if (!this.ended) this.sendEvent(new Event(CustomEvents.taskTree, body));
          const elapsed = performance.now() - started;
          schedule(Math.max(TREE_MIN_INTERVAL_MS - elapsed, costMs / TREE_BUDGET - elapsed, 0));
        })
        .catch(() => { this.treeDirty = true; schedule(TREE_MIN_INTERVAL_MS); })
        .finally(() => { this.treeBusy = false; });
    };
    schedule(TREE_MIN_INTERVAL_MS);
  }
}
