"""Unit tests of the tracer's bookkeeping: breakpoint verification and line adjustment, hit
conditions, the justMyCode filter, logpoint interpolation and the awaiter lookup used by
task-aware stepping. No thread is paused here (that is test_debugger.py)."""

import asyncio
import os
import sys
import tempfile
import textwrap
import unittest

from taskscope_agent import tracer
from taskscope_agent.debugger import interpolate

SOURCE = textwrap.dedent('''\
    import asyncio

    # a comment

    def f(x):
        y = x + 1

        return y
''')


class BreakpointTableTest(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix='.py')
        with os.fdopen(fd, 'w') as f:
            f.write(SOURCE)
        self.addCleanup(os.unlink, self.path)

    def check(self, specs, expected):
        table = tracer.BreakpointTable()
        got = [(b['verified'], b['line']) for b in table.set_file(self.path, specs)]
        self.assertEqual(got, expected)
        return table

    def test_lines(self):
        # Line 3 is a comment: moved to the next line with code (5, the def); 7 is blank -> 8.
        self.check([{'line': 6}, {'line': 3}, {'line': 7}], [(True, 6), (True, 5), (True, 8)])

    def test_no_code_after(self):
        self.check([{'line': 40}], [(False, 40)])

    def test_lookup_by_code_filename(self):
        table = self.check([{'line': 6}], [(True, 6)])
        self.assertIn(6, table.for_filename(self.path))
        self.assertIsNone(table.for_filename(os.__file__))
        table.set_file(self.path, [])
        self.assertIsNone(table.for_filename(self.path))
        self.assertFalse(table)

    def test_missing_file(self):
        table = tracer.BreakpointTable()
        got = table.set_file(self.path + '.missing', [{'line': 1}])
        self.assertFalse(got[0]['verified'])
        self.assertIn('Cannot read', got[0]['message'])

    def test_bad_hit_condition_is_reported(self):
        got = tracer.BreakpointTable().set_file(self.path, [{'line': 6, 'hitCondition': 'often'}])
        self.assertFalse(got[0]['verified'])
        self.assertIn('Hit count', got[0]['message'])


class HitConditionTest(unittest.TestCase):
    def check(self, condition, expected_stops):
        bp = tracer.Breakpoint('x.py', 1, hit_condition=condition)
        self.assertEqual([n for n in range(1, 8) if bp.hit_passes()], expected_stops)

    def test_conditions(self):
        self.check(None, [1, 2, 3, 4, 5, 6, 7])
        self.check('3', [3])
        self.check('== 3', [3])
        self.check('>= 5', [5, 6, 7])
        self.check('> 5', [6, 7])
        self.check('< 3', [1, 2])
        self.check('% 3', [3, 6])


class CodeFilterTest(unittest.TestCase):
    def test_user_and_library(self):
        f = tracer.CodeFilter()
        self.assertTrue(f.is_user(__file__))
        self.assertFalse(f.is_user(asyncio.__file__))
        self.assertFalse(f.is_user(tracer.__file__))  # the agent never counts as the user's
        self.assertTrue(f.is_user('<string>'))
        self.assertFalse(f.is_user('<frozen runpy>'))
        f.set_just_my_code(False)
        self.assertTrue(f.is_user(asyncio.__file__))
        self.assertFalse(f.is_user(tracer.__file__))


class InterpolateTest(unittest.TestCase):
    def test_logpoint_text(self):
        user, n = 'ada', 3
        frame = sys._getframe()
        self.assertEqual(interpolate('hi {user} #{n + 1} {{x}}', frame), 'hi ada #4 {x}')
        self.assertIn('NameError', interpolate('{missing}', frame))
        self.assertEqual((user, n), ('ada', 3))


class AwaitersTest(unittest.TestCase):
    def test_direct_and_gather(self):
        async def leaf():
            await asyncio.sleep(0.05)

        async def direct(t):
            await t

        async def via_gather(t):
            await asyncio.gather(t)

        async def main():
            t = asyncio.create_task(leaf())
            a = asyncio.create_task(direct(t))
            b = asyncio.create_task(via_gather(t))
            await asyncio.sleep(0.01)
            found = tracer.awaiting_tasks(t)
            await asyncio.gather(a, b)
            return found, {a, b}

        found, expected = asyncio.run(main())
        self.assertEqual(found, expected)


if __name__ == '__main__':
    unittest.main()
