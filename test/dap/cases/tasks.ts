// Tasks: entries in the CALL STACK with their await chains (label frames at task boundaries),
// the taskTree request (owners) while paused and while running, the pushed taskTree event,
// loopBlocked during a blocking call, and cancelTask.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { TaskInfo } from '../../../debug-adapter/src/protocol/dap';
import type { Case, Session } from '../harness';

function describeTree(tasks: TaskInfo[]): string[] {
  const name = (id: string | null) => (id === null ? '-' : tasks.find((t) => t.id === id)?.name ?? `#${id}`);
  return tasks
    .filter((t) => t.name !== 'fetch' || t.state !== 'done')
    .map((t) => `  ${t.name} (${t.coroutine}) ${t.state} owner=${name(t.owner)} awaitedBy=[${t.awaitedBy.map(name).join(',')}]`);
}

async function taskTree(s: Session): Promise<TaskInfo[]> {
  const r = await s.dc.customRequest('taskTree', {});
  return (r.body as { tasks: TaskInfo[] }).tasks;
}

export const taskCases: Case[] = [
  {
    name: 'tasks and their await chains in threads/stackTrace; taskTree while paused',
    fixture: 'tasks.py',
    breakpoints: ['fetch_sleep'],
    async script(s) {
      await s.stopped();
      const threads = (await s.dc.threadsRequest()).body.threads;
      for (const t of threads.slice(1)) s.log.push(`  thread ${t.name}`);
      for (const name of ['fetch', 'leaf-0']) {
        const t = threads.find((x) => x.name.startsWith(name + ' '))!;
        const st = await s.dc.stackTraceRequest({ threadId: t.id });
        s.log.push(`  ${name}: ${st.body.stackFrames.map((f: DebugProtocol.StackFrame) => (f.presentationHint === 'label' ? `[${f.name}]` : s.where(f))).join(' < ')}`);
      }
      const leaf = threads.find((x) => x.name.startsWith('leaf-0 '))!;
      const frame = (await s.dc.stackTraceRequest({ threadId: leaf.id })).body.stackFrames[0];
      s.frameId = frame.id;
      await s.vars('n');
      s.log.push(...describeTree(await taskTree(s)));
      await new Promise((r) => setTimeout(r, 600)); // > the 250 ms blocked threshold
      await s.step('continue');
      await s.exited();
      s.log.push(`loopBlocked while paused or after: ${s.has('loopBlocked')}`);
    },
    expect: [
      'stopped breakpoint tasks.py:@fetch_sleep fetch_user',
      '  thread fetch fetch_user · running',
      '  thread Task-1 main · awaiting parent',
      '  thread parent · awaiting fetch',
      '  thread leaf-0 leaf · awaiting sleep 30.0s',
      '  thread leaf-1 leaf · awaiting sleep 30.0s',
      '  fetch: tasks.py:@fetch_sleep fetch_user < [── awaited by parent ──] < tasks.py:22 parent < [── awaited by Task-1 ──] < tasks.py:52 main',
      '  leaf-0: tasks.py:12 leaf',
      '  n = 0',
      '  Task-1 (main) pending owner=- awaitedBy=[]',
      '  parent (parent) pending owner=Task-1 awaitedBy=[Task-1]',
      '  leaf-0 (leaf) pending owner=parent awaitedBy=[]',
      '  leaf-1 (leaf) pending owner=parent awaitedBy=[]',
      '  fetch (fetch_user) running owner=parent awaitedBy=[parent]',
      'exited 0',
      'loopBlocked while paused or after: false',
    ],
  },
  {
    name: 'taskTree while running, and the pushed taskTree event',
    fixture: 'tasks.py',
    async script(s) {
      const ev = await s.next('taskTree', (e) => (e.body.tasks as TaskInfo[]).some((t) => t.name === 'fetch' && t.state === 'pending'));
      s.log.push(`event: ${(ev.body.tasks as TaskInfo[]).map((t) => t.name).join(',')} total=${ev.body.total} truncated=${ev.body.truncated}`);
      s.log.push('request:', ...describeTree(await taskTree(s)));
      await s.exited();
    },
    expect: [
      'event: Task-1,parent,leaf-0,leaf-1,fetch total=5 truncated=false',
      'request:',
      '  Task-1 (main) pending owner=- awaitedBy=[]',
      '  parent (parent) pending owner=Task-1 awaitedBy=[Task-1]',
      '  leaf-0 (leaf) pending owner=parent awaitedBy=[]',
      '  leaf-1 (leaf) pending owner=parent awaitedBy=[]',
      '  fetch (fetch_user) pending owner=parent awaitedBy=[parent]',
      'exited 0',
    ],
  },
  {
    name: 'a capped taskTree says so (total, truncated), event and request; loopLagMs while running',
    fixture: 'tasks.py',
    launch: { maxTasksInTree: 3 },
    async script(s) {
      const ev = await s.next('taskTree', (e) => (e.body.total as number) >= 5);
      const shape = (b: { tasks: TaskInfo[]; total?: number; truncated?: boolean; loopLagMs?: unknown }) =>
        `${b.tasks.map((t) => t.name).join(',')} total=${b.total} truncated=${b.truncated} loopLagMs=${typeof b.loopLagMs}`;
      s.log.push(`event: ${shape(ev.body)}`);
      const r = await s.dc.customRequest('taskTree', {});
      s.log.push(`request: ${shape(r.body)}`);
      await s.exited();
    },
    expect: [
      'event: Task-1,parent,leaf-0 total=5 truncated=true loopLagMs=number',
      'request: Task-1,parent,leaf-0 total=5 truncated=true loopLagMs=number',
      'exited 0',
    ],
  },
  {
    name: 'taskTree pushDone: later pushed trees list finished tasks too',
    fixture: 'tasks.py',
    args: ['done'],
    async script(s) {
      const done = (tasks: TaskInfo[]) => tasks.find((t) => t.name === 'finished')?.state ?? 'absent';
      const r = await s.dc.customRequest('taskTree', { includeDone: true, pushDone: true });
      s.log.push(`reply: includeDone=${r.body.includeDone}`);
      // Live-only events would never list the finished task; pushed trees now do.
      const ev = await s.next('taskTree', (e) => e.body.includeDone === true && done(e.body.tasks) === 'done', 6000);
      s.log.push(`event: finished=${done(ev.body.tasks)}`);
      await s.exited();
    },
    expect: ['reply: includeDone=true', 'event: finished=done', 'exited 0'],
  },
  {
    name: 'loopBlocked while a blocking call runs, and when it recovers',
    fixture: 'tasks.py',
    args: ['block'],
    launch: { loopBlockedThresholdMs: 200 },
    async script(s) {
      const blocked = await s.next('loopBlocked', (e) => !e.body.recovered);
      const at = (blocked.body.stack as { path: string; line: number; function: string }[])[0];
      s.log.push(`blocked: recovered=${blocked.body.recovered} task=${blocked.body.task !== null} at ${s.where({ id: 0, name: at.function, line: at.line, column: 0, source: { path: at.path } })}`);
      const recovered = await s.next('loopBlocked', (e) => e.body.recovered);
      // durationMs counts from the agent's first heartbeat ping the loop did not answer, sent at
      // most a tick (0.25 s) into the 0.8 s block.
      s.log.push(`recovered: ${recovered.body.recovered} after >= 500 ms: ${recovered.body.durationMs >= 500}`);
      await s.exited();
    },
    expect: [
      'blocked: recovered=false task=true at tasks.py:@blocking main',
      'recovered: true after >= 500 ms: true',
      'exited 0',
    ],
  },
  {
    name: 'loopBlocked while C code holds the GIL: the stack from the faulthandler channel, then the recovery',
    fixture: 'tasks.py',
    args: ['cblock'],
    launch: { loopBlockedThresholdMs: 200 },
    async script(s) {
      // No Python thread runs while the re engine holds the GIL: the agent cannot speak, the C
      // watchdog writes the stacks to the adapter's faulthandler channel while it still blocks.
      const blocked = await s.next('loopBlocked', (e) => !e.body.recovered);
      const stack = blocked.body.stack as { path: string; line: number; function: string }[];
      const user = stack.filter((f) => f.path.endsWith('tasks.py')).map((f) => s.where({ id: 0, name: f.function, line: f.line, column: 0, source: { path: f.path } }));
      s.log.push(`blocked: source=${blocked.body.source} task=${blocked.body.task} at ${user.join(' < ')}`);
      const recovered = await s.next('loopBlocked', (e) => e.body.recovered);
      s.log.push(`recovered after the dump: ${recovered.body.recovered}`);
      await s.exited();
    },
    expect: [
      'blocked: source=faulthandler task=null at tasks.py:@backtrack backtrack < tasks.py:@cblock c_block < tasks.py:@entry <module>',
      'recovered after the dump: true',
      'exited 0',
    ],
  },
  {
    name: 'pause while the event loop is idle shows the waiting tasks',
    fixture: 'tasks.py',
    args: ['cancel'],
    async script(s) {
      await s.waitOutput(/victim ready/);
      await new Promise((r) => setTimeout(r, 100));
      await s.dc.pauseRequest({ threadId: 1 });
      const e = await s.next('stopped');
      s.log.push(`stopped ${e.body.reason}: ${e.body.text}`);
      const threads = (await s.dc.threadsRequest()).body.threads;
      for (const t of threads.slice(1)) s.log.push(`  thread ${t.name}`);
      const victim = threads.find((t) => t.name.startsWith('victim'))!;
      const st = await s.dc.stackTraceRequest({ threadId: victim.id });
      s.log.push(`  victim: ${st.body.stackFrames.map((f) => s.where(f)).join(' < ')}`);
      await s.dc.continueRequest({ threadId: e.body.threadId });
      const tree = await taskTree(s);
      await s.dc.customRequest('cancelTask', { id: tree.find((t) => t.name === 'victim')!.id });
      await s.exited();
    },
    expect: [
      'stopped pause: Paused while the event loop was idle',
      '  thread Task-1 main · awaiting victim',
      '  thread victim · awaiting sleep 60.0s',
      '  victim: tasks.py:32 victim < ── awaited by Task-1 ── < tasks.py:48 main',
      'exited 0',
    ],
  },
  {
    name: 'cancelTask cancels the task',
    fixture: 'tasks.py',
    args: ['cancel'],
    async script(s) {
      await s.waitOutput(/victim ready/);
      let victim: TaskInfo | undefined;
      for (let i = 0; i < 100 && !victim; i++) {
        victim = (await taskTree(s)).find((t) => t.name === 'victim' && t.awaiting !== null);
        if (!victim) await new Promise((r) => setTimeout(r, 20));
      }
      try { await s.dc.customRequest('cancelTask', { id: '999999' }); } catch (e) { s.log.push(`unknown id: ${(e as Error).message}`); }
      const r = await s.dc.customRequest('cancelTask', { id: victim!.id });
      s.log.push(`cancelTask: ${JSON.stringify(r.body)}`);
      await s.exited();
      s.log.push(`output: ${/victim cancelled\s+cancelled/.test(s.output)}`);
    },
    expect: [
      'unknown id: No task 999999.',
      'cancelTask: {"cancelled":true}',
      'exited 0',
      'output: true',
    ],
  },
];
