"""Builds protocol `TaskInfo` dicts from live tasks: the list view (paged), one task in depth,
and lookups by id. Pure reading; the caller decides the thread (see server.py) and freezing.
"""
import asyncio

from . import loops, registry, tasks


def _currents(task_list):
    """loop -> the task currently running on it (asyncio.current_task works across threads)."""
    out = {}
    for t in task_list:
        loop = t.get_loop()
        if id(loop) not in out:
            try:
                out[id(loop)] = asyncio.current_task(loop)
            except Exception:
                out[id(loop)] = None
    return out


def state(t):
    try:
        cur = asyncio.current_task(t.get_loop())
    except Exception:
        cur = None
    return tasks.state_of(t, cur)


def _loop_id(loop, cache):
    lid = cache.get(id(loop))
    if lid is None:
        lid = cache[id(loop)] = loops.state(loop).id
    return lid


def infos(task_list, graph=None, currents=None):
    """TaskInfo for each task of ``task_list`` (same order)."""
    graph = graph or tasks.Graph(task_list)
    currents = currents if currents is not None else _currents(task_list)
    lcache = {}
    out = []
    recs = registry.records
    for t in task_list:
        rec = recs.get(id(t)) or registry.adopt(t)
        loop = t.get_loop()
        st = tasks.state_of(t, currents.get(id(loop)))
        owner = rec[1]
        if st in ('pending', 'running'):
            chain = tasks.coroutine_chain(t)
            awaiting = tasks.awaiting_words(t, chain) if st == 'pending' else None
            where = tasks.location(chain)
            by = sorted({(recs.get(id(a)) or registry.adopt(a))[0] for a in graph.awaiters(t) if a is not t}, key=int)
        else:
            awaiting = where = None
            by = []
        created = registry.sites(rec)
        out.append({'id': rec[0], 'name': t.get_name(), 'coroutine': tasks.coroutine_name(t),
                    'state': st, 'owner': owner, 'awaitedBy': by, 'awaiting': awaiting,
                    'location': where, 'createdAt': created[0] if created else None,
                    'loop': _loop_id(loop, lcache), 'eager': bool(rec[6])})
    return out


def listing(include_done=False, loop_id=None, offset=0, limit=1000):
    """(page of TaskInfo ordered by id, total count)."""
    below = registry.peek_next_id()
    all_list = tasks.all_tasks([s.ref() for s in loops.all_states()])
    registry.sweep({id(t) for t in all_list}, below)
    if not include_done:
        all_list = [t for t in all_list if t._state == 'PENDING']
    if loop_id is not None:
        all_list = [t for t in all_list if loops.state(t.get_loop()).id == loop_id]
    recs = registry.records
    keyed = sorted((int((recs.get(id(t)) or registry.adopt(t))[0]), i) for i, t in enumerate(all_list))
    page = [all_list[i] for _, i in keyed[offset:offset + limit]]
    graph = tasks.Graph([t for t in all_list if t._state == 'PENDING'])
    return infos(page, graph), len(all_list)


def find(tid):
    """The live task whose id is ``tid`` (a string), or None."""
    for t in tasks.all_tasks([s.ref() for s in loops.all_states()]):
        rec = registry.records.get(id(t))
        if rec is not None and rec[0] == tid:
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
        ups.sort(key=lambda a: int(registry.adopt(a)[0]))
        cur = ups[0]
        seen.add(id(cur))
        astack.append({'task': registry.adopt(cur)[0],
                       'frames': tasks.chain_frames(tasks.coroutine_chain(cur))})
    return info, frames, astack
