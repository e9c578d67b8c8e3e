// Unit tests of the runtime signals' words (client/src/signals/format.ts): the frame a blocked
// loop points at, the notification text, and lost-error lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockedMessage, blockingFrame, lostErrorText } from '../src/signals/format';

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
  assert.equal(lostErrorText({ kind: 'exception-never-retrieved', task: 'Task-7', coroutine: 'poll', message: 'ValueError: boom', createdAt: null }),
    'Task exception was never retrieved: Task-7 (poll): ValueError: boom');
});
