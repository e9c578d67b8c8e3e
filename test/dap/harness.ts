/**
 * DAP test harness: drives the BUILT adapter (dist/debugAdapter.js) over stdio with
 * @vscode/debugadapter-testsupport's DebugClient against the Python programs in
 * test/fixtures/dap (whose `# @marker` lines name the places a case talks about). Every case is
 * data (`Case`) and goes through `check()`: its script writes observations to a log, with lines
 * as `@markers`, thread and frame ids left out, so the expected log reads like a golden file.
 * After each case, no process the case started (adapter, debuggee, its children) may be left.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ADAPTER = path.join(ROOT, 'dist', 'debugAdapter.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'dap');

export interface Python { path: string; version: string; major: number; minor: number }

/** The CPythons scripts/pythons.mjs finds (run as a program: one discovery rule for all tests). */
export function findPythons(): Python[] {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'pythons.mjs')], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter(Boolean).map((line) => {
    const [version, exe] = line.split('\t');
    const [major, minor] = version.split('.').map(Number);
    return { path: exe, version, major, minor };
  });
}

export type Bp = string | { marker: string; condition?: string; hitCondition?: string; logMessage?: string };

export interface Case {
  name: string;
  fixture: string;
  args?: string[];
  launch?: Record<string, unknown>;
  breakpoints?: Bp[];
  exceptions?: string[];
  /** Attach instead of launch: starts the program itself and returns the attach arguments. */
  attach?(s: Session): Promise<Record<string, unknown>>;
  /** Skip the configurationDone/run step (for cases that test launch failures). */
  noRun?: boolean;
  script(s: Session): Promise<void>;
  /** The golden log; a function when it depends on the Python version. */
  expect: string[] | ((py: Python) => string[]);
}

const markerCache = new Map<string, Map<number, string>>();

/** `# @name` markers of a fixture: line -> name, and name -> line. */
export function markers(file: string): Map<number, string> {
  let m = markerCache.get(file);
  if (!m) {
    m = new Map();
    fs.readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
      const hit = /#\s*@(\w+)\s*$/.exec(text);
      if (hit) m!.set(i + 1, hit[1]);
    });
    markerCache.set(file, m);
  }
  return m;
}

export function lineOf(file: string, marker: string): number {
  for (const [line, name] of markers(file)) if (name === marker) return line;
  throw new Error(`no @${marker} in ${file}`);
}

export class Session {
  readonly dc: DebugClient;
  readonly log: string[] = [];
  readonly pids = new Set<number>();
  private readonly events: DebugProtocol.Event[] = [];
  private readonly consumed = new Set<DebugProtocol.Event>();
  private waiters: Array<() => void> = [];
  output = '';
  program = '';
  threadId = 0;
  frameId = 0;

  constructor(readonly py: Python) {
    this.dc = new DebugClient('node', ADAPTER, 'taskscope', { stdio: ['pipe', 'pipe', 'pipe'] }, false);
    this.dc.defaultTimeout = 15_000;
    for (const type of ['output', 'stopped', 'exited', 'terminated', 'initialized', 'taskTree', 'loopBlocked', 'lostError', 'continued']) {
      this.dc.on(type, (e: DebugProtocol.Event) => {
        if (type === 'output') {
          this.output += e.body.output;
          for (const m of String(e.body.output).matchAll(/(?:pid|child)=(\d+)/g)) this.pids.add(Number(m[1]));
        }
        this.events.push(e);
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws) w();
      });
    }
  }

  /** Plays VS Code's part in `runInTerminal`: starts the command (no terminal, output kept). */
  serveRunInTerminal(): void {
    const dc = this.dc as unknown as { dispatch(body: string): void; outputStream: NodeJS.WritableStream };
    const original = dc.dispatch.bind(dc);
    dc.dispatch = (body: string) => {
      const msg = JSON.parse(body);
      if (msg.type !== 'request' || msg.command !== 'runInTerminal') { original(body); return; }
      const [exe, ...args] = msg.arguments.args as string[];
      const env = { ...process.env };
      for (const [k, v] of Object.entries(msg.arguments.env ?? {})) { if (v === null) delete env[k]; else env[k] = String(v); }
      const child = spawn(exe, args, { cwd: msg.arguments.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout!.on('data', (d) => { this.terminal += d; });
      child.stderr!.on('data', (d) => { this.terminal += d; });
      if (child.pid) this.pids.add(child.pid);
      const reply = JSON.stringify({ type: 'response', seq: 0, request_seq: msg.seq, command: 'runInTerminal', success: true, body: { processId: child.pid } });
      dc.outputStream.write(`Content-Length: ${Buffer.byteLength(reply, 'utf8')}\r\n\r\n${reply}`, 'utf8');
    };
  }

  /** What a program started through `runInTerminal` printed. */
  terminal = '';

  get adapterPid(): number | undefined { return (this.dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid; }

  /** The next not yet consumed event of `type` matching `pred`. */
  async next(type: string, pred: (e: DebugProtocol.Event) => boolean = () => true, timeoutMs = 15_000): Promise<DebugProtocol.Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find((x) => x.event === type && !this.consumed.has(x) && pred(x));
      if (e) { this.consumed.add(e); return e; }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no '${type}' event within ${timeoutMs} ms; output so far:\n${this.output.slice(-1500)}`);
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, left); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  has(type: string): boolean { return this.events.some((e) => e.event === type); }

  where(frame: DebugProtocol.StackFrame): string {
    const file = frame.source?.path;
    if (!file) return `${frame.name}`;
    const marker = markers(file).get(frame.line);
    return `${path.basename(file)}:${marker ? '@' + marker : frame.line} ${frame.name}`;
  }

  // -- steps a script uses; each logs what it saw ---------------------------------------------

  async stopped(): Promise<DebugProtocol.StackFrame> {
    const e = await this.next('stopped');
    this.threadId = e.body.threadId;
    const st = await this.dc.stackTraceRequest({ threadId: this.threadId });
    const top = st.body.stackFrames[0];
    this.frameId = top.id;
    this.log.push(`stopped ${e.body.reason} ${this.where(top)}${e.body.description ? ` (${e.body.description})` : ''}`);
    return top;
  }

  async vars(...names: string[]): Promise<Record<string, DebugProtocol.Variable>> {
    const scopes = await this.dc.scopesRequest({ frameId: this.frameId });
    const vs = await this.dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    const byName = Object.fromEntries(vs.body.variables.map((v) => [v.name, v]));
    for (const n of names) this.log.push(`  ${n} = ${stable(byName[n]?.value ?? '<missing>')}`);
    return byName;
  }

  async evaluate(expression: string, context = 'repl'): Promise<void> {
    try {
      const r = await this.dc.evaluateRequest({ expression, frameId: this.frameId, context });
      this.log.push(`  ${expression} -> ${r.body.result}`);
    } catch (e) {
      this.log.push(`  ${expression} !! ${(e as Error).message}`);
    }
  }

  async step(kind: 'next' | 'stepIn' | 'stepOut' | 'continue'): Promise<void> {
    const args = { threadId: this.threadId };
    if (kind === 'next') await this.dc.nextRequest(args);
    else if (kind === 'stepIn') await this.dc.stepInRequest(args);
    else if (kind === 'stepOut') await this.dc.stepOutRequest(args);
    else await this.dc.continueRequest(args);
  }

  async exited(): Promise<void> {
    const e = await this.next('exited');
    await this.next('terminated');
    this.log.push(`exited ${e.body.exitCode}`);
  }

  async waitOutput(re: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`output never matched ${re}:\n${this.output.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  adapterKilled = false;
  /** Set by attach cases: resolves when the program they started ends. */
  attached?: Promise<string>;

  async close(): Promise<void> {
    const within = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
    if (!this.adapterKilled) await within(this.dc.disconnectRequest({}), 5000);
    await within(this.dc.stop(), 3000);
  }
}

/** Object addresses differ from run to run. */
export function stable(text: string): string { return text.replace(/0x[0-9a-f]+/g, '0x…'); }

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export async function assertAllGone(pids: Iterable<number>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const pid of pids) {
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (alive(pid)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      assert.fail(`process ${pid} was left running`);
    }
  }
}

/** Runs one case on one Python: launch, breakpoints, script, golden log, no process left. */
export async function check(py: Python, c: Case): Promise<void> {
  const s = new Session(py);
  const program = path.join(FIXTURES, c.fixture);
  s.program = program;
  await s.dc.start();
  const adapterPid = s.adapterPid;
  // A case may kill the adapter: writes to its stdin then fail with EPIPE, which is expected.
  (s.dc as unknown as { _adapterProcess?: { stdin?: NodeJS.WritableStream } })._adapterProcess?.stdin?.on('error', () => undefined);
  try {
    const bps = (c.breakpoints ?? []).map((b) => (typeof b === 'string' ? { marker: b } : b));
    const configured = s.next('initialized').then(async () => {
      if (bps.length) {
        const r = await s.dc.setBreakpointsRequest({
          source: { path: program },
          breakpoints: bps.map((b) => ({ line: lineOf(program, b.marker), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage })),
        });
        for (const b of r.body.breakpoints) if (!b.verified) s.log.push(`unverified breakpoint: ${b.message}`);
      }
      await s.dc.setExceptionBreakpointsRequest({ filters: c.exceptions ?? ['uncaught'] });
      if (!c.noRun) await s.dc.configurationDoneRequest();
    });
    const terminal = (c.launch as { console?: string } | undefined)?.console === 'integratedTerminal';
    if (terminal) s.serveRunInTerminal();
    await s.dc.initializeRequest({ adapterID: 'taskscope', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsRunInTerminalRequest: terminal });
    try {
      if (c.attach) await s.dc.attachRequest(await c.attach(s) as DebugProtocol.AttachRequestArguments);
      else await s.dc.launchRequest({ program, python: py.path, args: c.args ?? [], ...c.launch } as DebugProtocol.LaunchRequestArguments);
      await configured;
    } catch (e) {
      configured.catch(() => undefined);
      s.log.push(`launch failed: ${(e as Error).message}`);
    }
    if (!s.log.some((l) => l.startsWith('launch failed'))) {
      try {
        await c.script(s);
      } catch (e) {
        (e as Error).message += `\nlog so far:\n${s.log.join('\n')}`;
        throw e;
      }
    }
    const expected = typeof c.expect === 'function' ? c.expect(py) : c.expect;
    assert.deepEqual(s.log, expected, `log of "${c.name}" on ${py.version}:\n${s.log.join('\n')}`);
  } finally {
    await s.close();
    await assertAllGone([...s.pids, ...(adapterPid ? [adapterPid] : [])]);
  }
}
