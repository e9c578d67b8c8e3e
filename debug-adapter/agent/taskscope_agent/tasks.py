"""Snapshots of asyncio tasks: states, owners, awaited-by edges, what each task waits on, frames.

Reads task internals (`_fut_waiter`, `_callbacks`, `_state`, `_exception`) without changing them:
in particular it never calls `Task.exception()` or `result()`, which would mark an exception as
retrieved and hide a lost error. It does not decide which thread it runs on (server.py does), and
it does not send anything.
"""
import asyncio
import functools

from . import registry
from .chains import (awaiting_of, awaiting_words, chain_frames, coroutine_chain, coroutine_name,  # noqa: F401
                     location, stack_frames, summary)

_tasks_mod = asyncio.tasks
_Task = asyncio.Task
_Future = asyncio.Future
_PyTask = getattr(_tasks_mod, '_PyTask', _Task)
_TASK_TYPES = tuple({_Task, _PyTask})
_FUTURE_TYPES = tuple({_Future, getattr(asyncio.futures, '_PyFuture', _Future)})
HAS_AWAITED_BY = hasattr(_Future, '_asyncio_awaited_by')
# 3.14 moved task registration into C (per-thread lists) together with the call-graph API.
_TASKS_IN_C = hasattr(asyncio, 'capture_call_graph')


def all_tasks(loops=()):
    """Every live task object (pending and done ones still referenced): see records_and_tasks."""
    return [t for _, t in records_and_tasks(loops)]


def records_and_tasks(loops=()):
    """(record, task) for every live task: the weak references in asyncio's registry
    (registry.records(), read directly: iterating the WeakSet costs a Python generator step per
    task), in creation order, then eager tasks in their first step, eager tasks done at
    creation, and on 3.14 the tasks asyncio lists (records made for any the agent never saw)."""
    out = []
    add = out.append
    for r in registry.records():
        t = r()
        if t is not None:
            add((r, t))
    extra = []
    eager_set = getattr(_tasks_mod, '_eager_tasks', None)
    if eager_set:
        extra.extend(registry.listed(eager_set))
    for r in list(registry._eager_done):
        t = r()
        if t is not None:
            extra.append(t)
    if registry.mode() != 'weakset' or _TASKS_IN_C:
        # 3.14+ keeps tasks in C structures; all_tasks() then lists pending ones only.
        for loop in loops:
            try:
                extra.extend(asyncio.all_tasks(loop))
            except Exception:
                pass
    if extra:
        seen = {id(t) for _, t in out}
        for t in extra:
            if id(t) not in seen:
                seen.add(id(t))
                add((registry.adopt(t), t))
    return out


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


def _call(r):
    return r()


class Graph:
    """Awaited-by edges over one set of tasks: ``awaiters(task)`` -> set of tasks waiting for it."""

    def __init__(self, tasks=(), records=None):
        """Over ``tasks``, or over the tasks of ``records`` (weak references, read when needed:
        a graph kept between the pages of a listing must not keep the tasks alive)."""
        self._tasks = tasks
        self._records = records
        self._by_waiter = None

    def waiting_on(self, fut):
        """The tasks waiting on the live future ``fut``. The map is built on first need (many
        listings never need it) and keyed by id: a task counts only while its waiter is ``fut``
        itself, so a map kept a while never names a task that moved on."""
        weak = self._records is not None
        m = self._by_waiter
        if m is None:
            # What the map holds: the records if the graph is over records, else the tasks
            m = self._by_waiter = {}
            for x in (self._records if weak else self._tasks):
                t = x() if weak else x
                w = t._fut_waiter if t is not None and t._state == 'PENDING' else None
                if w is not None:
                    m.setdefault(id(w), []).append(x)
        got = m.get(id(fut))
        if not got:
            return ()
        if weak:
            got = [t for t in map(_call, got) if t is not None]
        return [t for t in got if t._state == 'PENDING' and t._fut_waiter is fut]

    def awaiters(self, fut, depth=0, seen=None):
        seen = set() if seen is None else seen
        if id(fut) in seen or depth > 6:
            return []
        seen.add(id(fut))
        out = []
        if depth:
            out.extend(self.waiting_on(fut))
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
                        out.extend(self.waiting_on(g))
        if HAS_AWAITED_BY:
            for obj in list(getattr(fut, '_asyncio_awaited_by', None) or ()):
                if isinstance(obj, _TASK_TYPES):
                    out.append(obj)
        return out
