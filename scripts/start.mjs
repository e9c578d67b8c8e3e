#!/usr/bin/env node
// `npm start`, the main job: builds and packages the extension, installs the project's own copy of
// code-server 4.100.3 when missing (scripts/setup-e2e.sh: apt + npm), then serves a real VS Code in
// the browser on 127.0.0.1 with the .vsix installed and a copy of the bundled sample project
// (examples/: every rule, and live/server.py with a live task tree) opened. Prints the URL; Ctrl+C
// stops code-server and everything it started (its process group) and removes the temp dir.
// Env: TASKSCOPE_PORT (default: a free port), TASKSCOPE_START_ONCE=1 (start, print, stop: a check).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureTools, root, startCodeServer } from '../test/e2e/codeServer.mjs';

const log = (msg) => console.log(`[start] ${msg}`);

execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });
ensureTools(log);
const server = await startCodeServer({
  vsix: path.join(root, 'dist', 'taskscope.vsix'),
  workspace: path.join(root, 'examples'),
  port: Number(process.env.TASKSCOPE_PORT || 0),
  settings: { 'workbench.colorTheme': 'Default Dark Modern' },
  log,
});

let stopping = false;
const stop = async (why) => {
  if (stopping) return;
  stopping = true;
  log(`${why}: stopping code-server…`);
  await server.stop();
  log('stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop('Ctrl+C'));
process.on('SIGTERM', () => void stop('SIGTERM'));

console.log(`
  Taskscope is running in VS Code (code-server) at

      ${server.url}

  Sample project (a copy of examples/): ${server.workspace}
  - open greenhouse/telemetry.py: diagnostics and quick fixes (Ctrl+.)
  - open live/server.py and press F5: Run and Debug > Async Tasks shows the live task tree,
    and the blocking call raises "Event loop blocked"

  Press Ctrl+C to stop.
`);
if (process.env.TASKSCOPE_START_ONCE) await stop('TASKSCOPE_START_ONCE');
