"""Installs the agent's asyncio hooks: the task records (registry.install), class-level wrappers
on `asyncio.BaseEventLoop` (`set_task_factory`/`get_task_factory`, `close`,
`call_exception_handler`), `asyncio.events._set_running_loop` (which
`run_forever` calls as it starts and ends), the runner's final
cancellation, and the interpreter's unawaited-coroutine warning. Idempotent.

Each wrapper calls the original first or last exactly as asyncio would, and swallows its own
errors: the agent never raises into user code. Loops that are not `BaseEventLoop`s (uvloop) are
not seen. It does not serve the protocol; it tells `server` when a loop starts and stops.
"""
import asyncio
import asyncio.base_events as _be
import threading
import warnings

from . import lost, loops, registry

_installed = []
on_loop_start = []   # callables(state, loop), run on the loop thread as run_forever starts
on_loop_stop = []    # callables(state, loop), run on the loop thread as run_forever ends
on_shutdown = []     # callables(loop, why): asyncio.run's main coroutine finished, or loop.close()


def install():
    if _installed:
        return
    _installed.append(True)
    cls = _be.BaseEventLoop
    registry.install()
    cls.set_task_factory = _wrap_set_task_factory(cls.set_task_factory)
    cls.get_task_factory = _wrap_get_task_factory(cls.get_task_factory)
    asyncio.events._set_running_loop = _wrap_set_running_loop(asyncio.events._set_running_loop)
    cls.close = _wrap_close(cls.close)
    cls.call_exception_handler = _wrap_exception_handler(cls.call_exception_handler)
    runners = getattr(asyncio, 'runners', None)
    if runners is not None and hasattr(runners, '_cancel_all_tasks'):
        runners._cancel_all_tasks = _wrap_cancel_all(runners._cancel_all_tasks)
    if hasattr(warnings, '_warn_unawaited_coroutine'):
        warnings._warn_unawaited_coroutine = _warn_unawaited_coroutine

def _wrap_set_task_factory(orig):
    # A user factory is chained (registry.wrap_task_factory), never replaced: it still makes the
    # tasks, and get_task_factory() still returns it.
    def set_task_factory(self, factory):
        if factory is not None and callable(factory):
            wrapped = registry.wrap_task_factory(factory)
        else:
            wrapped = factory
        return orig(self, wrapped)
    set_task_factory.__wrapped__ = orig
    set_task_factory.__doc__ = orig.__doc__
    return set_task_factory


def _wrap_get_task_factory(orig):
    def get_task_factory(self):
        factory = orig(self)
        return getattr(factory, '__wrapped__', factory) if getattr(factory, '_taskscope', False) else factory
    get_task_factory.__wrapped__ = orig
    get_task_factory.__doc__ = orig.__doc__
    return get_task_factory


def _warn_unawaited_coroutine(coro):
    # Replaces warnings._warn_unawaited_coroutine, which the interpreter calls directly: it must
    # warn with the same text and stack level as the original, so it cannot just wrap it.
    lost.on_unawaited(coro)
    msg_lines = ["coroutine '%s' was never awaited\n" % coro.__qualname__]
    if getattr(coro, 'cr_origin', None) is not None:
        import linecache
        import traceback
        origin = [(fn, ln, func, linecache.getline(fn, ln)) for fn, ln, func in reversed(coro.cr_origin)]
        msg_lines.append('Coroutine created at (most recent call last)\n')
        msg_lines += traceback.format_list(origin)
    msg = ''.join(msg_lines).rstrip('\n')
    warnings.warn(msg, category=RuntimeWarning, stacklevel=2, source=coro)


def _call_all(callbacks, state, loop):
    for cb in list(callbacks):
        try:
            cb(state, loop)
        except Exception:
            pass


_by_thread = {}  # thread ident -> (LoopState, loop) of the loop running there


def _wrap_set_running_loop(orig):
    # run_forever announces its start and end through events._set_running_loop(loop / None), on
    # every version. Hooking that (rather than wrapping run_forever) keeps the agent's frame out
    # of the tracebacks of exceptions that escape the loop, such as KeyboardInterrupt.
    def _set_running_loop(loop):
        orig(loop)
        try:
            ident = threading.get_ident()
            if loop is not None:
                if isinstance(loop, _be.BaseEventLoop):
                    state = loops.state(loop)
                    state.thread = ident
                    state.running = True
                    _by_thread[ident] = (state, loop)
                    _call_all(on_loop_start, state, loop)
            else:
                registry.commit()
                state, loop = _by_thread.pop(ident, (None, None))
                if state is not None:
                    state.running = False
                    _call_all(on_loop_stop, state, loop)
        except Exception:
            pass
    return _set_running_loop


def adopt_loop(loop):
    """On the thread of a loop that was already running when the agent arrived: as if it started."""
    ident = threading.get_ident()
    if ident in _by_thread or not loop.is_running():
        return
    state = loops.state(loop)
    state.thread = ident
    state.running = True
    _by_thread[ident] = (state, loop)
    _call_all(on_loop_start, state, loop)


def _report_leftovers(loop, why):
    """Shutdown bookkeeping and the pending-at-shutdown report; never raises into user code."""
    try:
        _shutdown(loop, why)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if pending:
            lost.on_pending_at_shutdown(pending, why)
    except Exception:
        pass


def _wrap_close(orig):
    def close(self):
        if not self.is_running() and not self.is_closed():
            _report_leftovers(self, 'when its loop was closed')
        return orig(self)
    close.__wrapped__ = orig
    return close


def _wrap_exception_handler(orig):
    def call_exception_handler(self, context):
        lost.on_exception_context(context)
        return orig(self, context)
    call_exception_handler.__wrapped__ = orig
    return call_exception_handler


def _wrap_cancel_all(orig):
    def _cancel_all_tasks(loop):
        _report_leftovers(loop, 'when asyncio.run() finished its main coroutine')
        return orig(loop)
    return _cancel_all_tasks


def _shutdown(loop, why):
    for cb in list(on_shutdown):
        try:
            cb(loop, why)
        except Exception:
            pass
