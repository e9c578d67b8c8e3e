"""Per-task records kept from the moment a task is created: stable id, owner, creation site.

Where the record lives. asyncio (3.10-3.13) registers every new task, from its constructor, in a
`weakref.WeakSet` (`asyncio.tasks._scheduled_tasks`; `_all_tasks` before 3.12) by calling its
`add` method. `install()` takes that one set object over (other WeakSets are untouched):
- its `add` becomes an instance attribute of the agent's (asyncio's C and Python code both find
  it before the class's method), which makes the task's *record*: a plain `weakref.ref` whose
  callback is the agent's;
- its `data`, the set of weak references, becomes `_owner`, a dict: record -> the owner's record,
  or (owner's record, creation site) for a task whose site was taken. Insertion order is
  creation order. One dict entry per task is all the bookkeeping (plus `_tids` for ids, given
  late). What `WeakSet` does with `data` works on a dict (iterate, `len`, `in`, `clear`), and its
  methods that treat it as a set get instance attributes of their own (`_take_over`);
  `asyncio.all_tasks()` sees the same tasks.
So every task is seen however it was made: `loop.create_task`, `asyncio.Task(...)` called
directly, a user task factory installed at any time (we are called from inside the Task
constructor, whoever calls it), loops that are not `BaseEventLoop`s but use asyncio's Task
(uvloop). A dead task's record leaves `_owner` in batches (`commit`), not one Python call each.

Where asyncio does not register tasks that way (3.14 keeps native tasks in C lists), a probe at
install time notices and the agent wraps `loop.create_task` instead, making the same records in
`_owner`. Eager tasks (3.12+) get their record when they register after their first step, or from
the task factory wrapper (`set_task_factory` is chained, never replaced) when they finished
inside the constructor and never register.

What a record holds, and what it costs. Measured with callgrind on bench/agent.mjs's 'spawn'
stress workload, whose tasks do nothing, so the hook is all there is to see (`hooks.install()`
in-process, sites sampled): about 1.4k / 1.1k instructions per task on 3.12 / 3.13, +2.1% /
+1.7% of such a task; +1% for tasks doing a request's least work ('handlers'). CPU time goes up
about three times as much: with cache and branch simulation, L1 instruction misses rise +4.3% /
+4.2% a task, L1 data read misses +6.3% / +5.3%, and ~25 more indirect branches (the eval
loop's dispatch) are mispredicted, so the hot path keeps to few bytecodes, few distinct C
functions and few objects. Nearly all of it is the owner. Per task, 3.12 / 3.13, against
asyncio's own `add`, with cache simulation:

| `add` that... | instructions | L1i misses |
| --- | --- | --- |
| makes the record and commits, no owner | +120 / -70 | +1 / +13 |
| also calls `current_task()` (C code not otherwise run in a loop of C tasks) | +490 / +310 | +33 / +38 |
| also keeps the owner's record: `last` and `_record_of` (this one) | +1,380-1,420 / +1,120 | +58 / +57 |

Of the last row's growth on 3.12, the first child of each owner (29% of the stress's tasks) is
+570 instructions and +20 misses: `_record_of` finding the owner's record. With that find
inlined into `add` (`getweakrefs(owner)[-1]` tried first) it was 210 instructions fewer but 5
misses more, and `_current_tasks.get(_get_running_loop())` for `current_task()` was more
instructions for as many misses: neither was kept.

- the owner = the task running when this one was created, kept as the owner's record (a weak
  reference: the owner's task is not kept alive by its children, and its id stays known).
- the id: given when first asked for (`tid`), to every record made since the last one given an
  id, in `_owner`'s order, so ids are stable, never reused and in creation order (a tree lists
  siblings as they were made) at no cost to the hot path.
- the creation site = the first user frame's (code, lasti), one tuple per place shared by its
  tasks, asyncio internals skipped, the line resolved only when somebody asks: ~2.5k
  instructions more (walking the stack costs Python calls). Recorded for every task while the
  last agent tick saw at most `SITE_BUDGET` new tasks per 0.1 s (10,000 a second; `refill`),
  otherwise for one task in `SAMPLE`: the agent thread switches the set's `add` between the two. `record_all_sites(True)` (agent option
  `--all-sites`) records every site whatever the rate.
Designs measured on the way (3.12 / 3.13, same workload): a `create_task` wrapper and a tuple on
each task, +14.5% / +18.3%; `WeakSet.add` replaced for every set with a slotted `weakref.ref`
subclass holding id, owner and site, and a Python callback per dead task, +5.9% / +6.9%; the
same subclass with batched removal, +4.9% / +4.4% in instructions but +7-11% in CPU time (the
cyclic GC walks a heap-type subclass slot by slot at every collection that sees it); plain
records in asyncio's set plus an owner dict and a separate site table, +4.4% (3.12) in
instructions, and the site table's dead entries, pruned only now and then, cost full
collections ~3% CPU; the same with the set's `data` replaced by the owner dict, +3.8%; then
committing with a slice instead of `iter(list.pop, None)` (whose sentinel test compares every
record with None), +3.1%; then (3.12 / 3.13) a count that stays in small ints (an int past 256
is allocated at every `+= 1`), seven closure cells instead of thirteen (each is copied into
every call's frame), no check for adopted records (`_owner_record` says why none is needed) and
the rare cases moved out of the common path (`slow`), which went from 43 bytecodes to 36: +2.1%
/ +1.7% (from +2.5% / +2.3%). Neither a class-level `add` (a WeakSet subclass, so that asyncio's
method lookup finds it on the type) nor committing every 128 tasks instead of 32 changed the
instructions or misses measurably.

API for the agent's other modules: `task_id(task)` -> the protocol id (decimal string),
`find_task(tid)`, `lookup(task)` -> the record or None, `adopt(task)` -> the record, made if
missing, `tid(rec)` -> int, `owner_id(rec)` -> protocol id or None, `describe(rec)` -> (id,
owner's record, created_at, eager) for the list view, `coro_name(rec)`, `sites(rec)`,
`created_at(rec)`, `records()` -> weak references to every task (a list of `_owner`'s keys).
"""
import asyncio
import collections
import functools
import itertools
import os
import sys
import threading
import weakref

try:
    import _weakrefset
except ImportError:  # pragma: no cover - always present in CPython
    _weakrefset = None

_getframe = sys._getframe
_modulename = getattr(sys, '_getframemodulename', None)
_ids = [itertools.count(1)]  # ids of tasks, given in creation order (tid)
_loop_ids = itertools.count(1)
_getweakrefs = weakref.getweakrefs
_repeat = itertools.repeat
_ref = weakref.ref

SITE_BUDGET = 1000    # new tasks per 0.1 s up to which every task gets its creation site (refill)
SAMPLE = 128          # in a tick after a busier one, one task in SAMPLE does
SAMPLE_MASK = SAMPLE - 1
COMMIT_MASK = 31      # every 32 tasks made, dead tasks' records leave asyncio's set (see commit)
_all_sites = [False]  # record_all_sites(): every site whatever the rate
_sites_now = [True]   # every site now (the last tick was quiet), else sampled
_made = [itertools.count(1)]  # tasks made off the hot path (fallback hook, task factory)
_hot_made = [lambda: 0]      # -> tasks made through the hot path (its counter is a closure cell)
_issued = [0]         # tasks made at the last tick
_created_hook = [None]  # callable(task) when task-created events are wanted, else None
_eager_done = collections.deque(maxlen=1000)  # records of eager tasks done at creation
_eager_info = {}      # record of an eager task -> its coroutine's name (dead ones: compact)
_mode = ['none']      # 'weakset' | 'create_task' once installed

# A task's record is the agent's weak reference to it: a plain `weakref.ref` whose callback is
# `_cb[0]` (or `_dead_own` for records made off the hot path); what the agent learns is in dicts
# keyed by it.
_owner = {}           # record -> the owner's record or None, or for a record with a creation
                      # site (owner's record or None, site): the site is the place's shared
                      # (code, lasti) (_places), replaced by its resolved frame dict when
                      # created_at reads it (the list view reads it as it is); in creation order.
                      # Also asyncio's task set's `data` (_take_over)
_tids = {}            # record -> int id, given when first asked for (tid), in creation order
_pend = [[]]          # the list dead records are appended to (asyncio's set's pending removals)
_cb = [None]          # the weak-reference callback of records: _pend[0].append, one object
_id_lock = threading.RLock()


def _gone_ref():
    """A record whose task is gone (a start value for caches of records)."""
    class _Gone:
        pass
    gone = _Gone()
    r = _ref(gone)
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
    """Records as ``rec``'s creation site the first user frame above ``depth`` frames up from our
    caller."""
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
        code = f.f_code
        lasti = f.f_lasti
        # One tuple per place, shared by every task created there: the list view encodes a
        # place once a page by the tuple's identity, without resolving each task's (created_at).
        key = (id(code), lasti)
        site = _places.get(key)
        if site is None or site[0] is not code:
            if len(_places) > 20000:
                _places.clear()
            site = _places[key] = (code, lasti)
        _set_site(rec, site)
    except Exception:
        pass


_places = {}  # (id(code), lasti) -> (code, lasti), the creation site of every task made there


def _owner_in(o):
    """The owner's record in an `_owner` value (the value itself, or its first item)."""
    return o[0] if o.__class__ is tuple else o


def _set_site(rec, site):
    _owner[rec] = (_owner_in(_owner.get(rec)), site)


def _owner_of(rec):
    return _owner_in(_owner.get(rec))


def _set_owner(rec, owner):
    o = _owner.get(rec)
    _owner[rec] = (owner, o[1]) if o.__class__ is tuple else owner


def _site_of(rec):
    o = _owner.get(rec)
    return o[1] if o.__class__ is tuple else None


def _issued_so_far():
    r = repr(_made[0])  # 'count(N)': N is the next
    return int(r[r.index('(') + 1:-1]) - 1 + _hot_made[0]()


def refill(seconds=0.1):
    """Called by the agent thread at its ticks, ``seconds`` after the last call: every creation
    site until the next call if the program made at most SITE_BUDGET new tasks per 0.1 s since
    (or all sites are wanted), else one task in SAMPLE."""
    commit()
    n = _issued_so_far()
    quiet = n - _issued[0] <= SITE_BUDGET * seconds * 10
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


def _site_due():
    """Off the hot path: does this task get its creation site (see refill)?"""
    return _sites_now[0] or _all_sites[0] or not next(_made[0]) & SAMPLE_MASK


def _is_record(r):
    cb = r.__callback__
    return cb is not None and (cb is _cb[0] or cb is _dead_own)


def _find(task):
    """The record among the weak references to a live ``task``, or None."""
    for r in _getweakrefs(task):
        if _is_record(r):
            return r
    return None


def _owner_record(owner):
    """The record of ``owner`` (the task running now), made if it has none yet: an eager task
    creating children during its first step, or a task that predates the agent. When such a
    task registers later (the eager one, after that step), the set's `add` stores its new
    reference in `_owner`, where it is *equal* to this record (weak references to one live
    object compare and hash as the object): the entry keeps this record as its key and gets the
    owner, and the new reference is dropped. So a task has one record, whenever it was made."""
    return _find(owner) or _adopt_new(owner)


def _adopt_new(task):
    rec = _ref(task, _dead_own)
    _owner[rec] = None
    return rec


# -- the hot path: what asyncio's task set calls to add a task -----------------------------------

_sched = [None]
_hooks = {}     # (every site, created events) -> the set's `add` for that case (install)


def _make_add(current):
    """The `add` of asyncio's task set (an attribute of that one WeakSet object, which asyncio's
    C code and Python code both look up before the class's method). It runs once per task, so
    it is written for speed: few closure cells (each is copied into every call's frame), no call
    that is not needed, and few distinct C functions (each is instruction-cache footprint taken
    from the program's own hot loop). Every 32 tasks `_batch` commits the set's pending removals
    (`WeakSet.add` commits at every call) and takes a site for one task in SAMPLE (`_hooks` adds
    the rest when every site is wanted); the count runs 0..31 in small ints, which are never
    allocated. Returns (add, made): ``made()`` is how many tasks it has seen."""
    ref = _ref
    cb = _cb[0]
    owners = _owner
    last = _gone_ref()  # the last owner's record: a spawning task makes many in a row
    now = _running_current(current)
    k = 0          # tasks since the last batch

    def add(item):
        nonlocal last, k
        try:
            owner = now()
            r = ref(item, cb)
            if owner is None:
                owners[r] = None
            elif last() is owner:
                owners[r] = last
            else:
                owners[r] = last = _record_of(owner, item)
            if k < 31:
                k += 1
            else:
                k = 0
                _batch(r)
            return r
        except Exception:
            return slow(item)

    def slow(item):
        # The rare cases: no running loop on this thread (`current_task` raised), a task
        # registering while it runs itself (_Itself), anything unexpected: no owner. Counted
        # with the tasks made off the hot path (no commit from here: the agent's tick commits).
        try:
            next(_made[0])
            r = ref(item, cb)
            owners.setdefault(r, None)  # an equal record already there stays as it is
            return r
        except Exception:
            return None

    def made():
        return _batches[0] * (COMMIT_MASK + 1) + k
    return add, made


_batches = [0]  # batches of 32 tasks the hot path has seen


def _batch(r):
    """Every 32 tasks (hot path): commits dead tasks' records; a site for one task in SAMPLE.
    Never raises: the task is counted here, and `add`'s slow case would count it again."""
    n = _batches[0] = _batches[0] + 1
    try:
        commit()
    except Exception:
        pass
    if not (n * (COMMIT_MASK + 1)) & SAMPLE_MASK:
        _site(r, 2)


class _Itself(Exception):
    """A task registering while it runs itself: it has no owner (the hot path's slow case)."""


def _record_of(owner, item):
    """The record of the task running now (the hot path's owner), made if it has none."""
    if owner is item:
        raise _Itself
    cb = _cb[0]
    for o in _getweakrefs(owner):
        if o.__callback__ is cb:
            return o
    return _owner_record(owner)


def _running_current(current):
    """-> a function of no argument: the task running on this thread's loop, which is the task
    creating the new one. asyncio.current_task when it is C (3.12+): that saves reading the new
    task's `_loop` (a generic attribute lookup, ~280 instructions a task). Before 3.12 it is a
    Python function, and so is what stands in for it here, asyncio's C `_get_running_loop`
    then that loop's entry in the current tasks: a Python frame a task, +240 instructions on
    3.10 against reading `_loop` in `add` itself, paid for one `add` on every version (3.10 and
    3.11 have a 15% budget; the spawn stress measured 1.05-1.09 there, bench/agent.mjs)."""
    f = asyncio.current_task
    if isinstance(f, type(len)):
        return f
    running = asyncio.events._get_running_loop
    return lambda: current(running())


def _variants(add):
    """The four `add`s: sampled sites or every site, with or without task-created events."""
    def every_site(item, inner):
        r = inner(item)
        try:
            if _owner.get(r).__class__ is not tuple:
                site(r, 1)
        except Exception:
            pass
        return r

    def with_events(item, inner):
        r = inner(item)
        hook = _created_hook[0]
        if hook is not None:
            try:
                hook(item)
            except Exception:
                pass
        return r

    site = _site
    out = {}
    for every in (False, True):
        inner = functools.partial(every_site, inner=add) if every else add
        out[every, False] = inner
        out[every, True] = functools.partial(with_events, inner=inner)
    return out


def _apply():
    """Puts the `add` for the current settings on asyncio's task set (a no-op before install and
    in the fallback mode, whose wrapper reads the settings itself). The agent thread changes
    the site setting, a request the events one: under a lock, so that the `add` put last is the
    one for the settings read last."""
    s = _sched[0]
    if s is not None and _hooks:
        with _apply_lock:
            s.add = _hooks[_sites_now[0] or _all_sites[0], _created_hook[0] is not None]


_apply_lock = threading.RLock()


# The records of dead tasks. A record's weak-reference callback is the C method `append` of
# asyncio's set's own `_pending_removals` list (no Python frame per task), and `commit` takes them
# out of `_owner` in C, a batch at a time (every 32 tasks made, every agent tick, when a loop
# stops; the set's own iteration commits too, through `_commit_removals`). Until then `lookup` finds them
# by the task's hash, which the reference caches: for finalizers run by the cyclic GC, which
# clears weak references *before* it runs them, and the finalizer is what reports a task
# destroyed while pending or an exception never retrieved. Ids given to dead tasks stay while a
# live task names them as its owner (compact). (A Python `gc.callbacks` hook to keep records
# only during collections gave the interpreter a thread switch inside every collection, also
# inside C code of the agent's thread reading a frame, and 3.11 crashed.)


def commit():
    """Takes the records of dead tasks out of `_owner`, asyncio's set (not while the set is
    iterated: the iteration commits as it ends). Any thread, as `WeakSet.add` may be called from
    any (asyncio's `all_tasks` retries a copy that another thread's change interrupted). One
    commit at a time (the set's own `_commit_removals` is this too): the pending list is copied
    and that many taken off its front, while weak-reference callbacks may append to its end."""
    s = _sched[0]
    pending = _pend[0]
    if not pending or (s is not None and s._iterating) or not _commit_lock.acquire(False):
        return
    try:
        got = pending[:]
        del pending[:len(got)]
    finally:
        _commit_lock.release()
    # A record's owner and site leave with it (sites in a table of their own, whose dead entries
    # were pruned only now and then, cost every full collection a walk over thousands of dead
    # references in a spawn storm: ~3% CPU)
    collections.deque(map(_owner.pop, got, _repeat(None)), 0)


_commit_lock = threading.Lock()


def _dead_own(r):
    """The callback of records made off the hot path (adopted, fallback path, eager)."""
    _pend[0].append(r)


_compacted = [0.0]


def compact(now, every=5.0):
    """Every few seconds (agent thread): forgets the coroutine names of dead eager tasks and the
    ids of dead tasks no live task names as its owner."""
    if now - _compacted[0] < every:
        return
    _compacted[0] = now
    for r in list(_eager_info):
        if r() is None:
            _eager_info.pop(r, None)
    if _tids:
        # ids of dead tasks, unless a record still names them (a live task's owner) or they are
        # not committed yet (a finalizer may still report the task)
        dead = [r for r in listed(_tids) if r() is None]
        if dead:
            owners = set(map(_owner_in, listed(_owner.values())))
            for r in dead:
                if r not in owners and r not in _owner:
                    _tids.pop(r, None)


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
    """Does constructing a Task call our `add` (3.10-3.13), or not (3.14 native tasks)?"""
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
        _pend[0] = sched._pending_removals
        _cb[0] = _pend[0].append
        sched.add = _make_add(_current_getter())[0]
        found = _probe()
        del sched.add
        if found:
            commit()
            add, _hot_made[0] = _make_add(_current_getter())
            _hooks.update(_variants(add))
            _mode[0] = 'weakset'
            _apply()  # first: from now on no thread's task goes through the class's add
            _take_over(sched)
            return
        _sched[0] = None
        _owner.clear()
    _pend[0] = []
    _cb[0] = _pend[0].append
    _mode[0] = 'create_task'
    import asyncio.base_events as be
    be.BaseEventLoop.create_task = _wrap_create_task(be.BaseEventLoop.create_task)


def _take_over(sched):
    """Makes `_owner` the set's `data`: the set is then one dict of records, and a task costs
    one dict entry instead of a set entry and a dict entry. What `WeakSet` does with `data` still
    works on it (iterate, `len`, `in`, `clear`); the methods that use it as a set (`discard`,
    `remove`, `pop`, committing pending removals) get instance attributes of their own. Tasks
    made before this get records; their old references (whose callback would treat `data` as a
    set) are dropped with the old set while the tasks are held, so no callback of theirs runs."""
    old = sched.data
    live = [t for t in [r() for r in listed(old)] if t is not None]
    for t in live:
        if _find(t) is None:
            _owner[_ref(t, _cb[0])] = None
    sched._commit_removals = commit
    sched.discard = _discard
    sched.remove = _remove
    sched.pop = _pop
    sched.data = _owner
    old.clear()
    del live


def _discard(item):
    """`WeakSet.discard` on the set of records (asyncio's `_unregister_task`)."""
    try:
        _owner.pop(_ref(item), None)
    except TypeError:
        pass


def _remove(item):
    """`WeakSet.remove` on the set of records."""
    _owner.pop(_ref(item))


def _pop():
    """`WeakSet.pop` on the set of records."""
    while True:
        try:
            r, _ = _owner.popitem()
        except KeyError:
            raise KeyError('pop from empty WeakSet') from None
        item = r()
        if item is not None:
            return item


def _wrap_create_task(orig):
    """The fallback hook (3.14+): records made here."""
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
    if owner is not None and owner is not task and _owner_of(rec) is None:
        _set_owner(rec, _owner_record(owner))
    if _site_due():
        _site(rec, depth + 1)
    if _sched[0] is None and len(_pend[0]) > COMMIT_MASK:
        commit()  # the fallback mode has no `add` to do it
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
                if _owner_of(rec) is None and owner is not None and owner is not task:
                    _set_owner(rec, _owner_record(owner))
                if _site_of(rec) is not None or _sites_now[0] or _all_sites[0]:
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
    dead = list(_pend[0])
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
    """The int id of a record: given when first asked for, to every record made since the last
    one that has one, in the order they were made (so ids follow creation order and cost the
    hot path nothing)."""
    t = _tids.get(rec)
    return t if t is not None else _give_ids(rec)


def _give_ids(rec):
    with _id_lock:
        t = _tids.get(rec)
        if t is not None:
            return t
        for _ in range(10):
            new = []
            try:
                for r in reversed(_owner):  # the newest first, back to the last with an id
                    if r in _tids:
                        break
                    new.append(r)
                break
            except RuntimeError:  # another thread made a task meanwhile
                continue
        ids = _ids[0]
        _tids.update(zip(reversed(new), ids))  # oldest first, in C
        t = _tids.get(rec)
        if t is None:  # a record no longer (or never) in _owner: a dead task's
            t = _tids[rec] = next(ids)
        return t


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
    """Records of every task (a list, safe to keep); dead tasks' are among them until
    committed."""
    return listed(_owner)


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
    o = _owner_of(rec) if rec is not None else None
    return None if o is None else str(tid(o))


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
    site = created_at(rec) if rec is not None else None
    return [] if site is None else [dict(site)]


_frames = {}


def created_at(rec):
    """The first creation frame of a record (one dict per site, shared: read-only), or None. The
    resolved dict replaces the (code, lasti) the hot path stored: the next listing reads it
    without hashing a code object."""
    return _created(rec, _owner.get(rec))


def _created(rec, o):
    """created_at of ``rec`` whose `_owner` value ``o`` the caller has read already."""
    if o.__class__ is not tuple:
        return None
    site = o[1]
    if site.__class__ is dict:
        return site
    got = resolve_site(site)
    if rec in _owner:
        _owner[rec] = (o[0], got)
    return got


def resolve_site(site):
    """The shared {path, line, function} dict of a creation site as the hot path stored it, a
    (code, lasti) pair (a dict already: itself)."""
    if site.__class__ is dict:
        return site
    code, lasti = site
    # Keyed by the code's id, not the code (hashing a code object walks its bytecode on 3.12):
    # the entry holds the code, so the id is not another's while the entry lives.
    key = (id(code), lasti)
    got = _frames.get(key)
    if got is not None and got[0] is code:
        return got[1]
    got = frame_of(code, lasti)
    if len(_frames) > 20000:
        _frames.clear()
    _frames[key] = (code, got)
    return got  # shared by every task created there: read-only


def describe(rec):
    """(id, owner's record or None, created_at, eager) of a record: the list view's fields in
    one call."""
    o = _owner.get(rec)
    if o.__class__ is tuple:
        return tid(rec), o[0], _created(rec, o), rec in _eager_info
    return tid(rec), o, None, rec in _eager_info
