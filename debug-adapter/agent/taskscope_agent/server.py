"""The agent's server: accepts loopback connections, checks the handshake, and serves requests
from two places. While a loop runs and turns, each session's socket is registered with
`loop.add_reader`, so requests are answered between callbacks on the loop thread (snapshots are
consistent by construction). The agent's daemon thread answers when no loop runs, when a
heartbeat ping has waited `SERVE_GRACE` for the loop (blocked, busy in one callback) or its thread
is paused at a breakpoint; a request to a loop that looked responsive makes it ping that loop at
once and look again `SERVE_GRACE` later. It also runs the watchdog tick and flushes queued events.
Handlers live in handlers.py; this module only moves messages.
"""
import hmac
import os
import select
import sys
import threading
import time

from . import dispatch, hooks, loops, protocol, registry, transport, watchdog
from .session import Session, _add_reader, _remove_reader, _version, features  # noqa: F401

TICK = loops.HEARTBEAT  # the agent thread's period (0.25 s)
SERVE_GRACE = 0.1
REFILL_MIN = 0.1  # the shortest window over which the rate of new tasks is judged (registry.refill)
HANDSHAKE_TIMEOUT = 10.0
_server = [None]


class Server:
    def __init__(self, secret, host='127.0.0.1', port=0, options=None):
        self.secret = secret
        self.listener = transport.listen_socket(host, port)
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        self.pending = []          # (conn, deadline) before the handshake
        self.next_sid = 1
        self.state = 'running'
        self.run_event = threading.Event()
        self.flush_lock = threading.Lock()
        self.options = {'taskEvents': False, 'taskEventsIntervalMs': 250, 'blockedThresholdMs': 250,
                        'originDepth': 0}
        self.options.update(options or {})
        self.first_session = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.thread = threading.Thread(target=self._main, name='taskscope-agent', daemon=True)
        self._look = 0.0           # when the next tick is due (watchdog.tick says)
        self._probe_until = 0.0    # loop-served sockets are not watched until then (_turn)
        self._refilled = time.monotonic()

    def start(self):
        watchdog.yield_faulthandler_to_program()
        dispatch._wakeup[0] = self.wake
        hooks.on_loop_start.append(self._loop_started)
        hooks.on_loop_stop.append(self._loop_stopped)
        self.thread.start()

    def wake(self):
        try:
            os.write(self._wake_w, b'x')
        except OSError:
            pass

    def main_sessions(self):
        return [s for s in self.sessions if s.channel == 'main' and not s.closing]

    # -- the agent thread -------------------------------------------------------------------
    def _main(self):
        while True:
            try:
                self._turn()
            except Exception:
                time.sleep(TICK)  # keep serving whatever went wrong once

    def _turn(self):
        now = time.monotonic()
        served, watched = [], []
        for s in self.main_sessions():
            if self._agent_serves(s, now):
                served.append(s)
            elif now >= self._probe_until:
                watched.append(s)
        rlist = [self.listener, self._wake_r] + [c.sock for c, _ in self.pending] + [s.conn.sock for s in served + watched]
        until = self._look if now >= self._probe_until else min(self._look, self._probe_until)
        timeout = min(max(until - now, 0.0), TICK)
        try:
            ready, _, _ = select.select(rlist, [], [], timeout)
        except (OSError, ValueError):
            ready = []
            self._drop_closed()
        watchdog.note_wait(time.monotonic() - now, timeout)
        ready = set(ready)
        if self._wake_r in ready:
            try:
                os.read(self._wake_r, 4096)
            except OSError:
                pass
        if self.listener in ready:
            self._accept()
        for conn, deadline in list(self.pending):
            if conn.sock in ready or now > deadline:
                self._handshake(conn, now > deadline)
        probed = [s for s in watched if s.conn.sock in ready]
        now = time.monotonic()
        for s in served:
            if s.conn.sock in ready:
                # Judged again: the loop may have come back while this thread waited (it often
                # does right after this thread answered, which kept the loop from running).
                if self._agent_serves(s, now):
                    self.serve(s, 'agent')
                else:
                    probed.append(s)
        if probed:
            # A request for a loop that looks responsive: make sure a ping is on its way to it,
            # and look again once that ping had SERVE_GRACE to run (if it has not, the loop is
            # stuck and this thread answers). Meanwhile the loop may well answer it itself.
            watchdog.probe(self, probed, now)
            self._probe_until = now + SERVE_GRACE
        self.flush()
        now = time.monotonic()
        if now >= self._look - watchdog.SLACK:
            if now - self._refilled >= REFILL_MIN:
                registry.refill(now - self._refilled)
                self._refilled = now
            registry.compact(now)
            self._look = watchdog.tick(self, now)
        self._drop_closed()

    def _agent_serves(self, session, now):
        for st in loops.all_states():
            if st.serves(session) and st.responsive(now, SERVE_GRACE - watchdog.SLACK):
                return False
        return True

    def _accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.pending.append((transport.Connection(sock), time.monotonic() + HANDSHAKE_TIMEOUT))

    def _handshake(self, conn, timed_out):
        self.pending = [(c, d) for c, d in self.pending if c is not conn]
        try:
            msgs = [] if timed_out else conn.read_messages()
        except transport.Closed:
            conn.close()
            return
        if not msgs and not timed_out:
            self.pending.append((conn, time.monotonic() + HANDSHAKE_TIMEOUT))
            return
        hello = msgs[0] if msgs else None
        reason, message = None, None
        err = 'no hello within %ds' % HANDSHAKE_TIMEOUT if hello is None else protocol.validate_hello(hello)
        if err is not None or hello.get('type') != 'hello':
            reason, message = 'handshake', 'expected hello first: %s' % (err or 'got %r' % hello.get('type'))
        elif protocol.major(hello['protocol']) != protocol.major(protocol.PROTOCOL_VERSION):
            reason, message = 'version', ('protocol %s is not supported by this agent (it speaks %s); '
                                          'use a matching Taskscope version' % (hello['protocol'], protocol.PROTOCOL_VERSION))
        elif not hmac.compare_digest(hello['secret'].encode('utf-8'), self.secret.encode('utf-8')):
            reason, message = 'secret', 'wrong secret'
        try:
            if reason:
                conn.send({'type': 'refused', 'reason': reason, 'message': message})
                conn.close()
                return
            sid = self.next_sid
            self.next_sid += 1
            session = Session(self, conn, sid, hello.get('channel', 'main'))
            conn.send({'type': 'welcome', 'protocol': protocol.PROTOCOL_VERSION, 'agent': _version(),
                       'session': sid, 'pid': os.getpid(), 'python': '%d.%d.%d' % sys.version_info[:3],
                       'features': features(), 'waiting': self.state == 'waiting'})
        except transport.Closed:
            conn.close()
            return
        self.sessions.append(session)
        if session.channel == 'main':
            dispatch.run_on_session(session)
            for st in loops.all_states():
                if st.running:
                    try:
                        session.joining.add(st.id)
                        st.ref().call_soon_threadsafe(_add_reader, st, st.ref(), session)
                    except Exception:
                        session.joining.discard(st.id)
            self.first_session.set()
            # Requests pipelined right behind the hello.
            for m in msgs[1:]:
                self._answer(session, m, 'agent')

    def _drop_closed(self):
        for s in list(self.sessions):
            if s.conn.closed and not s.closing:
                s.close()
            if s.closing and not any(s.conn.fd in st.fds for st in loops.all_states() if st.running):
                try:
                    s.conn.sock.close()
                except OSError:
                    pass
                self.sessions.remove(s)
                watchdog.session_closed(s)

    # -- serving (agent thread or loop thread) ----------------------------------------------
    def serve(self, session, served_by):
        conn = session.conn
        if not conn.read_lock.acquire(False):
            return
        try:
            try:
                msgs = conn.read_messages()
            except transport.Closed:
                session.close()
                return
            for m in msgs:
                self._answer(session, m, served_by)
        finally:
            conn.read_lock.release()

    def _answer(self, session, msg, served_by):
        # Off the loop thread nothing stops a loop thread that runs Python from running between
        # this thread's bytecodes (`tasks.list` says `consistent: false` then). Raising the
        # switch interval meanwhile, as this once did (5 s, then 0.1 s), did not stop it either:
        # a loop thread that gives the GIL up and takes it back by itself (I/O, locks) kept this
        # thread waiting in steps of the interval, 0.4-0.7 s per page in the churn test.
        session.send(dispatch.handle(session, msg, served_by))

    def flush(self, block=False):
        """Sends queued events; from the agent thread or the loop thread, one at a time."""
        if not self.flush_lock.acquire(block, 1.0 if block else -1):
            return
        try:
            q = dispatch.events
            while q:
                target, event, body = q.popleft()
                msg = {'type': 'event', 'event': event, 'body': body}
                for s in ([target] if target is not None else self.main_sessions()):
                    if not s.closing:
                        s.send(msg)
        except Exception:
            pass
        finally:
            self.flush_lock.release()

    # -- loop side --------------------------------------------------------------------------
    def _loop_started(self, state, loop):
        for s in self.main_sessions():
            _add_reader(state, loop, s)

    def _loop_stopped(self, state, loop):
        watchdog.loop_stopped(state)
        for s in list(self.sessions):
            if s.conn.fd in state.fds:
                _remove_reader(state, loop, s)
        state.fds.clear()
        for s in self.sessions:
            s.joining.discard(state.id)
        self.wake()


def adopt_running_loops():
    """Loops already running when `listen()` is called (attaching later) did not pass through the
    hooks: find them once and register them from their own threads."""
    import asyncio
    import gc
    for obj in gc.get_objects():
        try:
            if isinstance(obj, asyncio.BaseEventLoop) and obj.is_running() and loops.find(obj) is None:
                obj.call_soon_threadsafe(hooks.adopt_loop, obj)
        except Exception:
            pass


def current():
    return _server[0]


def start(secret, host='127.0.0.1', port=0, port_file=None, options=None, wait=False):
    """Installs the hooks and starts the server (once per process); returns it."""
    if _server[0] is not None:
        return _server[0]
    hooks.install()
    if os.environ.get('TASKSCOPE_ALL_SITES', '') not in ('', '0'):
        registry.record_all_sites(True)
    from . import handlers  # noqa: F401  (registers the core methods)
    # The debugger's debug.* methods too, so `listen()` and `python -m taskscope_agent` can be
    # debugged and attached to; importing it installs nothing that costs until a breakpoint.
    from . import debugger_handlers  # noqa: F401
    srv = Server(secret, host, port, options)
    if wait:
        srv.state = 'waiting'
    _server[0] = srv
    srv.start()
    if port_file:
        transport.write_port_file(port_file, srv.port)
    return srv


def listen(port=0, secret=None, port_file=None, wait=False, host='127.0.0.1'):
    secret = secret or os.environ.get('TASKSCOPE_SECRET')
    if not secret:
        raise ValueError('taskscope_agent.listen() needs a secret (argument or env TASKSCOPE_SECRET)')
    srv = start(secret, host, port, port_file, wait=wait)
    adopt_running_loops()
    if wait:
        srv.run_event.wait()
        dispatch.run_before_run()
    return srv.port
