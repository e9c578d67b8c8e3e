/**
 * CLI tests on the built bundle (`node dist/cli.js`), data-driven through check(): each case
 * runs the CLI in a fresh temporary copy of test/fixtures/cli/proj (plus generated files that
 * cannot be committed: a .git dir, virtual envs, node_modules, a Latin-1 file), then checks the
 * exit status, stderr, and stdout (exact JSON shape, SARIF shape, or a text snapshot).
 * Run `npm run build` first or let ensureBuilt() rebuild a stale dist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ensureBuilt } from '../lsp/ensureBuilt';
import { assertSnapshot } from '../lsp/snapshot';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'cli', 'proj');
const SNAPSHOTS = path.join(__dirname, 'snapshots');
const PYTHON_BAD = 'import asyncio\nasync def f():\n    asyncio.sleep(1)\n';
let cli = '';
let work = '';

before(() => {
  cli = ensureBuilt('cli.js');
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-cli-')));
  fs.cpSync(FIXTURE, work, { recursive: true });
  const write = (rel: string, data: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    fs.writeFileSync(path.join(work, rel), data);
  };
  // Directories the walk must skip, each holding a file that would be reported.
  write('.git/hooks/hook.py', PYTHON_BAD);
  write('node_modules/dep/mod.py', PYTHON_BAD);
  write('.venv/lib/mod.py', PYTHON_BAD);
  write('venv/lib/mod.py', PYTHON_BAD);
  write('envs/py312/pyvenv.cfg', 'home = /usr/bin\n');
  write('envs/py312/lib/mod.py', PYTHON_BAD);
  write('build/lib/pkg/app.py', PYTHON_BAD);
  write('.tox/py312/lib/mod.py', PYTHON_BAD);
  // Not UTF-8 (Latin-1 "é"): reported on stderr and skipped, never fatal.
  write('legacy/latin1.py', Buffer.from('# caf\xe9\nimport asyncio\nasync def f():\n    asyncio.sleep(1)\n', 'latin1'));
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: string[];
  /** Directory to run in, relative to the temporary copy. */
  cwd?: string;
  status: number;
  /** Every stderr line must match one of these, and each pattern some line. */
  stderr?: RegExp[];
  /** How stdout is checked. */
  stdout?: 'json' | 'sarif' | 'text' | ((out: string) => void);
}

const JSON_KEYS = ['file', 'line', 'column', 'endLine', 'endColumn', 'code', 'severity', 'message', 'fix'];
const SEVERITIES = ['error', 'warning', 'information', 'hint'];

function checkJsonShape(out: string): unknown[] {
  const parsed: unknown = JSON.parse(out);
  assert.ok(Array.isArray(parsed), 'one JSON array');
  for (const item of parsed as Record<string, unknown>[]) {
    assert.deepEqual(Object.keys(item), JSON_KEYS, 'exact keys, in order');
    assert.equal(typeof item.file, 'string');
    assert.ok(!path.isAbsolute(item.file as string) && !(item.file as string).includes('\\'), 'relative, forward slashes');
    for (const k of ['line', 'column', 'endLine', 'endColumn']) assert.ok(Number.isInteger(item[k]) && (item[k] as number) >= 1, `${k} is 1-based`);
    assert.equal(typeof item.code, 'string');
    assert.ok(SEVERITIES.includes(item.severity as string));
    assert.equal(typeof item.message, 'string');
    if (item.fix !== null) {
      assert.deepEqual(Object.keys(item.fix as object), ['title', 'safe']);
      assert.equal(typeof (item.fix as any).title, 'string');
      assert.equal(typeof (item.fix as any).safe, 'boolean');
    }
  }
  return parsed as unknown[];
}

function checkSarifShape(out: string): unknown {
  const log = JSON.parse(out);
  assert.equal(log.version, '2.1.0');
  assert.match(log.$schema, /sarif-2\.1\.0/);
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'taskscope');
  assert.ok(run.tool.driver.rules.length >= 6, 'every rule described');
  const ids = run.tool.driver.rules.map((r: any) => r.id);
  for (const r of run.tool.driver.rules) {
    assert.match(r.helpUri, /^https:\/\//);
    assert.ok(['error', 'warning', 'note'].includes(r.defaultConfiguration.level));
  }
  for (const res of run.results) {
    assert.equal(ids[res.ruleIndex], res.ruleId, 'ruleIndex points at the rule');
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    assert.equal(typeof res.message.text, 'string');
    const loc = res.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.ok(!loc.artifactLocation.uri.startsWith('/'));
    for (const k of ['startLine', 'startColumn', 'endLine', 'endColumn']) assert.ok(loc.region[k] >= 1);
  }
  assert.match(run.originalUriBaseIds['%SRCROOT%'].uri, /^file:\/\/.*\/$/);
  // The run's absolute base is machine-specific; the rest is snapshotted.
  run.originalUriBaseIds['%SRCROOT%'].uri = 'file:///<workspace>/';
  run.tool.driver.version = '<version>';
  return log;
}

function check(c: Case): void {
  const cwd = path.join(work, c.cwd ?? '.');
  const args = c.args.map((a) => a.replace('<work>', work));
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  const stderrLines = r.stderr.split('\n').filter(Boolean);
  assert.equal(r.status, c.status, `exit status (stderr: ${r.stderr})`);
  for (const line of stderrLines) assert.ok((c.stderr ?? []).some((re) => re.test(line)), `unexpected stderr line: ${line}`);
  for (const re of c.stderr ?? []) assert.ok(stderrLines.some((l) => re.test(l)), `stderr lacks ${re}`);
  // Rule wording (messages, summaries) belongs to the rules' own snapshots; these pin the format.
  if (c.stdout === 'json') {
    assertSnapshot(path.join(SNAPSHOTS, `${c.name}.json`), checkJsonShape(r.stdout).map((f: any) => ({ ...f, message: '<message>' })));
  } else if (c.stdout === 'sarif') {
    const log: any = checkSarifShape(r.stdout);
    for (const res of log.runs[0].results) res.message.text = '<message>';
    for (const rule of log.runs[0].tool.driver.rules) rule.shortDescription.text = '<summary>';
    assertSnapshot(path.join(SNAPSHOTS, `${c.name}.json`), log);
  } else if (c.stdout === 'text') {
    assertSnapshot(path.join(SNAPSHOTS, `${c.name}.json`), r.stdout.split('\n').map((l) => l.replace(/^(\S+:\d+:\d+: \S+) .*$/, '$1 <message>')));
  }
  else if (typeof c.stdout === 'function') c.stdout(r.stdout);
}

const NOT_UTF8 = /^legacy\/latin1\.py: not valid UTF-8; skipped$/;

const cases: Case[] = [
  { name: 'no-findings-exit-0', args: ['check', 'clean.py'], status: 0, stdout: (out) => assert.match(out, /^All checks passed! \(1 file\)\n$/) },
  { name: 'text-format', args: ['check', 'pkg'], status: 1, stdout: 'text' },
  { name: 'json-format', args: ['check', 'pkg', 'clean.py', '--format', 'json'], status: 1, stdout: 'json' },
  { name: 'json-from-a-subdirectory', args: ['check', '.', '--format=json'], cwd: 'pkg', status: 1, stdout: (out) => {
    const files = new Set(checkJsonShape(out).map((f: any) => f.file));
    assert.ok(files.has('app.py'), 'paths are relative to the current directory');
  } },
  { name: 'imports-resolve-when-run-from-elsewhere', args: ['check', '<work>/pkg', '--format', 'json'], cwd: '..', status: 1, stdout: (out) => {
    const found = checkJsonShape(out).map((f: any) => `${f.file.replace(/^.*\/pkg\//, 'pkg/')}:${f.line}:${f.code}`);
    assert.ok(found.includes('pkg/app.py:8:unawaited-coroutine'), `cross-module coroutine found: ${found.join(', ')}`);
  } },
  // asyncio_mode = "auto" in ../pyproject.toml: pytest-asyncio runs the unmarked async test.
  { name: 'project-config-found-from-a-tests-directory', args: ['check', '.'], cwd: 'tests', status: 0, stdout: (out) => assert.match(out, /^All checks passed!/) },
  { name: 'sarif-format', args: ['check', 'pkg', '--format', 'sarif'], status: 1, stdout: 'sarif' },
  { name: 'walk-skips-vcs-venvs-node-modules', args: ['check', '--format', 'json'], status: 1, stderr: [NOT_UTF8], stdout: (out) => {
    const files = [...new Set(checkJsonShape(out).map((f: any) => f.file))].sort();
    assert.deepEqual(files, ['pkg/app.py']);
  } },
  { name: 'non-utf8-reported-and-skipped', args: ['check', 'legacy', 'clean.py'], status: 0, stderr: [NOT_UTF8], stdout: (out) => assert.match(out, /All checks passed! \(2 files\)/) },
  { name: 'malformed-file-is-not-fatal', args: ['check', 'pkg/broken.py', '--format', 'json'], status: 0, stdout: (out) => assert.deepEqual(checkJsonShape(out), []) },
  { name: 'missing-path-is-a-usage-error', args: ['check', 'nope.py'], status: 2, stderr: [/nope\.py: no such file or directory/], stdout: () => undefined },
  { name: 'unknown-option', args: ['check', '--fromat', 'json'], status: 2, stderr: [/unknown option '--fromat'/, /./], stdout: (out) => assert.equal(out, '') },
  { name: 'unknown-format', args: ['check', '--format', 'xml'], status: 2, stderr: [/unknown format 'xml'/, /./], stdout: (out) => assert.equal(out, '') },
  { name: 'no-command', args: [], status: 2, stderr: [/missing command/, /./], stdout: (out) => assert.equal(out, '') },
  { name: 'help', args: ['--help'], status: 0, stdout: (out) => assert.match(out, /^Usage: taskscope check \[paths\.\.\.\]/) },
  { name: 'version', args: ['--version'], status: 0, stdout: (out) => assert.match(out, /^taskscope \d+\.\d+\.\d+\n$/) },
];

for (const c of cases) test(c.name, () => check(c));
