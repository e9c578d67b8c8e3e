"""Scenario tests of the debugger engine without a socket: a real program runs on a thread,
the test thread drives the `Debugger` (as the agent thread would) and checks where it stops and
what it sees. Programs are data (`# @marker` lines); every case goes through `check()`."""

import os
import queue
import runpy
import sys
import tempfile
import textwrap
import threading
import time
import unittest

from taskscope_agent import debugger

PROGRAM = textwrap.dedent('''\
    import asyncio

    async def child(n):
        total = n * 2  # @child_first
        await asyncio.sleep(0.01)
        total += 1  # @child_after_sleep
        return total  # @child_return

    async def other():
        for i in range(20):
            await asyncio.sleep(0.001)
            x = i  # @other_line

    async def main():
        t = asyncio.create_task(other())
        items = list(range(250))
        info = {"name": "ada", "n": 3}
        v = await child(20)  # @await_child
        w = v + 1  # @after_child
        await t
        return w

    def count(limit):
        acc = 0
        for k in range(limit):
            acc += k  # @loop_body
        return acc

    def boom():
        raise ValueError("bad value")  # @raise

    def guarded():
        try:
            boom()
        except ValueError:
            pass

    result = asyncio.run(main())
    print(count(10))
    if MODE == "raise":
        guarded()
''')

TASKS = textwrap.dedent('''\
    import asyncio

    async def worker():
        await asyncio.sleep(0.01)
        return 5  # @worker_return

    async def boss():
        t = asyncio.create_task(worker())
        r = await t  # @boss_await
        return r + 1  # @boss_after

    async def noise():
        for i in range(50):
            await asyncio.sleep(0.001)

    async def main():
        n = asyncio.create_task(noise())
        r = await boss()
        await n
        return r

    asyncio.run(main())
''')


class Run:
    """One program under the debugger, on its own thread."""

    def __init__(self, test, source, mode='plain'):
        fd, self.path = tempfile.mkstemp(suffix='.py')
        with os.fdopen(fd, 'w') as f:
            f.write(source)
        test.addCleanup(os.unlink, self.path)
        self.lines = source.splitlines()
        self.events = queue.Queue()
        self.dbg = debugger.Debugger(lambda event, body, session=None: self.events.put((event, body)))
        test.addCleanup(self.dbg.engine.shutdown)
        # The test thread plays the agent's thread: it must never be paused itself.
        self.dbg.agent_threads.add(threading.get_ident())
        self.output = []
        self.error = None
        self.thread = threading.Thread(target=self._main, args=(mode,), name='program', daemon=True)

    def _main(self, mode):
        try:
            runpy.run_path(self.path, init_globals={'MODE': mode}, run_name='__main__')
        except BaseException as e:  # noqa: BLE001 - reported by finish()
            self.error = e

    def line(self, marker):
        return next(i + 1 for i, text in enumerate(self.lines) if text.rstrip().endswith('# @' + marker))

    def breakpoints(self, *specs):
        out = []
        for spec in specs:
            spec = dict(spec) if isinstance(spec, dict) else {'marker': spec}
            spec['line'] = self.line(spec.pop('marker'))
            out.append(spec)
        result = self.dbg.breakpoints.set_file(self.path, out)
        self.dbg.engine.update()
        return result

    def start(self):
        self.thread.start()
        return self

    def stopped(self, timeout=10):
        while True:
            event, body = self.events.get(timeout=timeout)
            if event == 'debug.stopped':
                return body
            self.output.append(body)

    def where(self):
        frame = self.dbg.paused[self.thread.ident].frame
        return frame.f_code.co_name, frame.f_lineno

    def locals(self):
        frame = self.dbg.paused[self.thread.ident].frame
        ref = self.dbg.vars.scopes(frame)[0]['ref']
        return {v['name']: v for v in self.dbg.vars.children(ref)}

    def resume(self, step=None):
        self.dbg.resume(self.thread.ident if step else None, step)

    def finish(self, test):
        self.dbg.breakpoints.files.clear()
        self.dbg.breakpoints.set_file(self.path, [])
        self.dbg.exception_filters = set()
        self.dbg.engine.update()
        self.resume()
        self.thread.join(10)
        test.assertFalse(self.thread.is_alive(), 'program did not finish')
        test.assertIsNone(self.error)


class DebuggerTest(unittest.TestCase):
    def check(self, run, expected_marker, reason='breakpoint', function=None):
        body = run.stopped()
        self.assertEqual(body['reason'], reason, body)
        fn, line = run.where()
        self.assertEqual(line, run.line(expected_marker), f'stopped in {fn} at {line}, wanted @{expected_marker}')
        if function:
            self.assertEqual(fn, function)
        return body

    def test_breakpoint_variables(self):
        run = Run(self, PROGRAM)
        run.breakpoints('await_child')
        run.start()
        body = self.check(run, 'await_child', function='main')
        self.assertEqual(len(body['hitBreakpointIds']), 1)
        local = run.locals()
        self.assertEqual(local['info']['value'], "{'name': 'ada', 'n': 3}")
        items = local['items']
        self.assertEqual(items['indexedVariables'], 250)
        page = run.dbg.vars.children(items['ref'], 200, 3)
        self.assertEqual([(v['name'], v['value']) for v in page], [('[200]', '200'), ('[201]', '201'), ('[202]', '202')])
        self.assertEqual(page[0]['evaluateName'], 'items[200]')
        run.finish(self)

    def test_condition_and_hit_count(self):
        run = Run(self, PROGRAM)
        run.breakpoints({'marker': 'loop_body', 'condition': 'k % 2 == 1', 'hitCondition': '>= 2'})
        run.start()
        self.check(run, 'loop_body')
        self.assertEqual(run.locals()['k']['value'], '3')  # odd k: 1 (hit 1, skipped), 3 (hit 2)
        run.resume()
        self.check(run, 'loop_body')
        self.assertEqual(run.locals()['k']['value'], '5')
        run.finish(self)

    def test_logpoint_does_not_stop(self):
        run = Run(self, PROGRAM)
        run.breakpoints({'marker': 'loop_body', 'logMessage': 'k={k} acc={acc}'}, 'after_child')
        run.start()
        self.check(run, 'after_child')
        run.resume()
        run.thread.join(10)
        while not run.events.empty():
            run.output.append(run.events.get()[1])
        logs = [b['output'] for b in run.output if b.get('category') == 'console']
        self.assertEqual(logs[:3], ['k=0 acc=0\n', 'k=1 acc=0\n', 'k=2 acc=1\n'])
        self.assertEqual(len(logs), 10)
        run.finish(self)

    def test_step_over_await_stays_in_task(self):
        run = Run(self, PROGRAM)
        run.breakpoints('child_first')
        run.start()
        self.check(run, 'child_first', function='child')
        run.resume('over')
        body = run.stopped()
        self.assertEqual(body['reason'], 'step')
        # The sleep line: `other` runs many lines meanwhile; the step must not land there.
        self.assertEqual(run.where(), ('child', run.line('child_first') + 1))
        run.resume('over')
        self.check(run, 'child_after_sleep', reason='step', function='child')
        run.finish(self)

    def test_step_out_to_awaiting_coroutine(self):
        run = Run(self, PROGRAM)
        run.breakpoints('child_after_sleep')
        run.start()
        self.check(run, 'child_after_sleep')
        run.resume('out')
        body = run.stopped()
        self.assertEqual(body['reason'], 'step')
        self.assertEqual(run.where()[0], 'main')
        self.assertIn(run.where()[1], (run.line('await_child'), run.line('after_child')))
        run.finish(self)

    def test_step_out_of_task_lands_in_awaiting_task(self):
        run = Run(self, TASKS)
        run.breakpoints('worker_return')
        run.start()
        self.check(run, 'worker_return', function='worker')
        run.resume('out')
        body = run.stopped()
        self.assertEqual(body['reason'], 'step')
        self.assertEqual(run.where()[0], 'boss')  # not noise(), which runs meanwhile
        run.finish(self)

    def test_step_in_enters_callee(self):
        run = Run(self, PROGRAM)
        run.breakpoints('await_child')
        run.start()
        self.check(run, 'await_child')
        run.resume('in')
        self.check(run, 'child_first', reason='step', function='child')
        run.finish(self)

    def test_raised_exception(self):
        run = Run(self, PROGRAM, mode='raise')
        run.dbg.exception_filters = {'raised'}
        run.dbg.engine.update()
        run.start()
        body = self.check(run, 'raise', reason='exception', function='boom')
        self.assertEqual(body['description'], 'ValueError: bad value')
        info = run.dbg.paused[run.thread.ident].exception
        self.assertEqual(info['exceptionId'], 'ValueError')
        run.finish(self)

    def test_evaluate_and_set_variable(self):
        run = Run(self, PROGRAM)
        run.breakpoints('after_child')
        run.start()
        self.check(run, 'after_child')
        frame = run.dbg.paused[run.thread.ident].frame
        ident = run.thread.ident
        self.assertEqual(run.dbg.run_on(ident, lambda: debugger.evaluate('v * 2', frame)), 82)
        # `await` runs on the paused program's own loop.
        got = run.dbg.run_on(ident, lambda: debugger.evaluate('await asyncio.sleep(0.01, result=v)', frame))
        self.assertEqual(got, 41)
        ref = run.dbg.vars.scopes(frame)[0]['ref']
        run.dbg.run_on(ident, lambda: run.dbg.vars.set_value(ref, 'v', '100', debugger.evaluate))
        run.dbg.breakpoints.set_file(run.path, [])
        run.resume('over')
        run.stopped()
        self.assertEqual(run.locals()['w']['value'], '101')
        run.finish(self)

    def test_await_without_loop_says_why(self):
        run = Run(self, PROGRAM)
        run.breakpoints('loop_body')
        run.start()
        self.check(run, 'loop_body')
        frame = run.dbg.paused[run.thread.ident].frame
        with self.assertRaisesRegex(RuntimeError, 'needs a running event loop'):
            run.dbg.run_on(run.thread.ident, lambda: debugger.evaluate('await asyncio.sleep(0)', frame))
        run.finish(self)

    def test_pause_running_program(self):
        source = 'import time\nwhile not STOP:\n    time.sleep(0.001)  # @spin\n'
        run = Run(self, source)
        run.thread = threading.Thread(target=runpy.run_path, args=(run.path,), kwargs={'init_globals': {'STOP': False}}, daemon=True)
        if run.dbg.engine.name == 'sys.settrace':
            # settrace reaches threads started after tracing began, loop threads and the main
            # thread; a plain thread already running is out of its reach (documented limit).
            run.dbg.request_pause()
            run.thread.start()
        else:
            run.thread.start()
            time.sleep(0.05)  # pause a program that is well into its loop
            run.dbg.request_pause()
        body = run.stopped()
        self.assertEqual(body['reason'], 'pause')
        self.assertIn(run.where()[1], (1, 2, 3))
        frame = run.dbg.paused[run.thread.ident].frame
        frame.f_globals['STOP'] = True
        run.resume()
        run.thread.join(5)
        self.assertFalse(run.thread.is_alive())

    def test_no_tracing_left_without_breakpoints(self):
        run = Run(self, PROGRAM)
        run.breakpoints('await_child')
        run.breakpoints()
        run.dbg.breakpoints.set_file(run.path, [])
        run.dbg.engine.update()
        mon = getattr(sys, 'monitoring', None)
        if run.dbg.engine.name == 'sys.monitoring':
            self.assertIsNone(run.dbg.engine.tool)
            self.assertNotEqual(mon.get_tool(mon.DEBUGGER_ID), 'taskscope')
        else:
            self.assertIsNone(threading.gettrace() if hasattr(threading, 'gettrace') else None)
            self.assertFalse(run.dbg.engine.active)


if __name__ == '__main__':
    unittest.main()
