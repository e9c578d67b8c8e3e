"""Handlers of the core inspector methods (see docs/inspector-protocol.md, *Methods*).

Each takes (params, ctx) and returns the result dict or raises dispatch.RequestError. They run
on whichever thread serves the connection; server.py freezes other threads when that is not the
loop thread.
"""
import gc
import os
import sys
import threading
import time

from . import dispatch, loops, protocol, registry, server, snapshot, taskevents, transport
from .dispatch import RequestError, register


@register('run')
def run(params, ctx):
    srv = server.current()
    if srv.state != 'waiting':
        return {'started': False}
    srv.state = 'running'
    srv.run_event.set()
    return {'started': True}


@register('agent.ping')
def ping(params, ctx):
    return {'servedBy': ctx.served_by, 'thread': str(threading.get_ident()), 'time': time.time()}


@register('agent.info')
def info(params, ctx):
    srv = server.current()
    return {'pid': os.getpid(), 'python': '%d.%d.%d' % sys.version_info[:3],
            'protocol': protocol.PROTOCOL_VERSION, 'argv': list(sys.argv), 'state': srv.state,
            'loops': [st.info() for st in loops.all_states()], 'features': server.features(),
            'options': dict(srv.options)}


def _int(params, name, default, lo, hi):
    v = params.get(name, default)
    if v < lo or v > hi:
        raise RequestError('invalid-params', '%s must be between %d and %d' % (name, lo, hi))
    return v


@register('tasks.list')
def tasks_list(params, ctx):
    offset = _int(params, 'offset', 0, 0, 1 << 31)
    limit = _int(params, 'limit', 1000, 0, 10000)
    # A page is a thousand strings made and dropped (no cycles): with many tasks alive, a
    # collection they would trigger meanwhile walks them all (~8% of a 10k-task listing), so none runs.
    collecting = gc.isenabled()
    gc.disable()
    try:
        text, total = snapshot.listing_json(bool(params.get('includeDone')), params.get('loop'), offset, limit)
        tasks = transport.Raw(text)
    finally:
        if collecting:
            gc.enable()
    # Off the loop thread, a loop that still turns could have changed tasks mid-snapshot.
    consistent = ctx.served_by == 'loop' or not any(st.responsive(time.monotonic(), 0.1) for st in loops.all_states())
    return {'tasks': tasks, 'total': total, 'offset': offset, 'servedBy': ctx.served_by,
            'consistent': consistent}


def _task(params):
    t = snapshot.find(params['id'])
    if t is None:
        raise RequestError('not-found', 'no live task with id %r' % params['id'])
    return t


@register('tasks.get')
def tasks_get(params, ctx):
    task, frames, astack = snapshot.detail(_task(params))
    return {'task': task, 'frames': frames, 'asyncStack': astack}


@register('tasks.cancel')
def tasks_cancel(params, ctx):
    t = _task(params)
    if t.done():
        return {'cancelled': False}
    msg = params.get('message')
    loop = t.get_loop()
    st = loops.find(loop)
    args = (msg,) if msg is not None else ()
    if st is not None and st.thread == threading.get_ident():
        return {'cancelled': bool(t.cancel(*args))}
    # Task.cancel is not thread-safe: run it on the loop thread, and wait for its answer a bounded
    # time. A loop that is blocked (the case the agent thread serves) cannot answer: then the
    # request stays queued and runs when the loop turns again; `queued` says so.
    done = threading.Event()
    out = []

    def cancel():
        try:
            out.append(bool(t.cancel(*args)))
        finally:
            done.set()
    loop.call_soon_threadsafe(cancel)
    if done.wait(CANCEL_WAIT_S) and out:
        return {'cancelled': out[0]}
    return {'cancelled': True, 'queued': True}


CANCEL_WAIT_S = 0.5


@register('events.configure')
def events_configure(params, ctx):
    srv = server.current()
    if 'blockedThresholdMs' in params:
        srv.options['blockedThresholdMs'] = _int(params, 'blockedThresholdMs', 250, 10, 3600 * 1000)
    if 'taskEventsIntervalMs' in params:
        srv.options['taskEventsIntervalMs'] = _int(params, 'taskEventsIntervalMs', 250, 50, 60000)
    if 'taskEvents' in params:
        srv.options['taskEvents'] = bool(params['taskEvents'])
        taskevents.configure(srv.options['taskEvents'])
    if 'originDepth' in params:
        srv.options['originDepth'] = _int(params, 'originDepth', 0, 0, 100)
        set_origin_depth(srv.options['originDepth'])
    return {'options': dict(srv.options)}


def set_origin_depth(depth):
    """Origin tracking is per thread: set it here and on every running loop's thread."""
    sys.set_coroutine_origin_tracking_depth(depth)
    for st in loops.all_states():
        loop = st.ref()
        if st.running and loop is not None and st.thread != threading.get_ident():
            try:
                loop.call_soon_threadsafe(sys.set_coroutine_origin_tracking_depth, depth)
            except Exception:
                pass
