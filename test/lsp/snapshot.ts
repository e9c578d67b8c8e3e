/**
 * JSON snapshots for the LSP and CLI tests: `assertSnapshot(file, value)` compares with the
 * stored file; `UPDATE_SNAPSHOTS=1` (re)writes it instead. A missing snapshot fails, so a new
 * case is reviewed once before it can pass. Also a small line diff, to show an applied fix.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

export function assertSnapshot(file: string, value: unknown): void {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.ok(fs.existsSync(file), `missing snapshot ${path.basename(file)}: run with UPDATE_SNAPSHOTS=1 and review it`);
  assert.equal(text, fs.readFileSync(file, 'utf8'), `snapshot ${path.basename(file)} differs (UPDATE_SNAPSHOTS=1 rewrites it)`);
}

/** Replaces every spelling of the workspace directory (URI, path) with `<workspace>`. */
export function normalise(value: unknown, workspace: string): unknown {
  const uri = 'file://' + encodeURI(workspace.split(path.sep).join('/'));
  let text = JSON.stringify(value);
  for (const s of [uri, workspace.split(path.sep).join('/'), workspace]) text = text.split(JSON.stringify(s).slice(1, -1)).join('<workspace>');
  return JSON.parse(text);
}

/** A line diff of two texts: `-old` / `+new` lines with `@@ line N` headers (1-based). */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence by dynamic programming; fixture files are small.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0, j = 0, inHunk = false;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { i++; j++; inHunk = false; continue; }
    if (!inHunk) { out.push(`@@ line ${i + 1}`); inHunk = true; }
    if (i < a.length && (j >= b.length || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  return out;
}
