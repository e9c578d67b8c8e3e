"""The list view's fast paths give the answers of the plain ones.

- chains.summary (one walk, judged by code objects) == location() and awaiting_words() over
  coroutine_chain(), for tasks waiting on every kind of thing, and for the running task;
- the waiting memo (snapshot._wait) reuses a task's summary only while it waits on the same future: a task
  that stepped is walked again, words read from changing state (an awaited task's name, a
  TaskGroup's count) are never reused, and the memo keeps neither tasks nor futures alive.
"""
import sys
import textwrap
import unittest

from .agent_harness import run_json

PROGRAM = textwrap.dedent('''
    import asyncio, gc, json, socket, types, weakref
    from taskscope_agent import chains, hooks, snapshot
    hooks.install()

    def slow(t):
        chain = chains.coroutine_chain(t)
        return chains.location(chain), chains.awaiting_words(t, chain)

    @types.coroutine
    def bare_yield():
        yield

    class Awaitable:
        def __init__(self, fut):
            self.fut = fut
        def __await__(self):
            return (yield from self.fut.__await__())

    async def sleeper(d):
        await asyncio.sleep(d)

    async def getter(q):
        await q.get()

    async def waiter(ev):
        await ev.wait()

    async def nested(ev):
        await waiter(ev)

    async def on_task(t):
        await t

    async def gatherer(ev):
        await asyncio.gather(waiter(ev), waiter(ev))

    async def in_group(ev):
        async with asyncio.TaskGroup() as tg:
            tg.create_task(waiter(ev))
            tg.create_task(waiter(ev))

    async def waits(ev):
        await asyncio.wait([asyncio.ensure_future(waiter(ev))])

    async def reader(r):
        await r.read(10)

    async def custom(fut):
        await Awaitable(fut)

    async def generator_based():
        await bare_yield()
        await asyncio.sleep(3600)

    async def main():
        ev = asyncio.Event()
        q = asyncio.Queue()
        fut = asyncio.get_running_loop().create_future()
        a, b = socket.socketpair()
        r, _w = await asyncio.open_connection(sock=a)
        target = asyncio.create_task(waiter(ev), name='target')
        ts = [asyncio.create_task(c) for c in (
            sleeper(3600), getter(q), waiter(ev), nested(ev), on_task(target), gatherer(ev),
            waits(ev), reader(r), custom(fut), generator_based())]
        if hasattr(asyncio, 'TaskGroup'):
            ts.append(asyncio.create_task(in_group(ev)))
        await asyncio.sleep(0.05)
        every = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        mismatches = [[t.get_name(), repr(chains.summary(t)), repr(slow(t))] for t in every
                      if chains.summary(t) != slow(t)]
        me = asyncio.current_task()
        running_same = chains.summary(me)[0] == slow(me)[0]
        words = sorted({str(slow(t)[1]) for t in every})

        # the memo: reused while the waiter is the same, walked again once the task stepped
        def listed(t):
            return {i['id']: i for i in snapshot.listing(include_done=True)[0]}[snapshot.registry.task_id(t)]
        memo_ok = []
        first = listed(ts[1])
        memo_ok.append(first['awaiting'] == 'Queue.get')
        q.put_nowait(1)  # getter finishes its get and returns: a done task
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        memo_ok.append(listed(ts[1])['state'] == 'done')
        f1 = asyncio.get_running_loop().create_future()
        async def two_steps():
            await f1
            await ev.wait()
        ls = asyncio.create_task(two_steps())
        await asyncio.sleep(0)
        before = listed(ls)
        f1.set_result(None)  # it moves on to wait on the event
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        after = listed(ls)
        memo_ok.append((before['awaiting'], after['awaiting']) == ('Future', 'Event.wait'))
        memo_ok.append(before['location']['line'] != after['location']['line'])
        # words from changing state: an awaited task renamed (also one of a Task subclass), a TaskGroup losing a member
        listed(ts[4])
        target.set_name('renamed')
        renamed = listed(ts[4])['awaiting'] == 'renamed'
        # the same with a Task subclass (a task factory's) as the awaited task
        class MyTask(asyncio.Task):
            pass
        sub = MyTask(waiter(ev), name='sub')
        on_sub = asyncio.create_task(on_task(sub))
        await asyncio.sleep(0)
        renamed = renamed and listed(on_sub)['awaiting'] == 'sub'
        sub.set_name('sub renamed')
        renamed = renamed and listed(on_sub)['awaiting'] == 'sub renamed'
        group_counts = None
        if hasattr(asyncio, 'TaskGroup'):
            gev = asyncio.Event()
            async def quick():
                await gev.wait()
            async def slow_one():
                await asyncio.sleep(3600)
            async def grouped():
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(quick())
                    tg.create_task(slow_one())
            g = asyncio.create_task(grouped())
            await asyncio.sleep(0.01)
            c1 = listed(g)['awaiting']
            gev.set()
            await asyncio.sleep(0.01)
            group_counts = [c1, listed(g)['awaiting']]
            g.cancel()
        # the memo keeps nobody alive: a listed task waiting on a future nobody else holds
        async def orphan():
            await asyncio.get_running_loop().create_future()
        o = asyncio.create_task(orphan())
        await asyncio.sleep(0)
        listed(o)
        gone = weakref.ref(o)
        del o
        gc.collect()
        freed = gone() is None

        ev.set()
        fut.set_result(None)
        b.close()
        for t in ts + [target, ls, sub, on_sub]:
            t.cancel()
        await asyncio.gather(*ts, target, ls, sub, on_sub, return_exceptions=True)
        _w.close()
        return {'mismatches': mismatches, 'running_same': running_same, 'words': words,
                'memo_ok': memo_ok, 'renamed': renamed, 'group_counts': group_counts,
                'freed': freed}

    print(json.dumps(asyncio.run(main())))
''')


class ListWalkTest(unittest.TestCase):
    def test_fast_paths_match_the_plain_ones(self):
        got, _ = run_json(PROGRAM)
        self.assertEqual(got['mismatches'], [])
        self.assertTrue(got['running_same'])
        # the walk met every kind it words (so the comparison above covered them)
        for w in ('sleep 3600.0s', 'Queue.get', 'Event.wait', 'target', 'gather(2)', 'wait(1)',
                  'socket read', 'Future'):
            self.assertIn(w, got['words'])
        self.assertEqual(got['memo_ok'], [True, True, True, True])
        self.assertTrue(got['renamed'])
        if sys.version_info >= (3, 11):
            self.assertEqual(got['group_counts'], ['TaskGroup(2)', 'TaskGroup(1)'])
            self.assertIn('TaskGroup(2)', got['words'])
        self.assertTrue(got['freed'], 'the memo kept a task alive')


if __name__ == '__main__':
    unittest.main()
