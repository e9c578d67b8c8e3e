// Exception breakpoints: raised (even when caught), uncaught (post-mortem, then the process ends
// with the traceback and code 1), and the two asyncio ones, which stop where the agent reports them.
import { lineOf, type Case } from '../harness';

export const exceptionCases: Case[] = [
  {
    name: 'raised exception stops at the raise, even when caught',
    fixture: 'exceptions.py',
    args: ['caught'],
    exceptions: ['raised'],
    async script(s) {
      await s.stopped();
      const info = await s.dc.exceptionInfoRequest({ threadId: s.threadId });
      s.log.push(`  exceptionInfo ${info.body.exceptionId}: ${info.body.description}`);
      await s.step('continue');
      await s.exited();
    },
    expect: [
      "stopped exception exceptions.py:@raise_site parse (ValueError: invalid literal for int() with base 10: 'nope')",
      "  exceptionInfo ValueError: ValueError: invalid literal for int() with base 10: 'nope'",
      'exited 0',
    ],
  },
  {
    name: 'uncaught exception stops post-mortem where it was raised',
    fixture: 'exceptions.py',
    args: ['uncaught'],
    exceptions: ['uncaught'],
    async script(s) {
      const top = await s.stopped();
      const st = await s.dc.stackTraceRequest({ threadId: s.threadId });
      s.log.push(`  stack: ${st.body.stackFrames.map((f) => s.where(f)).join(' < ')}`);
      await s.vars('text');
      void top;
      await s.step('continue');
      await s.exited();
      s.log.push(`  traceback on stderr: ${/ValueError: invalid literal/.test(s.output)}`);
    },
    expect: [
      "stopped exception exceptions.py:@raise_site parse (ValueError: invalid literal for int() with base 10: 'boom')",
      '  stack: exceptions.py:@raise_site parse < exceptions.py:32 main < exceptions.py:47 <module>',
      "  text = 'boom'",
      'exited 1',
      '  traceback on stderr: true',
    ],
  },
  {
    name: 'task exception never retrieved',
    fixture: 'exceptions.py',
    args: ['never-retrieved'],
    exceptions: ['exception-never-retrieved'],
    async script(s) {
      const e = await s.next('stopped');
      s.threadId = e.body.threadId;
      const info = await s.dc.exceptionInfoRequest({ threadId: s.threadId });
      const created = lineOf(s.program, 'task_created');
      s.log.push(`stopped ${e.body.reason}: ${info.body.exceptionId}`);
      s.log.push(`  creation site in the exception info: ${(info.body.description ?? '').includes(`exceptions.py:${created}`)}`);
      s.log.push(`  the exception itself: ${/RuntimeError/.test(JSON.stringify(info.body))}`);
      const lost = await s.next('lostError');
      s.log.push(`  lostError event: ${lost.body.kind}`);
      await s.dc.continueRequest({ threadId: s.threadId });
      await s.exited();
    },
    expect: [
      'stopped exception: exception-never-retrieved',
      '  creation site in the exception info: true',
      '  the exception itself: true',
      '  lostError event: exception-never-retrieved',
      'exited 0',
    ],
  },
  {
    name: 'coroutine never awaited',
    fixture: 'exceptions.py',
    args: ['never-awaited'],
    exceptions: ['never-awaited'],
    async script(s) {
      const e = await s.next('stopped');
      s.threadId = e.body.threadId;
      const info = await s.dc.exceptionInfoRequest({ threadId: s.threadId });
      s.log.push(`stopped: ${info.body.exceptionId} ${/forgotten/.test(info.body.description ?? '')}`);
      s.log.push(`  creation site in the exception info: ${(info.body.description ?? '').includes(`exceptions.py:${lineOf(s.program, 'not_awaited')}`)}`);
      await s.dc.continueRequest({ threadId: s.threadId });
      await s.exited();
    },
    expect: ['stopped: never-awaited true', '  creation site in the exception info: true', 'exited 0'],
  },
];
