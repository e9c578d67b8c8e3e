// Drives the VS Code workbench in headless Debian chromium (playwright-core): launch, wait for the
// workbench, and the few UI gestures the tests need. Every wait is on a DOM state and bounded;
// nothing sleeps. Selectors were checked against VS Code 1.100.3 (code-server 4.100.3).
/* global document */ // used inside page.waitForFunction (runs in the browser)
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser']).toString().trim();
  return chromium.launch({
    executablePath, headless: true, timeout: 30_000,
    handleSIGINT: false, handleSIGTERM: false, // the runner stops everything in order
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the workbench at `url` and waits until the Explorer shows the folder. */
export async function openWorkbench(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin }).catch(() => {});
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // Workbench errors end up in the run's log (known harmless noise of code-server left out).
  page.on('pageerror', (e) => console.log(`[browser] page error: ${e.message.split('\n')[0]}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' || /vsda|ERR_|status of 40\d|Failed to load resource|dbus/.test(m.text())) return;
    console.log(`[browser] ${m.text().split('\n')[0].slice(0, 400)}`);
  });
  await page.goto(url, { timeout: 60_000 });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  return page;
}

/** UI gestures on one workbench page. */
export function ui(page) {
  const self = {
    page,
    /** Quick Open (Ctrl+P) a file by workspace-relative path; waits for its tab. */
    async openFile(rel) {
      const base = rel.split('/').pop();
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(rel);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator(`.tab[aria-label^="${base}"]`).first().waitFor();
      await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
    },
    /** The first Debug Console line (output or REPL row) containing `text`. */
    debugConsoleLine(text) {
      return page.locator('.repl .monaco-list-row, .repl .output', { hasText: text }).first();
    },
    /** Runs a command by its palette title (F1). */
    async command(title) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill('>' + title);
      // Click the row whose label is exactly the title: the first row may be another command
      // ("similar commands", recently used) and Enter would run that one.
      const row = page.locator('.quick-input-list .monaco-list-row').filter({
        has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
      }).first();
      await row.waitFor();
      await row.click();
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
    },
    /** Moves the cursor to a 1-based line (Quick Open ":N"), waits for the status bar to say so. */
    async goToLine(line) {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(`:${line}`);
      await page.locator('.quick-input-list .monaco-list-row, .quick-input-message', { hasText: String(line) }).first().waitFor().catch(() => {});
      await page.keyboard.press('Enter');
      await self.waitForCursorLine(line);
    },
    async cursorLine() {
      const text = await page.locator('.statusbar-item[id="status.editor.selection"]').first().innerText({ timeout: 10_000 });
      return Number(/Ln (\d+)/.exec(text)?.[1] ?? NaN);
    },
    async waitForCursorLine(line, timeout = 30_000) {
      await page.locator('.statusbar-item[id="status.editor.selection"]', { hasText: new RegExp(`Ln ${line}\\b`) }).first().waitFor({ timeout });
    },
    /** The pane of a view in a side bar, by its title; expanded if it was collapsed. */
    async expandView(title) {
      const header = page.locator(`.pane-header[aria-label^="${title}"]`).first();
      await header.waitFor();
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      await page.locator(`.pane-header[aria-label^="${title}"][aria-expanded="true"]`).first().waitFor();
      return page.locator('.pane', { has: header });
    },
    /** Collapses the other panes of the side bar so a view's rows are all rendered (lists are virtual). */
    async collapseOtherPanes(title) {
      const others = page.locator(`.sidebar .pane-header[aria-expanded="true"]:not([aria-label^="${title}"])`);
      for (let i = 0; i < 8 && (await others.count()) > 0; i++) await others.first().click();
    },
    /** Drags the side bar's edge so it is `width` px wide (room for the task rows' descriptions). */
    async widenSidebar(width) {
      const bar = page.locator('.part.sidebar').first();
      const box = await bar.boundingBox();
      if (!box || box.width >= width) return;
      const x = box.x + box.width, y = box.y + box.height / 2;
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + (width - box.width), y, { steps: 5 });
      await page.mouse.up();
      await page.waitForFunction((w) => (document.querySelector('.part.sidebar')?.getBoundingClientRect().width ?? 0) >= w - 20, width, { timeout: 5_000 }).catch(() => {});
    },
    /**
     * Rows of a tree pane in list order: aria-label and aria-level of each row on screen. The list
     * is virtual and recycles row elements, so DOM order is not list order and released rows may
     * linger hidden: keep visible rows, sort by `data-index`.
     */
    async rows(pane) {
      return pane.locator('.monaco-list-row').evaluateAll(listRows);
    },
    /** Right-clicks `row` and runs the context-menu item `item` by keyboard (clicks on a menu that
     *  is still opening can be lost in headless chromium). */
    async contextMenu(row, item) {
      // force: a live tree re-renders rows often, and Playwright's "stable" check can then wait forever.
      await row.click({ button: 'right', force: true });
      await page.locator('.context-view .action-label', { hasText: item }).first().waitFor();
      for (let i = 0; i < 12; i++) {
        const focused = await page.locator('.context-view .action-item.focused .action-label').first().innerText({ timeout: 1000 }).catch(() => '');
        if (focused.trim() === item) { await page.keyboard.press('Enter'); return; }
        await page.keyboard.press('ArrowDown');
      }
      throw new Error(`context menu item not reached: ${item}`);
    },
    /** Presses Escape until no quick input, widget or menu is open (bounded). */
    async dismiss() {
      for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
    },
  };
  return self;
}

/** In the browser: visible rows of a list, in list order (see `rows`). */
export function listRows(els) {
  return els.filter((e) => e.checkVisibility ? e.checkVisibility() : e.offsetParent !== null)
    .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
    .map((e) => ({ label: e.getAttribute('aria-label') ?? e.textContent ?? '', level: Number(e.getAttribute('aria-level') ?? 0) }));
}
