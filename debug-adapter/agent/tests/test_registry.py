"""The task records (registry.py) in a fresh interpreter each: where they live (asyncio's weak
reference per task), owners, ids in creation order however late they are asked for, creation
sites (every one, or sampled after a busy tick), records still found by a finalizer the cyclic
GC runs, owner ids kept after owners die, dead records taken out of asyncio's set, other WeakSets
left alone, task factories chained, and no `Task-N` name taken by the agent."""
import subprocess
import sys
import textwrap
import unittest

from .agent_harness import env_with_agent, run_json

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
    o = registry.owner_id(registry.lookup(t))
    return None if o is None else int(o)
def records(t):
    return sum(1 for r in weakref.getweakrefs(t) if registry._is_record(r))
'''


def line(source, marker):
    """The line number of ``marker`` in the program run() makes of ``source``."""
    code = PRELUDE + textwrap.dedent(source)
    return next(i for i, text in enumerate(code.splitlines(), 1) if marker in text)


def run(source):
    """Runs PRELUDE + source in a fresh interpreter; returns the JSON it prints last."""
    return run_json(PRELUDE + textwrap.dedent(source))[0]


class RegistryTest(unittest.TestCase):
    maxDiff = None

    def test_records_live_in_asyncios_weak_reference_and_owners_link_records(self):
        got = run('''
            async def leaf():
                await asyncio.sleep(0)
            def late_ids():
                x, y, z = (asyncio.create_task(leaf()) for _ in range(3))
                last = tid(z)  # asked for first: x and y get theirs, in order, at the same time
                return tid(x) < tid(y) < last
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
                    'owners_are_main': [owner(t) == tid(me) for t in (a, b, c)],
                    'ids_owner_first': tid(me) < min(tid(a), tid(b), tid(c)),
                    'ids_stable': tid(a) == tid(a),
                    'ids_in_creation_order': late_ids(),
                }
            print(json.dumps(asyncio.run(main())))
        ''')
        self.assertEqual(got, {'mode': 'weakset', 'record_is_weakref': True,
                               'owners_are_main': [True, True, True], 'ids_owner_first': True,
                               'ids_stable': True, 'ids_in_creation_order': True})

    def test_every_site_while_quiet_then_one_in_sample_after_a_busy_tick(self):
        # No agent thread here: the test calls refill() where the agent's tick would.
        src = '''
            async def leaf():
                pass
            def batch(n):
                return [asyncio.create_task(leaf()) for _ in range(n)]  # SITE
            async def main():
                out = {}
                ts = batch(10)  # a quiet start: every site
                out['quiet'] = [site(t) is not None for t in ts]
                registry.refill()
                ts += batch(registry.SITE_BUDGET + 1)
                registry.refill()  # that tick was busy: sampled from now on
                more = batch(300)
                sited = [tid(t) for t in more if site(t) is not None]
                out['busy'] = sorted({b - a for a, b in zip(sited, sited[1:])}) == [registry.SAMPLE]
                out['busy_some'] = 0 < sum(1 for t in more if site(t) is not None) < len(more) // 2
                out['lines'] = sorted({site(t) for t in ts + more} - {None})
                registry.refill()  # 200 is quiet again
                out['again'] = [site(t) is not None for t in batch(5)]
                registry.refill(); registry.refill()
                busy = batch(registry.SITE_BUDGET + 1)
                registry.record_all_sites(True)
                registry.refill()
                out['forced'] = all(site(t) is not None for t in batch(100))
                await asyncio.gather(*ts, *more, *busy)
                return out
            print(json.dumps(asyncio.run(main())))
        '''
        got = run(src)
        self.assertEqual(got, {'quiet': [True] * 10, 'busy': True, 'busy_some': True,
                               'lines': [line(src, '# SITE')], 'again': [True] * 5,
                               'forced': True})

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

    def test_owner_ids_outlive_owners_and_dead_records_leave_asyncios_set(self):
        got = run('''
            async def gen3(out):
                out.append(registry.lookup(asyncio.current_task()))
                await asyncio.sleep(0.05)
            async def gen2(out):
                out.append(tid(asyncio.current_task()))
                asyncio.create_task(gen3(out))
            async def gen1(out):
                asyncio.create_task(gen2(out))
            async def main():
                out = []
                await asyncio.create_task(gen1(out))
                await asyncio.sleep(0.01)
                gc.collect()
                tid2, r3 = out
                s = asyncio.tasks._scheduled_tasks if hasattr(asyncio.tasks, '_scheduled_tasks') else asyncio.tasks._all_tasks
                many = [asyncio.create_task(asyncio.sleep(0)) for _ in range(100)]
                await asyncio.gather(*many)
                del many
                await asyncio.sleep(0)
                gc.collect()
                registry.commit()
                live = [r for r in s.data if r() is not None]
                # the 100 had creation sites (every site while quiet): they leave with the records
                sited = [r for r, o in registry._owner.items() if isinstance(o, tuple)]
                return {'owner_kept': registry.owner_id(r3) == str(tid2),
                        'data': len(s.data), 'live': len(live), 'len': len(s),
                        'dead_in_table': sum(1 for r in registry._owner if r() is None),
                        'sited_live': len(sited) > 0 and all(r() is not None for r in sited)}
            print(json.dumps(asyncio.run(main())))
        ''')
        # live: main and gen3 (asleep); nothing else left in asyncio's set once committed
        self.assertEqual(got, {'owner_kept': True, 'data': 2, 'live': 2,
                               'len': 2, 'dead_in_table': 0, 'sited_live': True})

    def test_compact_forgets_dead_ids_nobody_names(self):
        got = run('''
            import time
            ev = None
            async def child():
                await ev.wait()
            async def parent(out):
                out.append(asyncio.create_task(child()))
            async def leaf():
                pass
            async def main():
                global ev
                ev = asyncio.Event()
                out = []
                p = asyncio.create_task(parent(out))
                leaves = [asyncio.create_task(leaf()) for _ in range(5)]
                for t in [p] + leaves:
                    await t
                recs = [registry.lookup(t) for t in [p] + leaves]
                ids = [tid(t) for t in [p] + leaves + out]   # all get ids now
                del p, leaves, t
                gc.collect()
                before = sum(1 for r in recs if r in registry._tids)
                registry.compact(time.monotonic() + 10, every=0)   # dead, not committed yet: kept
                uncommitted = sum(1 for r in recs if r in registry._tids)
                registry.commit()
                registry.compact(time.monotonic() + 20, every=0)
                kept = [r in registry._tids for r in recs]
                out_owner = registry.owner_id(registry.lookup(out[0]))
                ev.set()
                await out[0]
                return {'before': before, 'uncommitted': uncommitted, 'kept': kept,
                        'owner_same_id': out_owner == str(ids[0])}
            print(json.dumps(asyncio.run(main())))
        ''')
        # the parent's id stays (its child lives and names it); the dead leaves' ids go
        self.assertEqual(got, {'before': 6, 'uncommitted': 6,
                               'kept': [True, False, False, False, False, False],
                               'owner_same_id': True})

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

    def test_asyncios_task_set_still_works_as_a_set_after_the_take_over(self):
        # Installed while a loop runs (attaching later): tasks made before get records, and
        # what asyncio and other code do with its task set still works on the records' dict.
        code = textwrap.dedent('''
            import asyncio, gc, json, sys
            from taskscope_agent import hooks, registry
            ev = None
            async def sleeper():
                await ev.wait()
            async def main():
                global ev
                ev = asyncio.Event()
                s = asyncio.tasks._scheduled_tasks if hasattr(asyncio.tasks, '_scheduled_tasks') else asyncio.tasks._all_tasks
                early = [asyncio.create_task(sleeper()) for _ in range(3)]
                await asyncio.sleep(0)
                hooks.install()
                out = {'data_is_records': s.data is registry._owner,
                       'early_have_records': all(registry.lookup(t) is not None for t in early),
                       'early_listed': set(early) <= asyncio.all_tasks()}
                late = asyncio.create_task(sleeper())
                await asyncio.sleep(0)
                out['late_owner'] = registry.owner_id(registry.lookup(late)) == registry.task_id(asyncio.current_task())
                out['len'] = len(s)                      # main + 3 early + late
                out['in'] = late in s and early[0] in s
                asyncio.tasks._unregister_task(early[0])  # WeakSet.discard
                out['unregistered'] = early[0] not in asyncio.all_tasks() and early[0] not in s
                ev.set()
                for t in early + [late]:
                    await t
                del early, late, t
                gc.collect()
                out['all'] = len(asyncio.all_tasks())    # main only
                out['len_after'] = len(s)
                return out
            print(json.dumps(asyncio.run(main())))
        ''')
        got, err = run_json(code)
        self.assertNotIn('Exception ignored', err)  # old references' callbacks never ran
        self.assertEqual(got, {
            'data_is_records': True, 'early_have_records': True, 'early_listed': True,
            'late_owner': True, 'len': 5, 'in': True, 'unregistered': True, 'all': 1,
            'len_after': 1})

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
                        'owner': owner(t) == tid(asyncio.current_task()),
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
        got, _ = run_json(code)
        site_line = next(i for i, text in enumerate(code.splitlines(), 1) if '# SITE' in text)
        self.assertEqual(got,
                         {'mode': 'create_task', 'owner': True, 'site': site_line, 'total': 2})

    @unittest.skipUnless(sys.version_info >= (3, 12), 'eager tasks are 3.12+')
    def test_an_eager_task_spawning_in_its_first_step_keeps_one_record(self):
        # Its child needs its record before it registers (after that step): the record is
        # adopted, and the registration's reference, equal to it, leaves it the one record, now
        # with its owner. No task factory here, whose wrapper would tidy up.
        got = run('''
            async def child():
                await asyncio.sleep(0)
            async def spawner():
                c = asyncio.create_task(child())
                await asyncio.sleep(0)
                await c
            async def main():
                s = asyncio.Task(spawner(), loop=asyncio.get_running_loop(), eager_start=True)
                c = next(t for t in asyncio.all_tasks() if t.get_coro().__name__ == 'child')
                out = {'records': records(s), 'listed_once': list(asyncio.all_tasks()).count(s),
                       'in_set': len([r for r in registry._owner if r() is s]),
                       'owners': [owner(c) == tid(s), owner(s) == tid(asyncio.current_task())]}
                await s
                return out
            print(json.dumps(asyncio.run(main())))
        ''')
        self.assertEqual(got, {'records': 1, 'listed_once': 1, 'in_set': 1, 'owners': [True, True]})

    def test_tasks_made_with_no_loop_running_or_registered_again_while_they_run(self):
        # The hot path's slow case: no owner, one record, nothing lost. A task added to the set
        # again while it runs itself keeps its record and owner (it was once set to none).
        got = run('''
            async def leaf():
                await asyncio.sleep(0)
            async def again(main):
                me = asyncio.current_task()
                before = [owner(me) == tid(main), records(me)]
                registry._sched[0].add(me)  # asyncio's task set: registering while it runs itself
                return before + [owner(me) == tid(main), records(me)]
            async def main():
                return await asyncio.create_task(again(asyncio.current_task()))
            loop = asyncio.new_event_loop()
            early = [loop.create_task(leaf()) for _ in range(40)]  # no loop running yet
            out = {'early': [registry.lookup(t) is not None and owner(t) is None and records(t) == 1
                             for t in early].count(True),
                   'listed': len(asyncio.all_tasks(loop))}
            loop.run_until_complete(asyncio.gather(*early))
            out['again'] = loop.run_until_complete(main())
            loop.close()
            print(json.dumps(out))
        ''')
        self.assertEqual(got, {'early': 40, 'listed': 40, 'again': [True, 1, True, 1]})

    def test_a_failing_batch_loses_no_task_and_counts_each_once(self):
        # Every 32 tasks the hot path commits dead records (_batch). If that fails, the task
        # being added keeps its record and owner and is counted once (the site budget's rate).
        got = run('''
            async def leaf():
                pass
            def boom():
                raise RuntimeError('commit failed')
            async def main():
                me = asyncio.current_task()
                before = registry._issued_so_far()
                registry.commit = boom
                ts = [asyncio.create_task(leaf()) for _ in range(96)]
                made = registry._issued_so_far() - before
                await asyncio.gather(*ts)
                return {'made': made, 'owned': sum(owner(t) == tid(me) for t in ts),
                        'records': sum(records(t) for t in ts)}
            print(json.dumps(asyncio.run(main())))
        ''')
        self.assertEqual(got, {'made': 96, 'owned': 96, 'records': 96})

    def test_agent_takes_no_task_name(self):
        p = subprocess.run([sys.executable, '-m', 'taskscope_agent', '-c',
                            'import asyncio\nasync def m():\n    print(asyncio.current_task().get_name())\n'
                            'asyncio.run(m())'], env=env_with_agent(), capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, 'Task-1'))


if __name__ == '__main__':
    unittest.main()
