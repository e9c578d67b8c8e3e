/**
 * Words for the runtime signals, without `vscode` (unit-tested in client/test): which frame of a
 * blocked loop's stack to point at, the "Event loop blocked" message, and lost-error lines.
 */
import type { LoopBlockedEventBody, LostErrorEventBody, LostErrorKind, SourceLocation } from '../../../debug-adapter/src/protocol/dap';
import { baseName, formatDuration } from '../taskTree/model';

/** The frame to point at: the innermost frame of the stack that is user code, else the innermost. */
export function blockingFrame(stack: readonly SourceLocation[] | undefined): SourceLocation | undefined {
  if (!stack?.length) return undefined;
  // The adapter sends the stack innermost first; skip frames of the standard library and of
  // installed packages so `time.sleep` inside `handler()` points at the handler's line.
  const lib = /[\\/](lib[\\/]python\d[^\\/]*|site-packages|dist-packages|taskscope_agent)[\\/]/i;
  // The agent may mark its own and library frames `internal` (an extra field).
  return stack.find((f) => f && !(f as { internal?: unknown }).internal && !lib.test(f.path) && !f.path.startsWith('<')) ?? stack[0];
}

const AGENT_FRAME = /[\\/]taskscope_agent[\\/]/;

/**
 * True when the innermost frame is Taskscope's own agent: the debugger's work (e.g. a snapshot of
 * thousands of tasks) held the loop, not the program. Reported quietly, never as the program's fault.
 */
export function blockedByAgent(stack: readonly SourceLocation[] | undefined): boolean {
  return !!stack?.length && !!stack[0] && AGENT_FRAME.test(stack[0].path);
}

export function blockedMessage(body: LoopBlockedEventBody): string {
  const f = blockingFrame(body.stack);
  const where = f ? ` in \`${f.function || '<module>'}()\` at \`${baseName(f.path)}:${f.line}\`` : '';
  return `Event loop blocked for ${formatDuration(body.durationMs)}${where}`;
}

const TITLES: Record<LostErrorKind, string> = {
  'never-awaited': 'Coroutine was never awaited',
  'exception-never-retrieved': 'Task exception was never retrieved',
  'destroyed-pending': 'Task was destroyed but it is pending',
  'pending-at-shutdown': 'Task was still pending at shutdown',
};

export function lostErrorText(body: LostErrorEventBody): string {
  const title = TITLES[body.kind] ?? body.kind;
  const who = `${body.coroutine || '?'}()${body.task ? ` (task ${body.task})` : ''}`;
  // The agent adds the exception (`ValueError: boom`) when there is one: more useful than the title again.
  const extra = (body as { exception?: unknown }).exception;
  const exception = typeof extra === 'string' && extra ? extra : undefined;
  const detail = exception ?? (body.message && body.message !== title ? body.message : undefined);
  return `${title}: ${who}${detail ? `: ${detail}` : ''}`;
}
