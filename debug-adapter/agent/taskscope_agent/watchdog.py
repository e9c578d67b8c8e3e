"""The blocked-loop watchdog, run by the agent thread every tick.

Each running loop gets a heartbeat callback every tick (HEARTBEAT, 0.25 s), once the previous one
has run (a ping, not a timer: a timer on the loop would make every turn of the loop compute a
select timeout, which cost a loopback echo ~7% of its CPU; queued without waking a busy loop, see
`_ping`). A loop is judged by its ping's age: when a ping has waited for the blocked threshold,
`loop.blocked` is sent while the loop is still stuck (with the loop thread's stack from
`sys._current_frames()` and the running task), and again when the ping finally runs
(`recovered`, total duration counted from the ping). When C code holds the GIL no Python thread
runs, so a client may open a `faulthandler` channel: faulthandler's own C watchdog thread, kept
armed while a loop runs, then writes the stacks to it.

Why a quarter of a second: every wake-up of this thread takes the GIL from a busy program. On
3.13 (this project's test VM, the bench's spawn stress) that cost the program ~2 ms of CPU per
wake-up, whatever the tick did (a bare `select` cost as much): the whole agent measured
1.059-1.066 against its hooks alone at 1.035-1.042 with a 0.1 s tick, 1.046 at 0.25 s and
1.037-1.039 at 0.3 s. A ping judged by its age keeps detection at the threshold: a block is
reported between the threshold and the threshold plus a tick into it (0.25-0.5 s at the default
250 ms; it was 0.25-0.45 s with a 0.1 s tick judging the last heartbeat's age).
"""
import asyncio
import collections
import faulthandler
import sys
import time

from . import dispatch, loops, registry, taskevents, tasks

_fh = {'session': None}
HEARTBEAT = loops.HEARTBEAT


_gil_wait = [0.0]


def note_wait(seconds, timeout):
    """The agent thread's select() took ``seconds`` with a ``timeout``: beyond the timeout, the
    thread waited for the GIL, which something held (C code). The longest wait since the last
    tick counts."""
    _gil_wait[0] = max(_gil_wait[0], seconds - timeout)


def tick(server, now):
    """One look at every running loop (see the module's docstring); returns the monotonic time
    at which this thread should look again: the next tick, or sooner when a ping it woke a loop
    for comes due, or when task events do."""
    threshold = server.options['blockedThresholdMs'] / 1000.0
    # When this thread itself could not run for the threshold, something held the GIL (C code):
    # no loop could turn meanwhile. What it sees now is after the fact: the stacks went to the
    # faulthandler channel if one is open, and it reports the duration now.
    waited = _gil_wait[0]
    _gil_wait[0] = 0.0
    starved = waited >= threshold
    any_running = False
    look = now + HEARTBEAT
    for st in loops.all_states():
        if not st.running:
            continue
        any_running = True
        loop = st.ref()
        if loop is None:
            continue
        if st.hb is None:
            # Ping the loop; st.hb is set until the loop runs it.
            _ping(loop, st, server, now)
        elif st.hb is QUIET and now - st.ping_at >= HEARTBEAT - SLACK:
            # A quiet ping not run within a tick: the loop went idle after all (it emptied its
            # ready queue between our look and the append), or it is stuck. Wake it, and judge
            # it once the wake had its chance. The wake carries a ping of its own: should the
            # quiet one run between the look and `hb = WOKEN`, nothing would ever clear that.
            st.woken_at = now
            st.hb = WOKEN
            try:
                loop.call_soon_threadsafe(_beat, st, server, st.gen)
            except Exception:
                pass
        hb = st.hb
        if starved and not st.blocked:
            st.blocked_task = None
            body = blocked_body(st, loop, waited, True)
            body['source'] = 'faulthandler' if _fh.get('armed') else 'agent'
            dispatch.emit('loop.blocked', body)
        elif hb is WOKEN and not st.blocked and not starved:
            # The loop has not turned since the ping was queued: blocked once that is the
            # threshold, counted from the ping (the loop was last seen before it).
            judged_at = max(st.ping_at + threshold, st.woken_at + WAKE_GRACE)
            if now >= judged_at - SLACK:
                st.blocked = st.ping_at
                dispatch.emit('loop.blocked', blocked_body(st, loop, now - st.ping_at, False))
            else:
                look = min(look, judged_at)
        elif hb is QUIET:
            look = min(look, st.ping_at + HEARTBEAT)
    _arm_faulthandler(server, threshold, any_running, now)
    taskevents.tick(server, now)
    due = taskevents.due(server)
    return look if due is None else min(look, max(due, now + MIN_LOOK))


QUIET = 'quiet'   # st.hb: a ping queued on a busy loop without waking it
WOKEN = 'woken'   # st.hb: a ping the loop was woken for
WAKE_GRACE = 0.05  # how long a loop woken for its ping has to run it before it is judged
SLACK = loops.SLACK
MIN_LOOK = 0.1     # this thread looks again at most every 0.1 s for task events
FH_TIMEOUT_MIN = 2 * (HEARTBEAT + 0.05)  # the faulthandler channel's shortest timeout: two ticks and some


def _ping(loop, st, server, now):
    """Queues the heartbeat callback on the loop, with ``st.hb`` set to QUIET or WOKEN first (a
    woken loop may run it, and reset ``st.hb``, before the call returns; None if it failed).

    A loop with callbacks ready turns again without sleeping in its selector, so there the
    callback is appended to its ready queue with no wake-up: `call_soon_threadsafe` writes to
    the loop's self-pipe, a syscall that hands the GIL over (a forced switch, with the loop
    thread busy) and costs the loop thread a read and a callback more, every tick. The ready
    queue is a deque (appends are atomic); should the loop empty it between the look and the
    append and go to sleep, the next tick wakes it (tick). Loops that are not `BaseEventLoop`s
    are always woken."""
    st.ping_at = st.woken_at = now
    try:
        ready = getattr(loop, '_ready', None)
        if ready.__class__ is collections.deque and ready and not loop.is_closed():
            st.hb = QUIET
            loop._call_soon(_beat, (st, server, st.gen), None)
        else:
            st.hb = WOKEN
            loop.call_soon_threadsafe(_beat, st, server, st.gen)
    except Exception:
        st.hb = None


def probe(server, sessions, now):
    """Requests came for ``sessions`` on loops that looked responsive: a ping goes to each such
    loop that has none on its way, so that the agent thread can tell, SERVE_GRACE later, whether
    it is turning (a loop blocked since its last heartbeat has no ping waiting yet)."""
    for st in loops.all_states():
        if st.running and st.hb is None and any(st.serves(s) for s in sessions):
            loop = st.ref()
            if loop is not None:
                _ping(loop, st, server, now)


def _beat(st, server, gen):
    """Runs on the loop thread, a tick's ping (see tick), every HEARTBEAT while the loop turns."""
    if gen != st.gen or not st.running:
        return
    now = time.monotonic()
    # The ping is counted as run before the event is emitted: emitting wakes the agent thread,
    # which may tick right then, and it once found the block over but the ping still waiting and
    # reported the same block again.
    since = st.blocked
    st.hb = None
    if since:
        body = blocked_body(st, st.ref(), now - since, True)
        st.blocked = 0.0
        dispatch.emit('loop.blocked', body)
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


# The interpreter's own functions, whatever the program later does to the module's attributes.
_c_later = faulthandler.dump_traceback_later
_c_cancel = faulthandler.cancel_dump_traceback_later


def yield_faulthandler_to_program():
    """There is one `dump_traceback_later` per interpreter. Once the program arms its own (pytest's
    `faulthandler_timeout`, a hang watchdog of its own), the agent stops arming it for the channel
    for the rest of the run: each arming would cancel the program's. Called as the server starts."""
    if getattr(faulthandler.dump_traceback_later, '_taskscope', False):
        return

    def dump_traceback_later(*args, **kwargs):
        _fh['program'] = True
        _fh['armed'] = False
        return _c_later(*args, **kwargs)
    dump_traceback_later._taskscope = True
    dump_traceback_later.__doc__ = _c_later.__doc__
    dump_traceback_later.__wrapped__ = _c_later
    faulthandler.dump_traceback_later = dump_traceback_later


def _arm_faulthandler(server, threshold, any_running, now):
    """Keeps faulthandler's C watchdog armed on the faulthandler channel while a loop runs: if no
    Python thread can run for the timeout (C code holding the GIL), it writes every thread's stack
    to the channel. Each arming starts a new watchdog thread, so it is re-armed at half its
    timeout rather than every tick; it fires after the GIL was held for at least half of it. The
    timeout is at least twice a tick and some: ticks come at most a tick (and a little) apart, so
    a re-arming is always in time while Python threads run. No loop running or no channel:
    disarmed (an arming left to run out would write a stack dump about nothing)."""
    if _fh.get('program'):
        return
    session = _fh['session']
    if session is None or session.closing:
        session = next((s for s in server.sessions if s.channel == 'faulthandler' and not s.closing), None)
        _fh['session'] = session
    try:
        if session is not None and any_running:
            timeout = max(2 * threshold, FH_TIMEOUT_MIN)
            if not (_fh.get('armed') and _fh.get('on') is session and _fh.get('timeout') == timeout
                    and now - _fh.get('at', 0.0) < timeout / 2):
                _c_later(timeout, repeat=False, file=session.conn.sock)
                _fh['on'] = session
                _fh['timeout'] = timeout
                _fh['at'] = now
            _fh['armed'] = True
        elif _fh.get('armed'):
            _c_cancel()
            _fh['armed'] = False
    except Exception:
        pass


def session_closed(session):
    if _fh['session'] is session:
        _fh['session'] = None
        try:
            if _fh.get('armed'):
                _c_cancel()
        except Exception:
            pass
        _fh['armed'] = False
