// The generate step in check mode: rule docs, the registry, package.json rule settings and the
// typeshed table are up to date with their sources (CI runs the same).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { generate as generateRules } from '../../../scripts/generators/rules.mjs';
import { generate as generateTypeshed } from '../../../scripts/generators/typeshed.mjs';
import { libraryVersion, canonical, libFunction, libClass } from '../../src/analysis/library';

const root = path.resolve(__dirname, '..', '..', '..');

test('rule docs, registry and package.json rule settings are not stale', async () => {
  assert.deepEqual(await generateRules({ root, check: true }), []);
});

test('the typeshed table is not stale and records its source', async () => {
  await generateTypeshed({ root, check: true });
  assert.match(libraryVersion.pyright, /^\d+\.\d+\.\d+/);
  assert.match(libraryVersion.typeshedCommit, /^[0-9a-f]{40}$/);
});

test('the typeshed table knows the async stdlib APIs the rules rely on', () => {
  assert.equal(libFunction(canonical('asyncio.sleep')), 'a');
  assert.equal(libFunction(canonical('asyncio.wait_for')), 'a');
  assert.equal(libClass(canonical('asyncio.StreamWriter'))!.m.drain, 'a');
  assert.equal(libClass(canonical('asyncio.StreamWriter'))!.m.write, 'n');
  assert.equal(libClass(canonical('asyncio.Queue'))!.m.put, 'a');
  assert.equal(libClass(canonical('asyncio.Lock'))!.f.includes('A'), true);
  assert.equal(libClass(canonical('asyncio.Lock'))!.f.includes('E'), false);
  assert.equal(libClass(canonical('threading.Lock'))!.f.includes('E'), true);
  assert.equal(libFunction(canonical('time.sleep')), 'n');
});
