"""One authenticated inspector connection (`Session`), the loop-side reader registration that
lets a running loop serve it between callbacks, and what the agent tells a client about itself
(`features()`). The accept/handshake/serve loop is in server.py.
"""
import sys
import threading

from . import dispatch, loops, transport


class Session:
    """One authenticated connection."""

    def __init__(self, server, conn, sid, channel):
        self.server = server
        self.conn = conn
        self.id = sid
        self.channel = channel
        self.closing = False
        self.joining = set()  # ids of loops asked to add this session's reader (not done yet)

    def send_event(self, event, body):
        """Queues an event for this session only."""
        dispatch.emit(event, body, session=self)

    def send(self, msg):
        try:
            self.conn.send(msg)
        except transport.Closed:
            self.close()

    def close(self):
        if self.closing:
            return
        self.closing = True
        self.conn.closed = True
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        for st in loops.all_states():
            if self.conn.fd in st.fds:
                loop = st.ref()
                try:
                    if st.thread == threading.get_ident():
                        _remove_reader(st, loop, self)
                    else:
                        loop.call_soon_threadsafe(_remove_reader, st, loop, self)
                except Exception:
                    st.fds.discard(self.conn.fd)
        self.server.wake()


def _add_reader(state, loop, session):
    session.joining.discard(state.id)
    if session.closing or session.conn.fd in state.fds or not state.running:
        return
    try:
        loop.add_reader(session.conn.fd, session.server.serve, session, 'loop')
        state.fds.add(session.conn.fd)
    except Exception:
        pass


def _remove_reader(state, loop, session):
    try:
        if session.conn.fd in state.fds:
            state.fds.discard(session.conn.fd)
            loop.remove_reader(session.conn.fd)
    except Exception:
        pass
    session.server.wake()


def features():
    import asyncio
    out = []
    if hasattr(asyncio, 'capture_call_graph'):
        out.append('capture_call_graph')
    if hasattr(asyncio.Future, '_asyncio_awaited_by'):
        out.append('awaited_by')
    if hasattr(sys, 'remote_exec'):
        out.append('remote_exec')
    if hasattr(asyncio, 'eager_task_factory'):
        out.append('eager_tasks')
    if hasattr(asyncio, 'TaskGroup'):
        out.append('taskgroups')
    out.append('faulthandler')
    return out


def _version():
    from . import __version__
    return __version__
