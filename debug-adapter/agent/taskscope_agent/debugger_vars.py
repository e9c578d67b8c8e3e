"""Variables of a paused program: scopes, lazily expanded objects with paging, short reprs,
assignment and evaluation in a frame, including `await expr` on the paused program's own loop.

References (`ref`) are small integers valid until the program resumes. Everything that runs user
code (reprs, evaluation, assignment) is called by `debugger` on the paused thread itself. This
module does not know the protocol or which thread is paused.
"""

import ast
import asyncio
import reprlib
import sys
import time
import types

MAX_VALUE = 512
PAGE = 100
_SEQUENCES = (list, tuple, range, bytearray)
_SETS = (set, frozenset)


class _Repr(reprlib.Repr):
    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 3, 20, 20, 10, 20
        self.maxstring, self.maxother, self.maxlong = 200, 200, 60

    def repr_dict(self, x, level):
        # reprlib sorts keys; a dict shows in insertion order, as Python prints it.
        if not x:
            return '{}'
        if level <= 0:
            return '{...}'
        parts = []
        for i, (k, v) in enumerate(x.items()):
            if i >= self.maxdict:
                parts.append('...')
                break
            parts.append(f'{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}')
        return '{' + ', '.join(parts) + '}'

    def repr_instance(self, obj, level):
        try:
            text = repr(obj)
        except Exception as e:  # noqa: BLE001 - a broken __repr__ must not break the view
            return f'<{type(obj).__qualname__} object (repr failed: {type(e).__name__})>'
        return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + '…'


_repr = _Repr()


def short_repr(value):
    try:
        text = _repr.repr(value)
    except Exception as e:  # noqa: BLE001
        text = f'<{type(value).__qualname__} (repr failed: {type(e).__name__})>'
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + '…'


def _has_children(value):
    if isinstance(value, (str, bytes, int, float, complex, bool, type(None), range)):
        return False
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.ModuleType)):
        return False
    if isinstance(value, (dict, *_SEQUENCES, *_SETS)):
        return len(value) > 0
    return bool(_attributes(value))


def _attributes(obj):
    names = []
    d = getattr(obj, '__dict__', None)
    if isinstance(d, dict):
        names.extend(k for k in d if isinstance(k, str))
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get('__slots__', ())
        names.extend([slots] if isinstance(slots, str) else slots)
    seen, out = set(), []
    for n in names:
        if n in seen or n.startswith('__'):
            continue
        seen.add(n)
        out.append(n)
    return out


def locals_to_fast(frame, snapshot):
    """Makes writes to `snapshot` (a `frame.f_locals` taken before) stick where it is a copy
    (<= 3.12). Reading `frame.f_locals` again here would refresh the copy and lose the writes."""
    if not isinstance(snapshot, dict) or snapshot is frame.f_globals:
        return
    try:
        import ctypes  # here, not at start-up: its objects would be walked by every full collection
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    except (AttributeError, ValueError):
        pass


class Variables:
    """The reference table of one paused period."""

    def __init__(self):
        self._refs = {}
        self._next = 1

    def clear(self):
        self._refs.clear()

    def _new(self, entry):
        ref = self._next
        self._next += 1
        self._refs[ref] = entry
        return ref

    def scopes(self, frame):
        locals_ref = self._new(('locals', frame))
        scopes = [{'name': 'Locals', 'ref': locals_ref, 'presentationHint': 'locals', 'expensive': False}]
        if frame.f_globals is not frame.f_locals:
            scopes.append({'name': 'Globals', 'ref': self._new(('globals', frame)), 'expensive': True})
        return scopes

    def variable(self, name, value, evaluate_name=None):
        """One protocol variable for `value`, with a child reference when it can be expanded."""
        out = {'name': name, 'value': short_repr(value), 'type': type(value).__qualname__, 'ref': 0}
        if evaluate_name:
            out['evaluateName'] = evaluate_name
        if _has_children(value):
            out['ref'] = self._new(('object', value, evaluate_name))
            if isinstance(value, (*_SEQUENCES, *_SETS, dict)) and len(value) > PAGE:
                out['indexedVariables'] = len(value)
        return out

    def _entry(self, ref):
        entry = self._refs.get(ref)
        if entry is None:
            raise LookupError('This variable is no longer available (the program ran on)')
        return entry

    def children(self, ref, start=0, count=0):
        entry = self._entry(ref)
        kind = entry[0]
        if kind in ('locals', 'globals'):
            frame = entry[1]
            scope = frame.f_locals if kind == 'locals' else frame.f_globals
            items = [(k, v) for k, v in list(scope.items())
                     if kind == 'locals' or not (k.startswith('__') and k.endswith('__'))]
            if kind == 'globals':
                items = [(k, v) for k, v in items if not isinstance(v, types.ModuleType)]
            return [self.variable(str(k), v, str(k)) for k, v in _page(items, start, count)]
        value, path = entry[1], entry[2]
        if isinstance(value, dict):
            items = _page(list(value.items()), start, count)
            return [self.variable(short_repr(k), v, f'{path}[{k!r}]' if path and _literal(k) else None)
                    for k, v in items]
        if isinstance(value, _SEQUENCES):
            first = start or 0
            items = _page(list(value), first, count)
            return [self.variable(f'[{first + i}]', v, f'{path}[{first + i}]' if path else None)
                    for i, v in enumerate(items)]
        if isinstance(value, _SETS):
            items = _page(list(value), start, count)
            return [self.variable(f'<{(start or 0) + i}>', v) for i, v in enumerate(items)]
        out = []
        for name in _attributes(value):
            try:
                child = getattr(value, name)
            except Exception as e:  # noqa: BLE001 - a property may raise
                out.append({'name': name, 'value': f'<{type(e).__name__}: {e}>', 'type': '', 'ref': 0})
                continue
            out.append(self.variable(name, child, f'{path}.{name}' if path else None))
        return out

    def set_value(self, ref, name, text, evaluate):
        """Assigns `text` (an expression) to `name` inside reference `ref`; returns the new variable."""
        entry = self._entry(ref)
        kind = entry[0]
        if kind in ('locals', 'globals'):
            frame = entry[1]
            new = evaluate(text, frame)
            if kind == 'globals':
                frame.f_globals[name] = new
            else:
                snapshot = frame.f_locals
                snapshot[name] = new
                locals_to_fast(frame, snapshot)
            return self.variable(name, new, name)
        value = entry[1]
        new = evaluate(text, None)
        if isinstance(value, dict):
            key = next((k for k in value if short_repr(k) == name), None)
            if key is None:
                raise LookupError(f'No key {name} any more')
            value[key] = new
        elif isinstance(value, list) and name.startswith('['):
            value[int(name.strip('[]'))] = new
        elif isinstance(value, (tuple, *_SETS, str, bytes)):
            raise TypeError(f'A {type(value).__name__} cannot be changed in place')
        else:
            setattr(value, name, new)
        return self.variable(name, new)


def _page(items, start, count):
    start = start or 0
    return items[start:start + count] if count else items[start:]


def _literal(key):
    return isinstance(key, (str, int, float, bool, bytes)) or key is None


# -- evaluation -------------------------------------------------------------------------------------

AWAIT_TIMEOUT = 5.0


def evaluate(expression, frame, allow_statements=False):
    """Evaluates `expression` in `frame` (or in an empty namespace). An expression that contains
    `await` runs on the paused thread's event loop (see `_run_awaitable`)."""
    globs = frame.f_globals if frame is not None else {}
    locs = frame.f_locals if frame is not None else {}
    flags = getattr(ast, 'PyCF_ALLOW_TOP_LEVEL_AWAIT', 0)
    try:
        code = compile(expression, '<debug>', 'eval', flags=flags, dont_inherit=True)
        mode = 'eval'
    except SyntaxError:
        if not allow_statements:
            raise
        code = compile(expression, '<debug>', 'exec', flags=flags, dont_inherit=True)
        mode = 'exec'
    result = eval(code, globs, locs)  # noqa: S307 - evaluating the user's expression is the point
    if code.co_flags & 0x80:  # CO_COROUTINE: the expression awaits
        result = _run_awaitable(result)
    if mode == 'exec':
        if frame is not None:
            locals_to_fast(frame, locs)
        return None
    return result


def _run_awaitable(coro):
    """Runs `coro` to completion on the event loop of this (paused) thread: the task paused at
    the breakpoint steps out of its loop's "current task" slot, the loop turns nested until the
    evaluation finishes (other tasks run meanwhile, as they would after `continue`), then the task
    steps back in. Needs the loop's private `_run_once`, `_enter_task` and `_leave_task`; without
    them, or without a running loop here, the user gets a message saying why."""
    loop = asyncio._get_running_loop()
    if loop is None:
        coro.close()
        raise RuntimeError('`await` needs a running event loop, and none runs in this thread')
    run_once = getattr(loop, '_run_once', None)
    enter = getattr(asyncio.tasks, '_enter_task', None)
    leave = getattr(asyncio.tasks, '_leave_task', None)
    if run_once is None or enter is None or leave is None:
        coro.close()
        raise RuntimeError(f'`await` is not supported on {type(loop).__name__} (no nested loop turn)')
    ready = getattr(loop, '_ready', None)
    if ready is None:
        coro.close()
        raise RuntimeError(f'`await` is not supported on {type(loop).__name__} (no ready queue)')
    current = asyncio.current_task(loop)
    if current is not None:
        leave(loop, current)
    # The paused callback runs inside the loop's own _run_once, which will still pop the handles
    # it counted as ready: set them aside while the nested turns run, and put them back in front.
    held = list(ready)
    ready.clear()
    try:
        task = loop.create_task(coro)
        deadline = time.monotonic() + AWAIT_TIMEOUT
        wake = loop.call_at(loop.time() + AWAIT_TIMEOUT, lambda: None)  # bounds each select()
        try:
            while not task.done() and time.monotonic() < deadline:
                run_once()
        finally:
            wake.cancel()
        if not task.done():
            task.cancel()
            for _ in range(3):
                run_once()
            raise TimeoutError(f'`await` did not finish within {AWAIT_TIMEOUT:.0f} s')
        return task.result()
    finally:
        ready.extendleft(reversed(held))
        if current is not None:
            enter(loop, current)


def describe_exception(exc):
    return f'{type(exc).__qualname__}: {exc}' if str(exc) else type(exc).__qualname__


def python_version():
    return '%d.%d' % sys.version_info[:2]
