"""Per-task records kept from the moment a task is created: stable id, owner, creation site.

The hot path is the `loop.create_task` wrapper made by `wrap_create_task()`. Every task goes
through `loop.create_task` (that is how `asyncio.create_task`, `ensure_future`, `gather`,
`TaskGroup`, `wait_for` and `asyncio.run` make tasks, with or without a user task factory, so a
factory installed later is simply called by the original method: nothing to chain or replace).
It stores one tuple per task, keyed by `id(task)`: no weak reference, no list, no line numbers
(lines are resolved from (code, lasti) when somebody asks). Records of dead tasks are swept in
bulk against asyncio's own task registry. This module does not snapshot, format or send anything.

Cost (callgrind, 3.12, bench/agent.mjs's spawn workload, about 70k instructions per task
without the agent): the hook adds about 11k instructions per task (~17%): the wrapper call ~0.8k,
owner lookup ~1.2k, the record store ~1k, allocating the record tuple ~2.2k (mostly the cyclic GC
tracking it until its first collection), finding and materialising the user frame ~4k, the rest
bookkeeping. Known next steps: records in parallel arrays (no tuple per task), lazy ids.

API for the agent's other modules (the debugger's too): `task_id(task)` -> the protocol id
(a decimal string), `find_task(tid)` -> the live task or None, `lookup(task)` -> the raw record or
None (`rec[ID]` is an int; `str()` of it is the protocol id), `owner_id(rec)`, `eager(rec)`.
"""
import asyncio
import collections
import itertools
import os
import sys
import threading
import weakref

_getframe = sys._getframe
_next_id = itertools.count(1).__next__
_loop_ids = itertools.count(1)

# id(task) -> (tid, owner tid or 0, code, lasti[, eager, eager coroutine name]);
# tids are ints here (str() only when sent: formatting costs more than the rest of the hook).
ID, OWNER = 0, 1
records = {}
# id(task) -> tid for tasks that became an owner before their own create_task call returned (an
# eager task creating children during its first step); the wrapper takes the id over from here.
_adopted = {}
_created_hook = [None]  # callable(task) when task-created events are wanted, else None
_eager_done = collections.deque(maxlen=1000)  # weak refs to eager tasks done at creation

_INTERNAL_DIRS = (os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep,
                  os.path.dirname(os.path.abspath(__file__)) + os.sep)
_INTERNAL_FILES = ('runpy.py', 'contextlib.py', 'threading.py', 'functools.py', 'selectors.py')
_internal = {}


def is_internal(filename):
    """True for frames that are never "user" frames: asyncio, this package, stdlib plumbing."""
    got = _internal.get(filename)
    if got is None:
        got = bool(filename.startswith(_INTERNAL_DIRS) or filename.startswith('<frozen')
                   or os.path.basename(filename) in _INTERNAL_FILES)
        _internal[filename] = got  # filenames are few; the hook relies on this being cached
    return got


_internal_modules = {}
_INTERNAL_MODULES = ('asyncio', 'taskscope_agent', 'runpy', 'contextlib', 'threading', 'functools', 'selectors')


def _internal_module(name):
    """Same idea as is_internal, by module name (the 3.12+ fast path of the hook)."""
    got = name.partition('.')[0] in _INTERNAL_MODULES
    _internal_modules[name] = got
    return got


def wrap_create_task(orig, current_task=asyncio.current_task):
    # This runs for every task, so it is written for speed (about 1 us on 3.12, see
    # bench/agent.mjs), not looks: locals and closure cells only, one tuple, one dict store, and
    # only the first user frame is kept (each further frame costs a frame object).
    internal = _internal
    internal_mods = _internal_modules
    modulename = getattr(sys, '_getframemodulename', None)
    getframe = _getframe
    recs = records
    adopted = _adopted
    next_id = _next_id
    hook = _created_hook
    eager_done = _eager_done

    def create_task(self, coro, **kwargs):
        task = orig(self, coro, **kwargs) if kwargs else orig(self, coro)
        try:
            owner = current_task(self)
            r = recs.get(id(owner))
            tid = (adopted.pop(id(task), 0) or next_id()) if adopted else next_id()
            if modulename is not None:
                # 3.12+: find the first user frame by module name, which creates no frame
                # object, then materialise only that one frame.
                d = 1
                m = modulename(1)
                while m is not None:
                    i = internal_mods.get(m)
                    if i is None:
                        i = _internal_module(m)
                    if not i:
                        break
                    d += 1
                    m = modulename(d)
                f = getframe(d) if m is not None else None
            else:
                f = getframe(1)
                i = internal.get(f.f_code.co_filename)
                while i is not False:
                    if i is None:
                        i = is_internal(f.f_code.co_filename)
                        continue
                    f = f.f_back
                    if f is None:
                        break
                    i = internal.get(f.f_code.co_filename)
            if self._task_factory is None and not (kwargs and kwargs.get('eager_start')):
                rec = (tid, r[0] if r is not None else _owner_id(owner),
                       f.f_code if f is not None else None, f.f_lasti if f is not None else 0)
            else:
                # A task factory or eager_start (3.14) may have started it eagerly (3.12+): then it ran its first step already;
                # its coroutine name is kept, as a task done at creation drops its coroutine.
                eager = task.done() or task._fut_waiter is not None
                rec = (tid, r[0] if r is not None else _owner_id(owner),
                       f.f_code if f is not None else None, f.f_lasti if f is not None else 0,
                       eager, getattr(coro, '__qualname__', None) if eager else None)
                if eager and task.done():
                    # asyncio never registers an eager task that finished in its constructor.
                    eager_done.append(weakref.ref(task))
            recs[id(task)] = rec
            if not tid & 1023 and len(recs) > _sweep_at[0]:
                maybe_sweep()
            if hook[0] is not None:
                hook[0](task)
        except Exception:
            pass
        return task

    create_task.__wrapped__ = orig
    create_task.__doc__ = orig.__doc__
    return create_task


def _owner_id(owner):
    """Owner tid for an owner without a record: none, or one whose own creation has not returned
    yet (an eager task creating children in its first step), which gets its id now."""
    if owner is None:
        return 0
    tid = _adopted.get(id(owner))
    if tid is None:
        tid = _adopted[id(owner)] = _next_id()
    return tid


def adopt(task):
    """The record of ``task``, creating one (owner and site unknown) for a task we did not see
    being created: made before the agent was installed, or by calling asyncio.Task directly."""
    rec = records.get(id(task))
    if rec is None:
        tid = _adopted.pop(id(task), 0) or _next_id()
        rec = records[id(task)] = (tid, 0, None, 0)
    return rec


def new_loop_id():
    return "L%d" % next(_loop_ids)


def peek_next_id():
    """A bound: every record made from now on has a numerically greater tid than this."""
    return _next_id()


def lookup(task):
    """The record of ``task`` or None (records are not validated against address reuse)."""
    return records.get(id(task))


def task_id(task):
    """The protocol id of ``task`` (registering it if the agent never saw it)."""
    return str(adopt(task)[0])


def owner_id(rec):
    """The protocol id of the record's owner, or None."""
    return str(rec[1]) if rec[1] else None


def eager(rec):
    return len(rec) > 4 and bool(rec[4])


def coro_name(rec):
    """The coroutine name kept for eager tasks (None otherwise)."""
    return rec[5] if rec is not None and len(rec) > 5 else None


def find_task(tid):
    """The live task (pending or done, still referenced) whose protocol id is ``tid``, or None."""
    from . import snapshot
    return snapshot.find(str(tid))


_sweep_at = [65536]
_sweep_lock = threading.Lock()


def maybe_sweep():
    """Forgets dead tasks once the table is 4x what survived the last sweep (amortised O(1);
    at most ~10 MB of records for dead tasks)."""
    if not _sweep_lock.acquire(False):
        return
    try:
        from . import tasks
        below = peek_next_id()
        live = {id(t) for t in tasks.all_tasks(_loops_hint())}
        sweep(live, below)
        _sweep_at[0] = max(65536, 4 * len(records))
    except Exception:
        pass
    finally:
        _sweep_lock.release()


def _loops_hint():
    from . import loops
    return [s.ref() for s in loops.all_states()]


def sweep(live_ids, below):
    """Drops records whose task is not in ``live_ids`` (a set of id(task)) and whose tid < below."""
    for k, r in list(records.items()):
        if r[0] < below and k not in live_ids and records.get(k) is r:
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
    """Creation frames of a record, innermost first (the first user frame only, see above)."""
    if rec is None or rec[2] is None:
        return []
    return [frame_of(rec[2], rec[3])]


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
