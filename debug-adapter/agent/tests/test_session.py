"""The inspector protocol against a real agent in a subprocess: handshake and security, errors,
malformed input, every core request, --wait, and answering while the loop spins or is blocked."""
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from taskscope_agent import protocol
from taskscope_agent.client import Client, ProtocolError

from .agent_harness import Program, env_with_agent, wait_port_file

IDLE = '''
    import asyncio, sys
    async def sleeper():
        await asyncio.sleep(60)
    async def main():
        t = asyncio.create_task(sleeper(), name='sleeper')
        print('READY', flush=True)
        try:
            await t
        except asyncio.CancelledError:
            print('CANCELLED', flush=True)
    asyncio.run(main())
'''


def served_by_loop_soon(c, timeout=10):
    """True once a ping is answered by the loop thread (within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if c.call('agent.ping')['servedBy'] == 'loop':
            return True
    return False


class SessionTest(unittest.TestCase):
    def program(self, source=IDLE, **kw):
        p = Program(source, **kw)
        self.addCleanup(p.close)
        return p

    def test_handshake_and_security(self):
        p = self.program()
        p.wait_line('READY')
        c = p.connect()
        w = c.welcome
        self.assertIsNone(protocol.validate_welcome(w))
        self.assertEqual((w['protocol'], w['pid'], w['waiting']), (protocol.PROTOCOL_VERSION, p.proc.pid, False))
        with self.assertRaisesRegex(ProtocolError, "'reason': 'secret'"):
            p.connect(secret='wrong')
        with self.assertRaisesRegex(ProtocolError, "'reason': 'version'.*protocol 2.0 is not supported"):
            p.connect(version='2.0')
        self.assertEqual(p.connect(version='1.99').welcome['type'], 'welcome')
        # A request before the hello is refused too, and nothing is answered before the handshake.
        s = socket.create_connection(('127.0.0.1', p.port), timeout=10)
        s.sendall(b'{"type": "request", "id": 1, "method": "agent.info"}\n')
        msg = json.loads(s.makefile().readline())
        self.assertEqual((msg['type'], msg['reason']), ('refused', 'handshake'))
        s.close()
        self.assertTrue(served_by_loop_soon(c))

    def test_errors_and_malformed_input(self):
        p = self.program()
        p.wait_line('READY')
        c = p.connect()
        r = c.request('no.such.method')
        self.assertEqual((r['ok'], r['error']['code']), (False, 'unknown-method'))
        r = c.request('tasks.get', {'idx': 1})
        self.assertEqual(r['error']['code'], 'invalid-params')
        r = c.request('tasks.get', {'id': '999999'})
        self.assertEqual(r['error']['code'], 'not-found')
        c.send({'type': 'request', 'method': 'agent.ping'})  # no id: reported, skipped
        self.assertEqual(c.read(10)['error']['code'], 'invalid-message')
        self.assertTrue(c.call('agent.ping'))
        c.sock.sendall(b'{this is not json\n')
        self.assertIsNone(c.read(10))  # the agent closed this connection ...
        c2 = p.connect()  # ... and the debuggee is fine
        self.assertEqual([t['name'] for t in c2.all_tasks()], ['Task-1', 'sleeper'])

    def test_every_core_request(self):
        p = self.program()
        p.wait_line('READY')
        c = p.connect()
        for method, params in [('agent.ping', None), ('agent.info', None), ('tasks.list', {}),
                               ('tasks.list', {'includeDone': True, 'offset': 1, 'limit': 1}),
                               ('events.configure', {'blockedThresholdMs': 300}), ('run', None)]:
            r = c.request(method, params)
            self.assertTrue(r['ok'], r)
            self.assertIsNone(protocol.validate_response(r, method), (method, r))
        info = c.call('agent.info')
        self.assertEqual((info['state'], info['argv'], info['options']['blockedThresholdMs']),
                         ('running', [p.path], 300))
        self.assertEqual([(l['running'], l['blocked']) for l in info['loops']], [(True, False)])
        page = c.call('tasks.list', {'offset': 1, 'limit': 1})
        self.assertEqual((page['total'], page['offset'], [t['name'] for t in page['tasks']]), (2, 1, ['sleeper']))
        self.assertFalse(c.call('run')['started'])
        sleeper = page['tasks'][0]
        got = c.request('tasks.get', {'id': sleeper['id']})
        self.assertIsNone(protocol.validate_response(got, 'tasks.get'))
        got = got['result']
        self.assertEqual([f['function'] for f in got['frames']], ['sleep', 'sleeper'])
        self.assertEqual(got['frames'][1]['line'], 4)
        self.assertEqual([a['task'] for a in got['asyncStack']], [sleeper['owner']])
        self.assertEqual(got['asyncStack'][0]['frames'][0]['function'], 'main')
        self.assertEqual(c.call('tasks.cancel', {'id': sleeper['id']}), {'cancelled': True})
        p.wait_line('CANCELLED')
        ev = c.wait_event(lambda e: e['event'] == 'target.exited')
        self.assertEqual(ev['body'], {'exitCode': 0, 'error': None})
        self.assertEqual(p.finish()[0], 0)

    def test_wait_holds_the_target_until_run(self):
        p = self.program('''
            import sys
            print('STARTED', sys.argv[1:], flush=True)
            sys.exit(3)
        ''', wait=True, args=['a', 'b'])
        c = p.connect()
        self.assertTrue(c.welcome['waiting'])
        self.assertEqual(c.call('agent.info')['state'], 'waiting')
        self.assertEqual(c.call('agent.ping')['servedBy'], 'agent')
        self.assertNotIn(b'STARTED', p.out)
        self.assertEqual(c.call('run'), {'started': True})
        self.assertEqual(c.wait_event(lambda e: e['event'] == 'target.started')['body']['argv'], [p.path, 'a', 'b'])
        p.wait_line("STARTED ['a', 'b']")
        self.assertEqual(c.wait_event(lambda e: e['event'] == 'target.exited')['body']['exitCode'], 3)
        self.assertEqual(p.finish()[0], 3)

    def _temp_dir(self):
        d = tempfile.TemporaryDirectory(prefix='taskscope-test-')
        self.addCleanup(d.cleanup)
        return d.name

    def test_secret_file_and_port_file(self):
        tmp = self._temp_dir()
        secret_file = os.path.join(tmp, 'secret')
        with open(secret_file, 'w') as f:
            f.write('s3cret\n')
        port_file = os.path.join(tmp, 'pf')
        cmd = [sys.executable, '-m', 'taskscope_agent', '--secret-file', secret_file, '--port-file', port_file,
               '--wait', '-c', 'print("ran")']
        os.chmod(secret_file, 0o644)
        r = subprocess.run(cmd, env=env_with_agent(), capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'chmod 600', r.stderr)
        os.chmod(secret_file, 0o600)
        proc = subprocess.Popen(cmd, env=env_with_agent(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        port = wait_port_file(port_file, proc)
        self.assertEqual([f for f in os.listdir(tmp) if f.endswith('.tmp')], [])
        c = Client('127.0.0.1', port, 's3cret')
        self.addCleanup(c.close)
        c.call('run')
        out, _ = proc.communicate(timeout=20)
        self.assertEqual((proc.returncode, out), (0, b'ran\n'))

    def test_without_a_secret_the_agent_makes_one_in_a_file_only_its_owner_reads(self):
        # Neither TASKSCOPE_SECRET nor --secret-file: the agent makes a secret, writes it to a
        # file of mode 0600, says where on stderr, and removes the file as it exits.
        port_file = os.path.join(self._temp_dir(), 'pf')
        proc = subprocess.Popen([sys.executable, '-m', 'taskscope_agent', '--port-file', port_file, '--wait',
                                 '-c', 'print("ran")'],
                                env=env_with_agent(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        err = b''
        deadline = time.monotonic() + 20
        while b'\n' not in err and time.monotonic() < deadline:
            r, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
            if r:
                err += os.read(proc.stderr.fileno(), 4096)
        m = re.match(rb'taskscope: secret in (\S+)\n', err)
        self.assertIsNotNone(m, err)
        path = m.group(1).decode()
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            secret = f.read().strip()
        self.assertRegex(secret, r'^[0-9a-f]{32}$')
        port = wait_port_file(port_file, proc)
        with self.assertRaisesRegex(ProtocolError, "'reason': 'secret'"):
            Client('127.0.0.1', port, secret[::-1])
        c = Client('127.0.0.1', port, secret)
        self.addCleanup(c.close)
        c.call('run')
        out, _ = proc.communicate(timeout=20)
        self.assertEqual((proc.returncode, out), (0, b'ran\n'))
        self.assertFalse(os.path.exists(path))

    def test_non_loopback_host_is_refused(self):
        r = subprocess.run([sys.executable, '-m', 'taskscope_agent', '--host', '0.0.0.0', '-c', 'pass'],
                           env=env_with_agent({'TASKSCOPE_SECRET': 'x'}), capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'loopback only', r.stderr)

    def test_listen_api_in_a_program_started_otherwise(self):
        p = Program('''
            import asyncio, sys, taskscope_agent
            port = taskscope_agent.listen(0, secret=sys.argv[1])
            async def main():
                print('PORT', port, flush=True)
                await asyncio.sleep(60)
            asyncio.run(main())
        ''', listen=False, agent=False, args=['xyz'])
        self.addCleanup(p.close)
        line = p.wait_line('PORT')
        c = Client('127.0.0.1', int(line.split()[1]), 'xyz')
        self.addCleanup(c.close)
        self.assertEqual([(t['coroutine'], t['state']) for t in c.all_tasks()], [('main', 'pending')])
        self.assertTrue(served_by_loop_soon(c))
        # The debugger's methods come with every agent, so such a program can be attached to.
        self.assertIn('MainThread', [t['name'] for t in c.call('debug.threads')['threads']])


    def test_listen_from_inside_a_running_loop(self):
        # Attaching late: tasks created before listen() have no owner, the loop is adopted and
        # then serves requests itself.
        p = Program('''
            import asyncio, sys, taskscope_agent
            async def early():
                await asyncio.sleep(60)
            async def main():
                t = asyncio.create_task(early(), name='early')
                await asyncio.sleep(0)
                port = taskscope_agent.listen(0, secret=sys.argv[1])
                late = asyncio.create_task(early(), name='late')
                print('PORT', port, flush=True)
                await asyncio.sleep(60)
            asyncio.run(main())
        ''', listen=False, agent=False, args=['xyz'])
        self.addCleanup(p.close)
        line = p.wait_line('PORT')
        c = Client('127.0.0.1', int(line.split()[1]), 'xyz')
        self.addCleanup(c.close)
        tasks = {t['name']: t for t in c.all_tasks()}
        self.assertEqual((tasks['early']['owner'], tasks['early']['createdAt']), (None, None))
        self.assertEqual((tasks['late']['owner'], tasks['late']['createdAt']['line']), (tasks['Task-1']['id'], 9))
        self.assertTrue(served_by_loop_soon(c))  # adopted on the loop thread; the agent answers meanwhile
        self.assertEqual([l['running'] for l in c.call('agent.info')['loops']], [True])


class ServingTest(unittest.TestCase):
    """Replies come from the loop between callbacks while it turns, and from the agent thread when
    it is blocked; both within a bound."""
    BOUND = 2.0

    def timed(self, c, method, params=None):
        t = time.monotonic()
        r = c.call(method, params, timeout=10)
        return r, time.monotonic() - t

    def test_spinning_loop(self):
        p = Program('''
            import asyncio
            async def spin():
                print('READY', flush=True)
                while True:
                    await asyncio.sleep(0)
            asyncio.run(spin())
        ''')
        self.addCleanup(p.close)
        p.wait_line('READY')
        c = p.connect()
        # Every reply comes within the bound; the loop answers them (between two sleep(0) steps)
        # unless the OS stalled the process long enough for the agent thread to take over.
        by = []
        for _ in range(5):
            r, dt = self.timed(c, 'agent.ping')
            by.append(r['servedBy'])
            self.assertLess(dt, self.BOUND)
        self.assertGreaterEqual(by.count('loop'), 3, by)
        r, dt = self.timed(c, 'tasks.list')
        self.assertLess(dt, self.BOUND)
        if r['servedBy'] == 'loop':
            self.assertEqual((r['consistent'], [t['state'] for t in r['tasks']]), (True, ['pending']))  # between callbacks nothing runs
        else:
            self.assertEqual([t['state'] for t in r['tasks']], ['running'])

    def test_blocked_loop(self):
        p = Program('''
            import asyncio, time
            async def other():
                await asyncio.sleep(60)
            async def block():
                t = asyncio.create_task(other(), name='other')
                await asyncio.sleep(0)
                print('READY', flush=True)
                time.sleep(60)
            asyncio.run(block())
        ''')
        self.addCleanup(p.close)
        p.wait_line('READY')
        c = p.connect()
        for _ in range(5):
            r, dt = self.timed(c, 'agent.ping')
            self.assertEqual(r['servedBy'], 'agent')
            self.assertLess(dt, self.BOUND)
        r, dt = self.timed(c, 'tasks.list')
        self.assertLess(dt, self.BOUND)
        self.assertEqual(r['servedBy'], 'agent')
        self.assertEqual([(t['name'], t['state']) for t in r['tasks']], [('Task-1', 'running'), ('other', 'pending')])
        self.assertEqual(r['tasks'][1]['awaiting'], 'sleep 60.0s')
        # A blocked loop cannot run cancel() within the agent's bounded wait: the reply says the
        # cancellation is queued (a request, not yet an outcome), and the task is still pending.
        r, dt = self.timed(c, 'tasks.cancel', {'id': r['tasks'][1]['id']})
        self.assertLess(dt, self.BOUND)
        self.assertEqual((r['cancelled'], r['queued']), (True, True))
        self.assertEqual(c.call('tasks.list', timeout=10)['tasks'][1]['state'], 'pending')

    def test_request_to_a_loop_that_looked_responsive_pings_it(self):
        # A loop blocked since its last heartbeat has no ping waiting, so it looks responsive: a
        # request for it makes the agent thread ping it at once (probe), and the loop counts as
        # stuck once that ping waited the grace. Other loops, and a ping already on its way, are
        # left alone.
        import asyncio
        from unittest import mock
        from taskscope_agent import loops, watchdog
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        loop._write_to_self = lambda: None
        st, other = loops.LoopState(loop), loops.LoopState(loop)
        st.running, st.thread, st.fds = True, -1, {7}
        other.running, other.thread, other.fds = True, -2, {8}
        session = mock.Mock(conn=mock.Mock(fd=7), joining=set())
        server = mock.Mock()
        with mock.patch.object(loops, 'all_states', lambda: [st, other]):
            self.assertTrue(st.responsive(5.0, 0.1))
            watchdog.probe(server, [session], 5.0)
            self.assertEqual((st.hb is not None, st.ping_at, other.hb), (True, 5.0, None))
            self.assertEqual((st.responsive(5.05, 0.1), st.responsive(5.15, 0.1)), (True, False))
            watchdog.probe(server, [session], 5.05)
            self.assertEqual((len(loop._ready), st.ping_at), (1, 5.0))
            loop._ready.popleft()._run()  # the loop turns after all
            self.assertEqual((st.hb, st.responsive(5.2, 0.1)), (None, True))
            other.fds, session.joining = set(), {other.id}  # its reader is on the way: same
            watchdog.probe(server, [session], 6.0)
            self.assertEqual((st.ping_at, other.ping_at, len(loop._ready)), (6.0, 6.0, 2))

    def test_stopped_loop_is_not_responsive(self):
        # What makes the agent thread serve a stopped loop's sessions at once: responsive() is
        # false while the loop's thread is stopped, however fresh its heartbeat.
        import asyncio
        from unittest import mock
        from taskscope_agent import loops
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        now = time.monotonic()
        st = loops.LoopState(loop)
        st.running, st.thread = True, -1
        other = loops.LoopState(loop)
        other.running, other.thread = True, -2
        with mock.patch.object(loops, 'all_states', lambda: [st, other]):
            self.assertTrue(st.responsive(now, 0.1))
            loops.set_paused(-1, True)
            self.assertEqual((st.responsive(now, 0.1), other.responsive(now, 0.1)), (False, True))
            loops.set_paused(-1, False)
            self.assertTrue(st.responsive(now, 0.1))

    def test_loop_stopped_in_debugger(self):
        # A loop whose thread is stopped at a breakpoint does not turn: the agent thread serves at
        # once (not after the heartbeat is late), says so in agent.info, and its snapshot is
        # consistent (the stopped thread runs no Python). Released, the loop serves again.
        p = Program('''
            import asyncio
            async def other():
                await asyncio.sleep(60)
            async def main():
                t = asyncio.create_task(other(), name='other')
                await asyncio.sleep(0)
                x = 1  # BREAK
                print('PAST', flush=True)
                await asyncio.sleep(60)
            asyncio.run(main())
        ''', wait=True)
        self.addCleanup(p.close)
        c = p.connect()
        c.call('debug.setBreakpoints', {'path': p.path, 'breakpoints': [{'line': p.line('# BREAK')}]})
        c.call('run')
        self.assertIsNotNone(c.wait_event(lambda m: m.get('event') == 'debug.stopped'))
        self.assertEqual([(l['running'], l['paused']) for l in c.call('agent.info')['loops']], [(True, True)])
        r = c.call('tasks.list')
        self.assertEqual((r['servedBy'], r['consistent']), ('agent', True))
        self.assertEqual([(t['name'], t['state']) for t in r['tasks']], [('Task-1', 'running'), ('other', 'pending')])
        c.call('debug.continue')
        p.wait_line('PAST')
        self.assertTrue(served_by_loop_soon(c))
        self.assertEqual([(l['running'], l['paused']) for l in c.call('agent.info')['loops']], [(True, False)])


if __name__ == '__main__':
    unittest.main()
