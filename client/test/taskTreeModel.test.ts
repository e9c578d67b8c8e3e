// Unit tests of the Async Tasks view model (client/src/taskTree/model.ts): groupings, orphans,
// await cycles, filters, big sibling sets, and the cost and scope of incremental updates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskInfo } from '../../debug-adapter/src/protocol/dap';
import { formatDuration, TaskTreeModel, type TreeNode } from '../src/taskTree/model';

function task(id: string, over: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id, name: id, coroutine: over.coroutine ?? 'work', state: 'pending', owner: null, awaitedBy: [],
    awaiting: null, location: { path: '/w/app.py', line: 10, function: 'work' }, createdAt: null, ...over,
  };
}

/** Renders the visible tree as indented lines: task names, group labels in brackets. */
function render(m: TaskTreeModel, now = 0, node: TreeNode | null = null, depth = 0, out: string[] = []): string[] {
  for (const n of m.children(node, now)) {
    out.push('  '.repeat(depth) + (n.kind === 'task' ? n.id + (n.cycle ? ' (cycle)' : '') : `[${n.label}]`));
    if (n.kind === 'group' || m.hasChildren(n)) render(m, now, n, depth + 1, out);
  }
  return out;
}

const program = (): TaskInfo[] => [
  task('main', { coroutine: 'main' }),
  task('server', { owner: 'main', coroutine: 'serve', awaitedBy: ['main'] }),
  task('h1', { owner: 'server', coroutine: 'handle' }),
  task('h2', { owner: 'server', coroutine: 'handle' }),
  task('refresh', { owner: 'main', coroutine: 'refresh_cache' }),
  task('fa', { owner: 'refresh', coroutine: 'fetch', awaitedBy: ['refresh'] }),
  task('fb', { owner: 'refresh', coroutine: 'fetch', awaitedBy: ['refresh'] }),
];

test('by owner: each task under the task that created it, in creation order', () => {
  const m = new TaskTreeModel();
  m.apply(program(), 0);
  assert.deepEqual(render(m), ['main', '  server', '    h1', '    h2', '  refresh', '    fa', '    fb']);
});

test('by owner: tasks whose owner finished or vanished go under the orphans group', () => {
  const m = new TaskTreeModel();
  m.apply(program(), 0);
  const next = program().filter((t) => t.id !== 'server').map((t) => (t.id === 'refresh' ? { ...t, state: 'done' as const } : t));
  m.apply(next, 1);
  assert.deepEqual(render(m), ['main', '[Orphans (owner finished)]', '  h1', '  h2', '  fa', '  fb']);
  m.setFilter({ hideDone: false });
  assert.deepEqual(render(m), ['main', '  refresh', '[Orphans (owner finished)]', '  h1', '  h2', '  fa', '  fb']);
});

test('by awaiter: awaited tasks under their awaiters, unawaited tasks at the root', () => {
  const m = new TaskTreeModel();
  m.setGrouping('awaiter');
  m.apply(program(), 0);
  assert.deepEqual(render(m), ['main', '  server', 'h1', 'h2', 'refresh', '  fa', '  fb']);
});

test('by awaiter: a task awaited by two tasks shows under both; cycles are reported, not followed', () => {
  const m = new TaskTreeModel();
  m.setGrouping('awaiter');
  m.apply([
    task('a'), task('b'), task('shared', { awaitedBy: ['a', 'b'] }),
    task('x', { awaitedBy: ['y'] }), task('y', { awaitedBy: ['x'] }),
  ], 0);
  assert.deepEqual(render(m), ['a', '  shared', 'b', '  shared', '[Await cycles]', '  x', '    y', '      x (cycle)', '  y', '    x', '      y (cycle)']);
});

test('hide done and the waiting filter', () => {
  const m = new TaskTreeModel();
  m.apply([task('a'), task('b', { state: 'done' }), task('c', { state: 'running' })], 0);
  assert.deepEqual(render(m), ['a', 'c']);
  m.setFilter({ hideDone: false });
  assert.deepEqual(render(m), ['a', 'b', 'c']);
  // 'a' keeps waiting at the same place; 'd' appears later; only pending tasks count as waiting.
  m.apply([task('a'), task('b', { state: 'done' }), task('c', { state: 'running' }), task('d')], 4000);
  m.setFilter({ minWaitSeconds: 3 });
  assert.deepEqual(render(m, 5000), ['a']);
  assert.equal(m.waitingMs('a', 5000), 5000);
  // A task that moved to another suspension point starts waiting anew.
  m.apply([task('a', { location: { path: '/w/app.py', line: 11, function: 'work' } }), task('d')], 5000);
  assert.deepEqual(render(m, 6500), []);
  assert.deepEqual(render(m, 9000), ['d', 'a'], 'longest wait first');
});

test('blocked task: shown state, cleared when the loop runs again', () => {
  const m = new TaskTreeModel();
  m.apply(program(), 0);
  render(m);
  const r = m.setBlocked('h1');
  assert.equal(m.rowState('h1'), 'blocked');
  assert.ok(!r.all && r.nodes.length === 1 && r.nodes[0]?.kind === 'task' && r.nodes[0].id === 'h1');
  m.setBlocked(null);
  assert.equal(m.rowState('h1'), 'pending');
});

test('big sibling sets are grouped by coroutine, then cut into ranges', () => {
  const m = new TaskTreeModel({ groupThreshold: 5, chunkSize: 4 });
  const tasks = [task('srv', { coroutine: 'serve' }), task('tick', { owner: 'srv', coroutine: 'tick' })];
  for (let i = 0; i < 10; i++) tasks.push(task(`h${i}`, { owner: 'srv', coroutine: 'handle' }));
  m.apply(tasks, 0);
  assert.deepEqual(render(m), [
    'srv', '  tick', '  [handle]',
    '    [handle 1–4 of 10]', '      h0', '      h1', '      h2', '      h3',
    '    [handle 5–8 of 10]', '      h4', '      h5', '      h6', '      h7',
    '    [handle 9–10 of 10]', '      h8', '      h9',
  ]);
});

test('node objects keep their identity across calls (VS Code refreshes elements by object)', () => {
  const m = new TaskTreeModel();
  m.apply(program(), 0);
  const a = m.children(null, 0)[0];
  const b = m.children(null, 0)[0];
  assert.equal(a, b);
  m.apply([...program(), task('late')], 1);
  assert.equal(m.children(null, 1)[0], a);
});

test('incremental: a changed row refreshes that row only; a new child refreshes its parent only', () => {
  const m = new TaskTreeModel();
  m.apply(program(), 0);
  render(m);
  const changed = program().map((t) => (t.id === 'h1' ? { ...t, awaiting: 'sleep 1.0s' } : t));
  const r1 = m.apply(changed, 1);
  assert.ok(!r1.all);
  assert.deepEqual(r1.nodes.map((n) => n && n.key), ['o:h1']);
  const r2 = m.apply([...changed, task('h3', { owner: 'server', coroutine: 'handle' })], 2);
  assert.ok(!r2.all);
  assert.deepEqual(r2.nodes.map((n) => n && n.key), ['o:server']);
  const r3 = m.apply([...changed, task('h3', { owner: 'server', coroutine: 'handle' })], 3);
  assert.ok(!r3.all && r3.nodes.length === 0, 'an unchanged snapshot refreshes nothing');
});

test('10k tasks: incremental updates touch only what changed and stay fast', () => {
  const m = new TaskTreeModel();
  const N = 10_000;
  const tasks: TaskInfo[] = [task('main', { coroutine: 'main' })];
  for (let i = 0; i < N; i++) tasks.push(task(`h${i}`, { owner: 'main', coroutine: i % 10 ? 'handle' : 'tick' }));
  let t = performance.now();
  m.apply(tasks, 0);
  const first = performance.now() - t;
  // The view shows main -> two coroutine groups -> ranges of 500: a few rows, not 10k.
  const top = m.children(null, 0);
  const groups = m.children(top[0], 0);
  assert.deepEqual(groups.map((g) => g.kind === 'group' && `${g.label} ${g.ids.length}`), ['tick 1000', 'handle 9000']);
  const ranges = m.children(groups[1], 0);
  assert.equal(ranges.length, 18);
  assert.equal(ranges[0].kind === 'group' && ranges[0].label, 'handle 1–500 of 9,000');
  const shown = m.children(ranges[0], 0);
  assert.equal(shown.length, 500);

  // 20 events, each changing 10 rows: every refresh lists exactly the changed visible rows.
  let worst = 0;
  for (let e = 1; e <= 20; e++) {
    for (let k = 0; k < 10; k++) {
      const i = ((e * 37 + k * 101) % 450) + 1; // a handler in the first, expanded range
      const idx = tasks.findIndex((x) => x.id === `h${i}`);
      tasks[idx] = { ...tasks[idx], awaiting: `sleep ${e}` };
    }
    t = performance.now();
    const r = m.apply(tasks, e);
    worst = Math.max(worst, performance.now() - t);
    assert.ok(!r.all);
    assert.ok(r.nodes.every((n) => n && n.kind === 'task'), 'only task rows refresh');
    assert.ok(r.nodes.length > 0 && r.nodes.length <= 10);
  }
  // Generous bounds (a loaded 2-core machine): a full pass is a few ms here.
  assert.ok(first < 1500, `first snapshot took ${first.toFixed(1)} ms`);
  assert.ok(worst < 250, `worst incremental update took ${worst.toFixed(1)} ms`);
  assert.equal(m.counts().live, N + 1);
});

test('copy stack: frames, awaiting chain and creation site', () => {
  const m = new TaskTreeModel();
  m.apply([
    task('main', { coroutine: 'main', location: { path: '/w/app.py', line: 30, function: 'main' } }),
    task('f', { owner: 'main', coroutine: 'fetch', awaitedBy: ['main'], awaiting: 'sleep 2.0s',
      location: { path: '/w/app.py', line: 12, function: 'fetch' }, createdAt: { path: '/w/app.py', line: 29, function: 'main' } }),
  ], 0);
  assert.equal(m.stackText('f'), [
    'f (fetch) pending, awaiting sleep 2.0s',
    '  at fetch (app.py:12)',
    '  awaited by main (main) at main (app.py:30)',
    '  created at main (app.py:29)',
  ].join('\n'));
});

test('durations', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(1234), '1.2 s');
  assert.equal(formatDuration(42_000), '42 s');
  assert.equal(formatDuration(180_000), '3 min');
});

test('one coroutine only: straight to ranges named after it', () => {
  const m = new TaskTreeModel({ groupThreshold: 5, chunkSize: 4 });
  const tasks = [task('srv', { coroutine: 'serve' })];
  for (let i = 0; i < 6; i++) tasks.push(task(`w${i}`, { owner: 'srv', coroutine: 'worker' }));
  m.apply(tasks, 0);
  assert.deepEqual(render(m), ['srv', '  [worker 1–4 of 6]', '    w0', '    w1', '    w2', '    w3', '  [worker 5–6 of 6]', '    w4', '    w5']);
});
