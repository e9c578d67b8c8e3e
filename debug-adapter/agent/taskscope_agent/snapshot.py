"""Builds protocol `TaskInfo` dicts from live tasks: the list view (paged), one task in depth,
and lookups by id. Pure reading; the caller decides the thread (see server.py) and freezing.
"""
import asyncio
import json
import operator
import time
import weakref

from . import chains, loops, registry, tasks


class _Currents(dict):
    """id(loop) -> the task currently running on it (asyncio.current_task works across threads)."""

    def __missing__(self, key):
        return None

    @classmethod
    def now(cls, task_list=()):
        out = cls()
        for st in loops.all_states():
            loop = st.ref()
            if loop is not None:
                out[id(loop)] = asyncio.current_task(loop)
        for t in task_list[:1]:
            loop = t.get_loop()
            if id(loop) not in out:
                out[id(loop)] = asyncio.current_task(loop)
        return out


def state(t):
    try:
        cur = asyncio.current_task(t.get_loop())
    except Exception:
        cur = None
    return tasks.state_of(t, cur)


_KEYS = ('id', 'name', 'coroutine', 'state', 'owner', 'awaitedBy', 'awaiting', 'location',
         'createdAt', 'loop', 'eager')


def infos(task_list, graph=None, currents=None, recs=None):
    """TaskInfo for each task of ``task_list`` (same order); ``recs``: their records, if known."""
    return _dicts(rows(task_list, graph, currents, recs))


def _dicts(rows_):
    """The TaskInfo dicts that rows (from rows()) stand for."""
    keys = _KEYS
    return [dict(zip(keys, r)) for r in rows_]


# A task listed again while it waits on the same future is not walked again (_wait): record -> a
# weak reference to that future, and record -> (location, awaiting, their JSON), a tuple shared
# by every task waiting at the same place (_frags). Entries of tasks no longer listed go when the
# memo outgrows the tasks (_sorted_records).
_waiters = {}
_waits = {}
_frags = {}  # (awaiting, id(location)) -> (location, awaiting, '"awaiting":..,"location":..')
_weakref = weakref.ref


def _wait(t, rec):
    """(location, awaiting, '"awaiting":..,"location":..' JSON) of a pending task that is not
    running. Reused while the task waits on the same future (chains.summary_lasting says when that
    holds). The memo holds a weak reference to the waiter: a strong one would keep the task alive
    (its wake-up callback)."""
    w = t._fut_waiter
    if w is not None:
        r = _waiters.get(rec)
        if r is not None and r() is w:
            got = _waits.get(rec)
            if got is not None:
                return got
    loc, aw, lasting = chains.summary_lasting(t)
    key = (aw, id(loc))
    got = _frags.get(key)
    if got is None or got[0] is not loc:  # the entry holds loc: its id is not another's
        if len(_frags) > 20000:
            _frags.clear()
        got = _frags[key] = (loc, aw, _wait_json(aw, loc))
    if lasting:
        try:
            _waiters[rec] = _weakref(w)
        except TypeError:  # a waiter that takes no weak reference: not kept
            return got
        _waits[rec] = got
    return got


def _wait_json(aw, loc):
    """'"awaiting":..,"location":..', the JSON of a task's awaiting words and location dict."""
    return '"awaiting":%s,"location":%s' % ('null' if aw is None else _esc(aw),
                                            'null' if loc is None else _obj(loc))


_NO_WAIT = _wait_json(None, None)  # a task that is done


def _awaited_by(t, graph, awaited_by):
    """Protocol ids of the tasks awaiting pending task ``t`` (sorted), or []. Nobody has a
    callback on most tasks (workers): then nobody awaits them, unless the interpreter keeps its
    own awaited-by set (3.14)."""
    if not (awaited_by or getattr(t, '_callbacks', 1)):
        return []
    by = graph.awaiters(t)
    if not by:
        return []
    tid = registry.tid
    adopt = registry.adopt
    return [str(i) for i in sorted({tid(adopt(a)) for a in by if a is not t})]


def rows(task_list, graph=None, currents=None, recs=None):
    """The TaskInfo fields of each task of ``task_list`` as a tuple in `_KEYS` order (infos()
    makes the dicts; the list view writes its JSON directly: page_json)."""
    graph = graph or tasks.Graph(task_list)
    currents = currents if currents is not None else _Currents.now(task_list)
    out = []
    add = out.append
    adopt = registry.adopt
    tid = registry.tid
    describe = registry.describe
    summary = tasks.summary
    coroutine_name = tasks.coroutine_name
    awaited_by = tasks.HAS_AWAITED_BY
    state_of = tasks.state_of
    for n, t in enumerate(task_list):
        rec = recs[n] if recs is not None else adopt(t)
        loop = t._loop
        st = state_of(t, currents[id(loop)])
        if st == 'running':
            where = summary(t)[0]
            awaiting = None
            by = _awaited_by(t, graph, awaited_by)
        elif st == 'pending':
            where, awaiting, _ = _wait(t, rec)
            by = _awaited_by(t, graph, awaited_by)
        else:
            awaiting = where = None
            by = []
        lid = loops.state(loop).id
        i, o, created, is_eager = describe(rec)
        coro = t._coro
        add((str(i), t.get_name(), getattr(coro, '__qualname__', None) or coroutine_name(t), st,
             None if o is None else str(tid(o)), by, awaiting, where, created, lid, is_eager))
    return out


_esc = json.encoder.encode_basestring_ascii  # what json.dumps does to a str (C)
_shared = {}  # id(location or createdAt dict) -> (the dict, its JSON): one per code location


def _obj(d):
    """JSON of a location/createdAt dict; these are shared by every task at that place and never
    changed (chains._spots, registry.created_at), so each is encoded once."""
    got = _shared.get(id(d))
    if got is None or got[0] is not d:
        if len(_shared) > 20000:
            _shared.clear()
        got = _shared[id(d)] = (d, json.dumps(d, separators=(',', ':'), default=str))
    return got[1]


def encode_rows(rows_):
    """The JSON array of the TaskInfo dicts that ``rows_`` (from rows()) stand for."""
    return json.dumps(_dicts(rows_), separators=(',', ':'), default=str)


def page_json(task_list, graph, recs, ids):
    """encode_rows(rows(task_list, graph, recs=recs)) (``ids``: the records' ids), the same text
    made in one pass without the rows: the list view's page. Each task's fields go straight into
    its JSON; what many tasks share is encoded once (a waiting task's awaiting and location with
    its memo entry, a run of fields per page, a creation site once at all). Anything
    unexpected: the plain way."""
    try:
        return _page_json(task_list, graph, recs, ids)
    except Exception:
        return encode_rows(rows(task_list, graph, recs=recs))


def _page_json(task_list, graph, recs, ids):
    currents = _Currents.now(task_list)
    esc = _esc
    wait = _wait
    waiter_of = _waiters.get
    waits_of = _waits.get
    summary = tasks.summary
    owner_of = registry._owner.get
    resolve = registry.resolve_site
    eager_info = registry._eager_info
    coroutine_name = tasks.coroutine_name
    awaited_by = tasks.HAS_AWAITED_BY
    # A task's fields after its name are mostly its neighbours': each distinct run of them (the
    # "tail", from the coroutine on) is encoded once a page. Its key holds the creation site's id
    # (one object per place: registry._site) and the entry the site itself, so the id is the
    # site's while the page is built; the site is resolved to a line once per tail.
    tails = {}
    out = []
    add = out.append
    last_loop = cur = lid = None  # tasks of one loop come in runs: its current task and id
    for t, rec, i in zip(task_list, recs, ids):
        loop = t._loop
        if loop is not last_loop:
            last_loop = loop
            cur = currents[id(loop)]
            lid = loops.state(loop).id
        s = t._state  # tasks.state_of, inline (a call per task less)
        if s == 'PENDING':
            if t is cur:
                st = 'running'
                aw = _wait_json(None, summary(t)[0])
            else:
                st = 'pending'
                # _wait's memo read here (a call per task less)
                w = t._fut_waiter
                r = waiter_of(rec)
                aw = waits_of(rec) if r is not None and w is not None and r() is w else None
                aw = (aw or wait(t, rec))[2]
            # Nobody has a callback on most tasks (workers): see _awaited_by
            if awaited_by or getattr(t, '_callbacks', 1):
                by = _awaited_by(t, graph, awaited_by)
                by = '[' + ','.join(map(esc, by)) + ']' if by else '[]'
            else:
                by = '[]'
        else:
            st = 'cancelled' if s == 'CANCELLED' else 'failed' if t._exception is not None else 'done'
            aw = _NO_WAIT
            by = '[]'
        o = owner_of(rec)
        if o.__class__ is tuple:  # (owner, creation site): see registry.describe
            site = o[1]  # a place's (code, lasti) shared by its tasks, or its resolved dict
            o = o[0]
        else:
            site = None
        coro = getattr(t._coro, '__qualname__', None) or coroutine_name(t)
        key = (coro, st, o, id(site), by, aw, lid, rec in eager_info)
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = (_tail(*key[:3], None if site is None else resolve(site), *key[4:]), site)
        add('{"id":"%d","name":%s,%s' % (i, esc(t.get_name()), tail[0]))
    if not out:
        return '[]'
    out[0] = '[' + out[0]  # brackets on the ends: the page is copied once, by the join
    out[-1] += ']'
    return ','.join(out)


def _tail(coro, st, owner, site, by, aw, lid, eager):
    """A row's JSON from its coroutine on (see _page_json)."""
    esc = _esc
    return '"coroutine":%s,"state":"%s","owner":%s,"awaitedBy":%s,%s,"createdAt":%s,"loop":%s,"eager":%s}' % (
        'null' if coro is None else esc(coro), st, 'null' if owner is None else '"%d"' % registry.tid(owner),
        by, aw, 'null' if site is None else _obj(site), esc(lid), 'true' if eager else 'false')


_listing_cache = {}   # (include_done, loop_id) -> (monotonic time, records, their ids, graph)
LISTING_REUSE_S = 2.0


def listing(include_done=False, loop_id=None, offset=0, limit=1000):
    """(page of TaskInfo dicts ordered by id, total count): see listing_rows."""
    page, total = listing_rows(include_done, loop_id, offset, limit)
    return _dicts(page), total


def listing_rows(include_done=False, loop_id=None, offset=0, limit=1000):
    """(page of TaskInfo field tuples (rows) ordered by id, total count): see _page."""
    page, recs, _, graph, total = _page(include_done, loop_id, offset, limit)
    return rows(page, graph, recs=recs), total


def listing_json(include_done=False, loop_id=None, offset=0, limit=1000):
    """(JSON text of the page of TaskInfo ordered by id, total count): the list view's request."""
    page, recs, ids, graph, total = _page(include_done, loop_id, offset, limit)
    return page_json(page, graph, recs, ids), total


def _page(include_done, loop_id, offset, limit):
    """(the page's tasks, their records, their ids, the awaited-by graph, total count).

    A client reads a long list page by page (offset 0, 1000, 2000...): the first page sorts every
    task once and later pages within LISTING_REUSE_S reuse that order and the awaited-by graph, so
    a full listing costs one sort, not one per page. Tasks that died in between are skipped."""
    key = (bool(include_done), loop_id)
    now = time.monotonic()
    cached = _listing_cache.get(key)
    if offset > 0 and cached is not None and now - cached[0] < LISTING_REUSE_S:
        _, keyed, ids, graph = cached
    else:
        keyed, ids, graph = _sorted_records(include_done, loop_id)
        _listing_cache.clear()
        _listing_cache[key] = (now, keyed, ids, graph)
    page = []
    recs = []
    page_ids = []
    for r, i in zip(keyed[offset:offset + limit], ids[offset:offset + limit]):
        t = r()
        if t is not None:
            page.append(t)
            recs.append(r)
            page_ids.append(i)
    return page, recs, page_ids, graph, len(keyed)


def _sorted_records(include_done, loop_id):
    """(records of the tasks to list, ordered by id; their ids; the pending ones' Graph)."""
    keyed = []
    add = keyed.append
    pending = []
    for r, t in tasks.records_and_tasks([s.ref() for s in loops.all_states()]):
        if t._state == 'PENDING':
            pending.append(r)
        elif not include_done:
            continue
        if loop_id is not None and loops.state(t.get_loop()).id != loop_id:
            continue
        add(r)
    # Records come in creation order, which is id order (registry.tid), so this is a check made
    # in C; the sort is there should that ever not hold.
    get = registry._tids.get
    ids = list(map(get, keyed))
    if None in ids:
        tid = registry.tid
        ids = [get(r) or tid(r) for r in keyed]
    if ids != sorted(ids):
        pairs = sorted(zip(ids, keyed), key=_first)
        ids = [i for i, _ in pairs]
        keyed = [r for _, r in pairs]
    if len(_waiters) > len(keyed) + 1000:
        for memo in (_waiters, _waits):
            keep = {r: memo[r] for r in keyed if r in memo}
            memo.clear()
            memo.update(keep)
    # Records only are kept between pages: tasks would be kept alive until the next listing, and
    # one the program dropped would not be reported destroyed while pending.
    return keyed, ids, tasks.Graph(records=pending)


_first = operator.itemgetter(0)


def find(tid):
    """The live task whose id is ``tid`` (a string), or None."""
    for t in tasks.all_tasks([s.ref() for s in loops.all_states()]):
        rec = registry.lookup(t)
        if rec is not None and str(registry.tid(rec)) == tid:
            return t
    return None


def detail(t):
    """(TaskInfo, frames innermost first, async stack following awaited-by edges upwards)."""
    pending = [x for x in tasks.all_tasks([s.ref() for s in loops.all_states()]) if x._state == 'PENDING']
    graph = tasks.Graph(pending)
    info = infos([t], graph)[0]
    frames = tasks.chain_frames(tasks.coroutine_chain(t))
    astack = []
    seen = {id(t)}
    cur = t
    while len(astack) < 50:
        ups = [a for a in graph.awaiters(cur) if id(a) not in seen]
        if not ups:
            break
        ups.sort(key=lambda a: registry.tid(registry.adopt(a)))
        cur = ups[0]
        seen.add(id(cur))
        astack.append({'task': registry.task_id(cur),
                       'frames': tasks.chain_frames(tasks.coroutine_chain(cur))})
    if not astack:
        astack = _call_graph_stack(t)
    return info, frames, astack


def _call_graph_stack(t):
    """3.14+: the interpreter's own view (asyncio.capture_call_graph), when ours found no awaiter."""
    capture = getattr(asyncio, 'capture_call_graph', None)
    if capture is None:
        return []
    out = []
    try:
        node = capture(t)
        while node is not None and node.awaited_by and len(out) < 50:
            node = node.awaited_by[0]
            fut = node.future
            frames = [{'path': e.frame.f_code.co_filename, 'line': e.frame.f_lineno,
                       'function': getattr(e.frame.f_code, 'co_qualname', e.frame.f_code.co_name)}
                      for e in node.call_stack if getattr(e, 'frame', None) is not None]
            out.append({'task': registry.task_id(fut) if isinstance(fut, asyncio.Task) else None, 'frames': frames})
    except Exception:
        return []
    return out
