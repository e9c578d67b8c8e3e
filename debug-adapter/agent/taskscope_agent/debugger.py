"""The debugger's state in the agent: what is paused where, and how a paused thread waits.

A stop (breakpoint, step, pause, exception) blocks the thread that hit it inside the tracing
callback, in `Debugger._pause`, which runs work posted to it (evaluations, assignments) until a
`continue` or `step` releases it. Meanwhile the agent's own thread serves the protocol (the event
loop does not turn while its thread is paused). Other threads keep running; the adapter presents
the stop as "all threads stopped" so every stack and task can be inspected.

This module does not hook the interpreter (`tracer_*`), format variables (`debugger_vars`) or
parse protocol messages (`debugger_handlers`).
"""

import os
import sys
import threading

from . import loops, tracer
from .debugger_vars import Variables, describe_exception, evaluate

EXCEPTION_FILTERS = ('raised', 'uncaught', 'exception-never-retrieved', 'never-awaited')


class Paused:
    """One paused thread: where, why, and its inbox of work to run on that thread."""

    def __init__(self, ident, frame, reason, frames=None, exception=None, text=None):
        self.ident, self.frame, self.reason = ident, frame, reason
        self.frames = frames  # explicit frame list (post-mortem), else walk f_back from `frame`
        self.exception = exception  # dict for exceptionInfo, or None
        self.text = text
        import queue  # here, as only a paused thread needs it (see tracer.CodeFilter)
        self.inbox = queue.Queue()


class Debugger:
    def __init__(self, emit):
        self.emit = emit
        self.breakpoints = tracer.BreakpointTable()
        self.filter = tracer.CodeFilter()
        self.exception_filters = set()
        self.steps = {}  # thread ident -> tracer.Step
        self.pause_requested = False
        self.paused = {}  # thread ident -> Paused
        self.vars = Variables()
        self.frames = {}  # frame id -> (thread ident, frame)
        self._frame_ids = {}  # id(frame) -> frame id
        self._next_frame = 1
        self.lock = threading.RLock()
        self.agent_threads = set()
        self.engine = make_engine(self)

    # -- questions the engines ask (hot) ---------------------------------------------------------

    def wants_all_lines(self):
        return bool(self.steps) or self.pause_requested

    def is_program_thread(self):
        return threading.get_ident() not in self.agent_threads and not _is_agent_thread(threading.current_thread())

    # -- events from the engines -----------------------------------------------------------------

    def on_line(self, frame, line):
        ident = threading.get_ident()
        if ident in self.agent_threads:
            return
        bps = self.breakpoints.for_filename(frame.f_code.co_filename)
        bp = bps.get(line) if bps else None
        if bp is not None and self._breakpoint_fires(bp, frame):
            if bp.log_message is None:
                self._pause(ident, frame, 'breakpoint', hit=[bp.id])
                return
            self._log(bp, frame)
        if not self.wants_all_lines() or not self.filter.is_user(frame.f_code.co_filename):
            return
        step = self.steps.get(ident)
        if step is not None and step.should_stop(frame):
            self._pause(ident, frame, 'entry' if step.kind == 'entry' else 'step')
        elif self.pause_requested:
            self._pause(ident, frame, 'pause')

    def on_raise(self, frame, exc):
        if 'raised' not in self.exception_filters or isinstance(exc, tracer.CONTROL_FLOW):
            return
        if threading.get_ident() in self.agent_threads or not self.filter.is_user(frame.f_code.co_filename):
            return
        info = {'exceptionId': type(exc).__qualname__, 'description': describe_exception(exc),
                'breakMode': 'always', 'typeName': type(exc).__qualname__}
        self._pause(threading.get_ident(), frame, 'exception', exception=info, text=describe_exception(exc))

    def on_uncaught(self, exc_type, exc, tb):
        """Post-mortem stop in the thread whose exception nobody caught (from the excepthooks)."""
        if 'uncaught' not in self.exception_filters or tb is None or not self.is_program_thread():
            return
        frames = []
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
        frames.reverse()
        if not any(self.filter.is_user(f.f_code.co_filename) for f in frames):
            return
        info = {'exceptionId': exc_type.__qualname__, 'description': describe_exception(exc),
                'breakMode': 'unhandled', 'typeName': exc_type.__qualname__}
        self._pause(threading.get_ident(), frames[0], 'exception', frames=frames, exception=info,
                    text=describe_exception(exc))

    def on_lost_error(self, body):
        """Stops where the agent reports an asyncio error nobody will see (if that filter is on)."""
        kind = body.get('kind')
        if kind not in self.exception_filters or not self.is_program_thread():
            return
        created = body.get('createdAt')
        where = f"\nCreated at {created['path']}:{created['line']} in {created['function']}" if created else ''
        title = {'never-awaited': 'Coroutine never awaited',
                 'exception-never-retrieved': 'Task exception was never retrieved'}[kind]
        info = {'exceptionId': kind, 'description': f"{title}: {body.get('message', '')}{where}",
                'breakMode': 'always', 'typeName': body.get('exception') or title,
                'stackTrace': body.get('traceback') or None, 'createdAt': created}
        self._pause(threading.get_ident(), sys._getframe(1), 'exception', exception=info, text=title)

    # -- stopping --------------------------------------------------------------------------------

    def _breakpoint_fires(self, bp, frame):
        if bp.condition:
            try:
                if not evaluate(bp.condition, frame):
                    return False
            except Exception as e:  # noqa: BLE001 - the user's condition may fail; say so and stop
                self.emit('debug.output', {'category': 'stderr', 'output':
                          f'Breakpoint condition `{bp.condition}` failed: {describe_exception(e)}\n',
                          'path': bp.path, 'line': bp.line})
        return bp.hit_passes()

    def _log(self, bp, frame):
        self.emit('debug.output', {'category': 'console', 'output': interpolate(bp.log_message, frame) + '\n',
                                   'path': bp.path, 'line': bp.line})

    def _pause(self, ident, frame, reason, hit=None, frames=None, exception=None, text=None):
        state = Paused(ident, frame, reason, frames, exception, text)
        with self.lock:
            self.steps.pop(ident, None)
            self._forget_dead_steps()
            self.pause_requested = False
            self.paused[ident] = state
        self.engine.update()
        loops.set_paused(ident, True)
        body = {'threadId': thread_id(ident), 'reason': reason, 'allThreadsStopped': True}
        if hit:
            body['hitBreakpointIds'] = hit
        if text:
            body['text'] = text
        if exception:
            body['description'] = exception['description']
        self.emit('debug.stopped', body)
        action = None
        try:
            while action is None:
                kind, payload = state.inbox.get()
                if kind == 'resume':
                    action = payload
                elif kind == 'call':
                    payload.run()
        finally:
            loops.set_paused(ident, False)
        with self.lock:
            self.paused.pop(ident, None)
            if not self.paused:
                self.vars.clear()
                self.frames.clear()
                self._frame_ids.clear()
            if action in ('in', 'over', 'out'):
                self.steps[ident] = tracer.Step(action, ident, frame if frames is None else None, self.filter)
        self.engine.update()

    def _forget_dead_steps(self):
        # A step whose thread ended (stepping off the end of a thread's function) never lands;
        # left in place it would keep every line of the user's code traced.
        if self.steps:
            alive = {t.ident for t in threading.enumerate()}
            for ident in [i for i in self.steps if i not in alive]:
                self.steps.pop(ident, None)

    # -- requests (any thread) -------------------------------------------------------------------

    def resume(self, ident=None, step=None):
        """`continue` releases every paused thread; `step` only the given one."""
        with self.lock:
            self._forget_dead_steps()
            targets = [self.paused[ident]] if step else list(self.paused.values())
            for state in targets:
                state.inbox.put(('resume', step or 'continue'))
        return bool(targets)

    def request_pause(self):
        with self.lock:
            if self.paused:
                return
            self.pause_requested = True
        self.engine.update()
        # An idle loop runs no user line; a callback posted to it pauses there instead.
        from .tracer_settrace import _running_loops
        for loop in _running_loops():
            try:
                loop.call_soon_threadsafe(self._pause_if_still_requested)
            except RuntimeError:
                pass

    def _pause_if_still_requested(self):
        if self.pause_requested and not self.paused:
            self._pause(threading.get_ident(), sys._getframe(1), 'pause', text='Paused while the event loop was idle')

    def run_on(self, ident, fn, timeout=10.0):
        """Runs `fn()` on paused thread `ident` and returns its result (or raises its exception)."""
        state = self.paused.get(ident)
        if state is None:
            raise LookupError('That thread is not paused')
        if ident == threading.get_ident():
            return fn()
        job = _Job(fn)
        state.inbox.put(('call', job))
        if not job.done.wait(timeout):
            raise TimeoutError(f'No answer from the paused thread within {timeout:.0f} s')
        if job.error is not None:
            raise job.error
        return job.result

    # -- frames ----------------------------------------------------------------------------------

    def frame_id(self, ident, frame):
        with self.lock:
            fid = self._frame_ids.get(id(frame))
            if fid is None or self.frames[fid][1] is not frame:
                fid = self._next_frame
                self._next_frame += 1
                self.frames[fid] = (ident, frame)
                self._frame_ids[id(frame)] = fid
            return fid

    def stack(self, ident):
        """Frames of a thread, innermost first: the paused ones, or a sample of a running thread."""
        state = self.paused.get(ident)
        if state is not None and state.frames is not None:
            return list(state.frames)
        frame = state.frame if state is not None else sys._current_frames().get(ident)
        out = []
        while frame is not None:
            out.append(frame)
            frame = frame.f_back
        return out


# -- helpers ------------------------------------------------------------------------------------

class _Job:
    """Work posted to a paused thread; the poster waits on `done`."""

    def __init__(self, fn):
        self.fn, self.result, self.error = fn, None, None
        self.done = threading.Event()

    def run(self):
        try:
            self.result = self.fn()
        except BaseException as e:  # noqa: BLE001 - handed to the requester, never raised here
            self.error = e
        finally:
            self.done.set()


def interpolate(message, frame):
    """A logpoint's text: `{expr}` parts evaluated in `frame`, `{{`/`}}` for literal braces."""
    out, i = [], 0
    while i < len(message):
        c = message[i]
        if c == '{' and message.startswith('{{', i):
            out.append('{')
            i += 2
        elif c == '}' and message.startswith('}}', i):
            out.append('}')
            i += 2
        elif c == '{':
            end = message.find('}', i)
            if end < 0:
                out.append(message[i:])
                break
            try:
                out.append(str(evaluate(message[i + 1:end], frame)))
            except Exception as e:  # noqa: BLE001
                out.append(f'<{describe_exception(e)}>')
            i = end + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def thread_id(ident):
    """The protocol's thread id: the OS thread id where known (small, stable), else the ident."""
    for t in threading.enumerate():
        if t.ident == ident:
            return getattr(t, 'native_id', None) or ident
    return ident


def thread_ident(tid):
    for t in threading.enumerate():
        if getattr(t, 'native_id', None) == tid or t.ident == tid:
            return t.ident
    return tid


def _is_agent_thread(thread):
    return thread.name.startswith('taskscope') or thread.name.startswith('Taskscope')


def program_threads():
    return [t for t in threading.enumerate() if not _is_agent_thread(t)]


def make_engine(debugger):
    from . import tracer_monitoring
    if tracer_monitoring.available() and not os.environ.get('TASKSCOPE_FORCE_SETTRACE'):
        return tracer_monitoring.MonitoringEngine(debugger)
    from .tracer_settrace import SettraceEngine
    return SettraceEngine(debugger)
