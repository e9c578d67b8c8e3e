"""A small blocking client of the inspector protocol, and a command line that prints the live
task tree of a listening agent:

    TASKSCOPE_SECRET=... python -m taskscope_agent.client 127.0.0.1:PORT [--events SECONDS] [--run]

`Client` is also what the agent's tests use. It is not used inside the debuggee.
"""
import json
import os
import select
import socket
import sys
import time

from . import protocol, tree


class ProtocolError(Exception):
    pass


class Client:
    def __init__(self, host, port, secret, channel='main', version=protocol.PROTOCOL_VERSION, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''
        self.events = []
        self.next_id = 1
        hello = {'type': 'hello', 'protocol': version, 'secret': secret, 'client': 'taskscope_agent.client'}
        if channel != 'main':
            hello['channel'] = channel
        try:
            self.send(hello)
            self.welcome = self.read(timeout)
            if self.welcome is None or self.welcome.get('type') != 'welcome':
                raise ProtocolError('refused: %r' % (self.welcome,))
        except BaseException:
            self.sock.close()  # nobody gets this client to close it
            raise

    def send(self, obj):
        self.sock.sendall((json.dumps(obj) + '\n').encode('utf-8'))

    def read(self, timeout):
        """The next message, or None on timeout/EOF."""
        deadline = time.monotonic() + timeout
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b'\n')
        return json.loads(line.decode('utf-8'))

    def request(self, method, params=None, timeout=10.0):
        rid = self.next_id
        self.next_id += 1
        msg = {'type': 'request', 'id': rid, 'method': method}
        if params is not None:
            msg['params'] = params
        self.send(msg)
        deadline = time.monotonic() + timeout
        while True:
            m = self.read(max(0.0, deadline - time.monotonic()))
            if m is None:
                raise TimeoutError('no response to %s within %.1fs' % (method, timeout))
            if m.get('type') == 'event':
                self.events.append(m)
            elif m.get('type') == 'response' and m.get('id') == rid:
                return m

    def call(self, method, params=None, timeout=10.0):
        """The result of a request; raises ProtocolError on an error response."""
        r = self.request(method, params, timeout)
        if not r['ok']:
            raise ProtocolError('%s: %s' % (r['error']['code'], r['error']['message']))
        return r['result']

    def wait_event(self, pred, timeout=10.0):
        """The first event (already received or arriving within ``timeout``) matching ``pred``."""
        deadline = time.monotonic() + timeout
        i = 0
        while True:
            while i < len(self.events):
                if pred(self.events[i]):
                    return self.events.pop(i)
                i += 1
            m = self.read(max(0.0, deadline - time.monotonic()))
            if m is None:
                return None
            if m.get('type') == 'event':
                self.events.append(m)

    def all_tasks(self, include_done=False):
        out, offset = [], 0
        while True:
            r = self.call('tasks.list', {'includeDone': include_done, 'offset': offset, 'limit': 1000})
            out.extend(r['tasks'])
            offset += len(r['tasks'])
            if not r['tasks'] or offset >= r['total']:
                return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 2
    host, _, port = argv[0].rpartition(':')
    secret = os.environ.get('TASKSCOPE_SECRET')
    if '--secret-file' in argv:
        with open(argv[argv.index('--secret-file') + 1]) as f:
            secret = f.read().strip()
    if not secret:
        sys.stderr.write('set TASKSCOPE_SECRET or pass --secret-file PATH\n')
        return 2
    c = Client(host or '127.0.0.1', int(port), secret)
    if '--run' in argv:
        c.call('run')
    print(tree.render(c.all_tasks()))
    if '--events' in argv:
        deadline = time.monotonic() + float(argv[argv.index('--events') + 1])
        while time.monotonic() < deadline:
            m = c.read(deadline - time.monotonic())
            if m is not None:
                print(json.dumps(m))
    c.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
