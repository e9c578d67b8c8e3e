"""`tasks.changed` events: created and finished tasks, batched and rate-limited.

Off by default (`events.configure {taskEvents: true}` or `--task-events`): when on, the create_task
hook keeps a weak reference to each new task, at most `CAP` per interval (the rest are only
counted), and the agent thread reports them at most every `taskEventsIntervalMs`, with the tasks
among them that finished since.
"""
import weakref

from . import dispatch, loops, registry, snapshot

CAP = 500
TRACK_CAP = 10000
_new = []          # weak references to tasks created since the last event
_dropped = [0]
_tracked = {}      # tid -> weakref of reported, still pending tasks
_last = [0.0]


def _on_created(task):
    if len(_new) < CAP:
        _new.append(weakref.ref(task))
    else:
        _dropped[0] += 1


def configure(enabled):
    registry.set_created_hook(_on_created if enabled else None)
    if not enabled:
        del _new[:]
        _tracked.clear()


def due(server):
    """When the next event is due (monotonic), None while task events are off."""
    if registry._created_hook[0] is None:
        return None
    return _last[0] + server.options['taskEventsIntervalMs'] / 1000.0


def tick(server, now):
    d = due(server)
    if d is None or now < d - loops.SLACK:
        return
    _last[0] = now
    refs = _new[:]
    del _new[:len(refs)]
    dropped, _dropped[0] = _dropped[0], 0
    created = [t for t in (r() for r in refs) if t is not None]
    finished = []
    for tid, ref in list(_tracked.items()):
        t = ref()
        if t is None or t.done():
            _tracked.pop(tid, None)
            finished.append({'id': tid, 'state': 'done' if t is None else snapshot.state(t)})
    infos = snapshot.infos(created) if created else []
    for t, info in zip(created, infos):
        if info['state'] in ('pending', 'running') and len(_tracked) < TRACK_CAP:
            _tracked[info['id']] = weakref.ref(t)
        elif info['state'] not in ('pending', 'running'):
            finished.append({'id': info['id'], 'state': info['state']})
    if infos or finished or dropped:
        dispatch.emit('tasks.changed', {'created': infos, 'finished': finished, 'dropped': dropped})
