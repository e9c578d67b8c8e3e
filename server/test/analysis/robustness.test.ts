// Malformed Python never crashes the engine. Real files (a few modules of the newest CPython's
// asyncio and test_asyncio, found via scripts/pythons.mjs; a built-in sample when no CPython is
// installed) are mutated deterministically (seeded PRNG): truncations at many offsets, deleted
// lines, inserted characters, unbalanced brackets, deep nesting, huge lines, NUL bytes, lone
// surrogates, CR/CRLF mixes. Every mutant is checked with all rules: no internal error, no rule
// failure logged, every range (diagnostic and fix edit) inside the document with start <= end.
// Random incremental edits (editFile) must give exactly what a fresh parse of the same text gives.
// It does not judge which findings are right: the rule fixtures do that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createEngine, type Engine, type Range } from '../../src/engine';
import { LineIndex } from '../../src/analysis/positions';

const SAMPLE = `import asyncio
from asyncio import sleep as nap
import unittest

class Worker:
    def __init__(self):
        self._lock = asyncio.Lock()
        self.q = asyncio.Queue()

    async def run(self, items: list[str]) -> None:
        with self._lock:
            for it in items:
                await self.q.put(it)
                asyncio.create_task(self.handle(it))
        try:
            await nap(0.1)
        except asyncio.CancelledError:
            pass

    async def handle(self, it):
        self.handle(it)  # 🐝 中文
        await self.q.put(it).result()

class T(unittest.TestCase):
    async def test_x(self):
        await asyncio.sleep(0)
`;

/** Real files from the newest CPython (small ones, to keep the test fast), else the sample. */
function corpus(): { name: string; text: string }[] {
  // scripts/pythons.mjs run as a program prints `version<TAB>path` lines, oldest first.
  const listed = execFileSync(process.execPath, [path.join(__dirname, '..', '..', '..', 'scripts', 'pythons.mjs')], { encoding: 'utf8', timeout: 60_000 });
  const newest = listed.split('\n').filter(Boolean).at(-1)?.split('\t');
  if (newest) {
    const [major, minor] = newest[0].split('.');
    const lib = path.join(path.dirname(path.dirname(newest[1])), 'lib', `python${major}.${minor}`);
    const names = ['asyncio/locks.py', 'asyncio/taskgroups.py', 'asyncio/runners.py', 'asyncio/staggered.py', 'test/test_asyncio/test_timeouts.py'];
    const found = names.map((n) => path.join(lib, n)).filter((p) => fs.existsSync(p));
    if (found.length) return found.map((p) => ({ name: path.relative(lib, p), text: fs.readFileSync(p, 'utf8') }));
  }
  return [{ name: 'sample.py', text: SAMPLE }];
}

/** mulberry32: a tiny seeded PRNG, so every run sees the same mutants. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = ['(', ')', '[', ']', '{', '}', ':', '\\', '"', "'", '"""', '#', '\0', '\ud800', '\udc00', '\r', '\r\n', '\n', '\t', ' ',
  'async ', 'await ', 'def ', 'with ', 'for ', 'except ', 'lambda', 'yield', '@', '=', ',', '.', '🐝', '中', '\u2028', '\ufeff'];

function mutants(text: string, rand: () => number): { kind: string; text: string }[] {
  const out: { kind: string; text: string }[] = [];
  const at = () => Math.floor(rand() * (text.length + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  // Truncations at evenly spread offsets (plus a jitter): every construct gets cut somewhere.
  for (let i = 1; i <= 12; i++) out.push({ kind: 'truncate', text: text.slice(0, Math.floor((text.length * i) / 13 + rand() * 40)) });
  const lines = text.split('\n');
  for (let i = 0; i < 4; i++) {
    const kept = lines.filter(() => rand() > 0.08);
    out.push({ kind: 'delete lines', text: kept.join('\n') });
  }
  for (let i = 0; i < 6; i++) {
    let t = text;
    for (let j = 0; j < 25; j++) {
      const o = Math.floor(rand() * (t.length + 1));
      t = t.slice(0, o) + pick(JUNK) + t.slice(o);
    }
    out.push({ kind: 'insert junk', text: t });
  }
  for (let i = 0; i < 3; i++) {
    let t = text;
    for (let j = 0; j < 20; j++) {
      const o = Math.floor(rand() * t.length);
      t = t.slice(0, o) + t.slice(o + 1 + Math.floor(rand() * 3));
    }
    out.push({ kind: 'delete chars', text: t });
  }
  const o = at();
  out.push({ kind: 'unbalanced open', text: text.slice(0, o) + '(['.repeat(50) + text.slice(o) });
  out.push({ kind: 'unbalanced close', text: text.slice(0, o) + ')]}'.repeat(50) + text.slice(o) });
  out.push({ kind: 'deep nesting', text: `${text}\nasync def deep():\n    x = ${'('.repeat(3000)}f()${')'.repeat(3000)}\n    ${'['.repeat(2000)}\n` });
  out.push({ kind: 'deep blocks', text: `${text}\n${Array.from({ length: 200 }, (_, d) => `${' '.repeat(d)}async def f${d}():`).join('\n')}\n${' '.repeat(200)}g()\n` });
  out.push({ kind: 'huge line', text: `${text.slice(0, o)}x = [${'await f(), '.repeat(8000)}]\n${text.slice(o)}` });
  out.push({ kind: 'NUL bytes', text: text.replace(/\n/g, (m) => (rand() < 0.05 ? '\0' + m : m)) });
  out.push({ kind: 'lone surrogates', text: text.replace(/ /g, (m) => (rand() < 0.02 ? pick(['\ud83d', '\udc1d', '\ud83d\ud83d']) : m)) });
  out.push({ kind: 'CR/CRLF mix', text: text.replace(/\n/g, () => pick(['\n', '\r\n', '\r', '\r\r\n'])) });
  out.push({ kind: 'all CR', text: text.replace(/\n/g, '\r') });
  out.push({ kind: 'tabs and form feeds', text: text.replace(/^ {4}/gm, () => pick(['\t', '\f    ', '  \t'])) });
  return out;
}

function assertRange(r: Range, lines: LineIndex, lineCount: number, what: string): void {
  for (const p of [r.start, r.end]) {
    assert.ok(Number.isInteger(p.line) && Number.isInteger(p.character), `${what}: non-integer position ${JSON.stringify(p)}`);
    assert.ok(p.line >= 0 && p.line < lineCount, `${what}: line ${p.line} outside 0..${lineCount - 1}`);
    assert.ok(p.character >= 0 && p.character <= lines.lineText(p.line).length, `${what}: column ${p.character} past the end of line ${p.line}`);
  }
  assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what}: start after end ${JSON.stringify(r)}`);
}

function checkValid(engine: Engine, file: string, text: string, logs: string[], what: string) {
  const result = engine.check(file);
  assert.equal(result.problem, undefined, `${what}: ${result.problem?.message}`);
  assert.deepEqual(logs, [], `${what}: ${logs.join('\n')}`);
  const lines = new LineIndex(text);
  const count = lines.lineStarts.length;
  for (const v of result.violations) {
    assertRange(v.range, lines, count, `${what}: ${v.rule}`);
    for (const f of [v.fix, ...(v.otherFixes ?? [])]) for (const e of f?.edits ?? []) assertRange(e.range, lines, count, `${what}: ${v.rule} fix "${f!.title}"`);
  }
  return result.violations;
}

test('mutated real files check without an error and with ranges inside the document', async () => {
  const logs: string[] = [];
  const engine = await createEngine({ log: (m) => logs.push(m) });
  const rand = rng(20261122);
  let n = 0;
  for (const { name, text } of corpus()) {
    for (const m of mutants(text, rand)) {
      const file = `/virtual/robust/${n++}.py`;
      engine.setFile(file, m.text);
      checkValid(engine, file, m.text, logs, `${name} (${m.kind})`);
      engine.removeFile(file);
    }
  }
});

test('random incremental edits give what a fresh parse of the same text gives', async () => {
  const logs: string[] = [];
  const engine = await createEngine({ log: (m) => logs.push(m) });
  const fresh = await createEngine({ log: (m) => logs.push(m) });
  const rand = rng(7);
  const pieces = ['', 'await ', 'async ', '(', ')', ':\n    ', '\n', '\r\n', '\r', 'x = f()\n', '"""', '#', '\0', '\ud83d', '🐝中', 'asyncio.create_task(g())\n', '    ', 'with asyncio.Lock():\n'];
  let n = 0;
  for (const { name, text: original } of corpus()) {
    const file = `/virtual/inc/${n++}.py`;
    let text = original;
    engine.setFile(file, text);
    for (let round = 0; round < 12; round++) {
      // One to three changes per notification, each against the text the previous one produced.
      const changes: { range: Range; text: string }[] = [];
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const lines = new LineIndex(text);
        const a = Math.floor(rand() * (text.length + 1));
        const b = Math.min(text.length, a + Math.floor(rand() * (rand() < 0.2 ? 400 : 12)));
        const insert = pieces[Math.floor(rand() * pieces.length)];
        const range = lines.rangeOf(a, b);
        changes.push({ range, text: insert });
        text = text.slice(0, lines.offsetAt(range.start)) + insert + text.slice(lines.offsetAt(range.end));
      }
      engine.editFile(file, changes);
      // Check only every other round, so several edits are sometimes folded into one re-parse.
      if (round % 2 === 0 && round < 11) continue;
      const what = `${name} after ${round + 1} edit rounds`;
      const inc = checkValid(engine, file, text, logs, what);
      const other = `/virtual/fresh/${n}-${round}.py`;
      fresh.setFile(other, text);
      assert.deepEqual(inc, checkValid(fresh, other, text, logs, `${what} (fresh)`), what);
      fresh.removeFile(other);
    }
  }
});
