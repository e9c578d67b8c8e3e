"""The list view's own JSON encoding (snapshot.page_json, spliced into the message by
transport.encode as a `Raw` value) gives exactly the text json.dumps gives of the TaskInfo dicts,
for tasks in every state, for names json must escape, on a first listing, on a listing that reuses
what the first one worked out, and after a task stepped; a marker-like string in a message falls
back to plain json."""
import textwrap
import unittest

from .agent_harness import run_json

PROGRAM = textwrap.dedent('''
    import asyncio, gc, json, sys
    from taskscope_agent import hooks, snapshot, transport
    hooks.install()

    async def boom():
        raise ValueError('x')

    async def child(ev):
        await ev.wait()

    async def waiter(t):
        await t

    async def stepper(f1, ev):
        await f1
        await ev.wait()

    def listed_same():
        rows, _ = snapshot.listing_rows(include_done=True)
        text, _ = snapshot.listing_json(include_done=True)
        page, recs, ids, graph, _ = snapshot._page(True, None, 0, 1000)
        fast = snapshot._page_json(page, graph, recs, ids)  # itself: page_json falls back on any error
        return text == fast == json.dumps([dict(zip(snapshot._KEYS, r)) for r in rows], separators=(',', ':'), default=str)

    async def main():
        ev = asyncio.Event()
        names = ['plain', 'ünïcödé ☃', 'quote " and \\\\ backslash', 'ctl \\x00\\x01\\n\\t',
                 'surrogate \\ud800', '\\x00taskscope-raw\\x00']
        ts = [asyncio.create_task(child(ev), name=n) for n in names]
        g = asyncio.ensure_future(asyncio.gather(*ts[:3]))
        w = asyncio.create_task(waiter(ts[0]))
        bad = asyncio.create_task(boom())
        done = asyncio.create_task(asyncio.sleep(0))
        gone = asyncio.create_task(child(ev))
        f1 = asyncio.get_running_loop().create_future()
        st = asyncio.create_task(stepper(f1, ev))
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.sleep(0)
        same = [listed_same(), listed_same()]  # the second reuses the memo
        f1.set_result(None)
        await asyncio.sleep(0)
        same.append(listed_same())
        rows, total = snapshot.listing_rows(include_done=True)
        page = [dict(zip(snapshot._KEYS, r)) for r in rows]  # what snapshot.listing() gives
        msg = {'type': 'response', 'id': 1, 'ok': True,
               'result': {'tasks': transport.Raw(snapshot.encode_rows(rows)), 'total': total}}
        spliced = json.loads(transport.encode(msg))['result']['tasks'] == json.loads(json.dumps(page))
        # the marker itself in another string of the message: the raw part is decoded instead
        msg['result']['note'] = '\\x00taskscope-raw\\x00'
        fallback = json.loads(transport.encode(msg))
        fell_back = fallback['result']['tasks'] == json.loads(json.dumps(page)) and fallback['result']['note'] == msg['result']['note']
        states = sorted({i['state'] for i in page})
        # pages follow ids, also should ids ever not follow creation order (two swapped here)
        from taskscope_agent import registry
        ra, rb = registry.lookup(ts[0]), registry.lookup(ts[1])
        tids = registry._tids
        tids[ra], tids[rb] = tids[rb], tids[ra]
        ordered = [i['id'] for i in json.loads(snapshot.listing_json(include_done=True)[0])]
        ordered = ordered == sorted(ordered, key=int) and ordered.index(str(tids[rb])) < ordered.index(str(tids[ra]))
        tids[ra], tids[rb] = tids[rb], tids[ra]
        # the handler builds a page with the collector off and leaves it as it found it
        from taskscope_agent import handlers
        class Ctx:
            served_by = 'loop'
        r = handlers.tasks_list({}, Ctx)
        gc_kept = gc.isenabled() and [i['id'] for i in json.loads(r['tasks'].text)] == [i['id'] for i in snapshot.listing()[0]]
        gc.disable()
        handlers.tasks_list({}, Ctx)
        gc_kept = gc_kept and not gc.isenabled()
        gc.enable()
        ev.set()
        await asyncio.gather(*ts, g, w, st, return_exceptions=True)
        bad.exception()
        return {'same': same, 'spliced': spliced, 'fell_back': fell_back, 'states': states,
                'awaited': any(i['awaitedBy'] for i in page), 'n': len(page) >= 10,
                'gc_kept': gc_kept, 'ordered': ordered}

    print(json.dumps(asyncio.run(main())))
''')


class EncodingTest(unittest.TestCase):
    def test_list_view_encoding_matches_json(self):
        got, _ = run_json(PROGRAM)
        self.assertEqual(got, {'same': [True, True, True], 'spliced': True, 'fell_back': True,
                               'states': ['cancelled', 'done', 'failed', 'pending', 'running'],
                               'awaited': True, 'n': True, 'gc_kept': True, 'ordered': True})


if __name__ == '__main__':
    unittest.main()
