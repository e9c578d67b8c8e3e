"""The task records (registry.py) in a fresh interpreter each: where they live (asyncio's weak
reference per task), owners, ids given owners first, the creation-site budget and sampling,
records still found by a finalizer the cyclic GC runs, the compaction of dead owner chains, other
WeakSets left alone, task factories chained, and no `Task-N` name taken by the agent."""
import json
import subprocess
import sys
import textwrap
import unittest

from .agent_harness import env_with_agent

PRELUDE = '''
import asyncio, gc, json, sys, weakref
from taskscope_agent import hooks, registry
hooks.install()
def site(t):
    s = registry.sites(registry.lookup(t))
    return s[0]['line'] if s else None
def tid(t):
    return registry.tid(registry.lookup(t))
def owner(t):
    r = registry.lookup(t)
    o = getattr(r, 'owner', None)
    return None if o is None else o
'''


def line(source, marker):
    """The line number of ``marker`` in the program run() makes of ``source``."""
    code = PRELUDE + textwrap.dedent(source)
    return next(i for i, text in enumerate(code.splitlines(), 1) if marker in text)


def run(source):
    """Runs PRELUDE + source in a fresh interpreter; returns the JSON it prints last."""
    code = PRELUDE + textwrap.dedent(source)
    p = subprocess.run([sys.executable, '-c', code], env=env_with_agent(), capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError('program failed (%d): %s' % (p.returncode, p.stderr[-2000:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


class RegistryTest(unittest.TestCase):
    maxDiff = None

    def test_records_live_in_asyncios_weak_reference_and_owners_link_records(self):
        got = run('''
            async def leaf():
                await asyncio.sleep(0)
            async def main():
                me = asyncio.current_task()
                a = asyncio.create_task(leaf())
                b = asyncio.Task(leaf(), loop=asyncio.get_running_loop())  # not via create_task
                c = asyncio.ensure_future(leaf())
                await asyncio.gather(a, b, c)
                mine = registry.lookup(me)
                return {
                    'mode': registry.mode(),
                    'record_is_weakref': isinstance(mine, weakref.ref) and mine() is me,
                    'owners_are_main': [owner(t) is mine for t in (a, b, c)],
                    'ids_owner_first': tid(me) < min(tid(a), tid(b), tid(c)),
                    'ids_stable': tid(a) == tid(a),
                }
            print(json.dumps(asyncio.run(main())))
        ''')
        self.assertEqual(got, {'mode': 'weakset', 'record_is_weakref': True,
                               'owners_are_main': [True, True, True], 'ids_owner_first': True,
                               'ids_stable': True})

    def test_site_budget_then_one_in_sample(self):
        # No agent thread here, so nothing renews the budget: 3 sites, then tasks whose countdown
        # reaches -32, -64, -96 (exactly 3 of the next 97).
        src = '''
            async def leaf():
                pass
            async def main():
                registry._budget[0] = 3
                ts = [asyncio.create_task(leaf()) for _ in range(100)]  # SITE1
                lines = [site(t) for t in ts]
                await asyncio.gather(*ts)
                registry.record_all_sites(True)
                more = [asyncio.create_task(leaf()) for _ in range(50)]  # SITE2
                all_lines = {site(t) for t in more}
                await asyncio.gather(*more)
                return {'first': lines[:4], 'sited': sum(1 for x in lines if x), 'sampled_at':
                        [i for i, x in enumerate(lines) if x and i >= 3], 'all': sorted(all_lines)}
            print(json.dumps(asyncio.run(main())))
        '''
        got = run(src)
        n = line(src, '# SITE1')
        self.assertEqual(got, {'first': [n, n, n, None], 'sited': 6,
                               'sampled_at': [34, 66, 98], 'all': [line(src, '# SITE2')]})

    def test_record_found_in_a_finalizer_run_by_the_cyclic_gc(self):
        # A pending task in a reference cycle, dropped: the GC clears weak references before it
        # runs the Task's finalizer, which reports "Task was destroyed but it is pending".
        src = '''
            seen = []
            async def stuck(box):
                await asyncio.Future()
            def handler(loop, context):
                t = context.get('task')
                if t is not None:
                    seen.append({'site': site(t), 'has_record': registry.lookup(t) is not None})
            async def main():
                asyncio.get_running_loop().set_exception_handler(handler)
                box = []
                t = asyncio.create_task(stuck(box))  # SITE
                box.append(t)  # the cycle: task -> coroutine -> box -> task
                await asyncio.sleep(0)
                del t, box
                for _ in range(3):
                    gc.collect()
                    await asyncio.sleep(0)
                return seen
            print(json.dumps(asyncio.run(main())))
        '''
        self.assertEqual(run(src), [{'site': line(src, '# SITE'), 'has_record': True}])

    def test_compaction_cuts_dead_owner_chains(self):
        got = run('''
            async def gen3(out):
                out.append(registry.lookup(asyncio.current_task()))
                await asyncio.sleep(0.05)
            async def gen2(out):
                asyncio.create_task(gen3(out))
            async def gen1(out):
                asyncio.create_task(gen2(out))
            async def main():
                out = []
                await asyncio.create_task(gen1(out))
                await asyncio.sleep(0.01)
                gc.collect()
                r3 = out[0]
                r2 = r3.owner
                before = (r2() is None, getattr(r2, 'owner', None) is not None)
                tid2 = registry.tid(r2)
                registry.compact(10.0 ** 9)
                after = (getattr(r2, 'owner', None) is None, r3.owner is r2, registry.tid(r2) == tid2)
                return {'before': before, 'after': after}
            print(json.dumps(asyncio.run(main())))
        ''')
        self.assertEqual(got, {'before': [True, True], 'after': [True, True, True]})

    def test_other_weaksets_are_left_alone(self):
        got = run('''
            class Thing:
                pass
            s = weakref.WeakSet()
            a, b = Thing(), Thing()
            s.add(a); s.add(b); s.add(a)
            n1 = len(s)
            del b
            gc.collect()
            kinds = {type(r).__name__ for r in s.data}
            print(json.dumps({'n1': n1, 'n2': len(s), 'kinds': sorted(kinds), 'in': a in s}))
        ''')
        self.assertEqual(got, {'n1': 2, 'n2': 1, 'kinds': ['ReferenceType'], 'in': True})

    def test_task_factory_is_chained_and_still_reported(self):
        src = '''
            made = []
            def factory(loop, coro, **kw):
                t = asyncio.Task(coro, loop=loop, **kw)
                made.append(t)
                return t
            async def leaf():
                await asyncio.sleep(0)
            async def main():
                loop = asyncio.get_running_loop()
                loop.set_task_factory(factory)
                same = loop.get_task_factory() is factory
                t = asyncio.create_task(leaf())  # SITE
                await t
                loop.set_task_factory(None)
                return {'same': same, 'made': len(made), 'site': site(t),
                        'owner': owner(t) is registry.lookup(asyncio.current_task()),
                        'reset': loop.get_task_factory() is None}
            print(json.dumps(asyncio.run(main())))
        '''
        # the site is the create_task line, not the factory's own Task(...) line
        self.assertEqual(run(src), {'same': True, 'made': 1, 'site': line(src, '# SITE'), 'owner': True,
                                    'reset': True})

    def test_fallback_hook_where_asyncio_does_not_register_tasks_in_a_weakset(self):
        # 3.14 keeps native tasks in C lists: the probe then finds no record and the agent wraps
        # loop.create_task instead. Simulated here by hiding the WeakSet from install().
        code = textwrap.dedent('''
            import asyncio, json
            from taskscope_agent import hooks, registry, snapshot
            registry._task_set = lambda: None
            hooks.install()
            async def leaf():
                await asyncio.sleep(30)
            async def main():
                t = asyncio.create_task(leaf())  # SITE
                await asyncio.sleep(0)
                page, total = snapshot.listing()
                me = registry.task_id(asyncio.current_task())
                info = next(i for i in page if i['id'] == registry.task_id(t))
                t.cancel()
                return {'mode': registry.mode(), 'owner': info['owner'] == me,
                        'site': info['createdAt']['line'], 'total': total}
            print(json.dumps(asyncio.run(main())))
        ''')
        p = subprocess.run([sys.executable, '-c', code], env=env_with_agent(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        site_line = next(i for i, text in enumerate(code.splitlines(), 1) if '# SITE' in text)
        self.assertEqual(json.loads(p.stdout.strip().splitlines()[-1]),
                         {'mode': 'create_task', 'owner': True, 'site': site_line, 'total': 2})

    def test_agent_takes_no_task_name(self):
        p = subprocess.run([sys.executable, '-m', 'taskscope_agent', '-c',
                            'import asyncio\nasync def m():\n    print(asyncio.current_task().get_name())\n'
                            'asyncio.run(m())'], env=env_with_agent(), capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, 'Task-1'))


if __name__ == '__main__':
    unittest.main()
