// The mirrored tree equals what web-tree-sitter reports node by node (types, offsets, fields of
// named nodes, MISSING tokens), with and without syntax errors; positions are UTF-16 offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParser, mirror, parseTree, type SyntaxNode } from '../../src/analysis/parser';
import type { Node } from 'web-tree-sitter';

function reference(n: Node, field: string | null): string {
  const kids: string[] = [];
  for (let i = 0; i < n.childCount; i++) {
    const c = n.child(i)!;
    kids.push(reference(c, c.isNamed ? n.fieldNameForChild(i) : null));
  }
  return `${n.type}${n.isMissing ? '!' : ''}[${n.startIndex},${n.endIndex}]${field ? `@${field}` : ''}(${kids.join(' ')})`;
}

function dump(n: SyntaxNode): string {
  return `${n.type}${n.missing ? '!' : ''}[${n.start},${n.end}]${n.field ? `@${n.field}` : ''}(${n.children.map(dump).join(' ')})`;
}

const samples = {
  clean: [
    'import asyncio as aio',
    'async def f(x: int = 1, *a, **k) -> "Hive":',
    '    s = f"🐝 {x!r:>10} 中文" + b"\\x00" * 2 ** 3',
    '    if not (x is None or x in [1, 2]) and x != 3:',
    '        await aio.sleep(x); return [y async for y in g() if y]',
    '    with open("f") as h, lock:',
    '        x @= lambda z=1: z >> 2 | 3 & ~4',
    '    return {**k, "a": a[1:2:3]}',
    '',
  ].join('\n'),
  broken: 'def broken(:\n    pass\nx = = 1\nasync def g(:\n    await (\n',
};

for (const [name, text] of Object.entries(samples)) {
  test(`mirror matches web-tree-sitter node by node (${name})`, async () => {
    await initParser();
    const tree = parseTree(text);
    try {
      assert.equal(dump(mirror(tree, text).root), reference(tree.rootNode, null));
    } finally {
      tree.delete();
    }
  });
}
