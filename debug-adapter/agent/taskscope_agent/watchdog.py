"""The blocked-loop watchdog, run by the agent thread every tick.

Each running loop gets a heartbeat callback through `call_soon_threadsafe` every tick, once the
previous one has run (a ping, not a timer: a timer on the loop would make every turn of the loop
compute a select timeout, which cost a loopback echo ~7% of its CPU); when it has not run for the
blocked threshold, `loop.blocked` is sent while the loop is still stuck (with the loop
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
FREEZE_INTERVAL = 0.1


@contextlib.contextmanager
def frozen():
    """Raises the switch interval so the loop thread cannot run Python mid-snapshot (no tearing).

    The interval also bounds how long this thread waits for the GIL when it has to hand it over
    (a drop request made before the raise is still honoured): with seconds here, a loop thread
    spinning in Python kept the agent from answering for that long. A tenth of a second covers a
    page of a snapshot and keeps every hand-over short.
    """
    with _freeze_lock:
        old = sys.getswitchinterval()
        sys.setswitchinterval(max(old, FREEZE_INTERVAL))
        try:
            yield
        finally:
            sys.setswitchinterval(old)


HEARTBEAT = 0.05


_gil_wait = [0.0]


def note_wait(seconds, timeout):
    """The agent thread's select() took ``seconds`` with a ``timeout``: beyond the timeout, the
    thread waited for the GIL, which something held (C code)."""
    _gil_wait[0] = max(0.0, seconds - timeout)


def tick(server, now):
    threshold = server.options['blockedThresholdMs'] / 1000.0
    # When this thread itself could not run for the threshold, something held the GIL (C code):
    # no loop could turn meanwhile. What it sees now is after the fact: the stacks went to the
    # faulthandler channel if one is open, and it reports the duration now.
    waited = _gil_wait[0]
    _gil_wait[0] = 0.0
    starved = waited >= threshold
    any_running = False
    for st in loops.all_states():
        if not st.running:
            continue
        any_running = True
        loop = st.ref()
        if loop is None:
            continue
        if st.hb is None:
            # Ping the loop; st.hb is set until the loop runs it.
            st.hb = True
            try:
                loop.call_soon_threadsafe(_beat, st, server, st.gen)
            except Exception:
                st.hb = None
        if starved and not st.blocked:
            st.blocked_task = None
            body = blocked_body(st, loop, waited, True)
            body['source'] = 'faulthandler' if _fh.get('armed') else 'agent'
            dispatch.emit('loop.blocked', body)
        elif not st.blocked and not starved and now - st.beat >= HEARTBEAT + threshold:
            st.blocked = st.beat + HEARTBEAT
            dispatch.emit('loop.blocked', blocked_body(st, loop, now - st.blocked, False))
    _arm_faulthandler(server, threshold, any_running, now)
    taskevents.tick(server, now)


def _beat(st, server, gen):
    """Runs on the loop thread, a tick's ping (see tick), every HEARTBEAT while the loop turns."""
    if gen != st.gen or not st.running:
        return
    now = time.monotonic()
    loop = st.ref()
    if st.blocked:
        body = blocked_body(st, loop, now - st.blocked, True)
        st.blocked = 0.0
        dispatch.emit('loop.blocked', body)
    st.beat = now
    st.hb = None
    server.flush()


def loop_stopped(st):
    """On the loop thread as run_forever returns: the heartbeat of this run ends."""
    st.hb = None
    st.gen += 1
    st.blocked = 0.0


def blocked_body(st, loop, seconds, recovered):
    task = None
    stack = []
    try:
        cur = asyncio.current_task(loop) if loop is not None else None
        if cur is not None:
            task = registry.task_id(cur)
        if not recovered:
            st.blocked_task = task
            stack = tasks.stack_frames(sys._current_frames().get(st.thread))
        else:
            task = st.blocked_task
    except Exception:
        pass
    return {'loop': st.id, 'thread': str(st.thread), 'durationMs': int(seconds * 1000),
            'recovered': recovered, 'task': task, 'stack': stack, 'source': 'agent'}


def _arm_faulthandler(server, threshold, any_running, now):
    """Keeps faulthandler's C watchdog armed on the faulthandler channel while a loop runs: if no
    Python thread can run for the timeout (C code holding the GIL), it writes every thread's stack
    to the channel. Each arming starts a new watchdog thread, so it is re-armed at half its
    timeout rather than every tick; it fires after the GIL was held for at least half of it. No
    loop running or no channel: disarmed (an arming left to run out would write a stack dump
    about nothing)."""
    session = _fh['session']
    if session is None or session.closing:
        session = next((s for s in server.sessions if s.channel == 'faulthandler' and not s.closing), None)
        _fh['session'] = session
    try:
        if session is not None and any_running:
            timeout = max(2 * threshold, 0.2)
            if not (_fh.get('armed') and _fh.get('on') is session and _fh.get('timeout') == timeout
                    and now - _fh.get('at', 0.0) < timeout / 2):
                faulthandler.dump_traceback_later(timeout, repeat=False, file=session.conn.sock)
                _fh['on'] = session
                _fh['timeout'] = timeout
                _fh['at'] = now
            _fh['armed'] = True
        elif _fh.get('armed'):
            faulthandler.cancel_dump_traceback_later()
            _fh['armed'] = False
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
