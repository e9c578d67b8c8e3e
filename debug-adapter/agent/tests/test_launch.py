"""`python -m taskscope_agent ... target` behaves exactly like `python target`: argv, __main__,
sys.path[0], exit codes, uncaught exceptions, KeyboardInterrupt; plus --tree-on-exit output."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from .agent_harness import env_with_agent

PROBE = '''
import sys, os
print('argv', sys.argv)
print('name', __name__, type(sys.modules['__main__']).__name__, sys.modules['__main__'].__dict__.get('marker'))
print('path0', sys.path[0])
print('file', __file__ if '__file__' in dir() else None)
marker = 1
'''


class LaunchTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='taskscope-launch-')

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def both(self, args, agent_opts=()):
        """(plain python result, agent result), each (returncode, stdout, stderr)."""
        out = []
        for cmd in ([sys.executable] + args, [sys.executable, '-m', 'taskscope_agent'] + list(agent_opts) + args):
            r = subprocess.run(cmd, cwd=self.dir, env=env_with_agent(), capture_output=True, timeout=60)
            out.append((r.returncode, r.stdout.decode(), r.stderr.decode()))
        return out

    def same(self, args):
        plain, agent = self.both(args)
        self.assertEqual(agent, plain)
        return agent

    def test_script(self):
        script = self.write('sub/probe.py', PROBE)
        code, out, _ = self.same([script, 'x', '--flag'])
        self.assertIn("argv ['%s', 'x', '--flag']" % script, out)
        self.assertIn('path0 %s' % os.path.dirname(script), out)

    def test_relative_script(self):
        self.write('probe.py', PROBE)
        self.same(['probe.py', 'a'])

    def test_module(self):
        self.write('pkg/__init__.py', '')
        self.write('pkg/mod.py', PROBE)
        code, out, _ = self.same(['-m', 'pkg.mod', 'y'])
        self.assertIn('name __main__', out)

    def test_code(self):
        self.same(['-c', PROBE, 'z'])

    def test_exit_codes(self):
        for body, code in (('import sys; sys.exit(4)', 4), ('import sys; sys.exit("bye")', 1), ('raise SystemExit', 0),
                           ('pass', 0)):
            got = self.same(['-c', body])
            self.assertEqual(got[0], code, body)

    def test_uncaught_exception(self):
        script = self.write('fail.py', '''
            def inner():
                raise ValueError('broken')
            inner()
        ''')
        code, _, err = self.same([script])
        self.assertEqual(code, 1)
        self.assertNotIn('taskscope_agent', err)

    def test_keyboard_interrupt(self):
        script = self.write('kb.py', '''
            import asyncio
            async def main():
                raise KeyboardInterrupt
            asyncio.run(main())
        ''')
        plain, agent = self.both([script])
        self.assertEqual(agent[0], plain[0])  # killed by SIGINT, like python
        self.assertEqual(agent[0], -2)
        self.assertNotIn('taskscope_agent', agent[2])
        self.assertEqual(agent[2].splitlines()[-1], 'KeyboardInterrupt')

    def test_missing_script_and_usage(self):
        r = subprocess.run([sys.executable, '-m', 'taskscope_agent', 'nope.py'], cwd=self.dir, env=env_with_agent(),
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'No such file', r.stderr)
        r = subprocess.run([sys.executable, '-m', 'taskscope_agent', '--bogus', 'x.py'], env=env_with_agent(),
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'unknown option --bogus', r.stderr)

    def test_tree_on_exit(self):
        script = self.write('tree.py', '''
            import asyncio
            async def leaf():
                await asyncio.sleep(30)
            async def main():
                t = asyncio.create_task(leaf(), name='leaf')
                await asyncio.sleep(0.05)
            asyncio.run(main())
        ''')
        r = subprocess.run([sys.executable, '-m', 'taskscope_agent', '--tree-on-exit', script], cwd=self.dir,
                           env=env_with_agent(), capture_output=True, timeout=60)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 0)
        # The main task is done and gone by then; its child is the root, its owner named.
        self.assertIn('(1 tasks)\n#2 leaf leaf [pending] · awaiting sleep 30.0s · at %s:4 · created %s:6 · owner #1 (gone)'
                      % (script, script), err)
        self.assertIn('pending-at-shutdown: Task leaf (leaf) was still pending', err)


if __name__ == '__main__':
    unittest.main()
