"""Per-task records kept from the moment a task is created: stable id, owner, creation site.

Where the record lives. asyncio (3.10-3.13) registers every new task, from its constructor, in a
`weakref.WeakSet` (`asyncio.tasks._scheduled_tasks`; `_all_tasks` before 3.12) by calling its
`add` method: it makes one weak reference to the task. `install()` gives that one set object an
`add` of its own (an instance attribute, which asyncio's C and Python code both find before the
class's method; other WeakSets are untouched) that makes that reference a `Record`: a
`weakref.ref` subclass with slots for what the agent learns. So the record costs what asyncio paid
anyway plus a few slot stores, lives exactly as long as the task, cannot be inherited by another
task, and every task is seen however it was made: `loop.create_task`, `asyncio.Task(...)` called
directly, a user task factory installed at any time (we are called from inside the Task
constructor, whoever calls it), loops that are not `BaseEventLoop`s but use asyncio's Task
(uvloop). A dead task's Record leaves the set in batches (`commit`), not one Python call each.

Where asyncio does not register tasks that way (3.14 keeps native tasks in C lists), a probe at
install time notices and the agent wraps `loop.create_task` instead, making the same records and
keeping them in a set of its own. Eager tasks (3.12+) get their record when they register after
their first step, or from the task factory wrapper (`set_task_factory` is chained, never
replaced) when they finished inside the constructor and never register.

What a record holds, and what it costs. Measured with callgrind on bench/agent.mjs's 'spawn'
stress workload, whose tasks do nothing, so the hook is all there is to see (`hooks.install()`
in-process, sites sampled): about 3.4k / 2.9k instructions per task on 3.12 / 3.13, +4.9% / +4.4%
of such a task (3.10: +3.4%, 3.11: +4.6%). Of that, on 3.12: the cyclic GC's visits of the
Record (a heap-type subclass: each collection that sees it walks its type) ~0.6k, the owner
(`current_task` and, when the owner changed, finding its Record) ~1.0k, the rest creating and
freeing the Record and its id and the hook's own bytecode.
- the owner = the task running when this one was created, kept as the owner's id (an int: the
  owner's Record is not kept alive by its children, and the GC has nothing to follow).
- the id, from a counter as the record is made: stable, never reused, in creation order (a tree
  lists siblings as they were made).
- the creation site = the first user frame's (code, lasti), asyncio internals skipped, the line
  resolved only when somebody asks: ~2.5k more (walking the stack costs Python calls). Recorded
  for every task while the last agent tick (50 ms) saw at most `SITE_BUDGET` new tasks (about
  10,000 a second; `refill`), otherwise for ids that are multiples of `SAMPLE`: the agent thread
  switches the set's `add` between the two. `record_all_sites(True)` (agent option `--all-sites`)
  records every site whatever the rate.
Before this design (a `create_task` wrapper and a tuple on each task) the same cost was about 10k
/ 11.8k (+14.5% / +18.3%); with `WeakSet.add` replaced for every set and a Python callback per
dead task, 4.0k / 4.4k.

API for the agent's other modules: `task_id(task)` -> the protocol id (decimal string),
`find_task(tid)`, `lookup(task)` -> the Record or None, `adopt(task)` -> the Record, made if
missing, `tid(rec)` -> int, `owner_id(rec)` -> protocol id or None, `eager(rec)`, `coro_name(rec)`,
`sites(rec)`, `created_at(rec)`, `records()` -> every live task's Record (cheaper than iterating
the WeakSet).
"""
import asyncio
import collections
import itertools
import os
import sys
import weakref

try:
    import _weakrefset
except ImportError:  # pragma: no cover - always present in CPython
    _weakrefset = None

_getframe = sys._getframe
_modulename = getattr(sys, '_getframemodulename', None)
_ids = [itertools.count(1)]  # ids of tasks, in creation order (install() starts a fresh one)
_loop_ids = itertools.count(1)
_getweakrefs = weakref.getweakrefs
_islice = itertools.islice

SITE_BUDGET = 500     # tasks per agent tick (50 ms) up to which every task gets its creation site
SAMPLE = 128          # in a tick after a busier one, tasks whose id is a multiple of SAMPLE do
SAMPLE_MASK = SAMPLE - 1
COMMIT_MASK = 31      # every 32 tasks made, dead tasks' records leave asyncio's set (see commit)
_all_sites = [False]  # record_all_sites(): every site whatever the rate
_sites_now = [True]   # every site now (the last tick was quiet), else sampled
_issued = [0]         # ids issued at the last tick
_created_hook = [None]  # callable(task) when task-created events are wanted, else None
_eager_done = collections.deque(maxlen=1000)  # Records of eager tasks done at creation
_eager_info = {}      # Record of an eager task -> its coroutine's name (dead ones: compact)
_own = set()          # Records not held by asyncio's WeakSet (adopted, fallback path, eager)
_unregistered = set() # Records adopted for a task that may still register (an eager task's
                      # first step): the hot path reuses them; checked only while non-empty
_mode = ['none']      # 'weakset' | 'create_task' once installed


def _next_id():
    return next(_ids[0])


class Record(weakref.ref):
    """A weak reference to a task with what the agent learnt at its creation. Unset slots read
    as absent (use the module functions, which default them)."""
    __slots__ = ('_tid', 'owner', 'site')  # owner: the owner's id (an int: nothing for the
    # cyclic GC to follow, and an owner's record is not kept alive by its children)


def _dead_record():
    """A Record whose task is gone (a start value for caches of records)."""
    class _Gone:
        pass
    gone = _Gone()
    r = Record(gone)
    r._tid = 0
    del gone
    return r


_INTERNAL_DIRS = (os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep,
                  os.path.dirname(os.path.abspath(__file__)) + os.sep)
_INTERNAL_FILES = ('runpy.py', 'contextlib.py', 'threading.py', 'functools.py', 'selectors.py',
                   '_weakrefset.py')
_internal = {}


def is_internal(filename):
    """True for frames that are never "user" frames: asyncio, this package, stdlib plumbing."""
    got = _internal.get(filename)
    if got is None:
        got = bool(filename.startswith(_INTERNAL_DIRS) or filename.startswith('<frozen')
                   or os.path.basename(filename) in _INTERNAL_FILES)
        _internal[filename] = got  # filenames are few; the hook relies on this being cached
    return got


_INTERNAL_MODULES = ('asyncio', 'taskscope_agent', 'runpy', 'contextlib', 'threading', 'functools',
                     'selectors', '_weakrefset')
_internal_modules = {None: False}  # module name -> internal? (3.12+ walk; filled on a miss)


def _module_internal(name):
    got = _internal_modules[name] = name.partition('.')[0] in _INTERNAL_MODULES
    return got


def _site(rec, depth):
    """Stores in ``rec`` the first user frame above ``depth`` frames up from our caller."""
    try:
        if _modulename is not None:
            # 3.12+: find the frame by module name, which makes no frame object, then
            # materialise only that one.
            d = depth + 1
            m = _modulename(d)
            while True:
                try:
                    i = _internal_modules[m]
                except KeyError:
                    i = _module_internal(m)
                if not i:
                    break
                d += 1
                m = _modulename(d)
            if m is None:
                return
            f = _getframe(d)
        else:
            f = _getframe(depth + 1)
            internal = _internal
            while f is not None:
                i = internal.get(f.f_code.co_filename)
                if i is None:
                    i = is_internal(f.f_code.co_filename)
                if not i:
                    break
                f = f.f_back
            if f is None:
                return
        rec.site = (f.f_code, f.f_lasti)
    except Exception:
        pass


def _issued_so_far():
    r = repr(_ids[0])  # 'count(N)': N is the next id
    return int(r[r.index('(') + 1:-1]) - 1


def refill():
    """Called by the agent thread every tick: every creation site for the next tick if this one
    saw at most SITE_BUDGET new tasks (or all sites are wanted), else one task in SAMPLE."""
    commit()
    n = _issued_so_far()
    quiet = n - _issued[0] <= SITE_BUDGET
    _issued[0] = n
    _set_sites_now(quiet or _all_sites[0])


def record_all_sites(on=True):
    _all_sites[0] = bool(on)
    _set_sites_now(bool(on) or _sites_now[0])


def _set_sites_now(every):
    if _sites_now[0] != every:
        _sites_now[0] = every
        _apply()


def set_created_hook(fn):
    """``fn(task)`` for every task created from now on (task-created events), or None."""
    _created_hook[0] = fn
    _apply()


def _site_due(rec):
    """Off the hot path: does this task get its creation site (see refill)?"""
    return _sites_now[0] or not getattr(rec, '_tid', 1) & SAMPLE_MASK


def _find(task):
    """The Record among the weak references to a live ``task``, or None."""
    for r in _getweakrefs(task):
        if r.__class__ is Record:
            return r
    return None


def _reuse(item):
    r = _find(item)
    if r is not None:
        _unregistered.discard(r)
    return r


def _owner_id(owner):
    """The id of ``owner`` (the task running now), its Record made if it has none yet: an eager
    task creating children during its first step, or a task that predates the agent."""
    return (_find(owner) or _adopt_new(owner, maybe_unregistered=True))._tid


def _adopt_new(task, maybe_unregistered=False):
    rec = Record(task, _dead_own)
    rec._tid = _next_id()
    s = _sched[0]
    if maybe_unregistered and s is not None and rec not in s.data:
        _unregistered.add(rec)  # weak references compare equal when their tasks are the same
    else:
        _own.add(rec)
    return rec


# -- the hot path: what asyncio's task set calls to add a task -----------------------------------

_sched = [None]
_dead = [None]  # the weak-reference callback of the Records asyncio's set holds (install)
_hooks = {}     # (every site, created events) -> the set's `add` for that case (install)


def _make_add(sched, current, ids):
    """The `add` of asyncio's task set (an attribute of that one WeakSet object, which asyncio's
    C code and Python code both look up before the class's method). It runs once per task, so
    it is written for speed: closure cells only, no call that is not needed, a site only for
    ids that are multiples of SAMPLE (`_hooks` adds the rest when every site is wanted), the
    set's pending removals committed every 32 (`WeakSet.add` commits at every call)."""
    unregistered = _unregistered
    getweakrefs = _getweakrefs
    site = _site
    rec_cls = Record
    dead = _dead[0]
    data_add = sched.data.add
    mask = SAMPLE_MASK
    commit_mask = COMMIT_MASK
    last = _dead_record()  # the last owner's Record, and its id: a spawning task makes many
    last_id = 0            # in a row

    def add(item):
        nonlocal last, last_id
        if unregistered:
            # Adopted earlier (an eager task whose children needed its record): reuse it.
            r = _reuse(item)
            if r is None:
                r = rec_cls(item, dead)
                r._tid = next(ids)
            tid = r._tid
        else:
            r = rec_cls(item, dead)
            r._tid = tid = next(ids)
        data_add(r)
        try:
            owner = current(item._loop)
            if owner is not None:
                if last() is owner:
                    r.owner = last_id
                elif owner is not item:
                    for o in getweakrefs(owner):
                        if o.__class__ is rec_cls:
                            break
                    else:
                        o = _adopt_new(owner, True)
                    r.owner = last_id = o._tid
                    last = o
            if not tid & commit_mask:
                commit()
                if not tid & mask:
                    site(r, 1)
        except Exception:
            pass
        return r
    return add


def _variants(add):
    """The four `add`s: sampled sites or every site, with or without task-created events."""
    def every_site(item):
        r = add(item)
        try:
            if getattr(r, 'site', None) is None:
                site(r, 1)
        except Exception:
            pass
        return r

    site = _site
    out = {}
    for every, inner in ((False, add), (True, every_site)):
        out[every, False] = inner

        def with_events(item, inner=inner):
            r = inner(item)
            hook = _created_hook[0]
            if hook is not None:
                try:
                    hook(item)
                except Exception:
                    pass
            return r
        out[every, True] = with_events
    return out


def _apply():
    """Puts the `add` for the current settings on asyncio's task set (a no-op before install and
    in the fallback mode, whose wrapper reads the settings itself)."""
    s = _sched[0]
    if s is not None and _hooks:
        s.add = _hooks[_sites_now[0] or _all_sites[0], _created_hook[0] is not None]


# The records of dead tasks. asyncio's set holds a Record until its task dies; the Record's
# weak-reference callback is then the C method `append` of the set's own `_pending_removals` list
# (no Python frame per task), and `commit` takes them out of the set in C, a batch at a time
# (every 32 tasks made, every agent tick, when a loop stops; the set's own iteration
# commits too). Committed ones stay in `_recent_dead` a while. Both are for finalizers run by the
# cyclic GC: it clears weak references *before* it runs them, and the finalizer is what reports a
# task destroyed while pending or an exception never retrieved; `lookup` finds the record there by
# the task's hash, which the reference caches. (A Python `gc.callbacks` hook to keep records only
# during collections gave the interpreter a thread switch inside every collection, also inside C
# code of the agent's thread reading a frame, and 3.11 crashed.)
_recent_dead = collections.deque(maxlen=2048)


def commit():
    """Takes the records of dead tasks out of asyncio's set (not while the set is iterated: the
    iteration commits as it ends). Any thread, as `WeakSet.add` may be called from any (asyncio's
    `all_tasks` retries a copy that another thread's change interrupted); each record is popped
    once, in C."""
    s = _sched[0]
    if s is None or not s._pending_removals or s._iterating:
        return
    pending = s._pending_removals
    got = []
    try:
        # pops in C; another thread can pop too (the set's own commit), so an IndexError at the
        # end is possible: `got` keeps what was popped before it
        got.extend(_islice(iter(pending.pop, None), len(pending)))
    except IndexError:
        pass
    s.data.difference_update(got)
    _recent_dead.extend(got)


def _dead_own(r):
    """The callback of Records the agent made itself (adopted, fallback path, eager); asyncio's
    set may hold one too (an adopted eager task that registered after its first step), which
    the set's own callback then drops."""
    _own.discard(r)
    _unregistered.discard(r)
    dead = _dead[0]
    (dead or _recent_dead.append)(r)


_compacted = [0.0]


def compact(now, every=5.0):
    """Every few seconds (agent thread): forgets the coroutine names of dead eager tasks."""
    if now - _compacted[0] < every:
        return
    _compacted[0] = now
    for r in list(_eager_info):
        if r() is None:
            _eager_info.pop(r, None)


def _current_getter():
    cur = getattr(asyncio.tasks, '_current_tasks', None)
    if isinstance(cur, dict):
        return cur.get
    return asyncio.current_task


def _task_set():
    for name in ('_scheduled_tasks', '_all_tasks'):
        s = getattr(asyncio.tasks, name, None)
        if _weakrefset is not None and isinstance(s, _weakrefset.WeakSet):
            return s
    return None


class _ProbeLoop:
    """Just enough of a loop for a Task constructor: nothing runs and nothing is scheduled."""

    def get_debug(self):
        return False

    def call_soon(self, *args, **kwargs):
        return None


def _probe():
    """Does constructing a Task call our WeakSet.add (3.10-3.13), or not (3.14 native tasks)?"""
    async def probe():
        return None
    coro = probe()
    try:
        task = asyncio.Task(coro, loop=_ProbeLoop(), name='taskscope-probe')  # no Task-N used
    except Exception:
        coro.close()
        return False
    try:
        task._log_destroy_pending = False
    except Exception:
        pass
    coro.close()
    return lookup(task) is not None


def install():
    """Starts recording (idempotent). Called by hooks.install before any loop exists."""
    if _mode[0] != 'none':
        return
    sched = _task_set()
    if sched is not None and 'add' not in vars(sched):
        _sched[0] = sched
        _dead[0] = sched._pending_removals.append
        sched.add = _make_add(sched, _current_getter(), itertools.count(1))
        found = _probe()
        del sched.add
        if found:
            _ids[0] = ids = itertools.count(1)  # the probe's task took no id of the program's
            _hooks.update(_variants(_make_add(sched, _current_getter(), ids)))
            _mode[0] = 'weakset'
            _apply()
            return
        _sched[0] = None
    _mode[0] = 'create_task'
    import asyncio.base_events as be
    be.BaseEventLoop.create_task = _wrap_create_task(be.BaseEventLoop.create_task)


def _wrap_create_task(orig):
    """The fallback hook (3.14+): records made here, owned by `_own`."""
    current = _current_getter()

    def create_task(self, coro, *args, **kwargs):
        task = orig(self, coro, *args, **kwargs)
        try:
            _ensure(task, current(self), 1)
        except Exception:
            pass
        return task
    create_task.__wrapped__ = orig
    create_task.__doc__ = orig.__doc__
    return create_task


def _ensure(task, owner, depth):
    """Makes sure ``task`` has a record with its owner and (budget permitting) its site; used off
    the hot path (fallback hook, task factory wrapper)."""
    rec = lookup(task)
    new = rec is None
    if new:
        rec = _adopt_new(task)
    if owner is not None and owner is not task and getattr(rec, 'owner', None) is None:
        rec.owner = _owner_id(owner)
    if _site_due(rec):
        _site(rec, depth + 1)
    if new and _created_hook[0] is not None:
        _created_hook[0](task)
    return rec


def wrap_task_factory(factory, current=None):
    """Chains a user task factory (set_task_factory): the user's factory makes the task, then the
    record gets its owner and the site of the `create_task` call (the factory's own frame is not
    the site). Eager tasks that finished inside the constructor are remembered for listings."""
    current = current or _current_getter()

    def task_factory(loop, coro, **kwargs):
        task = factory(loop, coro, **kwargs)
        try:
            owner = current(loop)
            rec = lookup(task)
            if rec is None:
                rec = _ensure(task, owner, 1)
            else:
                if rec in _unregistered:  # it will not register now: keep it ourselves
                    _unregistered.discard(rec)
                    _own.add(rec)
                if getattr(rec, 'owner', None) is None and owner is not None and owner is not task:
                    rec.owner = _owner_id(owner)
                if getattr(rec, 'site', None) is not None or _sites_now[0] or _all_sites[0]:
                    _site(rec, 1)  # the hook saw the factory's frame as the site
            eager_now = task.done() or getattr(task, '_fut_waiter', None) is not None
            if eager_now:
                _eager_info[rec] = getattr(coro, '__qualname__', None)
                if task.done():
                    _eager_done.append(rec)
        except Exception:
            pass
        return task
    task_factory.__wrapped__ = factory
    task_factory._taskscope = True
    return task_factory


# -- reading ----------------------------------------------------------------------------------

def lookup(task):
    """The record of ``task`` or None."""
    try:
        r = _find(task)
    except TypeError:
        return None
    if r is not None:
        return r
    s = _sched[0]
    dead = list(_recent_dead) + (list(s._pending_removals) if s is not None else [])
    if dead:
        # A task in a finalizer run by the cyclic GC: its reference was cleared just before.
        h = hash(task)
        for r in reversed(dead):
            try:
                if hash(r) == h:
                    return r
            except TypeError:
                continue
    return None


def adopt(task):
    """The record of ``task``, creating one (owner and site unknown) for a task we did not see
    being created: made before the agent was installed."""
    rec = lookup(task)
    if rec is None:
        rec = _adopt_new(task)
    return rec


def tid(rec):
    """The int id of a record (every record gets one as it is made)."""
    return rec._tid


def listed(collection):
    """A list of a set another thread may change meanwhile (retried; empty if it never holds
    still)."""
    for _ in range(10):
        try:
            return list(collection)
        except RuntimeError:  # changed size during iteration (another thread)
            continue
    return []


def records():
    """The Records of live tasks asyncio registered plus the agent's own (a list, safe to keep)."""
    s = _sched[0]
    out = listed(s.data) if s is not None else []
    for extra in (_own, _unregistered):
        if extra:
            out.extend(listed(extra))
    return out


def mode():
    """'weakset' (records made as asyncio registers each task), 'create_task' (fallback wrapper)
    or 'none' (not installed)."""
    return _mode[0]


def new_loop_id():
    return "L%d" % next(_loop_ids)


def task_id(task):
    """The protocol id of ``task`` (registering it if the agent never saw it)."""
    return str(tid(adopt(task)))


def owner_id(rec):
    """The protocol id of the record's owner, or None."""
    o = getattr(rec, 'owner', None) if rec is not None else None
    return None if o is None else str(o)


def eager(rec):
    return rec is not None and rec in _eager_info


def coro_name(rec):
    """The coroutine name kept for eager tasks done at creation (None otherwise)."""
    return _eager_info.get(rec) if rec is not None else None


def find_task(tid_):
    """The live task (pending or done, still referenced) whose protocol id is ``tid_``, or None."""
    from . import snapshot
    return snapshot.find(str(tid_))


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
    site = getattr(rec, 'site', None) if rec is not None else None
    if site is None:
        return []
    return [frame_of(*site)]


_frames = {}


def created_at(rec):
    """The first creation frame of a record (one dict per site, shared: read-only), or None."""
    site = getattr(rec, 'site', None)
    if site is None:
        return None
    code, lasti = site
    got = _frames.get(site)
    if got is None:
        got = frame_of(code, lasti)
        if len(_frames) > 20000:
            _frames.clear()
        _frames[site] = got
    return got  # shared by every task created there: read-only
