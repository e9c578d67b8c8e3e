#!/usr/bin/env node
// `npm test`: every test level in order, failing on any failure, ending with one summary line
// "N passed, N failed". Stages: build, typecheck, lint, node tests (unit, LSP, CLI, DAP), the
// Python agent's unittest suite on every CPython >= 3.10 found, and the end-to-end tests in a
// real VS Code. `--only=stage[,stage]` runs a subset (stage names below); it is for local work.
// Installs nothing but what the project's own scripts install (node_modules if missing, e2e tools).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPythons } from './pythons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
const totals = { passed: 0, failed: 0 };
const failures = [];

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

/** Finds files under `dir` whose names match `re`, skipping node_modules and dist. */
function findFiles(dir, re, acc = []) {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, re, acc);
    else if (re.test(e.name)) acc.push(p);
  }
  return acc;
}

const stages = {
  async build() {
    if (!fs.existsSync(path.join(root, 'node_modules'))) {
      const r = await run('npm', ['install', '--no-audit', '--no-fund']);
      if (r.code) return { passed: 0, failed: 1 };
    }
    const r = await run('node', ['scripts/build.mjs']);
    return { passed: r.code ? 0 : 1, failed: r.code ? 1 : 0 };
  },
  async typecheck() {
    const r = await run('npx', ['tsc', '-p', '.', '--noEmit']);
    return { passed: r.code ? 0 : 1, failed: r.code ? 1 : 0 };
  },
  async lint() {
    const r = await run('npx', ['eslint', '.']);
    return { passed: r.code ? 0 : 1, failed: r.code ? 1 : 0 };
  },
  async node() {
    // Unit, LSP, CLI and DAP tests: every *.test.ts outside test/e2e.
    const files = [
      ...findFiles(path.join(root, 'server', 'test'), /\.test\.ts$/),
      ...findFiles(path.join(root, 'debug-adapter', 'test'), /\.test\.ts$/),
      ...findFiles(path.join(root, 'client', 'test'), /\.test\.ts$/),
      ...findFiles(path.join(root, 'test'), /\.test\.ts$/).filter((f) => !f.includes(`${path.sep}e2e${path.sep}`)),
    ].map((f) => path.relative(root, f));
    if (files.length === 0) return { passed: 0, failed: 0 };
    const r = await run('node', ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files]);
    const pass = Number(/ℹ pass (\d+)/.exec(r.out)?.[1] ?? 0);
    const fail = Number(/ℹ fail (\d+)/.exec(r.out)?.[1] ?? (r.code ? 1 : 0));
    return { passed: pass, failed: r.code && !fail ? 1 : fail };
  },
  async agent() {
    const agentDir = path.join(root, 'debug-adapter', 'agent');
    if (!fs.existsSync(path.join(agentDir, 'tests'))) return { passed: 0, failed: 0 };
    const pythons = findPythons();
    if (pythons.length === 0) { console.error('no CPython >= 3.10 found'); return { passed: 0, failed: 1 }; }
    let passed = 0, failed = 0;
    for (const py of pythons) {
      console.log(`\n[agent] CPython ${py.version} (${py.path})`);
      const r = await run(py.path, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], { cwd: agentDir });
      const ran = Number(/Ran (\d+) tests?/.exec(r.out)?.[1] ?? 0);
      const m = /FAILED \(([^)]*)\)/.exec(r.out);
      let bad = 0;
      if (m) for (const part of m[1].split(',')) { const [k, v] = part.trim().split('='); if (k === 'failures' || k === 'errors') bad += Number(v); }
      if (r.code && !bad) bad = 1;
      passed += ran - Math.min(bad, ran); failed += bad;
    }
    return { passed, failed };
  },
  async e2e() {
    const runner = path.join(root, 'test', 'e2e', 'run.mjs');
    if (!fs.existsSync(runner)) return { passed: 0, failed: 0 };
    const r = await run('node', [runner]);
    const m = /^e2e: (\d+) passed, (\d+) failed/m.exec(r.out);
    if (m) return { passed: Number(m[1]), failed: Number(m[2]) || (r.code ? 1 : 0) };
    return { passed: 0, failed: 1 };
  },
};

for (const [name, stage] of Object.entries(stages)) {
  if (only && !only.has(name)) continue;
  console.log(`\n=== ${name} ===`);
  const t = Date.now();
  const r = await stage();
  console.log(`=== ${name}: ${r.passed} passed, ${r.failed} failed (${((Date.now() - t) / 1000).toFixed(1)} s) ===`);
  totals.passed += r.passed; totals.failed += r.failed;
  if (r.failed) failures.push(name);
  if (name === 'build' && r.failed) break; // nothing else can run without a build
}
if (failures.length) console.log(`\nfailed stages: ${failures.join(', ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed ? 1 : 0);
