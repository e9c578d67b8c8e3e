"""Registry of event loops the agent has seen, and their heartbeat state for the watchdog.

A loop is registered when it starts running (`run_forever`, which `run_until_complete` and
`asyncio.run` use) and marked stopped when it returns. Heartbeats are stamped on the loop thread
by a callback the watchdog schedules with `call_soon_threadsafe`; nothing here runs per task.
"""
import threading
import time
import weakref

from . import registry

_states = {}  # id(loop) -> LoopState
_lock = threading.Lock()


class LoopState:
    __slots__ = ('id', 'ref', 'thread', 'running', 'hb', 'gen', 'beat', 'blocked', 'blocked_task',
                 'fds', '__weakref__')

    def __init__(self, loop):
        self.id = registry.new_loop_id()
        self.ref = weakref.ref(loop)
        self.thread = None        # ident of the thread running it
        self.running = False
        self.hb = None            # True while a heartbeat ping is on its way to the loop
        self.gen = 0              # run counter: a heartbeat of a previous run stops itself
        self.beat = time.monotonic()  # last heartbeat (or start of the run)
        self.blocked = 0.0        # monotonic time the current block was detected since, 0 when not
        self.blocked_task = None
        self.fds = set()          # session fds registered with add_reader on this loop

    def responsive(self, now, grace):
        """True when the loop runs and its heartbeat (every 50 ms) is at most ``grace`` late."""
        return self.running and now - self.beat < 0.05 + grace

    def info(self):
        return {'id': self.id, 'thread': str(self.thread) if self.thread else None,
                'running': self.running, 'blocked': bool(self.blocked)}


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
