"""The 3.10/3.11 tracing engine on `sys.settrace`, installed only while it is needed.

A trace function exists only while breakpoints are set, a step or pause is pending, or the
"raised" exception filter is on. Its 'call' handler returns a local tracer only for frames whose
file has breakpoints (or, while stepping, for the user's code), so other frames run untraced.
`sys.settrace` acts on the calling thread only: the engine installs itself on the thread that asks,
on threads started later (`threading.settrace`), on running event loops' threads (a callback posted
with `call_soon_threadsafe`), and on the main thread through its SIGINT handler slot when the main
thread runs no loop (see `install_on_main`). A thread whose trace function finds nothing to do
removes itself, which is how the engine is uninstalled.

It does not decide whether to stop (that is `Debugger.on_line`) and does not block threads.
"""

import asyncio
import gc
import signal
import sys
import threading
import _thread


class SettraceEngine:
    name = 'sys.settrace'

    def __init__(self, debugger):
        self.dbg = debugger
        self.active = False
        self._busy = threading.local()
        self._sigint_hooked = False
        self._pending_main = False
        self._lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------------------

    def _needed(self):
        dbg = self.dbg
        return bool(dbg.breakpoints) or dbg.wants_all_lines() or 'raised' in dbg.exception_filters

    def update(self):
        with self._lock:
            self._update()

    def _update(self):
        self.active = self._needed()
        if not self.active:
            threading.settrace(None)
            if self.dbg.is_program_thread():
                sys.settrace(None)
            return
        threading.settrace(self._global)
        if self.dbg.is_program_thread():
            self.install_here()
        # Frames already running get a local tracer where they matter, on every thread.
        for frame in list(sys._current_frames().values()):
            while frame is not None:
                if self._traced(frame.f_code):
                    frame.f_trace = self._local
                frame = frame.f_back
        self._reach_other_threads()

    def install_here(self):
        """Installs the trace function on the calling thread (a program thread)."""
        if self.active and sys.gettrace() is not self._global:
            sys.settrace(self._global)
            frame = sys._getframe(1)
            while frame is not None:
                if self._traced(frame.f_code):
                    frame.f_trace = self._local
                frame = frame.f_back

    def _reach_other_threads(self):
        main = threading.main_thread().ident
        loops_main = False
        for loop in _running_loops():
            thread_id = getattr(loop, '_thread_id', None)
            if thread_id == threading.get_ident():
                continue
            loops_main |= thread_id == main
            try:
                loop.call_soon_threadsafe(self.install_here)
            except RuntimeError:
                pass
        if not loops_main and threading.get_ident() != main and self._sigint_hooked:
            self._pending_main = True
            try:
                _thread.interrupt_main(signal.SIGINT)
            except (TypeError, RuntimeError):
                self._pending_main = False

    def install_on_main(self):
        """Called on the main thread before the program runs: chains a SIGINT handler through
        which a later request can reach the main thread even when no event loop runs there.
        A program that installs its own SIGINT handler (asyncio.run does) simply replaces it."""
        if threading.current_thread() is not threading.main_thread() or self._sigint_hooked:
            return
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):
            return
        engine = self

        def on_sigint(signum, frame):
            if engine._pending_main:
                engine._pending_main = False
                engine.install_here()
                return None
            return previous(signum, frame)
        signal.signal(signal.SIGINT, on_sigint)
        self._sigint_hooked = True
        self.install_here()

    def shutdown(self):
        self.active = False
        threading.settrace(None)
        sys.settrace(None)

    # -- trace functions (hot) -------------------------------------------------------------------

    def _traced(self, code):
        dbg = self.dbg
        if dbg.breakpoints.in_code(code):
            return True
        if dbg.wants_all_lines() or 'raised' in dbg.exception_filters:
            return dbg.filter.is_user(code.co_filename)
        return False

    def _global(self, frame, event, arg):
        # Called for every function call of every traced thread: keep it to a dict lookup.
        if not self.active:
            sys.settrace(None)
            return None
        if self.dbg.wants_all_lines() or 'raised' in self.dbg.exception_filters:
            return self._local if self._traced(frame.f_code) else None
        return self._local if self.dbg.breakpoints.in_code(frame.f_code) else None

    def _local(self, frame, event, arg):
        if not self.active or getattr(self._busy, 'on', False):
            return self._local if self.active else None
        dbg = self.dbg
        if event == 'line':
            if dbg.wants_all_lines() or frame.f_lineno in (dbg.breakpoints.for_filename(frame.f_code.co_filename) or ()):
                self._busy.on = True
                try:
                    dbg.on_line(frame, frame.f_lineno)
                finally:
                    self._busy.on = False
        elif event == 'exception' and 'raised' in dbg.exception_filters:
            tb = arg[2]
            if tb is not None and tb.tb_frame is frame and tb.tb_next is None:
                self._busy.on = True
                try:
                    dbg.on_raise(frame, arg[1])
                finally:
                    self._busy.on = False
        return self._local


def _running_loops():
    """Event loops that are running now, found without a registry (rare path: install time)."""
    loops = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, asyncio.AbstractEventLoop) and obj.is_running():
                loops.append(obj)
        except Exception:  # noqa: BLE001 - foreign objects may misbehave in isinstance/is_running
            continue
    return loops
