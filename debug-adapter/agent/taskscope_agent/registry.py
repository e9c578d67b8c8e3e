"""Per-task records kept from the moment a task is created: stable id, owner, creation site.

The hot path is the `loop.create_task` wrapper made by `wrap_create_task()`. Every task goes
through `loop.create_task` (that is how `asyncio.create_task`, `ensure_future`, `gather`,
`TaskGroup`, `wait_for` and `asyncio.run` make tasks, with or without a user task factory, so a
factory installed later is simply called by the original method: nothing to chain or replace).
It stores one tuple per task *on the task itself* (attribute `_taskscope`; asyncio's C and
Python tasks both accept attributes): the record lives and dies with its task, so it can never
be inherited by another task that reuses the address (the old `id(task)`-keyed table could),
and there is no table to sweep. No weak reference, no line numbers: lines are resolved from
(code, lasti) when somebody asks. A task class that refuses attributes (a user factory's
`__slots__` subclass) falls back to a `WeakKeyDictionary`. This module does not snapshot,
format or send anything.

Cost (callgrind, the spawn workload of bench/agent.mjs; recipe in `wrap_create_task`): about
10k instructions per task on 3.10-3.13 against ~67k (3.12) to ~93k (3.10) for the task itself,
i.e. +15% on 3.12 and +11% on 3.10. Measured floors on 3.12 for pieces of the hook: a bare
pass-through wrapper 0.6k; + current_task 1.0k; + three `_getframemodulename` calls 2.1k (each
raises an audit event); + materialising the user frame 2.6k; + keeping one record per task
alive: a tuple in a list 6.1k (the cyclic GC then tracks one more object per task), a tuple on
the task 8.8k (a dict per task), a code object and an int appended to two lists 4.7k (nothing
tracked). The record-on-task design costs about what the old `id(task)`-keyed table did and is
correct; going lower needs columns (no tuple per task) plus a task -> row map that cannot go
stale, which the stdlib offers no cheaper way to build than an attribute.

API for the agent's other modules (the debugger's too): `task_id(task)` -> the protocol id
(a decimal string), `find_task(tid)` -> the live task or None, `lookup(task)` -> the raw record or
None (`rec[ID]` is an int; `str()` of it is the protocol id), `adopt(task)` -> the record,
made if missing, `owner_id(rec)`, `eager(rec)`.
"""
import asyncio
import collections
import inspect
import itertools
import os
import sys
import weakref

ATTR = '_taskscope'
_getframe = sys._getframe
_next_id = itertools.count(1).__next__
_loop_ids = itertools.count(1)

# Record: (tid, owner tid or 0, code, lasti[, eager, eager coroutine name]); tids are ints here
# (str() only when sent: formatting costs more than the rest of the hook).
ID, OWNER = 0, 1
# Records of tasks whose class refuses attributes (rare: a user factory's __slots__ subclass).
_side = weakref.WeakKeyDictionary()
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


_INTERNAL_MODULES = ('asyncio', 'taskscope_agent', 'runpy', 'contextlib', 'threading', 'functools', 'selectors')


class _InternalModules(dict):
    """Module name -> is_internal's idea of it (the 3.12+ fast path of the hook): a plain
    subscript in the hook (no `.get` method lookup), computed once per name on a miss."""

    def __missing__(self, name):
        got = self[name] = name.partition('.')[0] in _INTERNAL_MODULES
        return got


_internal_modules = _InternalModules()


# The wrapper's source, specialised per signature of the original `create_task` so the common
# call passes keywords straight through (a `**kwargs` wrapper builds a dict on every call, and
# `asyncio.create_task` always passes name=). {params}/{call}/{eager_kw} are filled in below.
_TEMPLATE = """
def create_task(self, coro{params}):
    task = orig({call})
    try:
        owner = current_task(self)
        if modulename is not None:
            # 3.12+: find the first user frame by module name, which creates no frame object,
            # then materialise only that one frame.
            d = 1
            m = modulename(1)
            while m is not None and internal_mods[m]:
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
        try:
            o = owner.{attr}[0]
        except AttributeError:
            o = owner_id_of(owner)
        if self._task_factory is None{eager_kw}:
            task.{attr} = (next_id(), o, f.f_code, f.f_lasti) if f is not None else (next_id(), o, None, 0)
        else:
            eager_path(task, coro, o, f)
        if hook[0] is not None:
            hook[0](task)
    except Exception:
        pass
    return task
"""


def wrap_create_task(orig, current_task=asyncio.current_task):
    """The `loop.create_task` replacement. It runs for every task, so it is written for speed,
    not looks: locals only, no closures made per call, one tuple, one attribute store.

    Measuring it: valgrind --tool=callgrind on a spawn workload with and without hooks.install(),
    at two sizes, so start-up cancels out (instructions per task = difference / task count)."""
    try:
        params = list(inspect.signature(orig).parameters.values())[2:]
    except (TypeError, ValueError):
        params = None
    names = [p.name for p in params or ()]
    if params is not None and all(p.kind is p.KEYWORD_ONLY and p.default is None for p in params) \
            and set(names) <= {'name', 'context'}:
        sig = (', *' + ''.join(', %s=None' % n for n in names)) if names else ''
        call = 'self, coro' + ''.join(', %s=%s' % (n, n) for n in names)
        eager_kw = ''
    else:
        sig = ', **kwargs'
        call = 'self, coro, **kwargs'
        eager_kw = " and not (kwargs and kwargs.get('eager_start'))"
    src = _TEMPLATE.format(params=sig, call=call, eager_kw=eager_kw, attr=ATTR)
    env = {'orig': orig, 'current_task': current_task,
           'modulename': getattr(sys, '_getframemodulename', None), 'getframe': _getframe,
           'internal': _internal, 'internal_mods': _internal_modules,
           'is_internal': is_internal, 'next_id': _next_id, 'owner_id_of': _owner_id,
           'eager_path': _eager_path, 'hook': _created_hook}
    exec(compile(src, '<taskscope create_task hook>', 'exec'), env)
    create_task = env['create_task']
    create_task.__wrapped__ = orig
    create_task.__doc__ = orig.__doc__
    create_task.__module__ = __name__
    return create_task


def _store(task, rec):
    try:
        setattr(task, ATTR, rec)
    except (AttributeError, TypeError):
        _side[task] = rec
    return rec


def _eager_path(task, coro, o, f):
    """A task factory or eager_start (3.14) may have started the task eagerly (3.12+): then it
    ran its first step already, and if it created children meanwhile it got its id then (see
    _owner_id). Its coroutine name is kept, as a task done at creation drops its coroutine."""
    prev = lookup(task)
    tid = prev[0] if prev is not None else _next_id()
    eager = task.done() or task._fut_waiter is not None
    _store(task, (tid, o, f.f_code if f is not None else None, f.f_lasti if f is not None else 0,
                  eager, getattr(coro, '__qualname__', None) if eager else None))
    if eager and task.done():
        # asyncio never registers an eager task that finished in its constructor.
        _eager_done.append(weakref.ref(task))


def _owner_id(owner):
    """Owner tid for an owner without a record: none, or one whose own creation has not returned
    yet (an eager task creating children in its first step), which gets its record now."""
    if owner is None:
        return 0
    return adopt(owner)[0]


def lookup(task):
    """The record of ``task`` or None."""
    rec = getattr(task, ATTR, None)
    if rec is None and _side:
        try:
            rec = _side.get(task)
        except TypeError:
            rec = None
    return rec


def adopt(task):
    """The record of ``task``, creating one (owner and site unknown) for a task we did not see
    being created: made before the agent was installed, or by calling asyncio.Task directly."""
    rec = lookup(task)
    if rec is None:
        rec = _store(task, (_next_id(), 0, None, 0))
    return rec


def new_loop_id():
    return "L%d" % next(_loop_ids)


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
