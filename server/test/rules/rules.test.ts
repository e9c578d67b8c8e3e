/**
 * One data-driven test over the rule registry. For every rule:
 *  - its fixture (fixtures/<rule>.py, or fixtures/<rule>/ for multi-file cases) yields exactly
 *    the diagnostics its `# error: [<rule>, …]` annotations announce (and nothing on other lines);
 *  - the diagnostics render to snapshots/<rule>.snap (location, excerpt with carets, fix title,
 *    fix as a diff); UPDATE_SNAPSHOTS=1 rewrites them;
 *  - its doc comment has the required headings, its **Example** fires and **Use instead** does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine, type TextEdit, type Violation } from '../../src/engine';
import { allRules } from '../../src/rules';
import { LineIndex } from '../../src/analysis/positions';
import { codeBlock, docSections, readRule } from '../../../scripts/generators/rules.mjs';

const here = __dirname;
const fixtures = path.join(here, 'fixtures');
const snapshots = path.join(here, 'snapshots');
const rulesDir = path.join(here, '..', '..', 'src', 'rules');
const update = process.env.UPDATE_SNAPSHOTS === '1';

/** Applies LSP edits to a text (edits must not overlap). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  const spans = edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const s of spans) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/** A line diff (LCS) printed as hunks without context: what the fix changes, line by line. */
function diff(before: string, after: string): string {
  const a = before.split('\n'), b = after.split('\n');
  const n = a.length, m = b.length;
  // Suffix LCS lengths; fixtures are small, so O(n·m) is fine.
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { i++; j++; continue; }
    const hunk: string[] = [];
    const ai = i, bj = j;
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) hunk.push(`    +${b[j++]}`);
      else hunk.push(`    -${a[i++]}`);
    }
    out.push(`    @@ -${ai + 1},${i - ai} +${bj + 1},${j - bj} @@`, ...hunk.sort((x, y) => (x[4] === y[4] ? 0 : x[4] === '-' ? -1 : 1)));
  }
  return out.join('\n');
}

function render(rel: string, text: string, v: Violation): string {
  const lines = new LineIndex(text);
  const { start, end } = v.range;
  const src = lines.lineText(start.line);
  const width = end.line === start.line ? Math.max(1, end.character - start.character) : Math.max(1, src.length - start.character);
  const gutter = String(start.line + 1);
  const pad = ' '.repeat(gutter.length);
  const out = [
    `${rel}:${start.line + 1}:${start.character + 1}: ${v.severity}[${v.rule}] ${v.message}`,
    `${pad} |`,
    `${gutter} | ${src}`,
    `${pad} | ${' '.repeat(start.character)}${'^'.repeat(width)}`,
  ];
  for (const f of [v.fix, ...(v.otherFixes ?? [])]) {
    if (!f) continue;
    out.push(`  = fix (${f.safe ? 'safe' : 'unsafe'}): ${f.title}`);
    out.push(diff(text, applyEdits(text, f.edits)));
  }
  if (!v.fix) out.push('  = no fix');
  return out.join('\n');
}

/** Rules named in `# error: [a, b]` per 0-based line. */
function annotations(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  text.split(/\r?\n/).forEach((l, i) => {
    const m = /#.*error: \[([^\]]+)\]/.exec(l);
    if (m) out.set(i, m[1].split(',').map((s) => s.trim()));
  });
  return out;
}

function pyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pyFiles(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

/** Checks files with a fresh engine rooted at `root`; returns violations per file. */
async function checkFiles(root: string, files: string[], engine?: Engine): Promise<Map<string, Violation[]>> {
  const e = engine ?? await createEngine({ roots: [root] });
  for (const f of files) e.setFile(f, fs.readFileSync(f, 'utf8'));
  const out = new Map<string, Violation[]>();
  for (const f of files) {
    const r = e.check(f);
    assert.equal(r.problem, undefined, `${f}: ${r.problem?.message}`);
    out.set(f, r.violations);
  }
  return out;
}

for (const rule of allRules) {
  test(`rule ${rule.name}: fixture annotations match exactly, snapshot matches`, async () => {
    const single = path.join(fixtures, `${rule.name}.py`);
    const dir = path.join(fixtures, rule.name);
    const isDir = fs.existsSync(dir);
    assert.ok(isDir || fs.existsSync(single), `missing fixture for ${rule.name}`);
    const root = isDir ? dir : fixtures;
    const files = isDir ? pyFiles(dir) : [single];
    const results = await checkFiles(root, files);
    const rendered: string[] = [];
    let sawRule = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const rel = path.relative(fixtures, f).split(path.sep).join('/');
      const expected = annotations(text);
      const got = new Map<number, string[]>();
      for (const v of results.get(f)!) {
        const l = got.get(v.range.start.line) ?? [];
        l.push(v.rule);
        got.set(v.range.start.line, l);
      }
      const fmt = (m: Map<number, string[]>) => [...m].sort((a, b) => a[0] - b[0]).map(([l, r]) => `${rel}:${l + 1}: ${[...r].sort().join(', ')}`);
      assert.deepEqual(fmt(got), fmt(expected), `diagnostics of ${rel} differ from its annotations`);
      for (const v of results.get(f)!) {
        if (v.rule === rule.name) sawRule++;
        rendered.push(render(rel, text, v));
      }
    }
    assert.ok(sawRule > 0, `fixture of ${rule.name} has no diagnostic of that rule`);
    const snapFile = path.join(snapshots, `${rule.name}.snap`);
    const snap = rendered.join('\n\n') + '\n';
    if (update || !fs.existsSync(snapFile)) {
      fs.mkdirSync(snapshots, { recursive: true });
      fs.writeFileSync(snapFile, snap);
      if (!update) assert.fail(`snapshot ${rule.name}.snap was missing; written, review it`);
    } else {
      assert.equal(snap, fs.readFileSync(snapFile, 'utf8'), `snapshot ${rule.name}.snap differs (UPDATE_SNAPSHOTS=1 rewrites)`);
    }
  });

  test(`rule ${rule.name}: doc has its headings; Example fires, Use instead does not`, async () => {
    const source = fs.readFileSync(path.join(rulesDir, `${rule.name}.ts`), 'utf8');
    const meta = readRule(source, rule.name);
    assert.equal(meta.name, rule.name);
    assert.equal(meta.severity, rule.severity);
    const sections = docSections(meta.markdown);
    const required = ['What it does', 'Why is this bad?', 'Example', 'Use instead', ...(rule.fix === 'none' ? [] : ['Fix safety'])];
    for (const h of required) assert.ok(sections[h]?.trim(), `${rule.name}: doc lacks "## ${h}"`);
    const example = codeBlock(sections['Example']);
    const instead = codeBlock(sections['Use instead']);
    assert.ok(example && instead, `${rule.name}: Example and Use instead need a python block`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-doc-'));
    try {
      const run = async (code: string) => {
        const f = path.join(tmp, 'example.py');
        fs.writeFileSync(f, code);
        const r = await checkFiles(tmp, [f]);
        return r.get(f)!.filter((v) => v.rule === rule.name);
      };
      assert.ok((await run(example!)).length > 0, `${rule.name}: the doc Example does not fire`);
      assert.deepEqual((await run(instead!)).map((v) => v.message), [], `${rule.name}: the doc Use instead fires`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}
