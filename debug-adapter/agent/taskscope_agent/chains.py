"""A task's coroutine await chain in words and frames: what it awaits (`sleep 2.0s`,
`Queue.get`, `gather(3)`...), where it is suspended, and frame lists for the protocol.

Reads coroutine and frame objects only; never resumes or changes them. Split from tasks.py, which
owns the task graph.
"""
import asyncio
import types

from . import registry

_Task = asyncio.Task
_PyTask = getattr(asyncio.tasks, '_PyTask', _Task)
_TASK_TYPES = tuple({_Task, _PyTask})
_FUTURE_TYPES = tuple({asyncio.Future, getattr(asyncio.futures, '_PyFuture', asyncio.Future)})
_Gathering = getattr(asyncio.tasks, '_GatheringFuture', None)


def _running(c):
    """True while coroutine/generator ``c`` executes (on some thread). Its `cr_await` must not
    be read then: before 3.12 the interpreter peeks at the value stack of the executing frame,
    which is not valid while it runs, and from another thread that read crashed 3.11 (SIGSEGV
    under a listing served by the agent's thread while the loop thread was inside a task)."""
    return bool(getattr(c, 'cr_running', False) or getattr(c, 'gi_running', False)
                or getattr(c, 'ag_running', False))


def coroutine_chain(t):
    """The task's coroutine await chain, outermost first: coroutine/generator objects, then the
    awaited leaf (a Future or other awaitable) if any. It stops at a coroutine that is running."""
    chain = []
    c = t._coro  # never get_coro(): it crashes 3.12.1 on an eager task done at creation
    while c is not None and len(chain) < 100:
        chain.append(c)
        if _running(c):
            break
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
        if type(w) is _Gathering:
            return 'gather(%d)' % len(w._children)
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


_LEAVES = frozenset(_FUTURE_TYPES + _TASK_TYPES)
_Coro = types.CoroutineType
_Gen = types.GeneratorType


def summary(t):
    """(location, awaiting) of a pending task in one walk of its chain: the list view's fast path."""
    internal = registry._internal
    c = t._coro
    user = op = None
    running = False
    n = 0
    while c is not None and n < 100:
        n += 1
        # A running coroutine ends the walk: see _running, its cr_await cannot be read safely.
        tc = type(c)
        if tc is _Coro:
            f, run = c.cr_frame, c.cr_running
            nxt = None if run else c.cr_await
        elif tc is _Gen:
            f, run = c.gi_frame, c.gi_running
            nxt = None if run else c.gi_yieldfrom
        elif tc in _LEAVES:
            break  # a Future or Task awaited: the end of the chain, no frame
        else:
            f, run = _frame_obj(c), _running(c)
            nxt = None if run else (getattr(c, 'cr_await', None) or getattr(c, 'gi_yieldfrom', None)
                                    or getattr(c, 'ag_await', None))
        running = running or run
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
        code = f.f_code
        key = (code, f.f_lasti, getattr(c, '__qualname__', None))
        loc = _locations.get(key)
        if loc is None:
            loc = {'path': code.co_filename, 'line': f.f_lineno or code.co_firstlineno,
                   'function': key[2] or code.co_name}
            if len(_locations) > 20000:
                _locations.clear()
            _locations[key] = loc
    return loc, (None if running else awaiting_of(t, op))


# (code, lasti, qualname) -> location dict, shared by every task suspended there (read-only: the
# list view is built from it and encoded, never changed). Code objects in the key keep it exact.
_locations = {}


def coroutine_name(t):
    c = t._coro  # never get_coro(): it crashes 3.12.1 on an eager task done at creation
    if c is None:
        return registry.coro_name(registry.lookup(t)) or '?'
    return getattr(c, '__qualname__', None) or type(c).__name__
