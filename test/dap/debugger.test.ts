/**
 * DAP tests of the built debug adapter (dist/debugAdapter.js; `npm run build` first) against real
 * programs on every CPython >= 3.10 found (scripts/pythons.mjs), one version after the other;
 * within a version, two cases run at a time. Cases live in cases/*.ts and all go through check().
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { ADAPTER, check, findPythons, type Case, type Python } from './harness';
import { breakpointCases } from './cases/breakpoints';
import { exceptionCases } from './cases/exceptions';
import { lifecycleCases } from './cases/lifecycle';
import { steppingCases, threadCases } from './cases/stepping';
import { taskCases } from './cases/tasks';

const cases: Case[] = [...breakpointCases, ...steppingCases, ...threadCases, ...exceptionCases, ...taskCases, ...lifecycleCases];
const only = process.env.DAP_CASE ? new RegExp(process.env.DAP_CASE) : null;
const pythons: Python[] = findPythons().filter((p: Python) => !process.env.DAP_PYTHON || p.version.startsWith(process.env.DAP_PYTHON));

test('the adapter is built and Pythons are found', () => {
  assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} is missing: run npm run build`);
  assert.ok(pythons.length > 0, 'no CPython >= 3.10 found');
});

for (const py of pythons) {
  describe(`DAP on CPython ${py.version}`, { concurrency: 2 }, () => {
    for (const c of cases) {
      if (only && !only.test(c.name)) continue;
      test(c.name, { timeout: 60_000 }, () => check(py, c));
    }
  });
}
