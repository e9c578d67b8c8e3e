// Task-aware stepping: over an `await` stays in the task while another task runs lines; out of a
// coroutine lands in its awaiter; out of a task lands in the task awaiting it; into a call.
import type { Case } from '../harness';

export const steppingCases: Case[] = [
  {
    name: 'step over await stays in the task',
    fixture: 'stepping.py',
    breakpoints: ['fetch_sleep'],
    async script(s) {
      await s.stopped();
      await s.step('next');
      await s.stopped();
      await s.step('next');
      await s.stopped();
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint stepping.py:@fetch_sleep fetch_user',
      'stopped step stepping.py:@fetch_after_sleep fetch_user',
      'stopped step stepping.py:@fetch_return fetch_user',
      'exited 0',
    ],
  },
  {
    name: 'step out of a coroutine lands in its awaiter; step in enters the callee',
    fixture: 'stepping.py',
    breakpoints: ['main_await_fetch'],
    async script(s) {
      await s.stopped();
      await s.step('stepIn');
      await s.stopped();
      await s.step('stepOut');
      await s.stopped();
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint stepping.py:@main_await_fetch main',
      'stopped step stepping.py:@fetch_first fetch_user',
      // Back in the awaiter, the `await` line raises no new line event: the next line is where it lands.
      'stopped step stepping.py:@main_after_fetch main',
      'exited 0',
    ],
  },
  {
    name: 'step out of a task lands in the task awaiting it',
    fixture: 'stepping.py',
    breakpoints: ['worker_return'],
    async script(s) {
      await s.stopped();
      await s.step('stepOut');
      await s.stopped();
      await s.step('next');
      await s.stopped();
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint stepping.py:@worker_return worker',
      'stopped step stepping.py:@boss_after boss',
      // Stepping over the end of task `boss` lands in `main`, the task awaiting it.
      'stopped step stepping.py:38 main',
      'exited 0',
    ],
  },
  {
    name: 'stop on entry, then pause a running program',
    fixture: 'lifecycle.py',
    args: ['forever'],
    launch: { stopOnEntry: true },
    async script(s) {
      await s.stopped();
      await s.step('continue');
      await s.waitOutput(/child=\d+/);
      await s.dc.pauseRequest({ threadId: s.threadId });
      await s.stopped();
      await s.dc.terminateRequest({});
      await s.exited();
    },
    expect: [
      'stopped entry lifecycle.py:1 <module>',
      'stopped pause lifecycle.py:@spin <module>',
      'exited 143',
    ],
  },
];

export const threadCases: Case[] = [
  {
    name: 'breakpoints in a thread and in an executor job',
    fixture: 'threads.py',
    breakpoints: ['thread_line', 'executor_line'],
    async script(s) {
      await s.stopped();
      await s.vars('n');
      const threads = (await s.dc.threadsRequest()).body.threads;
      s.log.push(`  stopped thread: ${threads.find((t) => t.id === s.threadId)?.name}`);
      await s.step('next');
      // Stepping off the end of the thread's function: the thread ends, the next stop is elsewhere.
      await s.stopped();
      await s.vars('label');
      await s.step('continue');
      await s.exited();
    },
    expect: [
      'stopped breakpoint threads.py:@thread_line crunch',
      '  n = 10',
      '  stopped thread: cruncher',
      'stopped breakpoint threads.py:@executor_line job',
      "  label = 'done'",
      'exited 0',
    ],
  },
];
