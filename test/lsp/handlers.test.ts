/**
 * Unit tests of the handlers' pure helpers (no process): the "disable for this line" edit, the
 * fix-all merge, and settings parsing. Data-driven: each table row is one case.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fix, TextEdit } from '../../server/src/engine';
import { mergeSafeFixes } from '../../server/src/handlers/fixAll';
import { commentStart, noqaEdit } from '../../server/src/handlers/noqa';
import { parseSettings } from '../../server/src/handlers/settings';
import { applyEdits } from './lspClient';

const noqaCases: [line: string, expected: string | null][] = [
  ['    time.sleep(1)', '    time.sleep(1)  # noqa: blocking-call'],
  ['    time.sleep(1)   ', '    time.sleep(1)  # noqa: blocking-call'],
  ['    time.sleep(1)  # why', '    time.sleep(1)  # why  # noqa: blocking-call'],
  ['    time.sleep(1)  # noqa: dangling-task', '    time.sleep(1)  # noqa: dangling-task, blocking-call'],
  ['    time.sleep(1)  # noqa:dangling-task,RUF006 trailing words', '    time.sleep(1)  # noqa:dangling-task,RUF006, blocking-call trailing words'],
  ['    time.sleep(1)  # NOQA: blocking-call', null],
  ['    time.sleep(1)  # noqa', null],
  ['    print("# not a comment"); time.sleep(3)', '    print("# not a comment"); time.sleep(3)  # noqa: blocking-call'],
  ["    print('it''s'); time.sleep(3)  # noqa: x", "    print('it''s'); time.sleep(3)  # noqa: x, blocking-call"],
  ['    s = """#"""; time.sleep(1)', '    s = """#"""; time.sleep(1)  # noqa: blocking-call'],
  ['    x = "\\"#"; time.sleep(1)', '    x = "\\"#"; time.sleep(1)  # noqa: blocking-call'],
  ['    total = time.sleep(1) + \\', null],
  ['    time.sleep(1)\r\n', '    time.sleep(1)  # noqa: blocking-call'],
];

for (const [line, expected] of noqaCases) {
  test(`noqa edit: ${JSON.stringify(line)}`, () => {
    const edit = noqaEdit(line, 7, 'blocking-call');
    if (expected === null) return assert.equal(edit, null);
    assert.ok(edit);
    assert.equal(edit.range.start.line, 7);
    const single = { ...edit, range: { start: { line: 0, character: edit.range.start.character }, end: { line: 0, character: edit.range.end.character } } };
    assert.equal(applyEdits(line.replace(/\r?\n$/, ''), [single]), expected);
  });
}

test('comment start skips strings', () => {
  assert.equal(commentStart('x = 1  # c'), 7);
  assert.equal(commentStart('x = "#"'), -1);
  assert.equal(commentStart("x = '#'  # c"), 9);
});

const at = (line: number, character: number) => ({ line, character });
const ins = (line: number, character: number, newText: string): TextEdit => ({ range: { start: at(line, character), end: at(line, character) }, newText });
const rep = (l1: number, c1: number, l2: number, c2: number, newText: string): TextEdit => ({ range: { start: at(l1, c1), end: at(l2, c2) }, newText });
const fix = (safe: boolean, ...edits: TextEdit[]): Fix => ({ title: 't', safe, edits });

const mergeCases: { name: string; fixes: (Fix | null)[]; applied: number; text: string; expected: string }[] = [
  { name: 'unsafe fixes are never applied', fixes: [fix(false, ins(0, 0, 'await ')), null], applied: 0, text: 'f()\n', expected: 'f()\n' },
  { name: 'a shared import is inserted once', fixes: [fix(true, ins(0, 0, 'import a\n'), ins(1, 0, 'x = ')), fix(true, ins(0, 0, 'import a\n'), ins(2, 0, 'y = '))], applied: 2, text: '\nf()\ng()\n', expected: 'import a\n\nx = f()\ny = g()\n' },
  { name: 'an overlapping fix waits for the next pass', fixes: [fix(true, rep(0, 0, 0, 3, 'g()')), fix(true, rep(0, 1, 0, 2, 'x'))], applied: 1, text: 'f()\n', expected: 'g()\n' },
  { name: 'touching edits both apply', fixes: [fix(true, rep(0, 0, 0, 1, 'g')), fix(true, ins(0, 1, '_x'))], applied: 2, text: 'f()\n', expected: 'g_x()\n' },
];

for (const c of mergeCases) {
  test(`fix-all merge: ${c.name}`, () => {
    const { edits, applied } = mergeSafeFixes(c.fixes);
    assert.equal(applied, c.applied);
    assert.equal(applyEdits(c.text, edits), c.expected);
  });
}

test('settings: accepted shapes and ignored values', () => {
  const logged: string[] = [];
  const s = parseSettings({
    pythonVersion: '3.11',
    rules: {
      'blocking-call': { enabled: true, severity: 'error' },
      'dangling-task': { enabled: false, severity: 'warning' },
      'busy-wait': 'off',
      'manual-loop': 'hint',
      'nested-loop-run': false,
      'bad-severity': { severity: 'fatal' },
      'bad-type': 42,
    },
    unrelated: { grouping: 'owner' },
  }, (m) => logged.push(m));
  assert.deepEqual(s, {
    pythonVersion: '3.11',
    rules: {
      'blocking-call': { enabled: true, severity: 'error' },
      'dangling-task': { enabled: false, severity: 'warning' },
      'busy-wait': { enabled: false },
      'manual-loop': { enabled: true, severity: 'hint' },
      'nested-loop-run': { enabled: false },
    },
  });
  assert.equal(logged.length, 2);
  assert.deepEqual(parseSettings({ pythonVersion: '' }, () => undefined), { rules: {} });
  assert.deepEqual(parseSettings(null, () => undefined), { rules: {} });
});
