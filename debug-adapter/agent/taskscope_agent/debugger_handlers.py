"""The `debug.*` methods and events of the inspector protocol, registered into the agent's
dispatch table (docs/debug-adapter-protocol.md lists them), and the hooks that feed the debugger:
excepthooks for uncaught exceptions, the agent's lost-error reports, the main thread's start, and
a watch on the adapter's process so a debuggee never outlives its debugger.

Importing this module installs nothing that costs the program anything: tracing starts only
when a breakpoint, a step, a pause or the "raised" filter asks for it.
"""

import os
import signal
import sys
import threading
import time

from . import debugger as _debugger
from . import chains, dispatch, protocol
from .debugger_vars import describe_exception, evaluate

M = protocol.declare_method
M('debug.configure', 'justMyCode?: bool, stopOnEntry?: bool, adapterPid?: int, exceptionFilters?: str[]',
  'engine: str, filters: str[]')
M('debug.setBreakpoints', 'path: str, breakpoints: object[]', 'breakpoints: object[]')
M('debug.setExceptionBreakpoints', 'filters: str[]', 'filters: str[]')
M('debug.threads', '', 'threads: object[]')
M('debug.pause', '', 'pausing: bool')
M('debug.continue', 'threadId?: int', 'resumed: bool')
M('debug.step', 'threadId: int, kind: str', 'resumed: bool')
M('debug.stackTrace', 'threadId: int, startFrame?: int, levels?: int', 'frames: object[], total: int')
M('debug.taskStack', 'task: str', 'frames: object[]')
M('debug.scopes', 'frameId: int', 'scopes: object[]')
M('debug.variables', 'ref: int, start?: int, count?: int', 'variables: object[]')
M('debug.setVariable', 'ref: int, name: str, value: str', 'variable: object')
M('debug.evaluate', 'expression: str, frameId?: int, context?: str', 'variable: object')
M('debug.exceptionInfo', 'threadId: int', 'info: object|null')
protocol.declare_event('debug.stopped', ('threadId: int, reason: str, allThreadsStopped: bool, '
                                         'hitBreakpointIds?: int[], text?: str, description?: str'))
protocol.declare_event('debug.output', 'category: str, output: str, path?: str, line?: int')

DBG = _debugger.Debugger(dispatch.emit)
register = dispatch.register


def _fail(code, message):
    raise dispatch.RequestError(code, message)


@register('debug.configure')
def configure(params, ctx):
    if 'justMyCode' in params:
        DBG.filter.set_just_my_code(params['justMyCode'])
    if 'exceptionFilters' in params:
        set_exception_breakpoints({'filters': params['exceptionFilters']}, ctx)
    if params.get('stopOnEntry'):
        main = threading.main_thread().ident
        DBG.steps[main] = _debugger.tracer.Step('entry', main, None, DBG.filter)
        DBG.engine.update()
    if params.get('adapterPid'):
        _watch_adapter(int(params['adapterPid']))
    return {'engine': DBG.engine.name, 'filters': sorted(DBG.exception_filters)}


@register('debug.setBreakpoints')
def set_breakpoints(params, ctx):
    specs = [b for b in params['breakpoints'] if isinstance(b, dict)]
    result = DBG.breakpoints.set_file(params['path'], specs)
    DBG.engine.update()
    return {'breakpoints': result}


@register('debug.setExceptionBreakpoints')
def set_exception_breakpoints(params, ctx):
    unknown = [f for f in params['filters'] if f not in _debugger.EXCEPTION_FILTERS]
    if unknown:
        _fail('invalid-params', 'unknown exception filter(s): ' + ', '.join(unknown))
    DBG.exception_filters = set(params['filters'])
    DBG.engine.update()
    return {'filters': sorted(DBG.exception_filters)}


@register('debug.threads')
def threads(params, ctx):
    return {'threads': [{'id': _debugger.thread_id(t.ident), 'name': t.name,
                         'paused': t.ident in DBG.paused} for t in _debugger.program_threads()]}


@register('debug.pause')
def pause(params, ctx):
    DBG.request_pause()
    return {'pausing': not DBG.paused}


@register('debug.continue')
def continue_(params, ctx):
    return {'resumed': DBG.resume()}


@register('debug.step')
def step(params, ctx):
    ident = _paused_ident(params['threadId'])
    if params['kind'] not in ('in', 'over', 'out'):
        _fail('invalid-params', 'kind must be in, over or out')
    return {'resumed': DBG.resume(ident, params['kind'])}


@register('debug.stackTrace')
def stack_trace(params, ctx):
    ident = _debugger.thread_ident(params['threadId'])
    frames = DBG.stack(ident)
    user = [f for f in frames if DBG.filter.is_user(f.f_code.co_filename)]
    shown = user or [f for f in frames if not f.f_code.co_filename.startswith(dispatch.agent_files())][:1]
    start = params.get('startFrame') or 0
    levels = params.get('levels') or len(shown)
    return {'frames': [_frame(ident, f) for f in shown[start:start + levels]], 'total': len(shown)}


@register('debug.taskStack')
def task_stack(params, ctx):
    task = _find_task(params['task'])
    if task is None:
        _fail('not-found', 'no live task %s' % params['task'])
    ident = getattr(task.get_loop(), '_thread_id', None) or 0
    out, seen, current = [], set(), task
    while current is not None and id(current) not in seen and len(out) < 200:
        seen.add(id(current))
        for frame in _task_frames(current):
            out.append(_frame(getattr(current.get_loop(), '_thread_id', None) or ident, frame))
        awaiters = _debugger.tracer.awaiting_tasks(current)
        current = min(awaiters, key=lambda t: int(_task_key(t)) if _task_key(t).isdigit() else 0) if awaiters else None
        if current is not None:
            out.append({'id': 0, 'name': 'awaited by %s' % current.get_name(), 'label': True,
                        'task': _task_key(current)})
    return {'frames': out}


@register('debug.scopes')
def scopes(params, ctx):
    return {'scopes': DBG.vars.scopes(_frame_of(params['frameId'])[1])}


@register('debug.variables')
def variables(params, ctx):
    try:
        return {'variables': DBG.vars.children(params['ref'], params.get('start'), params.get('count'))}
    except LookupError as e:
        _fail('not-found', str(e))


@register('debug.setVariable')
def set_variable(params, ctx):
    frame_ident = next(iter(DBG.paused), None)
    if frame_ident is None:
        _fail('not-ready', 'The program is running')
    job = lambda: DBG.vars.set_value(params['ref'], params['name'], params['value'], evaluate)  # noqa: E731
    try:
        return {'variable': DBG.run_on(frame_ident, job)}
    except (LookupError, TypeError, ValueError, SyntaxError, NameError, AttributeError) as e:
        _fail('invalid-params', describe_exception(e))


@register('debug.evaluate')
def evaluate_(params, ctx):
    expression, context = params['expression'], params.get('context') or 'repl'
    if params.get('frameId'):
        ident, frame = _frame_of(params['frameId'])
        if ident not in DBG.paused:
            ident = next(iter(DBG.paused), None)
    else:
        frame, ident = None, next(iter(DBG.paused), None)
    if ident is None:
        _fail('not-ready', 'Evaluation needs a paused program')
    job = lambda: DBG.vars.variable(expression, evaluate(expression, frame, context == 'repl'), expression)  # noqa: E731
    try:
        return {'variable': DBG.run_on(ident, job, timeout=15.0)}
    except LookupError as e:
        _fail('not-ready', str(e))
    except Exception as e:  # noqa: BLE001 - the expression's own error is the answer
        _fail('evaluate-failed', describe_exception(e))


@register('debug.exceptionInfo')
def exception_info(params, ctx):
    state = DBG.paused.get(_debugger.thread_ident(params['threadId']))
    return {'info': state.exception if state is not None else None}


# -- helpers --------------------------------------------------------------------------------------

def _paused_ident(tid):
    ident = _debugger.thread_ident(tid)
    if ident not in DBG.paused:
        _fail('not-ready', 'Thread %s is not paused' % tid)
    return ident


def _frame(ident, frame):
    code = frame.f_code
    return {'id': DBG.frame_id(ident, frame), 'name': code.co_qualname if hasattr(code, 'co_qualname') else code.co_name,
            'path': code.co_filename, 'line': frame.f_lineno or code.co_firstlineno,
            'user': DBG.filter.is_user(code.co_filename)}


def _frame_of(fid):
    got = DBG.frames.get(fid)
    if got is None:
        _fail('not-found', 'This frame is no longer available (the program ran on)')
    return got


def _task_key(task):
    """The protocol's id of a task (the agent's registry), else its name."""
    try:
        from . import registry
        return registry.task_id(task) or task.get_name()
    except (ImportError, AttributeError):
        return task.get_name()


def _find_task(task_id):
    try:
        from . import registry
        task = registry.find_task(task_id)
    except (ImportError, AttributeError):
        return None
    return task if task is not None and not task.done() else None


def _task_frames(task):
    """A task's await chain as frames, innermost first: the suspended coroutines' frames, or, for
    the task running on a paused thread, that thread's frames down to the task's own coroutine."""
    coro = task.get_coro()
    root = getattr(coro, 'cr_frame', None) or getattr(coro, 'gi_frame', None)
    frames = []
    ident = getattr(task.get_loop(), '_thread_id', None)
    if root is not None and ident in DBG.paused and getattr(coro, 'cr_running', False):
        for frame in DBG.stack(ident):
            frames.append(frame)
            if frame is root:
                break
        else:
            frames = []
    if not frames:
        while coro is not None and len(frames) < 100:
            frame = getattr(coro, 'cr_frame', None) or getattr(coro, 'gi_frame', None) or getattr(coro, 'ag_frame', None)
            if frame is None:
                break
            frames.append(frame)
            if chains._running(coro):  # its cr_await cannot be read safely while it runs
                break
            coro = getattr(coro, 'cr_await', None) or getattr(coro, 'gi_yieldfrom', None)
        frames.reverse()
    return [f for f in frames if DBG.filter.is_user(f.f_code.co_filename)] or frames[:1]


# -- hooks ----------------------------------------------------------------------------------------

def _install_excepthooks():
    previous_sys, previous_thread = sys.excepthook, threading.excepthook

    def on_uncaught(exc_type, exc, tb):
        if not issubclass(exc_type, (SystemExit, KeyboardInterrupt)):
            DBG.on_uncaught(exc_type, exc, tb)
        previous_sys(exc_type, exc, tb)

    def on_thread_uncaught(args):
        if args.exc_type is not SystemExit:
            DBG.on_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
        previous_thread(args)
    sys.excepthook, threading.excepthook = on_uncaught, on_thread_uncaught


def _hook_lost_errors():
    """Stops where the agent reports lost asyncio errors: wraps `dispatch.emit`, which the agent
    calls on the very thread (finalizer, exception handler) where it notices them."""
    original = dispatch.emit

    def emit(event, body, session=None):
        original(event, body, session)
        if event == 'lost.error' and isinstance(body, dict) and body.get('kind') in DBG.exception_filters:
            try:
                DBG.on_lost_error(body)
            except Exception:  # noqa: BLE001 - never into user code
                pass
    dispatch.emit = emit


def _on_main_start():
    """Runs on the main thread just before the target (a `before_run` hook): the settrace engine
    must install itself there (sys.settrace is per thread); harmless for the monitoring engine."""
    if threading.current_thread() is not threading.main_thread():
        return
    # Coroutine origins (the creation site of a never-awaited coroutine) are recorded per thread.
    if 'never-awaited' in DBG.exception_filters and sys.get_coroutine_origin_tracking_depth() < 3:
        sys.set_coroutine_origin_tracking_depth(3)
    install = getattr(DBG.engine, 'install_on_main', None)
    if install is not None:
        install()


def _watch_adapter(pid):
    """Ends the debuggee (and its process group when it leads one) once the adapter is gone."""
    def watch():
        while True:
            time.sleep(0.5)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                continue
        try:
            if os.getpgrp() == os.getpid():
                os.killpg(os.getpid(), signal.SIGTERM)
            else:
                os.kill(os.getpid(), signal.SIGTERM)
        finally:
            time.sleep(2)
            os._exit(137)
    threading.Thread(target=watch, name='taskscope-adapter-watch', daemon=True).start()


_install_excepthooks()
_hook_lost_errors()
dispatch.before_run(_on_main_start)
