#!/usr/bin/env node
// Overhead of the debugger with breakpoints set but not hit (`npm run bench -- debugger`): an
// asyncio workload (tasks plus a hot recursive function) runs with plain `python`, under the agent
// with the debugger loaded and no breakpoints, and under it with two breakpoints in the workload's
// own file (one in the hot function, on a branch never taken; one in a function never called).
// Interleaved rounds of the workload's in-process CPU time, on every CPython found; the ratios use
// each variant's fastest round (the one least disturbed by other load on a shared machine), the
// medians are printed too. Target: breakpoints within 5 % on 3.12+ (sys.monitoring); 3.10/3.11
// use sys.settrace, whose cost is printed as well. The agent is copied to a temporary directory
// first, so a rebuild of dist/ meanwhile cannot break a run. Fails only when it cannot run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPythons } from '../scripts/pythons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.env.ROUNDS || 7);

const WORKLOAD = String.raw`
import asyncio

def fib(n):
    if n < 2:
        return n
    if n == -1:
        print("never")  # BP_HOT
    return fib(n - 1) + fib(n - 2)

def never_called():
    return 42  # BP_COLD

async def worker(i):
    total = 0
    for k in range(100):
        total += fib(12)
        await asyncio.sleep(0)
    return total

async def main():
    return sum(await asyncio.gather(*(worker(i) for i in range(40))))

import time
start = time.process_time()
for _ in range(REPEAT):
    asyncio.run(main())
print('CPU', time.process_time() - start)
`;

// The driver runs under the Python being measured; it starts each variant and reads its CPU time.
const DRIVER = String.raw`
import json, os, socket, subprocess, sys, tempfile, time
agent_dir, workload, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(workload).read().splitlines()
bp = {kind: [i + 1 for i, l in enumerate(lines) if '# BP_' + kind in l] for kind in ('HOT', 'COLD')}

def cpu(p):
    out = p.communicate()[0].decode()
    if p.returncode != 0:
        raise SystemExit('workload failed with status %d' % p.returncode)
    return float(out.split('CPU')[-1])

def plain():
    return cpu(subprocess.Popen([sys.executable, workload], stdout=subprocess.PIPE))

def debugged(bp_lines):
    d = tempfile.mkdtemp()
    pf = os.path.join(d, 'port')
    env = dict(os.environ, PYTHONPATH=agent_dir, TASKSCOPE_SECRET='bench')
    p = subprocess.Popen([sys.executable, '-m', 'taskscope_agent.debugger_main', '--port', '0', '--port-file', pf,
                          '--wait', workload], stdout=subprocess.PIPE, env=env)
    deadline = time.time() + 20
    while not os.path.exists(pf):
        if time.time() > deadline:
            raise SystemExit('agent did not start')
        time.sleep(0.01)
    s = socket.create_connection(('127.0.0.1', int(open(pf).read())))
    f = s.makefile('rw')
    def call(msg):
        f.write(json.dumps(msg) + '\n'); f.flush()
        while True:
            m = json.loads(f.readline())
            if m.get('type') != 'event':
                return m
    call({'type': 'hello', 'protocol': '1.0', 'secret': 'bench'})
    call({'type': 'request', 'id': 1, 'method': 'debug.configure', 'params': {'justMyCode': True}})
    if bp_lines:
        r = call({'type': 'request', 'id': 2, 'method': 'debug.setBreakpoints',
                  'params': {'path': workload, 'breakpoints': [{'line': n} for n in bp_lines]}})
        assert all(b['verified'] for b in r['result']['breakpoints']), r
    call({'type': 'request', 'id': 3, 'method': 'run', 'params': {}})
    t = cpu(p)
    s.close()
    return t

results = {'plain': [], 'agent': [], 'cold': [], 'hot': []}
for _ in range(rounds):
    results['plain'].append(plain())
    results['agent'].append(debugged([]))
    results['cold'].append(debugged(bp['COLD']))
    results['hot'].append(debugged(bp['COLD'] + bp['HOT']))
print(json.dumps({k: {'min': min(v), 'median': sorted(v)[len(v) // 2]} for k, v in results.items()}))
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-bench-'));
const agentDir = path.join(tmp, 'agent');
fs.cpSync(path.join(root, 'debug-adapter', 'agent', 'taskscope_agent'), path.join(agentDir, 'taskscope_agent'), {
  recursive: true, filter: (p) => !p.includes('__pycache__'),
});
const workload = path.join(tmp, 'workload.py');
const driver = path.join(tmp, 'driver.py');
// sys.settrace runs are tens of times slower: fewer, shorter rounds there (ratios are per Python).
const repeatFor = (py) => (py.minor >= 12 ? process.env.REPEAT || '3' : '1');
const roundsFor = (py) => (py.minor >= 12 ? rounds : Math.min(rounds, 3));
fs.writeFileSync(driver, DRIVER);
fs.writeFileSync(workload, WORKLOAD);

const pythons = findPythons();
if (pythons.length === 0) { console.error('no CPython >= 3.10 found'); process.exit(1); }
console.log(`debugger overhead, breakpoints set but not hit: workload CPU s, fastest of ${rounds} interleaved rounds (median); 3 shorter rounds on 3.10/3.11`);
console.log('(agent = agent with the debugger loaded, no breakpoints; cold = a breakpoint in a function never');
console.log(' called; hot = also one on a never-taken branch inside the hot function)');
console.log('python    engine          plain          agent          cold           hot            hot/agent hot/plain');
let failed = false;
for (const py of pythons) {
  try {
    fs.writeFileSync(workload, WORKLOAD.replace('REPEAT', repeatFor(py)));
    const out = execFileSync(py.path, [driver, agentDir, workload, String(roundsFor(py))], { encoding: 'utf8', timeout: 1_200_000 });
    const m = JSON.parse(out.trim().split('\n').pop());
    const engine = py.minor >= 12 ? 'sys.monitoring' : 'sys.settrace';
    const r = (a, b) => (a / b).toFixed(3);
    const cell = (x) => `${x.min.toFixed(3)} (${x.median.toFixed(3)})`;
    const worst = Math.max(m.cold.min, m.hot.min) / m.agent.min;
    console.log(`${py.version.padEnd(9)} ${engine.padEnd(15)} ${[m.plain, m.agent, m.cold, m.hot].map(cell).join('  ')}  ${r(m.hot.min, m.agent.min).padStart(9)} ${r(m.hot.min, m.plain.min).padStart(9)}${py.minor >= 12 ? (worst <= 1.05 ? '  ok (<= 1.05)' : '  OVER 1.05') : ''}`);
  } catch (e) {
    failed = true;
    console.log(`${py.version.padEnd(9)} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
