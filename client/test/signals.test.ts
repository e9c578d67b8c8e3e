// Unit tests of the runtime signals' words (client/src/signals/format.ts): the frame a blocked
// loop points at, the notification text, and lost-error lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockedByAgent, blockedMessage, blockingFrame, lostErrorText } from '../src/signals/format';

const lib = { path: '/usr/lib/python3.12/asyncio/events.py', line: 88, function: 'Handle._run' };
const agent = { path: '/ext/dist/agent/taskscope_agent/hooks.py', line: 10, function: 'wrap' };
const user = { path: '/w/app.py', line: 42, function: 'handler' };

test('the blocking frame is the innermost user frame', () => {
  assert.deepEqual(blockingFrame([lib, user, { path: '/w/app.py', line: 90, function: 'main' }]), user);
  assert.deepEqual(blockingFrame([agent, user]), user);
  const internal = { ...user, internal: true } as typeof user;
  assert.equal(blockingFrame([internal, lib]), internal, 'no user frame: the innermost');
  assert.equal(blockingFrame([]), undefined);
});

test('blocked-loop message names the function and the line', () => {
  assert.equal(blockedMessage({ durationMs: 1234, recovered: false, task: 'Task-3', stack: [user] }),
    'Event loop blocked for 1.2 s in `handler()` at `app.py:42`');
  assert.equal(blockedMessage({ durationMs: 300, recovered: false, task: null, stack: [] }), 'Event loop blocked for 300 ms');
});

test('lost-error lines', () => {
  assert.equal(lostErrorText({ kind: 'never-awaited', task: null, coroutine: 'fetch', message: '', createdAt: null }),
    'Coroutine was never awaited: fetch()');
  assert.equal(lostErrorText({ kind: 'never-awaited', task: null, coroutine: 'fetch', message: "coroutine 'fetch' was never awaited", createdAt: null }),
    "Coroutine was never awaited: fetch(): coroutine 'fetch' was never awaited");
  assert.equal(lostErrorText({ kind: 'exception-never-retrieved', task: '7', coroutine: 'poll', message: 'Task exception was never retrieved', createdAt: null, exception: 'ValueError: boom' } as Parameters<typeof lostErrorText>[0]),
    'Task exception was never retrieved: poll() (task 7): ValueError: boom');
});

test('a block inside the agent itself is told apart', () => {
  assert.equal(blockedByAgent([agent, user]), true);
  assert.equal(blockedByAgent([user, agent]), false);
  assert.equal(blockedByAgent([]), false);
});
