/**
 * Unit tests of the CLI's file helpers (no process): import roots chosen like pytest would,
 * stopping at a git work tree's top; source decoding (BOM, non-UTF-8).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodeSource, importRoots } from '../../server/src/cli/files';

function tree(files: string[]): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-roots-')));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    if (f.endsWith('/')) fs.mkdirSync(path.join(dir, f), { recursive: true });
    else fs.writeFileSync(path.join(dir, f), '');
  }
  return dir;
}

const cases: { name: string; files: string[]; cwd: string; paths: string[]; roots: string[] }[] = [
  { name: 'a tests dir resolves to its project', files: ['proj/pyproject.toml', 'proj/tests/test_a.py', 'proj/app/__init__.py'], cwd: 'proj/tests', paths: ['.'], roots: ['proj'] },
  { name: 'a package without markers: its parent, and cwd', files: ['work/pkg/__init__.py', 'work/pkg/sub/__init__.py'], cwd: 'work', paths: ['pkg/sub'], roots: ['work'] },
  { name: 'an ancestor repository is not the project', files: ['repo/.git/', 'repo/lib/python/asyncio/__init__.py'], cwd: 'repo/lib/python', paths: ['asyncio'], roots: ['repo/lib/python'] },
  { name: 'a project marker inside the repository wins', files: ['repo/.git/', 'repo/svc/setup.cfg', 'repo/svc/svc/__init__.py'], cwd: 'repo', paths: ['svc/svc'], roots: ['repo/svc'] },
  { name: 'paths outside cwd do not make cwd a root', files: ['a/x.py', 'b/'], cwd: 'b', paths: ['../a/x.py'], roots: ['a'] },
];

for (const c of cases) {
  test(`import roots: ${c.name}`, () => {
    const dir = tree(c.files);
    try {
      const roots = importRoots(c.paths, path.join(dir, c.cwd)).map((r) => path.relative(dir, r).split(path.sep).join('/'));
      assert.deepEqual(roots.sort(), c.roots);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('decoding: UTF-8 with or without BOM; Latin-1 is an error', () => {
  assert.deepEqual(decodeSource(Buffer.from('x = "é"\n')), { text: 'x = "é"\n' });
  assert.deepEqual(decodeSource(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1\n')])), { text: 'x = 1\n' });
  assert.ok('error' in decodeSource(Buffer.from('x = "\xe9"\n', 'latin1')));
});
