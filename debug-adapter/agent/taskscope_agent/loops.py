"""Registry of event loops the agent has seen, and their heartbeat state for the watchdog.

A loop is registered when it starts running (`run_forever`, which `run_until_complete` and
`asyncio.run` use) and marked stopped when it returns. Heartbeats are stamped on the loop thread
by a callback (a ping) the watchdog queues every tick (watchdog._ping); a loop is judged by how
long its ping has been waiting. Nothing here runs per task.
"""
import threading
import weakref

from . import registry

HEARTBEAT = 0.25  # the agent thread's tick: a heartbeat ping per running loop (watchdog)
SLACK = 0.005     # a look of the agent thread that comes this much early still counts
_states = {}  # id(loop) -> LoopState
_lock = threading.Lock()


class LoopState:
    __slots__ = ('id', 'ref', 'thread', 'running', 'hb', 'gen', 'blocked', 'blocked_task',
                 'fds', 'paused', 'ping_at', 'woken_at', '__weakref__')

    def __init__(self, loop):
        self.id = registry.new_loop_id()
        self.ref = weakref.ref(loop)
        self.thread = None        # ident of the thread running it
        self.running = False
        self.hb = None            # set while a heartbeat ping is on its way to the loop (watchdog)
        self.ping_at = 0.0        # monotonic time that ping was queued
        self.woken_at = 0.0       # ... and the time the loop was woken for it
        self.gen = 0              # run counter: a heartbeat of a previous run stops itself
        self.blocked = 0.0        # monotonic time the current block is counted from, 0 when not
        self.blocked_task = None
        self.fds = set()          # session fds registered with add_reader on this loop
        self.paused = False       # its thread is stopped in the debugger (breakpoint, step, pause)

    def responsive(self, now, grace):
        """True when the loop runs, its thread is not stopped in the debugger, and no heartbeat
        ping has been waiting for it for ``grace`` or longer (a turning loop runs one within a
        turn)."""
        return self.running and not self.paused and (self.hb is None or now - self.ping_at < grace)

    def serves(self, session):
        """True when this loop answers ``session``'s requests while it turns (its reader is on
        the loop, or on its way there)."""
        return session.conn.fd in self.fds or self.id in session.joining

    def info(self):
        return {'id': self.id, 'thread': str(self.thread) if self.thread else None,
                'running': self.running, 'blocked': bool(self.blocked), 'paused': self.paused}


def state(loop):
    """The state of ``loop``, registering it on first sight."""
    s = _states.get(id(loop))
    if s is None or s.ref() is not loop:
        with _lock:
            s = _states.get(id(loop))
            if s is None or s.ref() is not loop:
                s = _states[id(loop)] = LoopState(loop)
    return s


def find(loop):
    s = _states.get(id(loop))
    return s if s is not None and s.ref() is loop else None


def all_states():
    """Live loop states (dead loops are forgotten)."""
    out = []
    for k, s in list(_states.items()):
        if s.ref() is None:
            _states.pop(k, None)
        else:
            out.append(s)
    return out


def by_id(loop_id):
    for s in all_states():
        if s.id == loop_id:
            return s
    return None


def set_paused(ident, paused):
    """The debugger stopped (or released) thread ``ident``: a loop running there does not turn
    meanwhile, so the agent thread serves its sessions at once instead of after its heartbeat
    is late (which made every stop's first request wait ~0.1-0.2 s)."""
    for s in all_states():
        if s.thread == ident:
            s.paused = paused
