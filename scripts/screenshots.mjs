#!/usr/bin/env node
// Regenerates the README's screenshots (media/screenshots/*.png) from a real e2e run in VS Code:
// the same flows as `npm test`'s e2e stage, with a screenshot at each step. Commit the PNGs.
// Fails (and keeps the old images) when any e2e test fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-shots-'));
const r = spawnSync('node', [path.join(root, 'test', 'e2e', 'run.mjs'), '--shots', tmp, '--only', 'sample', ...process.argv.slice(2)], { stdio: 'inherit' });
const shots = fs.readdirSync(tmp).filter((f) => f.endsWith('.png'));
if (r.status !== 0) {
  console.error(`screenshots: e2e failed; media/screenshots/ left as it was (new shots in ${tmp})`);
  process.exit(r.status || 1);
}
const dest = path.join(root, 'media', 'screenshots');
fs.mkdirSync(dest, { recursive: true });
for (const f of shots) fs.copyFileSync(path.join(tmp, f), path.join(dest, f));
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`screenshots: ${shots.length} images in media/screenshots/ (${shots.join(', ')})`);
