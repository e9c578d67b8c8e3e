"""Snapshots of asyncio tasks: states, owners, awaited-by edges, what each task waits on, frames.

Reads task internals (`_fut_waiter`, `_callbacks`, `_state`, `_exception`) without changing them:
in particular it never calls `Task.exception()` or `result()`, which would mark an exception as
retrieved and hide a lost error. It does not decide which thread it runs on (server.py does), and
it does not send anything.
"""
import asyncio
import functools
import types

from . import registry

_tasks_mod = asyncio.tasks
_Task = asyncio.Task
_Future = asyncio.Future
_PyTask = getattr(_tasks_mod, '_PyTask', _Task)
_TASK_TYPES = tuple({_Task, _PyTask})
_FUTURE_TYPES = tuple({_Future, getattr(asyncio.futures, '_PyFuture', _Future)})
HAS_AWAITED_BY = hasattr(_Future, '_asyncio_awaited_by')


def all_tasks(loops=()):
    """Every live task object (pending and done ones still referenced), from asyncio's registry."""
    sets = [getattr(_tasks_mod, n, None) for n in ('_all_tasks', '_scheduled_tasks', '_eager_tasks')]
    sets = [s for s in sets if s is not None]
    out = {}
    for s in sets:
        for _ in range(10):
            try:
                items = list(s)
                break
            except RuntimeError:  # changed size during iteration (another thread)
                continue
        else:
            items = []
        for t in items:
            out[id(t)] = t
    for r in list(registry._eager_done):
        t = r()
        if t is not None:
            out[id(t)] = t
    if not sets or not hasattr(_tasks_mod, '_all_tasks'):
        # 3.14+ keeps tasks in C structures; all_tasks() then lists pending ones only.
        for loop in loops:
            try:
                for t in asyncio.all_tasks(loop):
                    out[id(t)] = t
            except Exception:
                pass
    return list(out.values())


def state_of(t, current):
    s = t._state
    if s == 'PENDING':
        return 'running' if t is current else 'pending'
    if s == 'CANCELLED':
        return 'cancelled'
    return 'failed' if t._exception is not None else 'done'


def _futures_in(cb):
    """Futures (and asyncio.Queues) a done-callback refers to: closure cells, partial args, self."""
    out = []
    if isinstance(cb, functools.partial):
        out.extend(cb.args)
        cb = cb.func
    cells = getattr(cb, '__closure__', None)
    if cells:
        for c in cells:
            try:
                out.append(c.cell_contents)
            except ValueError:
                pass
    s = getattr(cb, '__self__', None)
    if s is not None:
        out.append(s)
        d = getattr(s, '_done', None)  # 3.13 as_completed iterator
        if d is not None:
            out.append(d)
    return out


class Graph:
    """Awaited-by edges over one set of tasks: ``awaiters(task)`` -> set of tasks waiting for it."""

    def __init__(self, tasks):
        self._tasks = tasks
        self._by_waiter = None

    @property
    def by_waiter(self):
        """id(future) -> tasks waiting on it; built on first need (many listings never need it)."""
        if self._by_waiter is None:
            m = self._by_waiter = {}
            for t in self._tasks:
                w = t._fut_waiter if t._state == 'PENDING' else None
                if w is not None:
                    m.setdefault(id(w), []).append(t)
        return self._by_waiter

    def awaiters(self, fut, depth=0, seen=None):
        seen = set() if seen is None else seen
        if id(fut) in seen or depth > 6:
            return []
        seen.add(id(fut))
        out = []
        if depth:
            out.extend(self.by_waiter.get(id(fut), ()))
        cbs = getattr(fut, '_callbacks', None) or ()
        for entry in list(cbs):
            cb = entry[0] if isinstance(entry, tuple) else entry
            s = getattr(cb, '__self__', None)
            if isinstance(s, _TASK_TYPES):
                if s is not fut:
                    out.append(s)
                continue
            parent = getattr(s, '_parent_task', None)  # TaskGroup._on_task_done
            if isinstance(parent, _TASK_TYPES):
                out.append(parent)
                continue
            for obj in _futures_in(cb):
                if isinstance(obj, _FUTURE_TYPES) and obj is not fut:
                    if isinstance(obj, _TASK_TYPES):
                        out.append(obj)
                    else:
                        out.extend(self.awaiters(obj, depth + 1, seen))
                elif isinstance(obj, asyncio.Queue):
                    for g in list(getattr(obj, '_getters', ())):
                        out.extend(self.by_waiter.get(id(g), ()))
        if HAS_AWAITED_BY:
            for obj in list(getattr(fut, '_asyncio_awaited_by', None) or ()):
                if isinstance(obj, _TASK_TYPES):
                    out.append(obj)
        return out


def coroutine_chain(t):
    """The task's coroutine await chain, outermost first: coroutine/generator objects, then the
    awaited leaf (a Future or other awaitable) if any."""
    chain = []
    c = t._coro  # never get_coro(): it crashes 3.12.1 on an eager task done at creation
    while c is not None and len(chain) < 100:
        chain.append(c)
        nxt = getattr(c, 'cr_await', None)
        if nxt is None and hasattr(c, 'gi_yieldfrom'):
            nxt = c.gi_yieldfrom
        if nxt is None and hasattr(c, 'ag_await'):
            nxt = c.ag_await
        c = nxt
    return chain


def _frame_obj(c):
    return getattr(c, 'cr_frame', None) or getattr(c, 'gi_frame', None) or getattr(c, 'ag_frame', None)


def chain_frames(chain):
    """Frames of a coroutine chain, innermost first, with ``internal`` marking asyncio's own."""
    out = []
    for c in reversed(chain):
        f = _frame_obj(c)
        if f is None:
            continue
        code = f.f_code
        out.append({'path': code.co_filename, 'line': f.f_lineno or code.co_firstlineno,
                    'function': getattr(c, '__qualname__', code.co_name),
                    'internal': registry.is_internal(code.co_filename)})
    return out


def stack_frames(f, limit=64):
    """A thread's Python stack from frame ``f``, innermost first."""
    out = []
    while f is not None and len(out) < limit:
        code = f.f_code
        out.append({'path': code.co_filename, 'line': f.f_lineno or code.co_firstlineno,
                    'function': getattr(code, 'co_qualname', code.co_name),
                    'internal': registry.is_internal(code.co_filename)})
        f = f.f_back
    return out


_SOCKET_READ = ('StreamReader.', 'BaseSelectorEventLoop.sock_recv', 'BaseSelectorEventLoop.sock_accept',
                'BaseEventLoop.sock_recv', 'BaseProactorEventLoop.sock_recv')
_SOCKET_WRITE = ('StreamWriter.drain', 'FlowControlMixin._drain_helper', 'BaseSelectorEventLoop.sock_sendall',
                 'BaseSelectorEventLoop.sock_connect', 'BaseEventLoop.sock_sendall')


def awaiting_words(t, chain):
    """What a pending task waits on, in words; None when it waits on nothing (ready or running)."""
    op = None
    for c in chain:
        f = _frame_obj(c)
        if f is None:
            continue
        if not registry.is_internal(f.f_code.co_filename):
            op = None
        elif op is None:
            op = c
    return awaiting_of(t, op)


_kinds = {}


def _kind(q):
    """How to word an asyncio-internal coroutine by its qualname (cached)."""
    k = _kinds.get(q)
    if k is None:
        if q == 'sleep':
            k = 'sleep'
        elif q in ('wait', '_wait'):
            k = 'wait'
        elif q.startswith(_SOCKET_READ):
            k = '=socket read'
        elif q.startswith(_SOCKET_WRITE):
            k = '=socket write'
        elif q.startswith(('as_completed', '_AsCompletedIterator')):
            k = '=as_completed'
        elif q.startswith('TaskGroup.'):
            k = 'taskgroup'
        elif q and not q.startswith('_'):
            k = '=' + q
        else:
            k = ''
        _kinds[q] = k
    return k


def awaiting_of(t, op):
    """Words for a pending task ``t`` whose outermost asyncio-internal coroutine is ``op``."""
    if t._state != 'PENDING':
        return None
    w = t._fut_waiter
    if w is not None:
        if isinstance(w, _TASK_TYPES):
            return w.get_name()
        children = getattr(w, '_children', None)
        if children is not None:
            return 'gather(%d)' % len(children)
    if op is not None:
        k = _kind(getattr(op, '__qualname__', ''))
        if k.startswith('='):
            return k[1:]
        if k:
            f = _frame_obj(op)
            loc = f.f_locals if f is not None else {}
            if k == 'sleep':
                try:
                    return 'sleep %ss' % float(loc.get('delay'))
                except (TypeError, ValueError):
                    return 'sleep'
            if k == 'wait':
                try:
                    return 'wait(%d)' % len(loc.get('fs'))
                except TypeError:
                    return 'wait'
            return 'TaskGroup(%d)' % len(getattr(loc.get('self'), '_tasks', ()))
    if w is None:
        return None
    if isinstance(w, _FUTURE_TYPES):
        return 'Future'
    return type(w).__name__


def location(chain):
    """Innermost user frame of a chain (the task's current suspension point), or None."""
    for c in reversed(chain):
        f = _frame_obj(c)
        if f is not None and not registry.is_internal(f.f_code.co_filename):
            code = f.f_code
            return {'path': code.co_filename, 'line': f.f_lineno or code.co_firstlineno,
                    'function': getattr(c, '__qualname__', code.co_name)}
    return None


_Coro = types.CoroutineType
_Gen = types.GeneratorType


def summary(t):
    """(location, awaiting) of a pending task in one walk of its chain: the list view's fast path."""
    internal = registry._internal
    c = t._coro
    user = op = None
    n = 0
    while c is not None and n < 100:
        n += 1
        tc = type(c)
        if tc is _Coro:
            f, nxt = c.cr_frame, c.cr_await
        elif tc is _Gen:
            f, nxt = c.gi_frame, c.gi_yieldfrom
        else:
            f = _frame_obj(c)
            nxt = getattr(c, 'cr_await', None) or getattr(c, 'gi_yieldfrom', None) or getattr(c, 'ag_await', None)
        if f is not None:
            fn = f.f_code.co_filename
            i = internal.get(fn)
            if i is None:
                i = registry.is_internal(fn)
            if not i:
                user = (c, f)
                op = None  # the operation is where the innermost user frame entered asyncio
            elif op is None:
                op = c
        c = nxt
    loc = None
    if user is not None:
        c, f = user
        loc = {'path': f.f_code.co_filename, 'line': f.f_lineno or f.f_code.co_firstlineno,
               'function': getattr(c, '__qualname__', f.f_code.co_name)}
    return loc, awaiting_of(t, op)


def coroutine_name(t):
    c = t._coro  # never get_coro(): it crashes 3.12.1 on an eager task done at creation
    if c is None:
        return registry.coro_name(registry.records.get(id(t))) or '?'
    return getattr(c, '__qualname__', None) or type(c).__name__
