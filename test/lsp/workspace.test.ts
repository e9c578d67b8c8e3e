/**
 * LSP tests of the workspace as a whole, on the built server over stdio: the analysis on start
 * (progress shown, cancellable) and the index following files changed on disk
 * (didChangeWatchedFiles) for files not open. Each test works in a fresh temporary copy.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LspClient } from './lspClient';
import { assertSnapshot } from './snapshot';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'lsp');
const SNAPSHOTS = path.join(__dirname, 'snapshots');

function tempWorkspace(files: Record<string, string> = {}, copyOf?: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-lsp-')));
  if (copyOf) fs.cpSync(copyOf, dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Latest diagnostics codes per workspace file, as `rel: [code@line, …]`. */
function latestByFile(client: LspClient, workspace: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const base = pathToFileURL(workspace).href + '/';
  for (const n of client.notifications) {
    if (n.method !== 'textDocument/publishDiagnostics' || !n.params.uri.startsWith(base)) continue;
    out[decodeURIComponent(n.params.uri.slice(base.length))] = n.params.diagnostics.map((d: any) => `${d.code}@${d.range.start.line + 1}`);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function progressKinds(client: LspClient): string[] {
  return client.notifications.filter((n) => n.method === '$/progress').map((n) => n.params.value.kind);
}

function logs(client: LspClient): string {
  return client.notifications.filter((n) => n.method === 'window/logMessage').map((n) => n.params.message).join('\n');
}

test('the workspace is analysed on start, with progress', async () => {
  const workspace = tempWorkspace({
    'venv/pyvenv.cfg': 'home = /usr/bin\n',
    'venv/lib/skipped.py': 'import asyncio\nasync def f():\n    asyncio.sleep(1)\n',
    'node_modules/pkg/skipped.py': 'import asyncio\nasync def f():\n    asyncio.sleep(1)\n',
  }, path.join(FIXTURES, 'project'));
  let begin: any;
  const client = await LspClient.start({
    workspace,
    initializationOptions: { scanWorkspace: true },
    onProgress: (_t, v) => { if (v.kind === 'begin') begin = v; },
  });
  try {
    await client.until('progress end', () => (progressKinds(client).includes('end') ? true : undefined), 30_000);
    assert.equal(begin?.cancellable, true, 'the progress is cancellable');
    assert.match(begin?.title ?? '', /Taskscope/);
    const kinds = progressKinds(client);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds[kinds.length - 1], 'end');
    const byFile = latestByFile(client, workspace);
    assert.ok(!Object.keys(byFile).some((f) => f.includes('skipped')), 'virtual envs and node_modules are skipped');
    // Workspace diagnostics carry no document version (they come from the disk).
    const versions = client.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics').map((n) => n.params.version);
    assert.ok(versions.every((v) => v === undefined || v === null));
    assertSnapshot(path.join(SNAPSHOTS, 'workspace-scan.json'), byFile);
  } finally {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});

test('the workspace analysis can be cancelled', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 400; i++) files[`pkg/mod${String(i).padStart(3, '0')}.py`] = 'import asyncio\n\nasync def f():\n    asyncio.sleep(1)\n';
  const workspace = tempWorkspace(files);
  let client: LspClient | undefined;
  try {
    client = await LspClient.start({
      workspace,
      initializationOptions: { scanWorkspace: true },
      onProgress: (token, v) => {
        if (v.kind === 'begin') void client!.connection.sendNotification('window/workDoneProgress/cancel', { token });
      },
    });
    const c = client;
    await c.until('progress end', () => (progressKinds(c).includes('end') ? true : undefined), 30_000);
    await c.until('cancellation logged', () => (/workspace analysis cancelled/.test(logs(c)) ? true : undefined));
    const published = Object.keys(latestByFile(c, workspace)).length;
    assert.ok(published < 400, `cancelled before checking everything (${published} of 400 published)`);
  } finally {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});

test('files changed on disk update the index and their diagnostics', async () => {
  const workspace = tempWorkspace({
    'lib.py': 'def fetch():\n    return 1\n',
    'main.py': 'from lib import fetch\n\n\nasync def go():\n    fetch()\n',
  });
  const client = await LspClient.start({ workspace, initializationOptions: { scanWorkspace: true } });
  try {
    await client.until('progress end', () => (progressKinds(client).includes('end') ? true : undefined), 30_000);
    assert.deepEqual(await client.open('main.py'), [], 'a sync fetch() is fine');
    const seenMain = client.published('main.py').length;

    // lib.fetch becomes a coroutine function on disk: main.py (open) now drops a coroutine.
    fs.writeFileSync(path.join(workspace, 'lib.py'), 'async def fetch():\n    return 1\n');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: client.uri('lib.py'), type: 2 }] });
    const main = await client.until('main.py re-checked', () => {
      const later = client.published('main.py').slice(seenMain);
      return later.length ? later[later.length - 1].diagnostics : undefined;
    });
    assert.deepEqual(main.map((d) => d.code), ['unawaited-coroutine']);

    // A created file not open is checked; deleting it clears its diagnostics.
    fs.writeFileSync(path.join(workspace, 'extra.py'), 'import asyncio\n\n\nasync def f():\n    asyncio.create_task(asyncio.sleep(1))\n');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: client.uri('extra.py'), type: 1 }] });
    const extra = await client.until('extra.py published', () => client.published('extra.py').at(-1)?.diagnostics);
    assert.deepEqual(extra.map((d) => d.code), ['dangling-task']);
    fs.rmSync(path.join(workspace, 'extra.py'));
    const seenExtra = client.published('extra.py').length;
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: client.uri('extra.py'), type: 3 }] });
    const cleared = await client.until('extra.py cleared', () => client.published('extra.py').slice(seenExtra).at(-1)?.diagnostics);
    assert.deepEqual(cleared, []);

    // Closing a workspace file keeps its diagnostics, now from the disk (no version).
    const seenBeforeClose = client.published('main.py').length;
    await client.close('main.py');
    const afterClose = await client.until('main.py after close', () => client.published('main.py').slice(seenBeforeClose).at(-1));
    assert.equal(afterClose.version ?? null, null);
    assert.deepEqual(afterClose.diagnostics.map((d) => d.code), ['unawaited-coroutine']);
  } finally {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});

test('workspace folders added and removed at run time', async () => {
  const first = tempWorkspace({ 'a.py': 'import asyncio\n\n\nasync def f():\n    asyncio.create_task(asyncio.sleep(1))\n' });
  const second = tempWorkspace({ 'b.py': 'import time\n\n\nasync def g():\n    time.sleep(1)\n' });
  const client = await LspClient.start({ workspace: first, initializationOptions: { scanWorkspace: true } });
  const bUri = pathToFileURL(path.join(second, 'b.py')).href;
  const publishedB = () => client.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === bUri).map((n) => n.params.diagnostics);
  try {
    await client.until('first scan', () => (progressKinds(client).includes('end') ? true : undefined), 30_000);
    assert.equal(publishedB().length, 0);
    const folder = { uri: pathToFileURL(second).href, name: 'second' };
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder], removed: [] } });
    const added = await client.until('b.py published', () => publishedB().at(-1));
    assert.deepEqual(added.map((d: any) => d.code), ['blocking-call']);
    const seen = publishedB().length;
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder] } });
    const removed = await client.until('b.py cleared', () => publishedB().slice(seen).at(-1));
    assert.deepEqual(removed, []);
  } finally {
    await client.stop();
    fs.rmSync(first, { recursive: true, force: true });
    fs.rmSync(second, { recursive: true, force: true });
  }
});

test('untitled documents are analysed, and typing is debounced', async () => {
  const workspace = tempWorkspace({ 'typed.py': 'import time\n\n\nasync def f():\n    pass\n' });
  // A debounce well above the gap between two sends, even on a loaded machine.
  const client = await LspClient.start({ workspace, initializationOptions: { debounceMs: 400 } });
  try {
    const uri = 'untitled:Untitled-1';
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: 'import time\n\n\nasync def f():\n    time.sleep(1)\n' } });
    const untitled = await client.until('untitled diagnostics', () => client.notifications.find((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri)?.params);
    assert.deepEqual(untitled.diagnostics.map((d: any) => d.code), ['blocking-call']);

    // Fourteen edits in a burst ("time.sleep(1)" typed over "pass"), then one quiet period.
    assert.deepEqual(await client.open('typed.py'), []);
    const before = client.published('typed.py').length;
    await client.change('typed.py', [{ range: { start: { line: 4, character: 4 }, end: { line: 4, character: 8 } }, text: '' }]);
    for (const ch of 'time.sleep(1)') {
      const col = client.text('typed.py').split('\n')[4].length;
      await client.change('typed.py', [{ range: { start: { line: 4, character: col }, end: { line: 4, character: col } }, text: ch }]);
    }
    const diags = await client.diagnostics('typed.py', before);
    assert.deepEqual(diags.map((d) => d.code), ['blocking-call']);
    const publishes = client.published('typed.py').slice(before);
    assert.ok(publishes.length <= 3, `debounced: ${publishes.length} publications for 14 changes`);
    assert.equal(publishes.at(-1)!.version, client.version('typed.py'));
  } finally {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
