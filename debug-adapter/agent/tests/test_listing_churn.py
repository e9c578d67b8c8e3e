"""Paged `tasks.list` while thousands of tasks churn, answered both by the loop and by the agent's
thread (the loop busy in long callbacks that create, gather and finish tasks meanwhile): every page
is an answer, not an error (H5 once saw `IndexError: tuple index out of range` at 10k tasks)."""
import time
import unittest

from .agent_harness import Program

CHURN = '''
    import asyncio, time
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
            await asyncio.sleep(0.3)  # turning (the workers churn): the loop answers
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
        served, pages = set(), 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            for include_done in (False, True):
                offset = 0
                while True:
                    r = c.call('tasks.list', {'offset': offset, 'limit': 1000, 'includeDone': include_done})
                    pages += 1
                    served.add(r['servedBy'])
                    ids = [int(t['id']) for t in r['tasks']]
                    self.assertEqual(ids, sorted(set(ids)), 'a page is ordered by id, without repeats')
                    self.assertGreaterEqual(r['total'], len(ids))
                    if len(ids) < 1000:
                        break
                    offset += 1000
        self.assertGreater(pages, 10)
        self.assertIn('loop', served)
        self.assertIn('agent', served)


if __name__ == '__main__':
    unittest.main()
