"""`--tree-on-exit`: prints the task tree to stderr when a loop shuts down (before asyncio.run
cancels what is left, or at loop.close()), and every lost error as it happens. No socket needed.
"""
import sys

from . import hooks, loops, lost, snapshot, tree

_on = [False]
_printed = set()


def enable():
    if _on[0]:
        return
    _on[0] = True
    lost.listeners.append(_print_lost)
    hooks.on_shutdown.append(_print_tree)


def _print_lost(body):
    where = body.get('createdAt')
    sys.stderr.write('taskscope: %s: %s%s\n' % (body['kind'], body['message'],
                                               ' (created at %s:%d)' % (where['path'], where['line']) if where else ''))


def _print_tree(loop, why):
    st = loops.state(loop)
    if st.id in _printed:
        return
    _printed.add(st.id)
    page, total = snapshot.listing(include_done=True, loop_id=st.id, limit=10000)
    sys.stderr.write('taskscope: task tree of loop %s %s (%d tasks)\n%s\n' % (st.id, why, total, tree.render(page)))


