"""Breakpoint bookkeeping and the stop decision shared by both tracing engines.

This module knows which lines have breakpoints, which files count as the user's code, and, given
a line event on a frame, whether the program must stop there (breakpoint, step, pause). It does not
hook the interpreter (that is `tracer_monitoring` on 3.12+ and `tracer_settrace` on 3.10/3.11),
does not block threads and does not speak the protocol (that is `debugger`).

Stepping is task-aware: a step started in a coroutine run by task T only ends in T (or, once T has
finished, in a task that was awaiting T), so stepping over an `await` never lands in the event loop
or in another task that happens to run meanwhile. Coroutine frames keep their identity across
suspensions, which is what "the same frame" means below.
"""

import asyncio
import os
import re
import site
import sys
import threading

AGENT_DIR = os.path.dirname(os.path.abspath(__file__))

# Exceptions that are control flow, never worth a stop on "raised".
CONTROL_FLOW = (StopIteration, StopAsyncIteration, GeneratorExit, asyncio.CancelledError, KeyboardInterrupt, SystemExit)


def canonical(path):
    """A file name as breakpoints and code objects are compared: absolute, resolved, normcased."""
    try:
        return os.path.normcase(os.path.realpath(os.path.abspath(path)))
    except (OSError, ValueError):
        return path


def _library_dirs():
    import sysconfig  # here, not at start-up (see debugger_vars.locals_to_fast)
    dirs = set()
    paths = sysconfig.get_paths()
    for key in ('stdlib', 'platstdlib', 'purelib', 'platlib'):
        if paths.get(key):
            dirs.add(canonical(paths[key]))
    try:
        dirs.update(canonical(p) for p in site.getsitepackages())
    except AttributeError:  # some virtualenvs ship a site module without it
        pass
    try:
        dirs.add(canonical(site.getusersitepackages()))
    except AttributeError:
        pass
    return tuple(d + os.sep for d in dirs)


class CodeFilter:
    """Decides which files are "the user's code" (justMyCode) and which are never stopped in."""

    def __init__(self):
        self.just_my_code = True
        # The library directories are looked up at the first question, not at start-up: sysconfig
        # is imported for them, and every object a module import leaves behind is walked by each
        # full collection of the program for as long as it runs, debugged or not.
        self._libs = None
        self._agent = canonical(AGENT_DIR) + os.sep
        self._cache = {}

    def set_just_my_code(self, value):
        self.just_my_code = bool(value)
        self._cache.clear()

    def is_user(self, filename):
        """True when a stop or a step may land in code from `filename`."""
        try:
            return self._cache[filename]
        except KeyError:
            pass
        if filename.startswith('<'):
            # `python -c` and interactive input are the user's; frozen modules and exec'd
            # snippets of libraries (`<frozen runpy>`, `<attrs generated ...>`) are not.
            result = filename in ('<string>', '<stdin>')
        else:
            path = canonical(filename)
            result = not path.startswith(self._agent)
            if result and self.just_my_code:
                if self._libs is None:
                    self._libs = _library_dirs()
                result = not path.startswith(self._libs)
        self._cache[filename] = result
        return result


def executable_lines(path):
    """Line numbers that can raise a LINE event in `path` (compiled, never executed)."""
    with open(path, 'rb') as f:
        source = f.read()
    code = compile(source, path, 'exec', dont_inherit=True)
    lines, todo = set(), [code]
    while todo:
        c = todo.pop()
        lines.update(line for _, _, line in c.co_lines() if line is not None)
        todo.extend(k for k in c.co_consts if hasattr(k, 'co_lines'))
    lines.discard(0)
    return lines


_HIT = re.compile(r'^\s*(==|=|>=|>|<=|<|%)?\s*(\d+)\s*$')


class Breakpoint:
    """One line breakpoint: its condition, hit condition and logpoint message."""

    _ids = 0

    def __init__(self, path, line, condition=None, hit_condition=None, log_message=None):
        Breakpoint._ids += 1
        self.id = Breakpoint._ids
        self.path, self.line = path, line
        self.condition = condition or None
        self.log_message = log_message or None
        self.hit_condition = hit_condition or None
        self.hits = 0
        self.message = None
        self._hit_test = None
        if self.hit_condition:
            m = _HIT.match(self.hit_condition)
            if not m:
                self.message = 'Hit count must be a number, optionally after ==, >, >=, <, <= or %'
            else:
                op, n = m.group(1) or '==', int(m.group(2))
                self._hit_test = {
                    '==': lambda h: h == n, '=': lambda h: h == n, '>=': lambda h: h >= n,
                    '>': lambda h: h > n, '<=': lambda h: h <= n, '<': lambda h: h < n,
                    '%': lambda h: n > 0 and h % n == 0,
                }[op]

    def hit_passes(self):
        """Counts a hit (after the condition held) and says whether the hit condition allows a stop."""
        self.hits += 1
        return self._hit_test is None or self._hit_test(self.hits)


class BreakpointTable:
    """Breakpoints by canonical file and line, with a per-`co_filename` lookup cache for hot paths."""

    def __init__(self):
        self.files = {}  # canonical path -> {line: Breakpoint}
        self._by_filename = {}
        self._by_code = {}
        self.lock = threading.Lock()

    def set_file(self, path, specs):
        """Replaces the breakpoints of one file; returns their verification as protocol dicts."""
        canon = canonical(path)
        try:
            valid = executable_lines(canon)
            problem = None
        except (OSError, SyntaxError, ValueError) as e:
            valid, problem = None, f'Cannot read {path}: {e}'
        table, result = {}, []
        for spec in specs:
            want = int(spec.get('line', 0))
            line = want
            if valid is not None and want not in valid:
                later = [n for n in valid if want < n <= want + 20]
                line = min(later) if later else None
            if line is None or problem:
                result.append({'id': None, 'verified': False, 'line': want,
                               'message': problem or 'No code on this line'})
                continue
            bp = Breakpoint(canon, line, spec.get('condition'), spec.get('hitCondition'), spec.get('logMessage'))
            table.setdefault(line, bp)
            result.append({'id': table[line].id, 'verified': bp.message is None, 'line': line,
                           'message': bp.message})
        with self.lock:
            if table:
                self.files[canon] = table
            else:
                self.files.pop(canon, None)
            self._by_filename = {}
            self._by_code = {}
        return result

    def for_filename(self, filename):
        """{line: Breakpoint} for code compiled from `filename`, or None (cached)."""
        try:
            return self._by_filename[filename]
        except KeyError:
            pass
        lines = self.files.get(canonical(filename)) if self.files else None
        self._by_filename[filename] = lines
        return lines

    def in_code(self, code):
        """True when a breakpoint sits on one of `code`'s own lines (not its nested functions'),
        so only the functions that hold breakpoints are traced, not their whole file (cached)."""
        try:
            return self._by_code[code]
        except KeyError:
            pass
        lines = self.for_filename(code.co_filename)
        result = False
        if lines:
            own = {line for _, _, line in code.co_lines()}
            result = any(line in own for line in lines)
        self._by_code[code] = result
        return result

    def __bool__(self):
        return bool(self.files)


def current_task_or_none():
    """The asyncio task running in this thread, without raising when no loop runs."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def awaiting_tasks(fut, depth=0):
    """Tasks whose wake-up hangs on `fut`: direct awaiters, and those of gather/shield wrappers."""
    found = set()
    callbacks = getattr(fut, '_callbacks', None) or []
    for cb in list(callbacks):
        fn = cb[0] if isinstance(cb, tuple) else cb
        owner = getattr(fn, '__self__', None)
        if isinstance(owner, asyncio.Task):
            found.add(owner)
            continue
        if depth > 4:
            continue
        # gather()'s and shield()'s callbacks are closures over the outer future.
        for cell in getattr(fn, '__closure__', None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, asyncio.Future) and value is not fut:
                found |= awaiting_tasks(value, depth + 1)
    return found


class Step:
    """A step in progress on one thread: its kind and what counts as "the same task"."""

    def __init__(self, kind, thread, frame, user_filter):
        self.kind = kind  # 'in' | 'over' | 'out' | 'entry'
        self.thread = thread
        self.frame = frame
        self.task = current_task_or_none() if frame is not None else None
        self.awaiters = awaiting_tasks(self.task) if self.task is not None else set()
        # User frames below the stepping frame in the same call chain: where a return lands.
        self.ancestors = set()
        f = frame.f_back if frame is not None else None
        while f is not None:
            if user_filter.is_user(f.f_code.co_filename):
                self.ancestors.add(f)
            f = f.f_back
        self.codes = {f.f_code for f in self.ancestors}
        if frame is not None:
            self.codes.add(frame.f_code)

    def should_stop(self, frame):
        """Called for a line event in the user's code on `self.thread`."""
        if self.kind == 'entry':
            return True
        if self.task is not None:
            task = current_task_or_none()
            if task is not self.task:
                # Only once our task is over may the step land in a task that awaited it.
                return self.task.done() and (task in self.awaiters or not self.awaiters)
        if self.kind == 'in':
            return True
        if frame in self.ancestors:
            return True
        return self.kind == 'over' and frame is self.frame
