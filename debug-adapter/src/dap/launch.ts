/**
 * Starting the debuggee: checks the launch configuration (program, interpreter and its version),
 * builds the agent's command line and environment, spawns it in its own process group with its
 * output streamed, finds the agent's port through the port file, and kills the whole group.
 * It does not speak DAP or the inspector protocol; errors are `userError`s with a clear message.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { userError } from './errors';

export interface LaunchConfig {
  program?: string; module?: string; code?: string; args?: string[]; cwd?: string;
  env?: Record<string, string | null>; envFile?: string; python?: string;
  console?: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
  stopOnEntry?: boolean; justMyCode?: boolean; loopBlockedThresholdMs?: number;
  maxTasksInCallStack?: number; showTasksInCallStack?: boolean; maxTasksInTree?: number;
}

export interface PreparedLaunch {
  python: string; pythonVersion: string; argv: string[]; cwd: string; env: Record<string, string>;
  portFile: string; secret: string; tmpDir: string;
}

/** Runs `python` to learn its version; a missing interpreter or one older than 3.10 is a userError. */
export function checkPython(python: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', 'import sys, platform; print("%d.%d.%d" % sys.version_info[:3], platform.python_implementation())'],
      { timeout: 15_000, env }, (err, stdout) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          reject(userError(code === 'ENOENT' || code === 'EACCES'
            ? `Python interpreter not found: "${python}". Set "python" in the launch configuration to a CPython 3.10+ interpreter.`
            : `Python interpreter "${python}" failed to start: ${err.message.split('\n')[0]}`));
          return;
        }
        const [version, impl] = stdout.trim().split(' ');
        const [major, minor] = version.split('.').map(Number);
        if (major < 3 || (major === 3 && minor < 10)) {
          reject(userError(`Taskscope needs Python 3.10 or newer; "${python}" is Python ${version}.`));
          return;
        }
        if (impl && impl !== 'CPython') {
          reject(userError(`Taskscope needs CPython; "${python}" is ${impl} ${version}.`));
          return;
        }
        resolve(version);
      });
  });
}

/** KEY=VALUE lines (export prefix, quotes and # comments allowed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
      if (m[2].startsWith('"')) value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[m[1]] = value;
  }
  return out;
}

export async function prepareLaunch(config: LaunchConfig, agentDir: string): Promise<PreparedLaunch> {
  const targets = [config.program, config.module, config.code].filter((x) => typeof x === 'string' && x !== '');
  if (targets.length === 0) throw userError('The launch configuration needs "program" (a Python file), "module" or "code".');
  if (targets.length > 1) throw userError('Give only one of "program", "module" and "code".');
  let cwd = config.cwd || (config.program ? path.dirname(path.resolve(config.program)) : process.cwd());
  cwd = path.resolve(cwd);
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) throw userError(`The working directory "${cwd}" does not exist.`);
  let program: string | undefined;
  if (config.program) {
    program = path.resolve(cwd, config.program);
    if (!fs.existsSync(program)) throw userError(`The program "${program}" does not exist.`);
  }
  if (!fs.existsSync(path.join(agentDir, 'taskscope_agent'))) throw userError(`The Taskscope agent is missing from ${agentDir} (is the extension built?).`);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  if (config.envFile) {
    const file = path.resolve(cwd, config.envFile);
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch { throw userError(`Cannot read envFile "${file}".`); }
    Object.assign(env, parseEnvFile(text));
  }
  for (const [k, v] of Object.entries(config.env ?? {})) {
    if (v === null) delete env[k]; else env[k] = String(v);
  }
  env.PYTHONPATH = env.PYTHONPATH ? `${agentDir}${path.delimiter}${env.PYTHONPATH}` : agentDir;
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONIOENCODING = env.PYTHONIOENCODING || 'utf-8';
  const secret = crypto.randomBytes(24).toString('hex');
  env.TASKSCOPE_SECRET = secret;

  const python = config.python || 'python3';
  const pythonVersion = await checkPython(python, env);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-'));
  const portFile = path.join(tmpDir, 'port');
  const argv = ['-m', 'taskscope_agent.debugger_main', '--port', '0', '--port-file', portFile, '--wait'];
  if (typeof config.loopBlockedThresholdMs === 'number' && config.loopBlockedThresholdMs > 0) {
    argv.push('--blocked-threshold-ms', String(Math.round(config.loopBlockedThresholdMs)));
  }
  if (program) argv.push(program);
  else if (config.module) argv.push('-m', config.module);
  else argv.push('-c', config.code!);
  argv.push(...(config.args ?? []).map(String));
  return { python, pythonVersion, argv, cwd, env, portFile, secret, tmpDir };
}

/** Polls for the agent's port file; fails early when the process died first. */
export async function waitForPort(portFile: string, timeoutMs: number, died: () => string | null): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const port = Number(fs.readFileSync(portFile, 'utf8').trim());
      if (port > 0) return port;
    } catch { /* not there yet */ }
    const why = died();
    if (why !== null) throw userError(why);
    if (Date.now() > deadline) throw userError(`The Taskscope agent did not start listening within ${timeoutMs / 1000} s.`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The debuggee spawned by the adapter itself (internal console): output, exit, kill. */
export class Debuggee {
  readonly child: ChildProcess;
  exitCode: number | null = null;
  private streamsOpen = 2;
  private exited = false;
  private endedWith: number | null = null;
  private readonly onEnd: Array<(code: number) => void> = [];
  stderrTail = '';

  constructor(prepared: PreparedLaunch, onOutput: (category: 'stdout' | 'stderr', text: string) => void) {
    this.child = spawn(prepared.python, prepared.argv, {
      cwd: prepared.cwd, env: prepared.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'],
    });
    for (const [stream, category] of [[this.child.stdout!, 'stdout'], [this.child.stderr!, 'stderr']] as const) {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (d: Buffer) => {
        const text = decoder.write(d);
        if (category === 'stderr') this.stderrTail = (this.stderrTail + text).slice(-2000);
        if (text) onOutput(category, text);
      });
      stream.on('close', () => {
        const rest = decoder.end();
        if (rest) onOutput(category, rest);
        this.streamsOpen--;
        this.maybeEnd();
      });
    }
    this.child.on('error', () => { this.exited = true; this.exitCode ??= 1; this.streamsOpen = 0; this.maybeEnd(); });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 0);
      // Output may still be in the pipes: `maybeEnd` waits for both to close (bounded below).
      setTimeout(() => { this.streamsOpen = 0; this.maybeEnd(); }, 2000).unref();
      this.maybeEnd();
    });
  }

  get pid(): number | undefined { return this.child.pid; }
  get running(): boolean { return !this.exited; }

  /** Called once, after exit and after all output was delivered. */
  whenEnded(cb: (code: number) => void): void {
    if (this.endedWith !== null) cb(this.endedWith); else this.onEnd.push(cb);
  }

  private maybeEnd(): void {
    if (!this.exited || this.streamsOpen > 0 || this.endedWith !== null) return;
    this.endedWith = this.exitCode ?? 0;
    for (const cb of this.onEnd.splice(0)) cb(this.endedWith);
  }
}

/** Signals a process group (falls back to the process); never throws. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try { process.kill(-pid, signal); } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
