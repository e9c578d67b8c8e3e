// Engine-level behaviour: incremental edits give the same results as a fresh parse, imports
// resolve across modules (absolute, relative, __init__ re-exports, aliases), methods resolve
// through self/super() and base chains, settings and `# noqa` apply, a throwing rule is isolated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '../../src/engine';
import { EngineImpl } from '../../src/analysis/engineImpl';
import { LineIndex } from '../../src/analysis/positions';
import { allRules } from '../../src/rules';
import { defineRule } from '../../src/analysis/rule';

function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-ws-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

function lines(e: Engine, file: string, rule?: string): number[] {
  return e.check(file).violations.filter((v) => !rule || v.rule === rule).map((v) => v.range.start.line + 1);
}

test('incremental edits match a fresh parse, and reuse the old tree', async () => {
  const e = await createEngine({});
  const file = '/virtual/inc.py';
  const original = 'import asyncio\n\nasync def f():\n    pass\n\nasync def g():\n    await f()\n';
  e.setFile(file, original);
  assert.deepEqual(lines(e, file), []);
  // Delete `await ` on line 7 → unawaited; then type a comment with emoji and CJK before it.
  e.editFile(file, [{ range: { start: { line: 6, character: 4 }, end: { line: 6, character: 10 } }, text: '' }]);
  assert.deepEqual(lines(e, file), [7]);
  e.editFile(file, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: '# 🐝 中文\n' }]);
  e.editFile(file, [{ range: { start: { line: 7, character: 4 }, end: { line: 7, character: 4 } }, text: 'x = 1; ' }]);
  const incremental = e.check(file).violations;
  const text = 'import asyncio\n\nasync def f():\n    pass\n\n# 🐝 中文\nasync def g():\n    x = 1; f()\n';
  const fresh = await createEngine({});
  fresh.setFile('/virtual/fresh.py', text);
  assert.deepEqual(incremental, fresh.check('/virtual/fresh.py').violations);
  assert.equal(incremental[0].range.start.character, 11);
  // A full-text change (no range) replaces everything.
  e.editFile(file, [{ text: 'async def f(): ...\nasync def g():\n    await f()\n' }]);
  assert.deepEqual(lines(e, file), []);
});

test('incremental reparse keeps the same syntax tree as a fresh parse after many edits', async () => {
  const e = (await createEngine({})) as EngineImpl;
  const file = '/virtual/many.py';
  let text = 'def a():\n    return 1\n';
  e.setFile(file, text);
  const inserts = ['x = "🐝"\n', 'async def b():\n    await a()\n', '中 = 2\n', 'class C:\n    pass\n'];
  for (const ins of inserts) {
    const pos = new LineIndex(text).positionAt(text.length);
    e.editFile(file, [{ range: { start: pos, end: pos }, text: ins }]);
    text += ins;
  }
  // Edits inside a line, after emoji/CJK on that same line (columns in UTF-16 units), and a
  // replacement spanning lines.
  const mid = (needle: string, remove: number, insert: string) => {
    const off = text.indexOf(needle);
    assert.ok(off >= 0, needle);
    const li = new LineIndex(text);
    e.editFile(file, [{ range: { start: li.positionAt(off), end: li.positionAt(off + remove) }, text: insert }]);
    text = text.slice(0, off) + insert + text.slice(off + remove);
  };
  mid('"🐝"', 4, '"🐝🐝 中文", y(1)');
  mid('2\n', 1, '(3 + 中)');
  mid('await a()\n中', 11, 'a()\n中 = 1\n中');
  const dump = (n: { type: string; start: number; end: number; children: any[] }): string => `${n.type}[${n.start},${n.end}](${n.children.map(dump).join(' ')})`;
  const inc = e.parsedOf(file);
  const other = (await createEngine({})) as EngineImpl;
  other.setFile('/virtual/x.py', text);
  assert.equal(dump(inc.root), dump(other.parsedOf('/virtual/x.py').root));
});

test('async defs resolve across modules: absolute, relative, __init__ re-export, aliases', async () => {
  const root = workspace({
    'apiary/__init__.py': 'from .hives import fetch_hive as fetch\n',
    'apiary/hives.py': 'async def fetch_hive(i):\n    return i\n\ndef sync_fetch(i):\n    return i\n',
    'apiary/jobs.py': [
      'from . import hives',
      'from .hives import fetch_hive, sync_fetch',
      'from apiary import fetch',
      'import apiary.hives as hv',
      '',
      'async def main():',
      '    hives.fetch_hive(1)',
      '    fetch_hive(2)',
      '    fetch(3)',
      '    hv.fetch_hive(4)',
      '    sync_fetch(5)',
      '',
    ].join('\n'),
  });
  const e = await createEngine({ roots: [root] });
  const jobs = path.join(root, 'apiary', 'jobs.py');
  e.setFile(jobs, fs.readFileSync(jobs, 'utf8'));
  assert.deepEqual(lines(e, jobs, 'unawaited-coroutine'), [7, 8, 9, 10]);
  // The index follows changes: make fetch_hive sync in an open buffer.
  const hives = path.join(root, 'apiary', 'hives.py');
  e.setFile(hives, 'def fetch_hive(i):\n    return i\n');
  assert.deepEqual(lines(e, jobs, 'unawaited-coroutine'), []);
  e.removeFile(hives);
  assert.deepEqual(lines(e, jobs, 'unawaited-coroutine'), [7, 8, 9, 10]);
});

test('methods resolve through self, cls, super() and base classes in other modules', async () => {
  const root = workspace({
    'base.py': 'import asyncio\n\nclass Station:\n    def __init__(self):\n        self._lock = asyncio.Lock()\n    async def sample(self):\n        return 1\n',
    'child.py': [
      'from base import Station',
      '',
      'class Roof(Station):',
      '    async def sample(self):',
      '        super().sample()',
      '        return 2',
      '    async def run(self):',
      '        self.sample()',
      '        with self._lock:',
      '            pass',
      '    @classmethod',
      '    async def make(cls):',
      '        cls().sample()',
      '',
    ].join('\n'),
  });
  const e = await createEngine({ roots: [root] });
  const child = path.join(root, 'child.py');
  e.setFile(child, fs.readFileSync(child, 'utf8'));
  const got = e.check(child).violations.map((v) => `${v.range.start.line + 1}:${v.rule}`);
  assert.deepEqual(got, ['5:unawaited-coroutine', '8:unawaited-coroutine', '9:sync-with-async-cm', '13:unawaited-coroutine']);
});

test('decorators: functools.wraps keeps async-ness, a runner makes it sync, unknown ones are silent', async () => {
  const text = [
    'import asyncio, functools',
    'from somewhere import mystery',
    '',
    'def traced(fn):',
    '    @functools.wraps(fn)',
    '    def wrapper(*a, **k):',
    '        return fn(*a, **k)',
    '    return wrapper',
    '',
    'def run_sync(fn):',
    '    @functools.wraps(fn)',
    '    def wrapper(*a, **k):',
    '        return asyncio.run(fn(*a, **k))',
    '    return wrapper',
    '',
    '@traced',
    'async def a(): ...',
    '@run_sync',
    'async def b(): ...',
    '@mystery',
    'async def c(): ...',
    '',
    'async def main():',
    '    a()',
    '    b()',
    '    c()',
    '',
  ].join('\n');
  const e = await createEngine({});
  e.setFile('/virtual/deco.py', text);
  assert.deepEqual(lines(e, '/virtual/deco.py'), [24]);
});

test('a virtual environment is indexed lazily, only for imports that resolve there', async () => {
  const root = workspace({
    '.venv/lib/python3.12/site-packages/hivekit/__init__.py': 'from .client import connect\n',
    '.venv/lib/python3.12/site-packages/hivekit/client.py': 'async def connect(url):\n    return url\n',
    'app.py': 'import hivekit\n\nasync def main():\n    hivekit.connect("x")\n',
  });
  const e = await createEngine({ roots: [root] });
  const app = path.join(root, 'app.py');
  e.setFile(app, fs.readFileSync(app, 'utf8'));
  assert.deepEqual(lines(e, app), [4]);
});

test('settings disable rules and change severities; # noqa variants suppress', async () => {
  const text = [
    'import asyncio, time',
    'async def f(): ...',
    'async def g():',
    '    f()',
    '    f()  # noqa',
    '    f()  # noqa: unawaited-coroutine',
    '    f()  # noqa: blocking-call',
    '    time.sleep(1)  # noqa: ASYNC251',
    '    asyncio.create_task(f())  # noqa:RUF006',
    '',
  ].join('\n');
  const e = await createEngine({ rules: { 'unawaited-coroutine': { severity: 'hint' } } });
  e.setFile('/virtual/s.py', text);
  const v = e.check('/virtual/s.py').violations;
  assert.deepEqual(v.map((x) => `${x.range.start.line + 1}:${x.rule}:${x.severity}`), ['4:unawaited-coroutine:hint', '7:unawaited-coroutine:hint']);
  e.configure({ rules: { 'unawaited-coroutine': { enabled: false } } });
  assert.deepEqual(lines(e, '/virtual/s.py'), []);
  assert.equal(e.rules().length, allRules.length);
});

test('a rule that throws is logged with its name; the other rules still report', async () => {
  const logs: string[] = [];
  const boom = defineRule({ name: 'boom', severity: 'error', summary: 'x', fix: 'none', overlaps: [], visit: { call() { throw new Error('kaput'); } } });
  allRules.push(boom);
  try {
    const e = await createEngine({ log: (m) => logs.push(m) });
    e.setFile('/virtual/t.py', 'async def f(): ...\nasync def g():\n    f()\n');
    assert.deepEqual(lines(e, '/virtual/t.py'), [3]);
    assert.ok(logs.some((l) => l.includes('rule boom failed') && l.includes('kaput')), logs.join('\n'));
  } finally {
    allRules.pop();
  }
});

test('unparsable input never throws: binary-ish text and huge nesting still check', async () => {
  const e = await createEngine({});
  e.setFile('/virtual/junk.py', '\u0000\u0001 def (((( ' + '('.repeat(2000) + '\n\tasync def f(:\n');
  assert.equal(e.check('/virtual/junk.py').problem, undefined);
  // Pathologically deep expressions: long attribute and call chains, in and out of async def.
  const deep = ['x = a' + '.b'.repeat(20000), 'y = f' + '()'.repeat(20000), 'async def g():\n    await ' + 'a.'.repeat(20000) + 'b()'];
  for (const [i, text] of deep.entries()) {
    e.setFile(`/virtual/deep${i}.py`, text + '\n');
    assert.deepEqual(e.check(`/virtual/deep${i}.py`), { violations: [] });
  }
});

test('the target Python version gates fixes: to_thread needs 3.9 (setting wins over requires-python)', async () => {
  const root = workspace({
    'pyproject.toml': '[project]\nname = "old"\nrequires-python = ">=3.8"\n',
    'app.py': 'import requests\n\nasync def poll(u):\n    requests.get(u)\n',
  });
  const app = path.join(root, 'app.py');
  const old = await createEngine({ roots: [root] });
  old.setFile(app, fs.readFileSync(app, 'utf8'));
  const v = old.check(app).violations;
  assert.equal(v.length, 1);
  assert.equal(v[0].fix, null);
  const modern = await createEngine({ roots: [root], pythonVersion: '3.12' });
  modern.setFile(app, fs.readFileSync(app, 'utf8'));
  assert.equal(modern.check(app).violations[0].fix?.title, 'Run it in a thread with `await asyncio.to_thread()`');
});

test('star re-exports, nested relative imports and module-level aliases resolve; conflicts stay silent', async () => {
  const root = workspace({
    'farm/__init__.py': 'from .core import *\n',
    'farm/core.py': 'import asyncio\n\nasync def till(plot):\n    return plot\n\nplough = till\nbarn_lock = asyncio.Lock()\n',
    'farm/sub/__init__.py': '',
    'farm/sub/deep.py': [
      'from ...farm import till, plough, barn_lock',
      'from .. import core',
      'try:',
      '    from farm.core import till as maybe',
      'except ImportError:',
      '    maybe = None',
      '',
      'async def work():',
      '    till(1)',
      '    plough(2)',
      '    core.till(3)',
      '    maybe(4)',
      '    with barn_lock:',
      '        pass',
      '',
    ].join('\n'),
  });
  const e = await createEngine({ roots: [root] });
  const deep = path.join(root, 'farm', 'sub', 'deep.py');
  e.setFile(deep, fs.readFileSync(deep, 'utf8'));
  assert.deepEqual(e.check(deep).violations.map((v) => `${v.range.start.line + 1}:${v.rule}`),
    ['9:unawaited-coroutine', '10:unawaited-coroutine', '11:unawaited-coroutine', '13:sync-with-async-cm']);
});

test('releaseAfterCheck drops the parse after a check and gives the same findings, cross-module included', async () => {
  const root = workspace({
    'pkg/__init__.py': '',
    'pkg/a.py': 'from pkg.b import fetch\n\nasync def main():\n    fetch(1)\n    await fetch(2)\n',
    'pkg/b.py': 'async def fetch(i):\n    return i\n\nasync def other():\n    fetch(3)\n',
  });
  const files = ['a.py', 'b.py'].map((f) => path.join(root, 'pkg', f));
  const run = async (releaseAfterCheck: boolean) => {
    const e = (await createEngine({ roots: [root], releaseAfterCheck })) as EngineImpl;
    for (const f of files) e.setFile(f, fs.readFileSync(f, 'utf8'));
    const first = files.map((f) => lines(e, f, 'unawaited-coroutine'));
    const held = files.map((f) => (e as unknown as { files: Map<string, { parsed: unknown; tree: unknown }> }).files.get(f)!);
    // Checked again (a re-parse when released): same answers.
    const again = files.map((f) => lines(e, f, 'unawaited-coroutine'));
    return { first, again, kept: held.map((s) => s.parsed !== null || s.tree !== null) };
  };
  const released = await run(true);
  const kept = await run(false);
  assert.deepEqual(released.first, [[4], [5]]);
  assert.deepEqual(released.again, released.first);
  assert.deepEqual(kept.first, released.first);
  assert.deepEqual(released.kept, [false, false]);
  assert.deepEqual(kept.kept, [true, true]);
});
