/**
 * The debug adapter as a standalone program: `node dist/debugAdapter.js` speaks DAP on stdio.
 * Whatever ends this process (stdin closed, SIGTERM, a crash), the debuggee it launched is killed
 * with its process group; the agent also watches this process and exits when it disappears.
 */
import { TaskscopeDebugSession, liveDebuggees } from './dap/session';
import { killGroup } from './dap/launch';

function killAll(): void {
  for (const pid of liveDebuggees) killGroup(pid, 'SIGKILL');
  liveDebuggees.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => { killAll(); process.exit(0); });
}
process.on('uncaughtException', (e) => {
  process.stderr.write(`taskscope debug adapter: ${e instanceof Error ? e.stack : String(e)}\n`);
  killAll();
  process.exit(1);
});

const session = new TaskscopeDebugSession();
session.start(process.stdin, process.stdout);
