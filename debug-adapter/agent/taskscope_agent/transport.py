"""Newline-delimited JSON over a non-blocking socket, and the loopback listening socket.

Nothing else: no handshake, no dispatch, no threads. A `Connection` may be read from two threads
(the event loop's reader callback and the agent thread); `read_lock` decides who reads, and
`write_lock` keeps every line whole when both answer.
"""
import json
import os
import select
import socket
import threading
import time

MAX_LINE = 16 * 1024 * 1024
SEND_TIMEOUT = 5.0
LOOPBACK = ('127.0.0.1', '::1', 'localhost')


class Raw:
    """A value already encoded as JSON text (the list view's page: see snapshot.page_json),
    spliced into the message as is."""
    __slots__ = ('text',)

    def __init__(self, text):
        self.text = text


_RAW_MARK = '\x00taskscope-raw\x00'
_RAW_JSON = json.dumps(_RAW_MARK)


def encode(obj):
    """One message as compact JSON text; `Raw` values go in as they are, anything else json
    cannot encode as its str()."""
    return ''.join(_pieces(obj))


def _pieces(obj, end=''):
    """The message's JSON text in pieces to join, then ``end``: a large `Raw` text (a page of
    several hundred KB) is copied once by the join, not once per concatenation."""
    raws = []

    def default(o):
        if o.__class__ is Raw:
            raws.append(o.text)
            return _RAW_MARK
        return str(o)

    text = json.dumps(obj, separators=(',', ':'), default=default)
    if not raws:
        return (text, end)
    parts = text.split(_RAW_JSON)
    if len(parts) != len(raws) + 1:  # the marker also occurs in a string of the message: decode the raw parts instead
        return (json.dumps(obj, separators=(',', ':'),
                           default=lambda o: json.loads(o.text) if o.__class__ is Raw else str(o)), end)
    out = [parts[0]]
    for r, p in zip(raws, parts[1:]):
        out.append(r)
        out.append(p)
    out.append(end)
    return out


class Closed(Exception):
    """The peer went away, sent invalid JSON, or could not take our output in time."""


class Connection:
    def __init__(self, sock):
        sock.setblocking(False)
        self.sock = sock
        self.fd = sock.fileno()
        self.rbuf = bytearray()
        self.read_lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.closed = False

    def read_messages(self):
        """Reads what is available without blocking; returns the complete messages (dicts).

        Raises Closed on end of stream, on a line that is not a JSON object, or on an oversized line.
        """
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                raise Closed(str(e))
            if not chunk:
                raise Closed('end of stream')
            self.rbuf += chunk
            if len(chunk) < 65536:
                break
        out = []
        while True:
            i = self.rbuf.find(b'\n')
            if i < 0:
                if len(self.rbuf) > MAX_LINE:
                    raise Closed('line too long')
                return out
            line = bytes(self.rbuf[:i])
            del self.rbuf[:i + 1]
            if not line.strip():
                continue
            try:
                msg = json.loads(line.decode('utf-8'))
            except ValueError:
                raise Closed('invalid JSON')
            if not isinstance(msg, dict):
                raise Closed('a message must be a JSON object')
            out.append(msg)

    def send(self, obj):
        """Sends one message as a line; waits at most SEND_TIMEOUT for a slow reader, then Closed."""
        self.send_raw(''.join(_pieces(obj, '\n')).encode('utf-8'))

    def send_raw(self, data):
        view = memoryview(data)
        deadline = None
        with self.write_lock:
            if self.closed:
                raise Closed('closed')
            while view:
                try:
                    n = self.sock.send(view)
                    view = view[n:]
                    continue
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    self.close()
                    raise Closed(str(e))
                now = time.monotonic()
                deadline = deadline or now + SEND_TIMEOUT
                if now >= deadline:
                    self.close()
                    raise Closed('peer does not read')
                select.select([], [self.sock], [], deadline - now)

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


def listen_socket(host='127.0.0.1', port=0):
    """A listening, non-blocking socket on a loopback address only."""
    if host not in LOOPBACK:
        raise ValueError('the inspector listens on loopback only, not %r' % host)
    family = socket.AF_INET6 if host == '::1' else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.bind(('127.0.0.1' if host == 'localhost' else host, port))
        s.listen(8)
        s.setblocking(False)
    except OSError:
        s.close()
        raise
    return s


def write_port_file(path, port):
    """Writes ``port`` to ``path`` via a temporary file and a rename, so readers never see half."""
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as f:
        f.write('%d\n' % port)
    os.replace(tmp, path)
