#!/usr/bin/env node
// `npm run bench`: builds, then runs every benchmark under bench/ (each an .mjs that prints its
// own figures). `npm run bench -- cli` runs only bench/cli.mjs. Benchmarks are not tests: they
// measure and print, and fail only when they cannot run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
const pick = process.argv.slice(2);
const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status) process.exit(build.status);
let failed = 0;
for (const f of fs.readdirSync('bench').filter((f) => f.endsWith('.mjs')).sort()) {
  if (pick.length && !pick.includes(f.replace(/\.mjs$/, ''))) continue;
  console.log(`\n### bench/${f}`);
  const r = spawnSync('node', [`bench/${f}`], { stdio: 'inherit' });
  if (r.status) failed++;
}
process.exit(failed ? 1 : 0);
