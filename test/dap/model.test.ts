/**
 * Unit tests of the debug adapter's model (debug-adapter/src/model): canned agent snapshots in,
 * plain data out. No process, no socket. Data-driven through check().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loopThread, parseDump } from '../../debug-adapter/src/inspector/faulthandler';
import { frameToDap } from '../../debug-adapter/src/model/frames';
import { PauseWindow } from '../../debug-adapter/src/model/pauses';
import { TASK_THREAD_BASE, TaskThreadIds } from '../../debug-adapter/src/model/taskThreads';
import { TaskTree, taskThreadName } from '../../debug-adapter/src/model/taskTree';
import type { AgentTaskInfo, DebugFrame } from '../../debug-adapter/src/protocol/inspector';

function task(id: string, extra: Partial<AgentTaskInfo> = {}): AgentTaskInfo {
  return {
    id, name: `Task-${id}`, coroutine: 'work', state: 'pending', owner: null, awaitedBy: [], awaiting: null,
    location: null, createdAt: null, loop: 'L1', eager: false, ...extra,
  };
}

interface Case { name: string; run(): unknown; expect: unknown }

const cases: Case[] = [
  {
    name: 'toDap keeps the public fields and the extras, in id order',
    run: () => TaskTree.fromSnapshot([task('10', { owner: '2' }), task('2', { awaitedBy: ['10'] })]).toDap().map((t) => [t.id, t.owner, t.awaitedBy, t.loop]),
    expect: [['2', null, ['10'], 'L1'], ['10', '2', [], 'L1']],
  },
  {
    name: 'CALL STACK entries: live tasks only, the running one first, capped',
    run: () => TaskTree.fromSnapshot([
      task('1'), task('2', { state: 'done' }), task('3', { state: 'running' }), task('4'), task('5'),
    ]).forCallStack(3).map((t) => t.id),
    expect: ['3', '1', '4'],
  },
  {
    name: 'task entry names',
    run: () => [
      taskThreadName(task('7', { name: 'Task-7', coroutine: 'fetch_user', awaiting: 'sleep 2.0s' })),
      taskThreadName(task('8', { name: 'worker', coroutine: 'worker', state: 'running' })),
      taskThreadName(task('9', { name: 'Task-9', coroutine: 'main' })),
    ],
    expect: ['Task-7 fetch_user · awaiting sleep 2.0s', 'worker · running', 'Task-9 main · pending'],
  },
  {
    name: 'await cycles are data',
    run: () => TaskTree.fromSnapshot([
      // 1 awaits 2, 2 awaits 3, 3 awaits 1 (a deadlock); 4 awaits 5 (no cycle).
      task('1', { awaitedBy: ['3'] }), task('2', { awaitedBy: ['1'] }), task('3', { awaitedBy: ['2'] }),
      task('5', { awaitedBy: ['4'] }), task('4'),
    ]).awaitCycles(),
    expect: [['1', '2', '3']],
  },
  {
    name: 'frames: user frame, label at a task boundary, library frame, <string>',
    run: () => ([
      { id: 1, name: 'fetch', path: '/p/app.py', line: 3, user: true },
      { id: 0, name: 'awaited by main', label: true, task: '1' },
      { id: 2, name: 'run', path: '/usr/lib/asyncio/runners.py', line: 44, user: false },
      { id: 3, name: '<module>', path: '<string>', line: 1, user: true },
    ] as DebugFrame[]).map((f, i) => frameToDap(f, 100 + i)),
    expect: [
      { id: 100, name: 'fetch', line: 3, column: 1, source: { name: 'app.py', path: '/p/app.py' } },
      { id: 101, name: '── awaited by main ──', line: 0, column: 0, presentationHint: 'label' },
      { id: 102, name: 'run', line: 44, column: 1, source: { name: 'runners.py', path: '/usr/lib/asyncio/runners.py' }, presentationHint: 'subtle' },
      { id: 103, name: '<module>', line: 1, column: 1, source: { name: '<string>', presentationHint: 'deemphasize' } },
    ],
  },
  {
    name: 'loop.blocked reports that are only a pause',
    run: () => {
      const w = new PauseWindow();
      const before = w.isPauseArtifact(500, 1000); // never paused: a real block
      w.paused(2000);
      const during = w.isPauseArtifact(300, 2400);
      w.resumed(3000);
      return [before, during, w.isPauseArtifact(1200, 3050), w.isPauseArtifact(300, 3600), w.isPaused];
    },
    expect: [false, true, true, false, false],
  },
  {
    name: 'task thread ids are stable and apart from OS thread ids',
    run: () => {
      const ids = new TaskThreadIds();
      return [ids.idFor('7') - TASK_THREAD_BASE, ids.idFor('9') - TASK_THREAD_BASE, ids.idFor('7') - TASK_THREAD_BASE, ids.taskOf(TASK_THREAD_BASE + 2), ids.taskOf(1234)];
    },
    expect: [1, 2, 1, '9', undefined],
  },
  {
    name: 'a faulthandler dump: threads and frames innermost first, the loop thread found by _run_once',
    run: () => {
      const dump = [
        'Thread 0x00007f0000000700 (most recent call first):',
        '  File "/usr/lib/python3.12/selectors.py", line 468 in select',
        '  File "/app/agent.py", line 5 in serve',
        '',
        'Current thread 0x00007f0000001000 (most recent call first):',
        '  File "/usr/lib/python3.12/re/__init__.py", line 167 in match',
        '  File "/app/main.py", line 4 in backtrack',
        '  File "/app/main.py", line 9 in main',
        '  File "/usr/lib/python3.12/asyncio/events.py", line 84 in _run',
        '  File "/usr/lib/python3.12/asyncio/base_events.py", line 1936 in _run_once',
        '  File "/usr/lib/python3.12/asyncio/base_events.py", line 608 in run_forever',
        '',
      ].join('\n');
      const threads = parseDump(dump);
      const loop = loopThread(threads);
      return [threads.map((t) => [t.thread, t.current, t.frames.length]), loop?.thread, loop?.frames.slice(0, 2),
        loopThread(parseDump(dump.split('\n').slice(0, 4).join('\n'))), parseDump('garbage\n  File "x", line 1 in f\n')];
    },
    expect: [
      [[String(0x7f0000000700), false, 2], [String(0x7f0000001000), true, 6]],
      String(0x7f0000001000),
      [{ path: '/usr/lib/python3.12/re/__init__.py', line: 167, function: 'match' }, { path: '/app/main.py', line: 4, function: 'backtrack' }],
      undefined,
      [],
    ],
  },
];

function check(c: Case): void {
  assert.deepEqual(c.run(), c.expect, c.name);
}

for (const c of cases) test(`model: ${c.name}`, () => check(c));
