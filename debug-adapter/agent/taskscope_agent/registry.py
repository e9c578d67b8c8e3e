"""Per-task records kept from the moment a task is created: stable id, owner, creation site.

The hot path is the `loop.create_task` wrapper made by `wrap_create_task()`. Every task goes
through `loop.create_task` (that is how `asyncio.create_task`, `ensure_future`, `gather`,
`TaskGroup`, `wait_for` and `asyncio.run` make tasks, with or without a user task factory, so a
factory installed later is simply called by the original method: nothing to chain or replace).
It stores one tuple per task, keyed by `id(task)`: no weak reference, no list, no line numbers
(lines are resolved from (code, lasti) when somebody asks). Records of dead tasks are swept in
bulk against asyncio's own task registry. This module does not snapshot, format or send anything.

API for the agent's other modules (the debugger's too): `lookup(task)` -> record or None,
`task_id(task)` -> the protocol id (str), `find_task(tid)` -> live task or None, and the record
indices `ID` (str), `OWNER` (owner's id or None), `EAGER`.
"""
import asyncio
import collections
import itertools
import os
import sys
import weakref

_getframe = sys._getframe
_next_id = map(str, itertools.count(1)).__next__
_loop_ids = itertools.count(1)

# id(task) -> (tid, owner tid or None, code, lasti, code2, lasti2, eager, eager coroutine name);
# tids are decimal strings
ID, OWNER, EAGER = 0, 1, 6
records = {}
# id(task) -> tid for tasks that became an owner before their own create_task call returned (an
# eager task creating children during its first step); the wrapper takes the id over from here.
_adopted = {}
_created_hook = [None]
_eager_done = collections.deque(maxlen=1000)  # weak refs to eager tasks done at creation  # callable(task) when task-created events are wanted, else None

_INTERNAL_DIRS = (os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep,
                  os.path.dirname(os.path.abspath(__file__)) + os.sep)
_INTERNAL_FILES = ('runpy.py', 'contextlib.py', 'threading.py', 'functools.py', 'selectors.py')
_internal = {}


def is_internal(filename):
    """True for frames that are never "user" frames: asyncio, this package, stdlib plumbing."""
    got = _internal.get(filename)
    if got is None:
        got = (filename.startswith(_INTERNAL_DIRS) or filename.startswith('<frozen')
               or os.path.basename(filename) in _INTERNAL_FILES)
        if len(_internal) < 10000:
            _internal[filename] = got
    return got


def wrap_create_task(orig, current_task=asyncio.current_task):
    internal = _internal
    is_int = is_internal
    getframe = _getframe
    recs = records
    adopted = _adopted
    next_id = _next_id
    hook = _created_hook
    eager_done = _eager_done

    def create_task(self, coro, **kwargs):
        task = orig(self, coro, **kwargs)
        try:
            owner = current_task(self)
            if owner is None:
                otid = None
            else:
                r = recs.get(id(owner))
                otid = r[0] if r is not None else adopted.get(id(owner)) or _adopt_owner(owner)
            f = getframe(1)
            n = 0
            while f is not None:
                fn = f.f_code.co_filename
                i = internal.get(fn)
                if not (is_int(fn) if i is None else i):
                    break
                n += 1
                f = f.f_back if n < 8 else None
            # An eager task (3.12+: a task factory or eager_start) ran its first step already.
            eager = False
            if self._task_factory is not None or kwargs:
                eager = task.done() or task._fut_waiter is not None
            # The coroutine's name is kept for eager tasks only: a task done at creation drops it.
            name = getattr(coro, '__qualname__', None) if eager else None
            if f is None:
                rec = (adopted.pop(id(task), None) or next_id(), otid, None, 0, None, 0, eager, name)
            else:
                g = f.f_back
                rec = (adopted.pop(id(task), None) or next_id(), otid, f.f_code, f.f_lasti,
                       g.f_code if g is not None else None, g.f_lasti if g is not None else 0, eager, name)
            recs[id(task)] = rec
            if eager and task.done():
                # asyncio never registers an eager task that finished in its constructor.
                eager_done.append(weakref.ref(task))
            if hook[0] is not None:
                hook[0](task)
        except Exception:
            pass
        return task

    create_task.__wrapped__ = orig
    create_task.__doc__ = orig.__doc__
    return create_task


def _adopt_owner(task):
    tid = _adopted[id(task)] = _next_id()
    return tid


def adopt(task):
    """The record of ``task``, creating one (owner and site unknown) for a task we did not see
    being created: made before the agent was installed, or by calling asyncio.Task directly."""
    rec = records.get(id(task))
    if rec is None:
        tid = _adopted.pop(id(task), None) or _next_id()
        rec = records[id(task)] = (tid, None, None, 0, None, 0, False, None)
    return rec


def new_loop_id():
    return "L%d" % next(_loop_ids)


def peek_next_id():
    """A bound: every record made from now on has a numerically greater tid than this."""
    return int(_next_id())


def lookup(task):
    """The record of ``task`` or None (records are not validated against address reuse)."""
    return records.get(id(task))


def task_id(task):
    """The protocol id of ``task`` (registering it if the agent never saw it)."""
    return adopt(task)[0]


def find_task(tid):
    """The live task (pending or done, still referenced) whose protocol id is ``tid``, or None."""
    from . import snapshot
    return snapshot.find(str(tid))


def sweep(live_ids, below):
    """Drops records whose task is not in ``live_ids`` (a set of id(task)) and whose tid < below."""
    for k, r in list(records.items()):
        if int(r[0]) < below and k not in live_ids and records.get(k) is r:
            records.pop(k, None)
    for k in list(_adopted):
        if k not in live_ids:
            _adopted.pop(k, None)


def line_of(code, lasti):
    """Source line of bytecode offset ``lasti`` in ``code``."""
    try:
        for start, end, line in code.co_lines():
            if start <= lasti < end and line is not None:
                return line
    except Exception:
        pass
    return code.co_firstlineno


def frame_of(code, lasti):
    """{path, line, function} for a recorded (code, lasti)."""
    return {'path': code.co_filename, 'line': line_of(code, lasti),
            'function': getattr(code, 'co_qualname', code.co_name)}


def sites(rec):
    """Creation frames of a record, innermost first (at most 2)."""
    if rec is None or rec[2] is None:
        return []
    out = [frame_of(rec[2], rec[3])]
    if rec[4] is not None and not is_internal(rec[4].co_filename):
        out.append(frame_of(rec[4], rec[5]))
    return out


_frames = {}


def created_at(rec):
    """The first creation frame of a record (cached per site: many tasks share one), or None."""
    code = rec[2]
    if code is None:
        return None
    key = (id(code), rec[3])
    got = _frames.get(key)
    if got is None:
        got = frame_of(code, rec[3])
        if len(_frames) < 20000:
            _frames[key] = got
    return dict(got)
