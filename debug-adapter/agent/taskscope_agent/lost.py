"""Lost asyncio errors, turned into `lost.error` events: coroutines never awaited, task exceptions
never retrieved, tasks destroyed while pending, and tasks still pending at shutdown.

Everything here reacts to what asyncio and the interpreter already report (the loop's exception
handler, the unawaited-coroutine warning, the runner's final cancellation, `loop.close`): the agent
never calls `Task.exception()` or `result()`, which would mark the exception retrieved and hide the
very bug being reported. These functions may run inside finalizers on any thread: they only build
a dict and queue it; they never raise.
"""
import traceback

from . import dispatch, registry, tasks

_reported_pending = set()   # tids already reported as pending at shutdown
listeners = []              # callables(body): e.g. --tree-on-exit printing


def _send(body):
    dispatch.emit('lost.error', body)
    for fn in list(listeners):
        try:
            fn(body)
        except Exception:
            pass


def _task_fields(task):
    rec = registry.lookup(task) if task is not None else None
    created = registry.sites(rec)
    return {'task': str(registry.tid(rec)) if rec is not None else None,
            'coroutine': tasks.coroutine_name(task) if task is not None else '?',
            'createdAt': created[0] if created else None,
            'createdStack': created}


def on_exception_context(context):
    """Called with the context of every `loop.call_exception_handler` before asyncio handles it."""
    try:
        message = str(context.get('message') or '')
        if message.startswith('Task exception was never retrieved'):
            kind, task = 'exception-never-retrieved', context.get('future') or context.get('task')
        elif message.startswith('Future exception was never retrieved'):
            kind, task = 'exception-never-retrieved', None
        elif message.startswith('Task was destroyed but it is pending'):
            kind, task = 'destroyed-pending', context.get('task') or context.get('future')
        else:
            return
        exc = context.get('exception')
        body = {'kind': kind, 'message': message}
        body.update(_task_fields(task))
        if task is None and context.get('future') is not None:
            body['coroutine'] = type(context['future']).__name__
        body['exception'] = None if exc is None else '%s: %s' % (type(exc).__name__, exc)
        body['traceback'] = None if exc is None else ''.join(
            traceback.format_exception(type(exc), exc, exc.__traceback__))
        _send(body)
    except Exception:
        pass


def on_unawaited(coro):
    """Called by the interpreter (through warnings._warn_unawaited_coroutine) for each coroutine
    garbage-collected without ever being awaited."""
    try:
        name = getattr(coro, '__qualname__', None) or type(coro).__name__
        origin = getattr(coro, 'cr_origin', None) or ()
        stack = [{'path': fn, 'line': line, 'function': func} for fn, line, func in origin]
        user = [f for f in stack if not registry.is_internal(f['path'])]
        _send({'kind': 'never-awaited', 'task': None, 'coroutine': name,
               'message': 'coroutine %r was never awaited' % name,
               'createdAt': user[0] if user else None, 'createdStack': user[:3],
               'exception': None, 'traceback': None})
    except Exception:
        pass


def on_pending_at_shutdown(pending, why):
    """``pending``: tasks still pending when their loop's main coroutine finished or it closed."""
    try:
        for t in pending:
            if t.done():
                continue
            rec = registry.tid(registry.adopt(t))
            if rec in _reported_pending:
                continue
            _reported_pending.add(rec)
            body = {'kind': 'pending-at-shutdown',
                    'message': 'Task %s (%s) was still pending %s' % (t.get_name(), tasks.coroutine_name(t), why),
                    'exception': None, 'traceback': None}
            body.update(_task_fields(t))
            chain = tasks.coroutine_chain(t)
            body['location'] = tasks.location(chain)
            body['awaiting'] = tasks.awaiting_words(t, chain)
            _send(body)
    except Exception:
        pass
