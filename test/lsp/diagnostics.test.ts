/**
 * LSP tests on the built server (dist/server.js over stdio), data-driven: each case opens a
 * fixture from test/fixtures/lsp/project, optionally edits it, changes settings, asks for code
 * actions, and snapshots the JSON replies (paths as <workspace>) in test/lsp/snapshots/<case>.json.
 * Fixes are applied to the text and snapshotted as diffs; fix-all results are also compared with
 * an expected file. Run `npm run build` first or let ensureBuilt() rebuild a stale dist.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { CodeAction, Diagnostic, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { applyEdits, editsFor, LspClient } from './lspClient';
import { assertSnapshot, lineDiff, normalise } from './snapshot';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'lsp');
const SNAPSHOTS = path.join(__dirname, 'snapshots');

interface Case {
  name: string;
  /** File to open, relative to the workspace. */
  open: string;
  /** Replaces the file's text on open. */
  text?: string;
  settings?: Record<string, unknown>;
  /** didChange notifications (each a list of incremental changes), sent after opening. */
  edits?: TextDocumentContentChangeEvent[][];
  /** Settings sent after opening, through didChangeConfiguration + workspace/configuration. */
  changeSettings?: Record<string, unknown>;
  /** Ask quick fixes for every diagnostic and apply each to the text. */
  actions?: boolean;
  /** After the edits, ask quick fixes with the diagnostics of version 1 (stale). */
  staleActions?: boolean;
  /** Ask `source.fixAll` and compare the result with this file (relative to the workspace). */
  fixAll?: string;
}

const WORKSPACE = path.join(FIXTURES, 'project');

/** Range of a diagnostic as `line:col-line:col` (0-based, as sent). */
const at = (d: Diagnostic): string => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;

function describeActions(actions: CodeAction[], uri: string, text: string, version: number) {
  return actions.map((a) => {
    const { edits, version: editVersion } = editsFor(a, uri);
    assert.equal(editVersion, version, `action "${a.title}" must target the open version`);
    return { title: a.title, kind: a.kind, isPreferred: a.isPreferred ?? false, for: a.diagnostics?.map((d) => `${d.code} ${at(d)}`), diff: lineDiff(text, applyEdits(text, edits)) };
  });
}

/**
 * Replaces diagnostic messages by `<message>` after checking they are non-empty: their wording
 * belongs to the rules (snapshotted in server/test/rules), while these snapshots pin what the
 * server adds (ranges, codes, severities, data, actions), so rewording a rule does not break them.
 */
function withoutMessages(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v) => {
    if (key !== 'message' || typeof v !== 'string') return v;
    assert.ok(v.trim().length > 0, 'a diagnostic message is never empty');
    return '<message>';
  });
}

/**
 * Applies each "Disable <rule> for this line" action in the editor (a didChange) and checks that
 * the engine then stays quiet about that rule on that line; the text is restored after each.
 */
async function checkDisableActions(client: LspClient, rel: string, actions: CodeAction[], text: string): Promise<void> {
  const uri = client.uri(rel);
  for (const a of actions.filter((x) => x.title.startsWith('Disable '))) {
    const d = a.diagnostics![0];
    await client.change(rel, [{ text: applyEdits(text, editsFor(a, uri).edits) }]);
    const after = await client.diagnostics(rel);
    assert.ok(!after.some((x) => x.code === d.code && x.range.start.line === d.range.start.line), `"${a.title}" silences ${d.code} on line ${d.range.start.line + 1}`);
    await client.change(rel, [{ text }]);
    await client.diagnostics(rel);
  }
}

async function check(c: Case): Promise<void> {
  const client = await LspClient.start({ workspace: WORKSPACE, settings: c.settings });
  try {
    const snap: Record<string, unknown> = {};
    const first = await client.open(c.open, c.text);
    let diags = first;
    if (c.edits) {
      for (const change of c.edits) await client.change(c.open, change);
      diags = await client.diagnostics(c.open);
      snap.textAfterEdits = client.text(c.open).split('\n');
      // Incremental parsing must agree with a fresh parse of the same text.
      const copy = c.open.replace(/\.py$/, '_fresh.py');
      const fresh = await client.open(copy, client.text(c.open));
      assert.deepEqual(fresh.map((d) => [d.code, at(d), d.message]), diags.map((d) => [d.code, at(d), d.message]), 'incremental and fresh analyses differ');
    }
    if (c.changeSettings) {
      const seen = client.published(c.open).length;
      client.settings = c.changeSettings;
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      diags = await client.diagnostics(c.open, seen);
    }
    snap.diagnostics = diags;
    const uri = client.uri(c.open);
    const text = client.text(c.open);
    const version = client.version(c.open);
    if (c.actions) {
      const actions: CodeAction[] = [];
      for (const d of diags) actions.push(...await client.codeActions(c.open, d.range, [d], ['quickfix']));
      snap.actions = describeActions(actions, uri, text, version);
      await checkDisableActions(client, c.open, actions, text);
    }
    if (c.staleActions) {
      assert.ok(first.length > 0, 'the stale case needs diagnostics at version 1');
      snap.staleActions = await client.codeActions(c.open, first[0].range, first, ['quickfix']);
    }
    if (c.fixAll) {
      const lines = text.split('\n').length;
      const actions = await client.codeActions(c.open, { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } }, [], ['source.fixAll']);
      assert.equal(actions.length, 1, 'one fix-all action');
      const fixed = applyEdits(text, editsFor(actions[0], uri).edits);
      assert.equal(fixed, fs.readFileSync(path.join(WORKSPACE, c.fixAll), 'utf8'), `fix-all result differs from ${c.fixAll}`);
      snap.fixAll = describeActions(actions, uri, text, version);
    }
    assert.equal(client.exited, null, 'the server must still run');
    assertSnapshot(path.join(SNAPSHOTS, `${c.name}.json`), withoutMessages(normalise(snap, WORKSPACE)));
  } finally {
    await client.stop();
  }
}

const cases: Case[] = [
  { name: 'core-rules-and-quick-fixes', open: 'app/core.py', actions: true },
  { name: 'unittest-async-test', open: 'app/test_kiln.py', actions: true },
  { name: 'fix-all-applies-safe-fixes-only', open: 'app/fixall.py', fixAll: 'app/fixall.fixed.py' },
  { name: 'disable-for-this-line', open: 'app/noqa.py', actions: true },
  { name: 'utf16-columns', open: 'app/unicode.py' },
  { name: 'malformed-python', open: 'app/malformed.py', actions: true },
  {
    name: 'pathological-nesting',
    open: 'app/deep.py',
    text: `import time\n\nx = ${'('.repeat(3000)}1${')'.repeat(3000)}\n\n\nasync def f():\n    time.sleep(1)\n    y = ${'['.repeat(2000)}${']'.repeat(2000)}\n`,
  },
  {
    name: 'incremental-edits',
    open: 'app/core.py',
    edits: [
      // Await the coroutine in report() (line 10: "    hive = fetch_hive(hive_id)").
      [{ range: { start: { line: 10, character: 11 }, end: { line: 10, character: 11 } }, text: 'await ' }],
      // Two changes in one notification: a new first line, then replace "time.sleep(1)"'s line (19, now 20).
      [
        { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '"""Edited."""\n' },
        { range: { start: { line: 20, character: 0 }, end: { line: 21, character: 0 } }, text: '    pass\n' },
      ],
      // Type a broken line at the end of report() and leave it broken.
      [{ range: { start: { line: 14, character: 0 }, end: { line: 14, character: 0 } }, text: '    x = = fetch_hive\n' }],
    ],
  },
  { name: 'stale-version-gets-no-action', open: 'app/core.py', edits: [[{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }]], staleActions: true },
  {
    name: 'settings-disable-and-severity',
    open: 'app/core.py',
    settings: { rules: { 'dangling-task': { enabled: false }, 'blocking-call': { severity: 'error' } } },
  },
  {
    name: 'settings-change-at-run-time',
    open: 'app/core.py',
    changeSettings: { rules: { 'unawaited-coroutine': 'off', 'sync-with-async-cm': { severity: 'hint' } } },
  },
  // `asyncio.to_thread` exists from 3.9: the blocking-call fix depends on the target version.
  { name: 'python-version-3.8-has-no-to-thread-fix', open: 'app/versioned.py', settings: { pythonVersion: '3.8' }, actions: true },
  { name: 'python-version-changed-to-3.12-offers-it', open: 'app/versioned.py', settings: { pythonVersion: '3.8' }, changeSettings: { pythonVersion: '3.12' }, actions: true },
];

for (const c of cases) test(c.name, () => check(c));
