/**
 * Makes sure dist/ holds a build of the current sources before a test starts a built bundle
 * (`npm test` builds first; a test file run alone rebuilds here when dist is missing or older
 * than a source file). Shared by the LSP and CLI tests.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(bundle: 'server.js' | 'cli.js'): string {
  const out = path.join(ROOT, 'dist', bundle);
  const stale = !fs.existsSync(out) || fs.statSync(out).mtimeMs < newestMtime(path.join(ROOT, 'server', 'src'));
  if (stale) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
  return out;
}
