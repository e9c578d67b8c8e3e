#!/usr/bin/env node
// Overhead of the Python agent (`npm run bench -- agent`): the same asyncio workloads run with
// plain `python` and under `python -m taskscope_agent` with a client attached (handshake done,
// no breakpoints, task events off), interleaved, on every CPython found. Prints the median CPU
// time of each and the ratio, per Python side by side. Targets: <= 1.05 on 3.12+, <= 1.15 on
// 3.10/3.11. Measures and prints; fails only when it cannot run. ROUNDS=n overrides the rounds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPythons } from '../scripts/pythons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const agentDir = path.join(root, 'debug-adapter', 'agent');
const rounds = Number(process.env.ROUNDS || 5);

const WORKLOAD = String.raw`
import asyncio, sys, time

async def queues(n=20000, stages=4):
    qs = [asyncio.Queue(maxsize=100) for _ in range(stages + 1)]
    async def stage(i):
        while True:
            item = await qs[i].get()
            await qs[i + 1].put(item)
            if item is None:
                return
    async def producer():
        for i in range(n):
            await qs[0].put(i)
        await qs[0].put(None)
    async def consumer():
        while await qs[-1].get() is not None:
            pass
    await asyncio.gather(producer(), consumer(), *(stage(i) for i in range(stages)))

async def echo(clients=8, messages=600):
    async def handle(r, w):
        while True:
            data = await r.read(4096)
            if not data:
                break
            w.write(data)
            await w.drain()
        w.close()
    srv = await asyncio.start_server(handle, '127.0.0.1', 0)
    port = srv.sockets[0].getsockname()[1]
    async def client():
        r, w = await asyncio.open_connection('127.0.0.1', port)
        for i in range(messages):
            w.write(b'x' * 64 + b'\n')
            await w.drain()
            await r.readexactly(65)
        w.close()
        await w.wait_closed()
    await asyncio.gather(*(client() for _ in range(clients)))
    srv.close()
    await srv.wait_closed()

async def spawn(rounds=12, width=4000):
    async def leaf(i):
        await asyncio.sleep(0)
        return i
    async def mid(i):
        return sum(await asyncio.gather(leaf(i), leaf(i + 1)))
    for _ in range(rounds):
        await asyncio.gather(*(asyncio.create_task(mid(i)) for i in range(width // 2)))
        if hasattr(asyncio, 'TaskGroup'):
            async with asyncio.TaskGroup() as tg:
                for i in range(width // 4):
                    tg.create_task(leaf(i))

async def main(which):
    # One after the other: run together, the CPU-bound pipeline changes how the echo's reads
    # batch up, and the CPU time then swings by 2x with any change of timing.
    async def io():
        await queues()
        await echo()
    fn = {'io': io, 'spawn': spawn}[which]
    t = time.process_time()
    await fn()
    print('CPU', time.process_time() - t, flush=True)

asyncio.run(main(sys.argv[1]))
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-bench-'));
const script = path.join(tmp, 'workload.py');
fs.writeFileSync(script, WORKLOAD);

/** Runs the workload once; resolves to its CPU seconds. With the agent, attaches a client first. */
function once(py, which, withAgent) {
  return new Promise((resolve, reject) => {
    const secret = 'bench-' + Math.random().toString(36).slice(2);
    const portFile = path.join(tmp, `port-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const args = withAgent
      ? ['-m', 'taskscope_agent', '--wait', '--port', '0', '--port-file', portFile, script, which]
      : [script, which];
    const env = { ...process.env, PYTHONPATH: agentDir, TASKSCOPE_SECRET: secret };
    const child = spawn(py, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', sock = null;
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill(), 120000);
    child.on('close', (code) => {
      clearTimeout(timer);
      sock?.destroy();
      const m = /CPU ([\d.]+)/.exec(out);
      if (code !== 0 || !m) reject(new Error(`${py} ${args.join(' ')} failed (${code}): ${err.slice(-500)}`));
      else resolve(Number(m[1]));
    });
    if (!withAgent) return;
    const deadline = Date.now() + 20000;
    const poll = () => {
      if (!fs.existsSync(portFile)) {
        if (Date.now() > deadline) { child.kill(); return; }
        setTimeout(poll, 10);
        return;
      }
      const port = Number(fs.readFileSync(portFile, 'utf8'));
      sock = net.connect(port, '127.0.0.1', () => {
        sock.write(JSON.stringify({ type: 'hello', protocol: '1.0', secret, client: 'bench' }) + '\n');
        sock.write(JSON.stringify({ type: 'request', id: 1, method: 'run' }) + '\n');
      });
      sock.on('data', () => {}); // keep reading events so the agent never waits on us
      sock.on('error', () => {});
    };
    poll();
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const pythons = findPythons();
if (pythons.length === 0) { console.error('no CPython >= 3.10 found'); process.exit(1); }
const results = [];
for (const py of pythons) {
  for (const which of ['io', 'spawn']) {
    const plain = [], agent = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate the order so drift in machine load hits both sides alike.
      if (r % 2) { agent.push(await once(py.path, which, true)); plain.push(await once(py.path, which, false)); }
      else { plain.push(await once(py.path, which, false)); agent.push(await once(py.path, which, true)); }
    }
    results.push({ version: py.version, which, plain: median(plain), agent: median(agent),
      best: Math.min(...agent) / Math.min(...plain), target: py.minor >= 12 ? 1.05 : 1.15 });
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`agent overhead: CPU seconds of the workload, median of ${rounds} interleaved runs each;`);
console.log('ratio = agent/plain of the medians, min-ratio = of the fastest runs (less sensitive to machine load)');
console.log(['python', 'workload', 'plain', 'agent', 'ratio', 'min-ratio', 'target'].map((h) => h.padEnd(11)).join(''));
for (const r of results) {
  const ratio = r.agent / r.plain;
  console.log([r.version, r.which, r.plain.toFixed(3), r.agent.toFixed(3), ratio.toFixed(3) + (ratio <= r.target ? '' : ' !'),
    r.best.toFixed(3), '<= ' + r.target].map((c) => String(c).padEnd(11)).join(''));
}
