#!/usr/bin/env node
// CLI throughput, side by side in one run on the same files: the Taskscope CLI (dist/cli.js),
// ruff's wasm build (@astral-sh/ruff-wasm-nodejs, driven by a tiny driver: this same file with
// --ruff-driver) and pyright (node_modules/pyright). Every run is a fresh process, so start-up,
// wasm loading and file reading are all counted. Files: Lib/asyncio and Lib/test/test_asyncio of
// the newest CPython found by scripts/pythons.mjs. Prints lines/s and ratios; asserts nothing.
// Rounds interleave the tools; wall time and (on Linux) the child's CPU time are both printed.
// Environment: BENCH_RUNS (default 3; pyright runs once unless BENCH_PYRIGHT_RUNS says more).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPythons } from '../scripts/pythons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUFF_SELECT = ['E4', 'E7', 'E9', 'F', 'ASYNC', 'RUF006'];

if (process.argv[2] === '--ruff-driver') {
  // The driver: read every file and lint it with ruff's wasm Workspace, as the CLI would.
  const { Workspace, PositionEncoding } = await import('@astral-sh/ruff-wasm-nodejs');
  const ws = new Workspace({ lint: { select: RUFF_SELECT } }, PositionEncoding.Utf16);
  let findings = 0;
  for (const file of process.argv.slice(3)) findings += ws.check(fs.readFileSync(file, 'utf8')).length;
  process.stdout.write(JSON.stringify({ findings }) + '\n');
  process.exit(0);
}

function pyFiles(dir, acc = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== '__pycache__') pyFiles(p, acc); } else if (e.name.endsWith('.py')) acc.push(p);
  }
  return acc;
}

const pythons = findPythons();
if (!pythons.length) { console.error('bench/cli: no CPython >= 3.10 found'); process.exit(1); }
const newest = pythons[pythons.length - 1];
const stdlib = execFileSync(newest.path, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
const dirs = [path.join(stdlib, 'asyncio'), path.join(stdlib, 'test', 'test_asyncio')].filter((d) => fs.existsSync(d));
const files = dirs.flatMap((d) => pyFiles(d)).sort();
const lines = files.reduce((n, f) => n + fs.readFileSync(f, 'utf8').split('\n').length - 1, 0);
const runs = Number(process.env.BENCH_RUNS || 3);
const pyrightRuns = Number(process.env.BENCH_PYRIGHT_RUNS || 1);

/**
 * CPU seconds (user + system) of this process's waited-for children, from /proc (Linux); null
 * elsewhere. Unlike wall time it barely moves when other processes share the cores.
 */
function childrenCpu() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    // After the command name: field 16 (cutime) and 17 (cstime) of proc(5) are indexes 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

function time(cmd, args, okCodes) {
  const cpu0 = childrenCpu();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: stdlib, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu1 = childrenCpu();
  if (r.error || !okCodes.includes(r.status)) {
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exited ${r.status}: ${(r.stderr || String(r.error)).slice(0, 500)}`);
  }
  return { s, cpu: cpu0 === null || cpu1 === null ? NaN : cpu1 - cpu0, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const relDirs = dirs.map((d) => path.relative(stdlib, d));
console.log(`CPython ${newest.version}: ${relDirs.join(' + ')} (${stdlib})`);
console.log(`${files.length} files, ${lines.toLocaleString('en-US')} lines; cold process per run; median of runs\n`);

const tools = [
  ['taskscope (dist/cli.js)', runs, process.execPath, [path.join(root, 'dist', 'cli.js'), 'check', ...relDirs, '--format', 'json'], [0, 1], (o) => JSON.parse(o).length],
  [`ruff-wasm ${JSON.parse(fs.readFileSync(path.join(root, 'node_modules/@astral-sh/ruff-wasm-nodejs/package.json'), 'utf8')).version} (select ${RUFF_SELECT.join(',')})`, runs, process.execPath, [fileURLToPath(import.meta.url), '--ruff-driver', ...files], [0], (o) => JSON.parse(o).findings],
  [`pyright ${JSON.parse(fs.readFileSync(path.join(root, 'node_modules/pyright/package.json'), 'utf8')).version}`, pyrightRuns, process.execPath, [path.join(root, 'node_modules', 'pyright', 'index.js'), '--outputjson', '--pythonpath', newest.path, ...relDirs], [0, 1], (o) => JSON.parse(o).summary.errorCount + JSON.parse(o).summary.warningCount],
];
// Rounds interleave the tools, so a burst of load from elsewhere hits them alike.
const samples = tools.map(() => ({ times: [], cpus: [], findings: '?', failed: false }));
for (let round = 0; round < Math.max(...tools.map((t) => t[1])); round++) {
  tools.forEach(([name, n, cmd, args, ok, count], i) => {
    if (round >= n || samples[i].failed) return;
    try {
      const r = time(cmd, args, ok);
      samples[i].times.push(r.s);
      samples[i].cpus.push(r.cpu);
      samples[i].findings = count(r.stdout);
    } catch (e) {
      console.error(`bench/cli: ${name} failed: ${e.message}`);
      samples[i].failed = true;
      samples[i].findings = 'failed';
    }
  });
}
const results = tools.map(([name], i) => {
  const x = samples[i];
  return { name, runs: x.times.length, median: x.times.length ? median(x.times) : NaN, best: Math.min(...x.times), cpu: x.cpus.length ? median(x.cpus) : NaN, findings: x.findings };
});

const ours = results[0];
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(`${pad('tool', 52)}${lpad('runs', 5)}${lpad('median s', 10)}${lpad('best s', 9)}${lpad('cpu s', 8)}${lpad('lines/s', 11)}${lpad('findings', 10)}${lpad('time vs taskscope', 19)}${lpad('cpu vs taskscope', 18)}`);
for (const r of results) {
  const lps = lines / r.median;
  const ratio = (a, b) => (Number.isNaN(a / b) ? 'n/a' : `${(a / b).toFixed(2)}x`);
  console.log(`${pad(r.name, 52)}${lpad(r.runs, 5)}${lpad(r.median.toFixed(2), 10)}${lpad(r.best.toFixed(2), 9)}${lpad(r.cpu.toFixed(2), 8)}${lpad(Math.round(lps).toLocaleString('en-US'), 11)}${lpad(r.findings, 10)}${lpad(ratio(r.median, ours.median), 19)}${lpad(ratio(r.cpu, ours.cpu), 18)}`);
}
const [, ruff, pyright] = results;
console.log(`\ntarget >= 10x pyright (wall): ${pyright.median / ours.median >= 10 ? 'met' : 'MISSED'} (${(pyright.median / ours.median).toFixed(1)}x; cpu ${(pyright.cpu / ours.cpu).toFixed(1)}x)`);
console.log(`target no slower than ruff-wasm (wall): ${ours.median <= ruff.median ? 'met' : 'MISSED'} (${(ruff.median / ours.median).toFixed(2)}x; cpu ${(ruff.cpu / ours.cpu).toFixed(2)}x)`);
console.log(`load average during the run: ${fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a'} (wall times are only comparable on an idle machine)`);
if (results.some((r) => Number.isNaN(r.median))) process.exit(1);
