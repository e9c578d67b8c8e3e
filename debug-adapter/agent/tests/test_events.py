"""Events the agent pushes, from real programs: loop blocked (time.sleep, and a C call holding the
GIL through the faulthandler channel), coroutine never awaited, task exception never retrieved,
task destroyed while pending, tasks pending at shutdown, tasks created/finished, target exit."""
import os
import time
import unittest

from taskscope_agent import protocol

from .agent_harness import Program


def is_event(name, **match):
    return lambda e: e['event'] == name and all(e['body'].get(k) == v for k, v in match.items())


class EventTest(unittest.TestCase):
    maxDiff = None

    def program(self, source, **kw):
        p = Program(source, **kw)
        self.addCleanup(p.close)
        return p

    def event(self, c, name, timeout=15, where=None, **match):
        pred = is_event(name, **match)
        e = c.wait_event(lambda e: pred(e) and (where is None or where(e['body'])), timeout)
        self.assertIsNotNone(e, 'no %s %r event; got %r' % (name, match, c.events))
        self.assertIsNone(protocol.validate_event(e), e)
        return e['body']

    def test_loop_blocked_by_time_sleep(self):
        p = self.program('''
            import asyncio, os, sys, time
            def wait_for_flag(path):
                while not os.path.exists(path):
                    time.sleep(0.01)
            async def blocker():
                print('READY', flush=True)
                wait_for_flag(sys.argv[1])
                print('UNBLOCKED', flush=True)
            asyncio.run(blocker())
        ''', opts=['--blocked-threshold-ms', '200'], args=['flag'])
        p.wait_line('READY')
        c = p.connect()
        # On a loaded machine the OS may stall the loop earlier too: wait for this block.
        in_wait = lambda b: bool(b['stack']) and b['stack'][0]['function'] == 'wait_for_flag'  # noqa: E731
        blocked = self.event(c, 'loop.blocked', recovered=False, where=in_wait)
        self.assertNotIn(b'UNBLOCKED', p.out)  # reported while still blocked
        self.assertGreaterEqual(blocked['durationMs'], 200)
        self.assertEqual([f['function'] for f in blocked['stack'][:3]], ['wait_for_flag', 'blocker', 'Handle._run' if
                                                                        blocked['stack'][2]['function'].startswith('Handle') else blocked['stack'][2]['function']])
        self.assertEqual(blocked['stack'][0]['line'], 5)
        tasks = c.call('tasks.list')
        self.assertEqual((tasks['servedBy'], tasks['tasks'][0]['state'], tasks['tasks'][0]['id']),
                         ('agent', 'running', blocked['task']))
        t0 = time.monotonic()
        open(os.path.join(p.dir, 'flag'), 'w').close()
        recovered = self.event(c, 'loop.blocked', recovered=True, where=lambda b: b['task'] == blocked['task'])
        self.assertEqual((recovered['task'], recovered['loop']), (blocked['task'], blocked['loop']))
        self.assertGreaterEqual(recovered['durationMs'], blocked['durationMs'])
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(p.finish()[0], 0)

    def test_loop_blocked_in_c_code_holding_the_gil(self):
        p = self.program('''
            import asyncio, re
            def backtrack():
                return re.match(r'(a+)+$', 'a' * 25 + 'b')  # the re engine never releases the GIL
            async def main():
                await asyncio.sleep(0.3)
                print('READY', flush=True)
                await asyncio.sleep(0.3)
                backtrack()
                print('DONE', flush=True)
            asyncio.run(main())
        ''', opts=['--blocked-threshold-ms', '200'])
        fh = p.connect(channel='faulthandler')
        c = p.connect()
        p.wait_line('READY')
        text = b''
        deadline = time.monotonic() + 20
        # A dump can arrive in several chunks: read until the frame under backtrack() is in too.
        while b'line 9 in main' not in text and time.monotonic() < deadline:
            fh.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = fh.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            text += chunk
        self.assertIn(b'(most recent call first)', text)
        self.assertIn(b'prog.py", line 4 in backtrack', text)
        self.assertIn(b'prog.py", line 9 in main', text)
        recovered = self.event(c, 'loop.blocked', recovered=True, source='faulthandler', timeout=30)
        self.assertGreaterEqual(recovered['durationMs'], 200)
        self.assertEqual(p.finish()[0], 0)

    def test_faulthandler_armed_at_half_its_timeout_and_disarmed_without_a_loop(self):
        # Each arming starts a C watchdog thread: re-armed every half timeout, not every tick.
        from unittest import mock
        from taskscope_agent import watchdog
        session = mock.Mock(channel='faulthandler', closing=False)
        server = mock.Mock(sessions=[session])
        calls = []
        self.addCleanup(watchdog._fh.update, {'session': None})  # cleanups run last first
        self.addCleanup(watchdog._fh.clear)
        with mock.patch.object(watchdog, '_c_later', lambda t, repeat, file: calls.append(('arm', t))), \
                mock.patch.object(watchdog, '_c_cancel', lambda: calls.append(('cancel',))):
            watchdog._fh.clear()
            watchdog._fh['session'] = None
            for i in range(21):  # 50 ms looks for 1 s, threshold 0.5 s: timeout 1 s
                watchdog._arm_faulthandler(server, 0.5, True, i * 0.05)
            self.assertEqual(calls, [('arm', 1.0), ('arm', 1.0), ('arm', 1.0)])
            watchdog._arm_faulthandler(server, 0.5, False, 1.05)  # no loop runs: disarmed
            watchdog._arm_faulthandler(server, 0.5, False, 1.10)
            self.assertEqual(calls[3:], [('cancel',)])
            # A loop again: armed at once. With a short threshold the timeout still spans two
            # ticks and some (a re-arming at half of it is in time even a tick late).
            watchdog._arm_faulthandler(server, 0.1, True, 1.15)
            self.assertEqual(calls[4:], [('arm', watchdog.FH_TIMEOUT_MIN)])
            self.assertGreater(watchdog.FH_TIMEOUT_MIN, 2 * watchdog.HEARTBEAT)
            watchdog._arm_faulthandler(server, 0.5, True, 1.16)
            self.assertEqual(calls[5:], [('arm', 1.0)])
            calls.pop()
            # The program arms its own (one per interpreter): the agent never arms it again.
            self.addCleanup(watchdog._fh.pop, 'program', None)
            with mock.patch.object(watchdog.faulthandler, 'dump_traceback_later', watchdog.faulthandler.dump_traceback_later):
                watchdog.yield_faulthandler_to_program()
                watchdog.faulthandler.dump_traceback_later(30, repeat=False, file=None)
                for t in (0.7, 1.0, 1.3):
                    watchdog._arm_faulthandler(server, 0.25, t != 1.0, t)
            self.assertEqual(calls[5:], [('arm', 30)])  # the program's own, and no arming or cancel since

    def test_heartbeat_queued_quietly_on_a_busy_loop_and_woken_on_an_idle_one(self):
        # A loop with callbacks ready turns again without sleeping: its heartbeat goes on the ready
        # queue with no self-pipe write (a syscall handing the GIL over, every tick). An idle loop
        # is woken; so is a busy one whose quiet ping did not run within a tick (it went idle
        # meanwhile), which is not judged blocked before that wake had its chance. A loop is
        # judged by its ping's age, the duration counted from the ping; tick() says when to look
        # again.
        import asyncio
        from unittest import mock
        from taskscope_agent import loops, watchdog
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        wakes = []
        loop._write_to_self = lambda: wakes.append(1)
        st = loops.LoopState(loop)
        st.running, st.thread = True, -1
        server = mock.Mock(sessions=[], options={'blockedThresholdMs': 250})
        emitted = []
        tick = watchdog.HEARTBEAT
        with mock.patch.object(watchdog.dispatch, 'emit', lambda event, body: emitted.append((event, body['durationMs']))), \
                mock.patch.object(watchdog.loops, 'all_states', lambda: [st]), \
                mock.patch.object(watchdog.taskevents, 'tick', lambda server, now: None), \
                mock.patch.object(watchdog, '_arm_faulthandler', lambda *args: None):
            look = watchdog.tick(server, 0.0)  # nothing ready: woken
            self.assertEqual((st.hb, len(wakes), len(loop._ready), look), (watchdog.WOKEN, 1, 1, min(tick, 0.25)))
            loop._ready.popleft()._run()  # the loop runs the heartbeat
            self.assertIsNone(st.hb)
            loop.call_soon(lambda: None)  # busy: something is ready
            look = watchdog.tick(server, 1.0)
            self.assertEqual((st.hb, len(wakes), len(loop._ready), look), (watchdog.QUIET, 1, 2, 1.0 + tick))
            look = watchdog.tick(server, 1.0 + tick / 2)  # an early look: the ping has a tick to run
            self.assertEqual((st.hb, len(wakes), emitted, look), (watchdog.QUIET, 1, [], 1.0 + tick))
            look = watchdog.tick(server, 1.0 + tick)  # not run within a tick: woken, not judged yet
            self.assertEqual((st.hb, len(wakes), emitted), (watchdog.WOKEN, 2, []))
            self.assertAlmostEqual(look, 1.0 + max(0.25, tick + watchdog.WAKE_GRACE))
            watchdog.tick(server, look)
            self.assertEqual((st.hb, len(wakes), emitted), (watchdog.WOKEN, 2, [('loop.blocked', int((look - 1.0) * 1000))]))
            self.assertTrue(st.blocked)
            self.assertFalse(st.responsive(look, 0.1))
            del emitted[:]
            # The loop is back: recovered, the duration from the ping. The wake carries a ping
            # of its own, which alone clears it (the quiet one may run before `hb = WOKEN`).
            loop._ready.pop()._run()
            self.assertEqual(([e for e, _ in emitted], st.hb, st.blocked), (['loop.blocked'], None, 0.0))
            while loop._ready:
                loop._ready.popleft()._run()
            self.assertEqual(([e for e, _ in emitted], st.hb, st.blocked), (['loop.blocked'], None, 0.0))
            self.assertGreater(emitted[0][1], 1000)  # monotonic time is far past 1.0 here
            self.assertTrue(st.responsive(look, 0.1))

    def test_heartbeat_races_with_the_agent_thread(self):
        # The loop thread may run the heartbeat while the agent thread is still inside the call
        # that queued it (the self-pipe write hands the GIL over), and the agent thread may tick
        # while the heartbeat emits its `recovered` event (emitting wakes it). Neither may leave a
        # ping counted as on its way (no ping again: a false block, never recovered) nor report
        # the block that just ended a second time.
        import asyncio
        from unittest import mock
        from taskscope_agent import loops, watchdog
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        st = loops.LoopState(loop)
        st.running, st.thread = True, -1
        server = mock.Mock(sessions=[], options={'blockedThresholdMs': 250})
        loop._write_to_self = lambda: loop._ready.popleft()._run()  # run at once, as if woken
        emitted = []

        def emit(event, body):
            emitted.append(body['recovered'])
            watchdog.tick(server, time.monotonic())  # the agent thread ticks meanwhile

        with mock.patch.object(watchdog.dispatch, 'emit', emit), \
                mock.patch.object(watchdog.loops, 'all_states', lambda: [st]), \
                mock.patch.object(watchdog.taskevents, 'tick', lambda server, now: None), \
                mock.patch.object(watchdog, '_arm_faulthandler', lambda *args: None):
            watchdog.tick(server, time.monotonic())  # idle loop: woken, and it beats at once
            self.assertIsNone(st.hb)
            st.ping_at = st.woken_at = time.monotonic() - 1.0  # then blocked for a second, and noticed
            st.hb = watchdog.WOKEN
            watchdog.tick(server, time.monotonic())
            self.assertEqual(emitted, [False])
            loop._write_to_self = lambda: None
            watchdog._beat(st, server, st.gen)  # the loop is back: recovered, reported once
            self.assertEqual((emitted, st.blocked), ([False, True], 0.0))

    def test_coroutine_never_awaited(self):
        source = '''
            import asyncio, gc
            async def fetch():
                pass
            async def main():
                print('READY', flush=True)
                await asyncio.sleep(0.2)
                fetch()
                gc.collect()
                await asyncio.sleep(0.2)
            asyncio.run(main())
        '''
        for opts, created in (([], None), (['--origin-depth', '4'], (8, 'main'))):
            p = self.program(source, opts=opts)
            c = p.connect()
            p.wait_line('READY')
            e = self.event(c, 'lost.error', kind='never-awaited')
            self.assertEqual((e['coroutine'], e['task'], e['message']), ('fetch', None, "coroutine 'fetch' was never awaited"))
            got = e['createdAt'] and (e['createdAt']['line'], e['createdAt']['function'])
            self.assertEqual(got, created)
            code, _, err = p.finish()
            self.assertEqual(code, 0)
            self.assertIn("RuntimeWarning: coroutine 'fetch' was never awaited", err)  # python's own report stays

    def test_exception_never_retrieved_and_destroyed_pending(self):
        p = self.program('''
            import asyncio, gc
            async def boom():
                raise ValueError('lost value')
            async def stuck():
                await asyncio.get_running_loop().create_future()
            async def main():
                print('READY', flush=True)
                await asyncio.sleep(0.2)
                asyncio.create_task(boom(), name='boom')
                await asyncio.sleep(0.01)
                gc.collect()
                asyncio.create_task(stuck(), name='stuck')
                await asyncio.sleep(0.01)
                gc.collect()
                await asyncio.sleep(0.2)
            asyncio.run(main())
        ''')
        c = p.connect()
        p.wait_line('READY')
        e = self.event(c, 'lost.error', kind='exception-never-retrieved')
        self.assertEqual((e['coroutine'], e['exception'], e['createdAt']['line']), ('boom', 'ValueError: lost value', 10))
        self.assertIn("raise ValueError('lost value')", e['traceback'])
        self.assertIsNotNone(e['task'])
        d = self.event(c, 'lost.error', kind='destroyed-pending')
        self.assertEqual((d['coroutine'], d['createdAt']['line'], d['createdAt']['function']), ('stuck', 13, 'main'))
        code, _, err = p.finish()
        self.assertEqual(code, 0)
        # asyncio still reports both itself: the agent retrieved nothing.
        self.assertIn('Task exception was never retrieved', err)
        self.assertIn('Task was destroyed but it is pending!', err)

    def test_pending_at_shutdown(self):
        p = self.program('''
            import asyncio
            async def forever():
                await asyncio.Event().wait()
            async def main():
                global t
                t = asyncio.create_task(forever(), name='leaked')
                print('READY', flush=True)
                await asyncio.sleep(0.2)
            asyncio.run(main())
        ''')
        c = p.connect()
        p.wait_line('READY')
        e = self.event(c, 'lost.error', kind='pending-at-shutdown')
        self.assertEqual((e['coroutine'], e['createdAt']['line']), ('forever', 7))
        self.assertIn('leaked', e['message'])
        self.assertEqual(self.event(c, 'target.exited'), {'exitCode': 0, 'error': None})

    def test_tasks_changed_batched(self):
        p = self.program('''
            import asyncio, sys, os
            async def job(n):
                await asyncio.sleep(n)
            async def main():
                print('READY', flush=True)
                while not os.path.exists(sys.argv[1]):
                    await asyncio.sleep(0.01)
                long = asyncio.create_task(job(30), name='long')
                ts = [asyncio.create_task(job(0.01 * (i % 2)), name='j%d' % i) for i in range(600)]
                await asyncio.gather(*ts)
                await long
            asyncio.run(main())
        ''', args=['flag'])
        c = p.connect()
        p.wait_line('READY')
        opts = c.call('events.configure', {'taskEvents': True, 'taskEventsIntervalMs': 100})['options']
        self.assertEqual((opts['taskEvents'], opts['taskEventsIntervalMs']), (True, 100))
        open(os.path.join(p.dir, 'flag'), 'w').close()
        created, finished, dropped = {}, {}, 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not ('long' in created.values() and len(finished) >= 499):
            e = c.wait_event(is_event('tasks.changed'), deadline - time.monotonic())
            if e is None:
                break
            self.assertIsNone(protocol.validate_event(e))
            created.update((t['id'], t['name']) for t in e['body']['created'])
            finished.update((f['id'], f['state']) for f in e['body']['finished'])
            dropped += e['body']['dropped']
        self.assertEqual((len(created) + dropped, len(finished)), (601, 499))
        self.assertEqual(len(created), 500)  # at most 500 a batch; the rest counted
        self.assertTrue(set(finished) <= set(created))
        self.assertEqual(set(finished.values()), {'done'})
        self.assertNotIn(next(i for i, n in created.items() if n == 'long'), finished)

    def test_uncaught_exception_exit_event(self):
        p = self.program('''
            print('READY', flush=True)
            import sys
            sys.stdin.read() if False else None
            raise RuntimeError('bad end')
        ''', wait=True)
        c = p.connect()
        c.call('run')
        self.assertEqual(self.event(c, 'target.exited'), {'exitCode': 1, 'error': 'RuntimeError: bad end'})
        code, _, err = p.finish()
        self.assertEqual(code, 1)
        self.assertIn('RuntimeError: bad end', err)


if __name__ == '__main__':
    unittest.main()
