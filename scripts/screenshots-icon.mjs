#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (128x128, transparent corners) with the headless Debian
// chromium the e2e tests use (playwright-core, a devDependency): no image tool to install.
// Run after editing the SVG: `node scripts/screenshots-icon.mjs`; commit both files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = fs.readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');
const executablePath = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser']).toString().trim();
const browser = await chromium.launch({ executablePath, headless: true, timeout: 30000, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: path.join(root, 'media', 'icon.png'), omitBackground: true, timeout: 10000 });
  console.log('wrote media/icon.png');
} finally {
  await browser.close();
}
