// Discovers the CPython interpreters tests run against: every version under ~/.pyenv/versions
// (or $PYENV_ROOT/versions) that is >= 3.10, plus `python3` on PATH when nothing is found there.
// TASKSCOPE_PYTHONS (a path-list) overrides discovery. Never hard-codes a path or a version.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** @returns {{ path: string, version: string, major: number, minor: number }[]} sorted by version */
export function findPythons({ min = [3, 10] } = {}) {
  const candidates = [];
  if (process.env.TASKSCOPE_PYTHONS) {
    candidates.push(...process.env.TASKSCOPE_PYTHONS.split(path.delimiter).filter(Boolean));
  } else {
    const root = path.join(process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv'), 'versions');
    if (fs.existsSync(root)) {
      for (const v of fs.readdirSync(root)) {
        for (const exe of ['python3', 'python']) {
          const p = path.join(root, v, 'bin', exe);
          if (fs.existsSync(p)) { candidates.push(p); break; }
        }
      }
    }
    if (candidates.length === 0) candidates.push('python3');
  }
  const seen = new Set();
  const found = [];
  for (const p of candidates) {
    let version;
    try {
      version = execFileSync(p, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 10000 }).trim();
    } catch { continue; }
    const [major, minor] = version.split('.').map(Number);
    if (major < min[0] || (major === min[0] && minor < min[1])) continue;
    if (seen.has(version)) continue;
    seen.add(version);
    found.push({ path: p, version, major, minor });
  }
  return found.sort((a, b) => a.major - b.major || a.minor - b.minor);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const p of findPythons()) console.log(`${p.version}\t${p.path}`);
}
