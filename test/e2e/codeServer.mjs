// A real VS Code in the browser for the e2e tests and `npm start`: code-server 4.100.3 (installed
// by scripts/setup-e2e.sh into $TASKSCOPE_E2E_TOOLS) with a temporary user-data-dir and
// extensions-dir, our .vsix installed, listening on a free 127.0.0.1 port. Stopping it signals its
// whole process group (server, extension hosts, language servers, debug adapters, debuggees).
// It does not drive a browser (see harness.mjs) and installs nothing itself.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = process.env.TASKSCOPE_E2E_TOOLS || path.join(os.homedir(), '.cache', 'taskscope-e2e');
export const codeServerBin = path.join(toolsDir, 'node_modules', '.bin', 'code-server');

/** Settings that keep the workbench quiet and predictable (no welcome page, prompts or updates). */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'terminal.integrated.gpuAcceleration': 'off',
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Installs the tools when missing (fast no-op when present). */
export function ensureTools(log = console.log) {
  const t = Date.now();
  execFileSync('bash', [path.join(root, 'scripts', 'setup-e2e.sh')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  log(`tools ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

/**
 * Starts code-server with `vsix` (and `alsoInstall`, more .vsix files) installed and a copy of
 * `workspace` (unless `inPlace`).
 * @returns {Promise<{ url: string, port: number, tmp: string, workspace: string, stop: () => Promise<void>, logFile: string }>}
 */
export async function startCodeServer({ vsix, alsoInstall = [], workspace, settings = {}, inPlace = false, port = 0, log = () => {}, keep = false }) {
  // Keep the temp path short: code-server puts a unix socket in it (108-character limit).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-e2e-'));
  const ws = inPlace ? workspace : path.join(tmp, 'ws');
  if (!inPlace) fs.cpSync(workspace, ws, { recursive: true, filter: (p) => !/[\\/](__pycache__|\.pytest_cache)$/.test(p) });
  fs.writeFileSync(path.join(tmp, 'config.yaml'), `auth: none\nbind-addr: 127.0.0.1:${port}\n`); // an empty file is rejected
  fs.mkdirSync(path.join(tmp, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'ud', 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  const args = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', path.join(tmp, 'ud'),
    '--extensions-dir', path.join(tmp, 'ext'), '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];
  const t0 = Date.now();
  for (const v of [vsix, ...alsoInstall]) execFileSync(codeServerBin, [...args, '--install-extension', v], { stdio: 'pipe', timeout: 120_000 });
  const installed = execFileSync(codeServerBin, [...args, '--list-extensions', '--show-versions'], { timeout: 60_000 }).toString().trim();
  log(`installed ${installed.replace(/\n/g, ', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  const logFile = path.join(tmp, 'code-server.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(codeServerBin, [...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TASKSCOPE_E2E: '1' } });
  let stopping;
  const stop = () => (stopping ??= (async () => {
    const exited = child.exitCode !== null || child.signalCode !== null ? null : new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    // Stragglers (an extension host forked during shutdown, a debuggee): SIGKILL the group.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    try { fs.closeSync(out); } catch { /* closed */ }
    if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
  })());
  const listening = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not listen within 60 s; see ${logFile}`)), 60_000);
    const onData = (d) => {
      fs.writeSync(out, d); buf += d;
      const m = buf.match(/HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout.on('data', onData); child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited early (${code}); see ${logFile}`)); });
  }).catch(async (e) => { keep = true; await stop(); throw e; });
  const url = `http://127.0.0.1:${listening}/?folder=${encodeURIComponent(ws)}`;
  return { url, port: listening, tmp, workspace: ws, logFile, stop, keepTmp: () => { keep = true; } };
}
