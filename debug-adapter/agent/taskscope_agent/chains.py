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


_kinds = {}  # qualname -> (kind, words): fixed words, or a kind worded from the frame's locals


def _kind(q):
    """How to word an asyncio-internal coroutine by its qualname (cached): (kind, words)."""
    k = _kinds.get(q)
    if k is None:
        if q == 'sleep':
            k = ('sleep', None)
        elif q in ('wait', '_wait'):
            k = ('wait', None)
        elif q.startswith(_SOCKET_READ):
            k = (None, 'socket read')
        elif q.startswith(_SOCKET_WRITE):
            k = (None, 'socket write')
        elif q.startswith(('as_completed', '_AsCompletedIterator')):
            k = (None, 'as_completed')
        elif q.startswith('TaskGroup.'):
            k = ('taskgroup', None)
        elif q and not q.startswith('_'):
            k = (None, q)
        else:
            k = (None, None)
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
        q = getattr(op, '__qualname__', '')
        k, words = _kinds.get(q) or _kind(q)
        if words is not None:
            return words
        if k is not None:
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


_LEVELS = range(100)  # a chain is walked this deep at most
_leaves = set(_FUTURE_TYPES + _TASK_TYPES)  # classes that end a chain (more found as met)
_CHAIN_ATTRS = ('cr_frame', 'gi_frame', 'ag_frame', 'cr_await', 'gi_yieldfrom', 'ag_await',
                'cr_running', 'gi_running', 'ag_running')
_Coro = types.CoroutineType
_Gen = types.GeneratorType
_PLAIN_FUTURES = frozenset(_FUTURE_TYPES)  # a waiter of these classes says nothing by itself
_NoneType = type(None)


def summary(t):
    """(location, awaiting) of a pending task in one walk of its chain: the list view's fast path,
    the same answer as ``location(chain)`` and ``awaiting_words(t, chain)``."""
    got = summary_lasting(t)
    return got[0], got[1]


def summary_lasting(t):
    """summary(t) and whether the answer holds while the task waits on the same future: (location,
    awaiting, lasting). Until its waiter changes a task has not stepped, so where it is suspended
    and what it awaits stay what they were, except words read from state that changes meanwhile
    (an awaited task's name, a TaskGroup's count). Each level is judged by its code object
    (``cr_code``), so a frame object is made (3.11+ makes one on first read) only for the
    innermost user frame. Where the innermost user frame stands and which asyncio coroutine it
    entered (its "spot") decide the location and, for a task waiting on a plain future, the words:
    these are worked out once per spot and shared by every task suspended there (the location
    dict is read-only)."""
    internal = registry._internal
    c = t._coro
    user = op = ucode = opcode = None
    running = False
    for _ in _LEVELS:
        # A running coroutine ends the walk: see _running, its cr_await cannot be read safely.
        if type(c) is _Coro:  # nearly every level: its own branch
            code = c.cr_code
            if c.cr_running:
                running = True
                nxt = None
            else:
                nxt = c.cr_await
            try:
                i = internal[code.co_filename]
            except KeyError:
                i = registry.is_internal(code.co_filename)
            if not i:
                user = c
                ucode = code
                op = None  # the operation is where the innermost user frame entered asyncio
            elif op is None:
                op = c
                opcode = code
            c = nxt
            continue
        tc = type(c)
        if c is None or tc in _leaves:
            break  # a Future, a Task or a future's iterator awaited: the end of the chain
        elif tc is _Gen:
            code = c.gi_code
            if c.gi_running:
                running = True
                nxt = None
            else:
                nxt = c.gi_yieldfrom
        elif not any(hasattr(tc, a) for a in _CHAIN_ATTRS):
            # An awaitable of a class with no frame and nothing it awaits (C `FutureIter`, what
            # `await future` leaves in cr_await): a leaf. Reading the attributes below would
            # raise and catch seven AttributeErrors a task (~1.5 us).
            _leaves.add(tc)
            break
        else:
            f = _frame_obj(c)
            code = f.f_code if f is not None else None
            if _running(c):
                running = True
                nxt = None
            else:
                nxt = (getattr(c, 'cr_await', None) or getattr(c, 'gi_yieldfrom', None)
                       or getattr(c, 'ag_await', None))
        if code is not None:
            if not registry.is_internal(code.co_filename):
                user = c
                ucode = code
                op = None
            elif op is None:
                op = c
                opcode = code
        c = nxt
    f = None if user is None else user.cr_frame if type(user) is _Coro else _frame_obj(user)
    if f is None:  # no user frame: no location, and nothing to share
        return None, (None if running else awaiting_of(t, op)), False
    q = user.__qualname__ if type(user) is _Coro else getattr(user, '__qualname__', None)
    # Keyed by the codes' ids (hashing a code object walks its bytecode on 3.12): the entry holds
    # the codes, so an id is not another's while the entry lives.
    key = (id(ucode), f.f_lasti, id(opcode))
    try:
        got = _spots[key]
    except KeyError:
        got = None
    if got is None or got[0] is not ucode or got[2] is not opcode or (got[1] is not q and got[1] != q):
        got = _spot(key, ucode, f, q, op, opcode)
    if running:
        return got[3], None, False
    tw = type(t._fut_waiter)
    if got[4] is not None and tw in _PLAIN_FUTURES:
        return got[3], got[4], True
    aw = awaiting_of(t, op)
    # Words from state that changes during a wait (an awaited task's name, a TaskGroup's
    # count) do not last; nor anything when nothing is awaited.
    return got[3], aw, (tw is not _NoneType and not issubclass(tw, _TASK_TYPES)
                        and not (aw or '').startswith('TaskGroup('))


def _spot(key, ucode, f, q, op, opcode):
    """The `_spots` entry for ``key``: (user code, its qualname, op's code, location dict, words
    of a task there waiting on a plain future if they are fixed, else None)."""
    loc = {'path': ucode.co_filename, 'line': f.f_lineno or ucode.co_firstlineno,
           'function': q or ucode.co_name}
    if op is None:
        words = 'Future'
    else:
        words = _kind(getattr(op, '__qualname__', ''))[1]
    if len(_spots) > 20000:
        _spots.clear()
    got = _spots[key] = (ucode, q, opcode, loc, words)
    return got


# (id(user code), lasti, id(op's code)) -> see _spot; the location dict is shared by every task
# suspended there (read-only: the list view is built from it and encoded, never changed).
_spots = {}


def coroutine_name(t):
    c = t._coro  # never get_coro(): it crashes 3.12.1 on an eager task done at creation
    if c is None:
        return registry.coro_name(registry.lookup(t)) or '?'
    return getattr(c, '__qualname__', None) or type(c).__name__
