// Position conversion: tree-sitter offsets (UTF-16 from web-tree-sitter, UTF-8 bytes from native
// tree-sitter) to LSP positions, with emoji (surrogate pairs), CJK and every line-break style.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineIndex, toLspPosition, utf8ToUtf16Offset } from '../../src/analysis/positions';
import { initParser, parseText } from '../../src/analysis/parser';
import { field } from '../../src/analysis/nodes';

test('UTF-16 offsets map to LSP columns past emoji and CJK', () => {
  const text = 'x = "🐝蜂"; y = 1\nz = 2\n';
  const lines = new LineIndex(text);
  const y = text.indexOf('y');
  assert.deepEqual(toLspPosition(lines, y), { line: 0, character: 11 });
  assert.deepEqual(toLspPosition(lines, text.indexOf('z')), { line: 1, character: 0 });
  assert.equal(lines.offsetAt({ line: 0, character: 11 }), y);
});

test('UTF-8 byte offsets map to the same LSP columns', () => {
  const text = 'x = "🐝蜂"; y = 1\n';
  const lines = new LineIndex(text);
  const bytes = Buffer.byteLength(text.slice(0, text.indexOf('y')), 'utf8');
  assert.equal(bytes, 15);
  assert.equal(utf8ToUtf16Offset(text, bytes), text.indexOf('y'));
  assert.deepEqual(toLspPosition(lines, bytes, 'utf8'), { line: 0, character: 11 });
});

test('CRLF and lone CR count as line breaks; columns past the end clamp', () => {
  const text = 'a\r\nbb\rccc\n';
  const lines = new LineIndex(text);
  assert.deepEqual(lines.positionAt(text.indexOf('c')), { line: 2, character: 0 });
  assert.equal(lines.offsetAt({ line: 0, character: 99 }), 1);
  assert.equal(lines.lineText(1), 'bb');
});

test('parsed nodes after emoji and CJK land on the right LSP columns', async () => {
  await initParser();
  const text = 's = "🐝🐝 中文"; await_me = f(1)\n';
  const parsed = parseText(text);
  const lines = new LineIndex(text);
  const stmts = parsed.root.children.filter((c) => c.type === 'expression_statement');
  const call = field(stmts[1].children[0], 'right')!;
  assert.equal(call.type, 'call');
  assert.deepEqual(toLspPosition(lines, call.start), { line: 0, character: text.indexOf('f(1)') });
  assert.equal(text.slice(call.start, call.end), 'f(1)');
});
