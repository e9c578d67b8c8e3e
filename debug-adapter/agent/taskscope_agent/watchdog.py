"""The blocked-loop watchdog, run by the agent thread every tick.

Each running loop gets a heartbeat callback through `call_soon_threadsafe`; when it has not run
for the blocked threshold, `loop.blocked` is sent while the loop is still stuck (with the loop
thread's stack from `sys._current_frames()` and the running task), and again when the heartbeat
finally runs (`recovered`, total duration). When C code holds the GIL no Python thread runs, so a
client may open a `faulthandler` channel: faulthandler's own C watchdog thread, re-armed every
tick, then writes the stacks to it. Also `frozen()`, which keeps other threads from running Python
while the agent thread takes a snapshot off the loop thread.
"""
import asyncio
import contextlib
import faulthandler
import sys
import threading
import time

from . import dispatch, loops, registry, taskevents, tasks

_fh = {'session': None}
_freeze_lock = threading.Lock()


@contextlib.contextmanager
def frozen():
    """Raises the switch interval so the loop thread cannot run Python mid-snapshot (no tearing)."""
    with _freeze_lock:
        old = sys.getswitchinterval()
        sys.setswitchinterval(5.0)
        try:
            yield
        finally:
            sys.setswitchinterval(old)


def tick(server, now):
    threshold = server.options['blockedThresholdMs'] / 1000.0
    any_running = False
    for st in loops.all_states():
        if not st.running:
            continue
        any_running = True
        loop = st.ref()
        if loop is None:
            continue
        if not st.ping_sent:
            st.ping_sent = now
            try:
                loop.call_soon_threadsafe(_beat, st, server)
            except Exception:
                st.ping_sent = 0.0
        elif not st.blocked and now - st.ping_sent >= threshold:
            st.blocked = st.ping_sent
            dispatch.emit('loop.blocked', blocked_body(st, loop, now - st.ping_sent, False))
    _arm_faulthandler(server, threshold, any_running)
    taskevents.tick(server, now)


def _beat(st, server):
    """Runs on the loop thread: the loop turned."""
    now = time.monotonic()
    if st.blocked:
        loop = st.ref()
        body = blocked_body(st, loop, now - st.blocked, True)
        st.blocked = 0.0
        dispatch.emit('loop.blocked', body)
    st.beat = now
    st.ping_sent = 0.0
    server.flush()


def blocked_body(st, loop, seconds, recovered):
    task = None
    stack = []
    try:
        cur = asyncio.current_task(loop) if loop is not None else None
        if cur is not None:
            task = registry.adopt(cur)[0]
        if not recovered:
            st.blocked_task = task
            stack = tasks.stack_frames(sys._current_frames().get(st.thread))
        else:
            task = st.blocked_task
    except Exception:
        pass
    return {'loop': st.id, 'thread': str(st.thread), 'durationMs': int(seconds * 1000),
            'recovered': recovered, 'task': task, 'stack': stack, 'source': 'agent'}


def _arm_faulthandler(server, threshold, any_running):
    session = _fh['session']
    if session is None or session.closing:
        session = next((s for s in server.sessions if s.channel == 'faulthandler' and not s.closing), None)
        _fh['session'] = session
    try:
        if session is not None and any_running:
            faulthandler.dump_traceback_later(max(2 * threshold, 0.2), repeat=False, file=session.conn.sock)
        elif session is None and _fh.get('armed'):
            faulthandler.cancel_dump_traceback_later()
        _fh['armed'] = session is not None and any_running
    except Exception:
        pass


def session_closed(session):
    if _fh['session'] is session:
        _fh['session'] = None
        try:
            faulthandler.cancel_dump_traceback_later()
        except Exception:
            pass
        _fh['armed'] = False
