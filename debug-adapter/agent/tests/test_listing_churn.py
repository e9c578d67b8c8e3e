"""Paged `tasks.list` while thousands of tasks churn, answered both by the loop and by the agent's
thread (the loop busy in long callbacks that create, gather and finish tasks meanwhile): every page
is an answer, not an error (H5 once saw `IndexError: tuple index out of range` at 10k tasks)."""
import time
import unittest

from .agent_harness import Program

CHURN = '''
    import asyncio, random, time
    async def worker(n):
        while True:
            await asyncio.sleep(0.01 * (n % 5))
    async def short():
        await asyncio.sleep(0)
    async def churn():
        while True:
            await asyncio.gather(*(asyncio.create_task(short()) for _ in range(200)))
            t0 = time.monotonic()
            for _ in range(3000):  # a fixed churn: the count must not grow with the machine's speed
                asyncio.ensure_future(short()).cancel()
            while time.monotonic() - t0 < 0.3:  # a busy callback: the agent's thread answers
                pass
            # Turning (the workers churn): the loop answers. For a varying time: a fixed cycle
            # once fell into step with the agent thread's take-overs, and the loop never answered.
            await asyncio.sleep(random.uniform(0.2, 0.5))
    async def main():
        ws = [asyncio.create_task(worker(n)) for n in range(3000)]
        asyncio.create_task(churn())
        print('READY', flush=True)
        await asyncio.sleep(60)
    asyncio.run(main())
'''


class ListingUnderChurn(unittest.TestCase):
    def test_paged_listing_while_tasks_churn(self):
        p = Program(CHURN)
        self.addCleanup(p.close)
        p.wait_line('READY')
        c = p.connect()
        served, pages, early = set(), 0, 0
        # Who answers depends on where the loop is in its cycle when a request comes: list for
        # 3 s, and on until both have answered. In the first 3 s a page takes a few hundredths
        # of a second either way (here ~140 pages): once, the agent thread raised the switch
        # interval while it answered, and the loop thread, giving the GIL up and taking it back
        # by itself, kept it waiting in steps of that interval (8-30 pages).
        t0 = time.monotonic()
        while time.monotonic() < t0 + 3 or (len(served) < 2 and time.monotonic() < t0 + 20):
            for include_done in (False, True):
                offset = 0
                while True:
                    r = c.call('tasks.list', {'offset': offset, 'limit': 1000, 'includeDone': include_done})
                    pages += 1
                    early += time.monotonic() < t0 + 3
                    served.add(r['servedBy'])
                    ids = [int(t['id']) for t in r['tasks']]
                    self.assertEqual(ids, sorted(set(ids)), 'a page is ordered by id, without repeats')
                    self.assertGreaterEqual(r['total'], len(ids))
                    if len(ids) < 1000:
                        break
                    offset += 1000
        self.assertGreater(early, 40)
        self.assertIn('loop', served)
        self.assertIn('agent', served)


if __name__ == '__main__':
    unittest.main()
