"""Test harness: runs a Python program under the agent in a subprocess and talks to it.

Synchronisation is by waiting on conditions with bounded timeouts: the port file appearing, a
marker line on the program's stdout, a response or an event. Never a fixed sleep.
"""
import json
import os
import secrets
import select
import subprocess
import sys
import tempfile
import textwrap
import time

from taskscope_agent.client import Client

AGENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 20.0


def run_json(code, timeout=60):
    """Runs ``code`` in a fresh interpreter that can import the agent; returns (the JSON it printed
    last, its stderr). A program that exits non-zero fails the test with its stderr."""
    p = subprocess.run([sys.executable, '-c', code], env=env_with_agent(), capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError('program failed (%d): %s' % (p.returncode, p.stderr[-3000:]))
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def wait_port_file(path, proc, timeout=TIMEOUT):
    """The port an agent started as ``proc`` wrote to its --port-file ``path``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                return int(f.read())
        if proc.poll() is not None:
            raise AssertionError('agent exited early: %s' % proc.stderr.read().decode())
        time.sleep(0.01)  # polling a file the agent writes: a bounded wait on a condition
    raise AssertionError('no port file within %ss' % timeout)


def env_with_agent(extra=None):
    env = dict(os.environ)
    env['PYTHONPATH'] = AGENT_DIR + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    env['PYTHONUNBUFFERED'] = '1'
    env.pop('TASKSCOPE_SECRET', None)
    env.update(extra or {})
    return env


class Program:
    """A program under the agent: ``Program(source, opts)``; ``.client`` once started."""

    def __init__(self, source, opts=(), args=(), listen=True, wait=False, env=None, cwd=None, agent=True):
        self.dir = tempfile.mkdtemp(prefix='taskscope-test-')
        self.path = os.path.join(self.dir, 'prog.py')
        with open(self.path, 'w') as f:
            f.write(textwrap.dedent(source))
        self.secret = secrets.token_hex(8)
        self.port_file = os.path.join(self.dir, 'port')
        cmd = [sys.executable] + (['-m', 'taskscope_agent'] if agent else [])
        if listen and agent:
            cmd += ['--port', '0', '--port-file', self.port_file]
        if wait:
            cmd.append('--wait')
        cmd += list(opts) + [self.path] + list(args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env_with_agent(dict({'TASKSCOPE_SECRET': self.secret}, **(env or {}))),
                                     cwd=cwd or self.dir)
        self.out = b''
        self.clients = []
        self.port = self.wait_port() if listen and agent else None

    def line(self, marker):
        """The number of the program's first line containing ``marker`` (a comment such as
        ``# BREAK``)."""
        with open(self.path) as f:
            return next(i for i, text in enumerate(f, 1) if marker in text)

    def wait_port(self):
        return wait_port_file(self.port_file, self.proc)

    def connect(self, **kw):
        c = Client('127.0.0.1', self.port, kw.pop('secret', self.secret), **kw)
        self.clients.append(c)
        return c

    def wait_line(self, marker, timeout=TIMEOUT):
        """Waits until the program printed a line containing ``marker``; returns that line."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            for line in self.out.decode(errors='replace').splitlines(True):
                if marker in line and line.endswith('\n'):
                    return line.rstrip('\n')
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError('no %r on stdout within %ss; got %r; stderr %r'
                                     % (marker, timeout, self.out, self._err()))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError('program ended before %r; stdout %r stderr %r' % (marker, self.out, self._err()))
                self.out += chunk

    def _err(self):
        if self.proc.poll() is None:
            return '(running)'
        return self.proc.stderr.read().decode(errors='replace')

    def finish(self, timeout=TIMEOUT):
        """Waits for the exit; returns (returncode, stdout, stderr)."""
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, (self.out + out).decode(errors='replace'), err.decode(errors='replace')

    def close(self):
        for c in self.clients:
            c.close()
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.communicate(timeout=TIMEOUT)
        except Exception:
            pass


def by_name(tasks):
    return {t['name']: t for t in tasks}


def names(tasks, ids):
    m = {t['id']: t['name'] for t in tasks}
    return sorted(m.get(i, '?' + i) for i in ids)
