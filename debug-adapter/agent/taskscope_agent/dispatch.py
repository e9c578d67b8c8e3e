"""Method table of the inspector protocol: request -> handler -> response, plus the event queue.

Core handlers live in handlers.py; the debugger's modules register theirs the same way
(`@register('debug.setBreakpoints')`). This module knows nothing about sockets or threads beyond
a lock-free queue: `emit` may be called from anywhere (finalizers, signal handlers, any thread).
"""
import collections
import os
import threading
import time

from . import protocol

_handlers = {}
_before_run = []
_on_session = []
# Events waiting to be sent: (session or None for all, event name, body). deque.append is atomic.
events = collections.deque(maxlen=10000)
_wakeup = [None]  # set by the server: a callable that wakes the agent thread (must not raise)


class RequestError(Exception):
    """Raise in a handler to answer with ``{ok: false, error: {code, message}}``."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Context:
    """What a handler knows about the request: the session, and who is serving it."""
    __slots__ = ('session', 'served_by', 'thread', 'received')

    def __init__(self, session, served_by):
        self.session = session
        self.served_by = served_by          # 'loop' or 'agent'
        self.thread = threading.get_ident()
        self.received = time.monotonic()


def register(method):
    """Decorator: ``@register('tasks.list') def handler(params, ctx) -> dict``."""
    def deco(fn):
        _handlers[method] = fn
        return fn
    return deco


def before_run(callback):
    """``callback()`` runs on the main thread just before the target's first line (after `run`
    under --wait), or in the thread of `listen(wait=True)` once `run` arrived."""
    _before_run.append(callback)
    return callback


def on_session(callback):
    """``callback(session)`` runs for every session once its handshake is complete."""
    _on_session.append(callback)
    return callback


def emit(event, body, session=None):
    """Queues an event for every session (or one); never raises, never blocks."""
    try:
        events.append((session, event, body))
        wake = _wakeup[0]
        if wake is not None:
            wake()
    except Exception:
        pass


def handle(session, msg, served_by):
    """Answers one message from an authenticated session; returns the response dict."""
    rid = msg.get('id') if isinstance(msg.get('id'), (int, str)) else None
    if msg.get('type') != 'request':
        return _error(rid, 'invalid-message', 'expected a request, got type %r' % msg.get('type'))
    fn = _handlers.get(msg.get('method'))
    err = protocol.validate_request(msg)
    if err is not None:
        code = 'invalid-params' if err.startswith('params:') else 'invalid-message'
        return _error(rid, code, err)
    if fn is None:
        return _error(rid, 'unknown-method', 'unknown method %r' % msg['method'])
    params = msg.get('params') or {}
    try:
        result = fn(params, Context(session, served_by))
    except RequestError as e:
        return _error(rid, e.code, e.message)
    except Exception as e:  # a handler bug must not reach the debuggee
        return _error(rid, 'internal', '%s: %s' % (type(e).__name__, e))
    return {'type': 'response', 'id': rid, 'ok': True, 'result': result if result is not None else {}}


def _error(rid, code, message):
    return {'type': 'response', 'id': rid, 'ok': False, 'error': {'code': code, 'message': message}}


def methods():
    """Names of the registered methods."""
    return sorted(_handlers)


def run_before_run():
    for cb in list(_before_run):
        try:
            cb()
        except Exception:
            pass


def run_on_session(session):
    for cb in list(_on_session):
        try:
            cb(session)
        except Exception:
            pass


_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def agent_files():
    """Directory of the agent package: frames from files under it are the agent's, not the user's."""
    return _PKG_DIR
