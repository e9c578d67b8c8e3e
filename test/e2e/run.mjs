#!/usr/bin/env node
// End-to-end tests of Taskscope in a real VS Code (code-server 4.100.3 in headless chromium),
// offline. Installs the tools through scripts/setup-e2e.sh when missing, packages the .vsix, then:
//   suite "sample": a copy of examples/ with only our .vsix installed —
//     diagnostic on the sample, quick fix "add await" (checked on disk), F5 with a breakpoint
//     stops there, the Async Tasks view shows the tasks under their owners, a blocked loop
//     raises the notification;
//   suite "clean install": a fresh code-server and a one-file project with no configuration —
//     diagnostics appear, F5 without a launch.json debugs the file.
//   suite "python extension" (pyext): a stand-in for ms-python.python (python-extension-stub/)
//     installed too — F5 debugs with the interpreter selected there.
// Prints one line `e2e: N passed, N failed` and exits non-zero on any failure.
// Flags: --shots DIR (README screenshots), --no-package (reuse dist/taskscope.vsix),
// --only sample|clean|pyext, --grep TEXT (only tests whose name has TEXT; for local work), --keep (keep temp dirs). Whole run bounded by E2E_TIMEOUT_S (default 540).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTools, root, startCodeServer } from './codeServer.mjs';
import { launchBrowser, openWorkbench, ui } from './harness.mjs';
import { findPythons } from '../../scripts/pythons.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv[i + 1]; };
const shotsDir = opt('--shots') ? path.resolve(opt('--shots')) : undefined;
const only = opt('--only');
const grep = opt('--grep');
const keep = flag('--keep') || !!process.env.KEEP_TMP;
const failDir = path.join(root, 'test-results', 'e2e');
const t0 = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const results = [];
const cleanups = [];

/** Runs one test with its own time bound; a failure is recorded (with a screenshot) and the run goes on. */
async function check(name, page, fn, timeoutS = 90) {
  if (grep && !name.includes(grep)) return; // local iteration only: the summary says it was filtered
  const t = Date.now();
  let timer;
  try {
    await Promise.race([fn(), new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${timeoutS} s`)), timeoutS * 1000); })]);
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    log(`FAIL ${name} (${((Date.now() - t) / 1000).toFixed(1)} s): ${String(e?.message ?? e).split('\n').slice(0, 6).join('\n  ')}`);
    if (page) {
      fs.mkdirSync(failDir, { recursive: true });
      const file = path.join(failDir, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
      await page.screenshot({ path: file, timeout: 10_000 }).then(() => log(`  screenshot: ${path.relative(root, file)}`), () => {});
    }
  } finally {
    clearTimeout(timer);
  }
}

async function shot(page, name) {
  if (!shotsDir) return;
  fs.mkdirSync(shotsDir, { recursive: true });
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), timeout: 10_000 });
  log(`  shot ${name}.png`);
}

/** Finds the 1-based line of the first line matching `re` in a file. */
function lineOf(file, re) {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`no line matching ${re} in ${file}`);
  return i + 1;
}

/** The example file showing `unawaited-coroutine` (examples/ is maintained separately; find it). */
function findMarked(dir, marker) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'live') { const f = findMarked(p, marker); if (f) return f; }
    if (e.isFile() && e.name.endsWith('.py') && fs.readFileSync(p, 'utf8').includes(marker)) return p;
  }
  return undefined;
}

/** Polls a file on disk until `pred(text)` holds (the editor saves asynchronously); bounded. */
async function waitForFile(page, file, pred, what, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!pred(fs.readFileSync(file, 'utf8'))) {
    if (Date.now() > end) throw new Error(`${what}: not on disk after ${timeoutMs / 1000} s`);
    await page.waitForTimeout(100); // a file poll interval, not a wait for the UI
  }
}

async function stopDebugging(page) {
  const toolbar = page.locator('.debug-toolbar');
  if (await toolbar.isVisible().catch(() => false)) {
    await page.keyboard.press('Shift+F5');
    await toolbar.waitFor({ state: 'hidden', timeout: 20_000 });
  }
}

// ---- suite "sample": examples/ ----

async function sampleSuite(browser, vsix) {
  const server = await startCodeServer({ vsix, workspace: path.join(root, 'examples'), log, keep });
  cleanups.push(server.stop);
  log(`code-server on 127.0.0.1:${server.port}`);
  const page = await openWorkbench(browser, server.url);
  const u = ui(page);
  log('workbench ready');
  const ws = server.workspace;
  const marker = '# taskscope: unawaited-coroutine';
  const sample = findMarked(ws, marker);
  const rel = sample && path.relative(ws, sample).split(path.sep).join('/');
  const live = path.join(ws, 'live', 'server.py');

  await check('diagnostic appears on the sample', page, async () => {
    if (!sample) throw new Error(`no example file with "${marker}"`);
    await u.openFile(rel);
    await page.locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 }); // first server start
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'unawaited-coroutine' }).first().waitFor();
    await shot(page, 'diagnostics');
  });

  await check('quick fix "add await" fixes the file', page, async () => {
    if (!sample) throw new Error('no sample');
    const line = lineOf(sample, /# taskscope: unawaited-coroutine/);
    const before = fs.readFileSync(sample, 'utf8').split('\n')[line - 1];
    // Select the marked line (the Problems list reorders while the workspace scan adds files, so
    // clicking a row there races): code actions are asked for the diagnostics the selection meets.
    await u.openFile(rel);
    await u.goToLine(line);
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row.action', { hasText: /await/i }).filter({ hasNotText: /disable|noqa|ignore|suppress/i }).first();
    await fix.waitFor();
    await shot(page, 'quickfix');
    // Keyboard, as a user would: move the focus to the fix (the menu may still be animating, so a
    // click can find it "not stable"), then Enter.
    const wanted = await fix.getAttribute('aria-label');
    for (let i = 0; i < 10; i++) {
      const focused = await page.locator('.action-widget .monaco-list-row.action.focused').first().getAttribute('aria-label').catch(() => null);
      if (focused === wanted) break;
      await page.keyboard.press('ArrowDown');
    }
    await page.locator('.action-widget .monaco-list-row.action.focused', { hasText: /await/i }).waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
    await page.locator('.action-widget').waitFor({ state: 'hidden' });
    await page.keyboard.press('Control+S');
    await waitForFile(page, sample, (t) => /\bawait\b/.test(t.split('\n')[line - 1]), 'the fixed line');
    const after = fs.readFileSync(sample, 'utf8').split('\n')[line - 1];
    log(`  fixed on disk: ${before.trim()}  ->  ${after.trim()}`);
    if (!/await\s+\(?\s*fetch|await /.test(after)) throw new Error(`unexpected fix: ${after}`);
  });

  await check('F5 on the sample program with a breakpoint stops there', page, async () => {
    const bp = lineOf(live, /a good place for a breakpoint/);
    await u.openFile('live/server.py');
    await u.goToLine(bp);
    await page.keyboard.press('F9');
    await page.locator('.monaco-editor .codicon-debug-breakpoint').first().waitFor();
    await page.keyboard.press('F5'); // no launch.json: the configuration provider debugs this file
    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.monaco-editor .codicon-debug-stackframe').first().waitFor({ timeout: 60_000 });
    await u.waitForCursorLine(bp);
    await page.locator('.debug-call-stack .state.label', { hasText: /breakpoint/i }).first().waitFor({ timeout: 10_000 });
    // The frame's locals, and the task tree answered while paused.
    await page.locator('.debug-variables .monaco-list-row', { hasText: 'source' }).first().waitFor({ timeout: 15_000 });
    const tasks = await u.expandView('Async Tasks');
    await tasks.locator('.monaco-list-row:visible', { hasText: 'client-0' }).first().waitFor({ timeout: 15_000 });
    await shot(page, 'breakpoint');
    await u.command('Remove All Breakpoints');
    await page.locator('.monaco-editor .codicon-debug-breakpoint').first().waitFor({ state: 'detached' });
    await page.keyboard.press('F5'); // continue
    await page.locator('.monaco-editor .codicon-debug-stackframe').first().waitFor({ state: 'detached' });
  }, 120);

  await check('Async Tasks view shows the tasks under their owners', page, async () => {
    if (!(await page.locator('.debug-toolbar').isVisible())) throw new Error('no debug session running');
    const pane = await u.expandView('Async Tasks');
    await u.collapseOtherPanes('Async Tasks'); // the list is virtual: only rows on screen exist
    await u.widenSidebar(520);
    await pane.locator('.monaco-list-row:visible', { hasText: 'client-2' }).first().waitFor({ timeout: 45_000 });
    await pane.locator('.monaco-list-row:visible', { hasText: 'handler-' }).first().waitFor({ timeout: 30_000 });
    const rows = await u.rows(pane);
    log(`  rows: ${rows.map((r) => `${'  '.repeat(Math.max(0, r.level - 1))}${r.label.split(',').slice(0, 3).join(',')}`).join(' | ')}`);
    const parentOf = (i) => { for (let j = i - 1; j >= 0; j--) if (rows[j].level < rows[i].level) return rows[j]; return null; };
    for (const name of ['client-0', 'client-1', 'client-2', 'reporter']) {
      const i = rows.findIndex((r) => r.label.startsWith(`${name},`));
      if (i < 0) throw new Error(`no row for ${name}`);
      const p = parentOf(i);
      if (!p || !/, main,/.test(p.label)) throw new Error(`${name} is not under the main task (parent: ${p?.label ?? 'none'})`);
    }
    // gather() children live for half a second: wait (bounded) until a fetch row sits under a handler.
    const fetchUnderHandler = (list) => list.some((r, i) => /, fetch,/.test(r.label)
      && list.slice(0, i).reverse().find((p) => p.level < r.level)?.label.startsWith('handler-'));
    const end = Date.now() + 20_000;
    while (!fetchUnderHandler(await u.rows(pane))) {
      if (Date.now() > end) throw new Error('no fetch task under a handler within 20 s');
      await pane.locator('.monaco-list-row[aria-label*=", fetch,"]:visible').first().waitFor({ timeout: 2_000 }).catch(() => {});
    }
    await shot(page, 'task-tree');
  }, 120);

  await check('a blocked loop raises the notification', page, async () => {
    if (!(await page.locator('.debug-toolbar').isVisible())) throw new Error('no debug session running');
    const sleepLine = lineOf(live, /^\s+time\.sleep\(/);
    // Show the blocking line's neighbourhood (the cursor stays elsewhere: "Go to line" must move it).
    await u.openFile('live/server.py');
    await u.goToLine(sleepLine - 8);
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Event loop blocked' }).first();
    await toast.waitFor({ timeout: 30_000 });
    await shot(page, 'loop-blocked');
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    log(`  notification: ${text}`);
    if (!text.includes('reporter()') || !text.includes(`server.py:${sleepLine}`)) throw new Error(`unexpected notification text: ${text}`);
    // The program blocks for 1.2 s: the notification gives the episode's real duration.
    const m = /Event loop blocked for ([\d.]+) (ms|s)\b/.exec(text);
    const seconds = m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : NaN;
    if (!(seconds >= 0.9 && seconds < 5)) throw new Error(`unexpected duration in: ${text}`);
    await toast.locator('.monaco-button', { hasText: 'Go to line' }).click();
    await u.waitForCursorLine(sleepLine);
    await page.locator('.statusbar-item', { hasText: /Loop/ }).first().waitFor();
  }, 60);

  await check('Async Tasks: group by awaiter, cancel a task from the context menu', page, async () => {
    if (!(await page.locator('.debug-toolbar').isVisible())) throw new Error('no debug session running');
    const pane = await u.expandView('Async Tasks');
    await u.collapseOtherPanes('Async Tasks');
    await pane.hover();
    await page.locator('.pane-header .action-label[aria-label="Group Tasks by Awaiter"]').click();
    await page.locator('.pane-header .action-label[aria-label="Group Tasks by Owner"]').waitFor();
    // By awaiter: main awaits gather(clients, reporter), so they sit under it; nobody awaits main.
    await pane.locator('.monaco-list-row[aria-level="2"][aria-label^="client-2,"]:visible').first().waitFor();
    await page.locator('.pane-header .action-label[aria-label="Group Tasks by Owner"]').click();
    await page.locator('.pane-header .action-label[aria-label="Group Tasks by Awaiter"]').waitFor();
    const row = pane.locator('.monaco-list-row[aria-label^="client-2,"]:visible').first();
    await row.waitFor();
    // The toast that says no task was chosen (the stale-row case below); watched from now on, as
    // an information toast may hide itself before the 10 s below are over.
    const noTask = page.locator('.notifications-toasts .notification-toast', { hasText: 'no task was chosen' }).first()
      .waitFor({ timeout: 15_000 }).then(() => true, () => false);
    await u.contextMenu(row, 'Cancel Task');
    await page.locator('.context-view .monaco-menu').waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
    const gone = await row.waitFor({ state: 'detached', timeout: 10_000 }).then(() => true, () => false);
    if (!gone) {
      // Seen in most runs right after regrouping: the right-click lands on a row drawn before the
      // regrouping's refresh, VS Code hands the command no element (the log says "no task passed
      // to the command"), and nothing is cancelled. A person does not click within that instant,
      // but must be told when it happens: the command says so in a toast. Check it, then try once
      // more on the current row.
      if (!(await noTask)) throw new Error('Cancel Task did nothing and said nothing (no "no task was chosen" toast)');
      const header = (await page.locator('.pane-header[aria-label^="Async Tasks"]').first().innerText()).replace(/\s+/g, ' ');
      log(`  client-2 still listed 10 s after Cancel Task (view: ${header}; rows: ${(await u.rows(pane)).map((r) => r.label.split(',')[0]).join(' ')}); opening the context menu again`);
      await page.screenshot({ path: path.join(failDir, 'cancel-first-attempt.png') }).catch(() => {});
      await u.contextMenu(row, 'Cancel Task');
      await row.waitFor({ state: 'detached', timeout: 15_000 }); // no visible client-2 row any more
    }
    // The others keep running (the program gathers with return_exceptions).
    await pane.locator('.monaco-list-row[aria-label^="client-1,"]:visible').first().waitFor();
    if (!(await page.locator('.debug-toolbar').isVisible())) throw new Error('the session ended');
  });

  await check('10k tasks: the Async Tasks view stays responsive', page, async () => {
    await stopDebugging(page);
    // The ended session's tasks leave the view (its welcome text returns) before the next one.
    const header = page.locator('.pane-header[aria-label^="Async Tasks"]').first();
    if (await header.isVisible()) {
      await page.locator('.pane', { has: header }).locator('.monaco-list-row:visible').first().waitFor({ state: 'detached', timeout: 15_000 });
    }
    await u.openFile('live/swarm.py');
    await page.keyboard.press('F5');
    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    const pane = await u.expandView('Async Tasks');
    await u.collapseOtherPanes('Async Tasks');
    // 10,000 workers under main: a few range rows, not 10,000 rows.
    const range = pane.locator('.monaco-list-row:visible', { hasText: /^worker 1–500 of/ }).first();
    await range.waitFor({ timeout: 60_000 });
    const rendered = await pane.locator('.monaco-list-row:visible').count();
    if (rendered > 60) throw new Error(`${rendered} rows rendered before expanding anything`);
    let t = Date.now();
    await range.click();
    await pane.locator('.monaco-list-row[aria-label^="worker-5,"]:visible').first().waitFor({ timeout: 10_000 });
    const expandMs = Date.now() - t;
    // The editor keeps up while snapshots of 10k tasks stream in.
    await u.openFile('live/swarm.py');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    t = Date.now();
    await page.keyboard.type('# still responsive');
    await page.locator('.monaco-editor .view-lines', { hasText: '# still responsive' }).first().waitFor({ timeout: 10_000 });
    const typeMs = Date.now() - t;
    log(`  expand a range of 500: ${expandMs} ms; type 18 characters: ${typeMs} ms`);
    if (expandMs > 5000 || typeMs > 5000) throw new Error(`too slow: expand ${expandMs} ms, typing ${typeMs} ms`);
    await shot(page, 'task-tree-10k');
    await stopDebugging(page);
  }, 150);

  await stopDebugging(page).catch(() => {});
  await page.context().close().catch(() => {});
  await server.stop();
}

// ---- suite "clean install": zero configuration ----

async function cleanSuite(browser, vsix) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-clean-'));
  cleanups.push(async () => fs.rmSync(ws, { recursive: true, force: true }));
  fs.writeFileSync(path.join(ws, 'app.py'), [
    'import asyncio',
    '',
    '',
    'async def greet(name: str) -> str:',
    '    await asyncio.sleep(0.01)',
    '    return f"hello {name}"',
    '',
    '',
    'async def fail() -> None:',
    '    raise ValueError("nobody listens")',
    '',
    '',
    'async def main() -> None:',
    '    greet("nobody")',
    '    task = asyncio.create_task(fail())',
    '    print(await greet("from taskscope"), flush=True)',
    '    del task  # its exception is never retrieved',
    '',
    '',
    'asyncio.run(main())',
    '',
  ].join('\n'));
  const server = await startCodeServer({ vsix, workspace: ws, log, keep });
  cleanups.push(server.stop);
  const page = await openWorkbench(browser, server.url);
  const u = ui(page);
  log('clean workbench ready');

  await check('clean install: diagnostics with zero configuration', page, async () => {
    await u.openFile('app.py');
    await page.locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'unawaited-coroutine' }).first().waitFor();
  });

  await check('clean install: F5 works without a launch.json', page, async () => {
    if (fs.existsSync(path.join(server.workspace, '.vscode', 'launch.json'))) throw new Error('the workspace has a launch.json');
    await u.openFile('app.py');
    await page.keyboard.press('F5');
    // The program prints and exits: its output reaches the Debug Console, then the session ends.
    await u.debugConsoleLine('hello from taskscope').waitFor({ timeout: 60_000 });
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  }, 120);

  await check('clean install: a lost task exception shows on its creation line', page, async () => {
    // From the session above: the agent reports the failed task nobody awaited.
    const line = lineOf(path.join(server.workspace, 'app.py'), /create_task\(fail\(\)\)/);
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'taskscope runtime' }).filter({ hasText: 'never retrieved' }).first();
    await row.waitFor({ timeout: 20_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    log(`  runtime diagnostic: ${text}`);
    if (!text.includes(`Ln ${line}`) || !text.includes('ValueError')) throw new Error(`unexpected runtime diagnostic: ${text}`);
  });

  await page.context().close().catch(() => {});
  await server.stop();
}

// ---- suite "python extension": the interpreter selected in the Python extension ----

/** Packages the stand-in for ms-python.python (test/e2e/python-extension-stub) into `dir`. */
function packageStub(dir) {
  const out = path.join(dir, 'ms-python-stub.vsix');
  execFileSync(path.join(root, 'node_modules', '.bin', 'vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out],
    { cwd: path.join(root, 'test', 'e2e', 'python-extension-stub'), stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  return out;
}

async function pythonExtensionSuite(browser, vsix) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-pyext-'));
  const aux = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-pyext-aux-')); // the link and the stub
  cleanups.push(async () => { for (const d of [ws, aux]) fs.rmSync(d, { recursive: true, force: true }); });
  // The interpreter "selected" in the Python extension: a link of our own to a supported Python,
  // a path no fallback could guess (python3 on PATH, or the link's target), and which the
  // debuggee reports as sys.executable.
  const [py] = findPythons();
  if (!py) throw new Error('no Python 3.10+ found');
  const target = execFileSync(py.path, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const selected = path.join(aux, 'env', 'bin', 'python');
  fs.mkdirSync(path.dirname(selected), { recursive: true });
  fs.symlinkSync(target, selected);
  fs.writeFileSync(path.join(ws, 'which.py'), [
    'import asyncio',
    'import sys',
    '',
    '',
    'async def main() -> None:',
    '    await asyncio.sleep(0)',
    '    print("interpreter:", sys.executable, "%d.%d" % sys.version_info[:2], flush=True)',
    '',
    '',
    'asyncio.run(main())',
    '',
  ].join('\n'));
  const stub = packageStub(aux);
  const server = await startCodeServer({
    vsix, alsoInstall: [stub], workspace: ws, log, keep, settings: { 'python.defaultInterpreterPath': selected },
  });
  cleanups.push(server.stop);
  const page = await openWorkbench(browser, server.url);
  const u = ui(page);
  log(`python-extension workbench ready (selected interpreter: ${selected} -> ${target}, ${py.version})`);

  await check('Python extension: F5 runs the interpreter selected there', page, async () => {
    await u.openFile('which.py');
    await page.keyboard.press('F5');
    const line = u.debugConsoleLine('interpreter:');
    await line.waitFor({ timeout: 60_000 });
    const text = (await line.innerText()).replace(/\s+/g, ' ').trim();
    log(`  debuggee: ${text}`);
    const want = `interpreter: ${selected} ${py.major}.${py.minor}`;
    if (!text.includes(want)) throw new Error(`expected "${want}", got: ${text}`);
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  }, 120);

  await page.context().close().catch(() => {});
  await server.stop();
}

// ---- main ----

let browser;
let finished = false;
async function cleanup() {
  await browser?.close().catch(() => {});
  for (const c of cleanups.reverse()) await c().catch(() => {});
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { log(sig); cleanup().finally(() => process.exit(130)); });
}
const deadlineS = Number(process.env.E2E_TIMEOUT_S || 540);
const deadline = setTimeout(() => {
  if (finished) return;
  log(`whole run timed out after ${deadlineS} s`);
  results.push({ name: 'whole run within its time bound', ok: false });
  report().finally(() => process.exit(1));
}, deadlineS * 1000);

async function report() {
  finished = true;
  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  for (const r of results) if (!r.ok) console.log(`  failed: ${r.name}`);
  console.log(`e2e: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)${grep || only ? ' [filtered run]' : ''}`);
  return failed;
}

try {
  ensureTools(log);
  const vsix = path.join(root, 'dist', 'taskscope.vsix');
  if (!flag('--no-package') || !fs.existsSync(vsix)) {
    const t = Date.now();
    const pack = () => execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    try {
      pack();
    } catch {
      // A build running at the same time in this tree can remove dist/agent while vsce reads it.
      log('packaging failed; trying once more');
      pack();
    }
    log(`packaged ${path.relative(root, vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KB, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  browser = await launchBrowser();
  if (!only || only === 'sample') await sampleSuite(browser, vsix).catch((e) => { results.push({ name: 'sample suite setup', ok: false }); log(`FAIL sample suite: ${e.stack ?? e}`); });
  if (!only || only === 'clean') await cleanSuite(browser, vsix).catch((e) => { results.push({ name: 'clean-install suite setup', ok: false }); log(`FAIL clean suite: ${e.stack ?? e}`); });
  if (!only || only === 'pyext') await pythonExtensionSuite(browser, vsix).catch((e) => { results.push({ name: 'python-extension suite setup', ok: false }); log(`FAIL python-extension suite: ${e.stack ?? e}`); });
} catch (e) {
  results.push({ name: 'e2e setup', ok: false });
  log(`FAIL setup: ${e.stack ?? e}`);
}
clearTimeout(deadline);
const failed = await report();
process.exit(failed || results.length === 0 ? 1 : 0);
