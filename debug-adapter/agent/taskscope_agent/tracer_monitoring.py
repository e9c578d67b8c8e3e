"""The 3.12+ tracing engine on `sys.monitoring` (PEP 669).

With breakpoints set, only code objects compiled from files that have breakpoints get LINE events
(`set_local_events`), and every line without a breakpoint is switched off after its first event
(`DISABLE`), so a program whose breakpoints are not hit runs at full speed. Code objects are found
when they start or resume (PY_START / PY_RESUME, each disabled after the first look) and, for code
already running when a breakpoint is set, by walking every thread's stack. While stepping or pausing,
LINE events are switched on for any of the user's code the same way. No global LINE events, ever.

It does not decide whether to stop (that is `Debugger.on_line`) and does not block threads.
"""

import sys
import threading

mon = getattr(sys, 'monitoring', None)


def available():
    return mon is not None


class MonitoringEngine:
    name = 'sys.monitoring'

    def __init__(self, debugger):
        self.dbg = debugger
        self.tool = None
        self.E = mon.events
        self.DISABLE = mon.DISABLE
        self._local = set()  # code objects we gave local events
        self._busy = threading.local()
        self._lock = threading.RLock()  # update() runs on the agent's and on paused threads

    # -- lifecycle -------------------------------------------------------------------------------

    def _claim(self):
        if self.tool is not None:
            return True
        for tool in (mon.DEBUGGER_ID, 3, 4):
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, 'taskscope')
                self.tool = tool
                mon.register_callback(tool, self.E.LINE, self._on_line)
                mon.register_callback(tool, self.E.PY_START, self._on_start)
                mon.register_callback(tool, self.E.PY_RESUME, self._on_start)
                mon.register_callback(tool, self.E.RAISE, self._on_raise)
                mon.register_callback(tool, self.E.JUMP, self._on_jump)
                return True
        return False

    def update(self):
        """Re-arms events after breakpoints, exception filters, steps or pause requests changed."""
        with self._lock:
            self._update()

    def _update(self):
        dbg = self.dbg
        watching = bool(dbg.breakpoints) or dbg.wants_all_lines()
        want_raise = 'raised' in dbg.exception_filters
        if not watching and not want_raise:
            self._shutdown()
            return
        if not self._claim():
            return
        events = (self.E.PY_START | self.E.PY_RESUME) if watching else 0
        if want_raise:
            events |= self.E.RAISE
        for code in list(self._local):
            if not self._wanted(code):
                mon.set_local_events(self.tool, code, 0)
                self._local.discard(code)
            else:
                mon.set_local_events(self.tool, code, self._local_events())
        # Code already on some thread's stack will not start again: arm it now.
        for frame in list(sys._current_frames().values()):
            while frame is not None:
                if self._wanted(frame.f_code):
                    self._arm(frame.f_code)
                frame = frame.f_back
        mon.set_events(self.tool, events)
        mon.restart_events()

    def shutdown(self):
        with self._lock:
            self._shutdown()

    def _shutdown(self):
        if self.tool is None:
            return
        tool, self.tool = self.tool, None
        mon.set_events(tool, 0)
        for code in self._local:
            mon.set_local_events(tool, code, 0)
        self._local.clear()
        for event in (self.E.LINE, self.E.PY_START, self.E.PY_RESUME, self.E.RAISE, self.E.JUMP):
            mon.register_callback(tool, event, None)
        mon.free_tool_id(tool)

    # -- callbacks (hot) -------------------------------------------------------------------------

    def _wanted(self, code):
        dbg = self.dbg
        if dbg.breakpoints.in_code(code):
            return True
        return dbg.wants_all_lines() and dbg.filter.is_user(code.co_filename)

    def _local_events(self):
        # A pause must also catch a loop on one line (`while True: work()`), which raises no
        # LINE event after its first pass: backward jumps (JUMP) count as lines while pausing.
        return self.E.LINE | (self.E.JUMP if self.dbg.pause_requested else 0)

    def _arm(self, code):
        if code not in self._local:
            self._local.add(code)
            mon.set_local_events(self.tool, code, self._local_events())

    def _on_start(self, code, offset):
        if self._wanted(code):
            self._arm(code)
        return self.DISABLE

    def _on_line(self, code, line):
        dbg = self.dbg
        if getattr(self._busy, 'on', False):
            return None
        if not dbg.wants_all_lines():
            bps = dbg.breakpoints.for_filename(code.co_filename)
            if bps is None or line not in bps:
                return self.DISABLE
        self._busy.on = True
        try:
            dbg.on_line(sys._getframe(1), line)
        finally:
            self._busy.on = False
        return None

    def _on_jump(self, code, offset, destination):
        if not self.dbg.pause_requested:
            return self.DISABLE
        if destination >= offset or getattr(self._busy, 'on', False):
            return None
        frame = sys._getframe(1)
        self._busy.on = True
        try:
            self.dbg.on_line(frame, frame.f_lineno)
        finally:
            self._busy.on = False
        return None

    def _on_raise(self, code, offset, exc):
        if getattr(self._busy, 'on', False):
            return None
        # RAISE fires again in every frame the exception propagates to; only the first counts.
        tb = getattr(exc, '__traceback__', None)
        if tb is not None and tb.tb_next is not None:
            return None
        self._busy.on = True
        try:
            self.dbg.on_raise(sys._getframe(1), exc)
        finally:
            self._busy.on = False
        return None
