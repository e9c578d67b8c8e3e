// Ends of a session: exit code with all output delivered, a crash, terminate, disconnect, restart,
// the adapter being killed (the agent notices and ends the debuggee), and bad configurations that
// must be answered with a clear error, never a hang. The harness checks no process is left.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Case } from '../harness';
import { alive, ROOT } from '../harness';

/** A fake interpreter that claims to be an old Python (no real old Python needed). */
function oldPython(): string {
  const file = path.join(os.tmpdir(), `taskscope-old-python-${process.pid}`);
  fs.writeFileSync(file, '#!/bin/sh\necho "3.8.18 CPython"\n', { mode: 0o755 });
  return file;
}

let lastClosedPort = 0;
/** A port that was free a moment ago and has no listener now. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      lastClosedPort = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(lastClosedPort));
    });
  });
}

export const lifecycleCases: Case[] = [
  {
    name: 'exit code and every line of output',
    fixture: 'lifecycle.py',
    args: ['exit'],
    async script(s) {
      await s.exited();
      const lines = s.output.split('\n').filter((l) => l.startsWith('line '));
      s.log.push(`  ${lines.length} stdout lines, last "${lines[lines.length - 1]}", stderr last words: ${s.output.includes('last words')}`);
    },
    expect: ['exited 3', '  200 stdout lines, last "line 199", stderr last words: true'],
  },
  {
    name: 'integrated terminal: breakpoint, then the exit code from the agent',
    fixture: 'lifecycle.py',
    args: ['exit'],
    launch: { console: 'integratedTerminal', stopOnEntry: true },
    async script(s) {
      await s.stopped();
      await s.step('continue');
      await s.exited();
      s.log.push(`  output went to the terminal: ${s.terminal.includes('line 199') && !s.output.includes('line 199')}`);
    },
    expect: ['stopped entry lifecycle.py:1 <module>', 'exited 3', '  output went to the terminal: true'],
  },
  {
    name: 'a crash ends the session with code 1 and the traceback',
    fixture: 'lifecycle.py',
    args: ['crash'],
    exceptions: [],
    async script(s) {
      await s.exited();
      s.log.push(`  traceback: ${/SystemError: crashed on purpose/.test(s.output)}`);
    },
    expect: ['exited 1', '  traceback: true'],
  },
  {
    name: 'terminate ends the program and its children',
    fixture: 'lifecycle.py',
    args: ['forever'],
    async script(s) {
      await s.waitOutput(/child=\d+/);
      await s.dc.terminateRequest({});
      await s.exited();
    },
    expect: ['exited 143'],
  },
  {
    name: 'disconnect while paused kills the debuggee',
    fixture: 'lifecycle.py',
    args: ['forever'],
    breakpoints: ['spin'],
    async script(s) {
      await s.stopped();
      await s.waitOutput(/child=\d+/);
      await s.dc.disconnectRequest({});
      s.log.push('disconnected');
    },
    expect: ['stopped breakpoint lifecycle.py:@spin <module>', 'disconnected'],
  },
  {
    name: 'restart starts a fresh process',
    fixture: 'lifecycle.py',
    args: ['forever'],
    async script(s) {
      await s.waitOutput(/child=\d+/);
      const first = [...s.pids];
      await s.dc.restartRequest({});
      await s.waitOutput(/child=\d+[\s\S]*child=\d+/);
      // The old child was killed with its group; it is gone once its new parent reaped it.
      for (let i = 0; i < 100 && first.some((p) => alive(p)); i++) await new Promise((r) => setTimeout(r, 20));
      s.log.push(`  old processes gone: ${first.every((p) => !alive(p))}, new ones: ${s.pids.size - first.length}`);
      await s.dc.terminateRequest({});
      await s.exited();
    },
    expect: ['  old processes gone: true, new ones: 2', 'exited 143'],
  },
  {
    name: 'the adapter killed: the agent ends the debuggee',
    fixture: 'lifecycle.py',
    args: ['forever'],
    async script(s) {
      await s.waitOutput(/child=\d+/);
      s.adapterKilled = true;
      process.kill(s.adapterPid!, 'SIGKILL');
      s.log.push('adapter killed');
    },
    expect: ['adapter killed'],
  },
  {
    name: 'attach to a waiting agent, hit a breakpoint, detach: the program finishes',
    fixture: 'stepping.py',
    breakpoints: ['fetch_first'],
    async attach(s) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-attach-'));
      const portFile = path.join(dir, 'port');
      const child = spawn(s.py.path, ['-m', 'taskscope_agent.debugger_main', '--port', '0', '--port-file', portFile, '--wait', s.program], {
        env: { ...process.env, PYTHONPATH: path.join(ROOT, 'dist', 'agent'), TASKSCOPE_SECRET: 'attach-secret' }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      s.pids.add(child.pid!);
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      s.attached = new Promise((resolve) => child.on('exit', (code) => resolve(`${code} ${/\(True, 6\)/.test(out)}`)));
      for (let i = 0; i < 500 && !fs.existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 20));
      return { port: Number(fs.readFileSync(portFile, 'utf8')), secret: 'attach-secret' };
    },
    async script(s) {
      await s.stopped();
      await s.vars('uid');
      await s.dc.disconnectRequest({});
      s.adapterKilled = true; // nothing more to say to it
      s.log.push(`program exit code, output: ${await s.attached}`);
    },
    expect: ['stopped breakpoint stepping.py:@fetch_first fetch_user', '  uid = 7', 'program exit code, output: 0 true'],
  },
  {
    name: 'attach where nothing listens',
    fixture: 'stepping.py',
    noRun: true,
    async attach() { return { port: await closedPort(), secret: 'x' }; },
    async script() { /* attach fails */ },
    expect: () => [`launch failed: Nothing listens on 127.0.0.1:${lastClosedPort} (is the agent running in listen mode?)`],
  },
  {
    name: 'missing program',
    fixture: 'does_not_exist.py',
    noRun: true,
    async script() { /* launch fails */ },
    expect: [`launch failed: The program "${path.resolve(__dirname, '..', '..', 'fixtures', 'dap', 'does_not_exist.py')}" does not exist.`],
  },
  {
    name: 'interpreter not found',
    fixture: 'lifecycle.py',
    launch: { python: '/nonexistent/python3' },
    noRun: true,
    async script() { /* launch fails */ },
    expect: ['launch failed: Python interpreter not found: "/nonexistent/python3". Set "python" in the launch configuration to a CPython 3.10+ interpreter.'],
  },
  {
    name: 'interpreter too old',
    fixture: 'lifecycle.py',
    launch: { python: oldPython() },
    noRun: true,
    async script() { /* launch fails */ },
    expect: (py) => { void py; return [`launch failed: Taskscope needs Python 3.10 or newer; "${oldPython()}" is Python 3.8.18.`]; },
  },
];
