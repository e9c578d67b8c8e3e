"""`python -m taskscope_agent [options] (script.py | -m module | -c code) [args...]`

Installs the asyncio hooks, optionally opens the inspector socket (docs/inspector-protocol.md),
then runs the target exactly as `python` would: `sys.argv`, a fresh `__main__`, `sys.path[0]`,
the exit code, uncaught exceptions (traceback without the agent's frames, exit code 1) and
KeyboardInterrupt (traceback, then death by SIGINT like python). Nothing else lives here.
"""
import builtins
import os
import signal
import stat
import sys
import types

USAGE = ('usage: python -m taskscope_agent [--listen] [--host H] [--port N] [--port-file PATH] '
         '[--secret-file PATH] [--wait] [--blocked-threshold-ms N] [--origin-depth N] [--task-events] '
         '[--all-sites] [--tree-on-exit] (script.py | -m module | -c code) [args...]')
_VALUED = {'--host', '--port', '--port-file', '--secret-file', '--blocked-threshold-ms', '--origin-depth'}
_FLAGS = {'--listen', '--wait', '--tree-on-exit', '--task-events', '--all-sites'}


class UsageError(Exception):
    pass


def parse(argv):
    """(options dict, kind 'script'|'module'|'code', target, args)."""
    opts = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, val = a.partition('=')
        if name in _VALUED:
            if not eq:
                i += 1
                if i >= len(argv):
                    raise UsageError('%s needs a value' % name)
                val = argv[i]
            opts[name[2:]] = val
        elif a in _FLAGS:
            opts[a[2:]] = True
        elif a in ('-m', '-c'):
            if i + 1 >= len(argv):
                raise UsageError('%s needs an argument' % a)
            return opts, 'module' if a == '-m' else 'code', argv[i + 1], argv[i + 2:]
        elif a in ('-h', '--help'):
            raise UsageError(None)
        elif a.startswith('-') and a != '-':
            raise UsageError('unknown option %s' % a)
        else:
            return opts, 'script', a, argv[i + 1:]
        i += 1
    raise UsageError('no target: give a script, -m module or -c code')


def read_secret(opts):
    path = opts.get('secret-file')
    if path:
        st = os.stat(path)
        if st.st_mode & 0o077:
            raise UsageError('secret file %s must be readable by its owner only (chmod 600)' % path)
        with open(path) as f:
            return f.read().strip()
    secret = os.environ.pop('TASKSCOPE_SECRET', None)
    if secret:
        return secret
    # Imported here, only when the agent makes the secret itself: tempfile (shutil, bz2, lzma...)
    # and secrets (random, base64...) are ~650 objects that every full collection of the
    # program would walk for its whole life.
    import secrets
    import tempfile
    secret = secrets.token_hex(16)
    fd, path = tempfile.mkstemp(prefix='taskscope-%d-' % os.getpid(), suffix='.secret')
    with os.fdopen(fd, 'w') as f:
        f.write(secret + '\n')
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    sys.stderr.write('taskscope: secret in %s\n' % path)
    # Of no use once this process is gone: removed as Python exits (not after a kill -9).
    import atexit
    atexit.register(_remove_quietly, path)
    return secret


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _agent_frame(tb):
    from . import dispatch
    return tb.tb_frame.f_code.co_filename.startswith(dispatch.agent_files())


def _user_tb(tb):
    while tb is not None and _agent_frame(tb):
        tb = tb.tb_next
    return tb


def _trim(e):
    # The default hook prints value.__traceback__ (not its tb argument) on recent versions.
    tb = _user_tb(e.__traceback__)
    e.__traceback__ = tb
    return tb


def _fresh_main(path):
    # Like python's own __main__: runpy (for -m) fills in the rest; -c has no __file__.
    mod = types.ModuleType('__main__')
    mod.__dict__.update({'__builtins__': builtins, '__spec__': None, '__package__': None})
    if path is not None:
        import importlib.machinery
        mod.__dict__.update({'__file__': path, '__cached__': None,
                             '__loader__': importlib.machinery.SourceFileLoader('__main__', path)})
    sys.modules['__main__'] = mod
    return mod


def run_target(kind, target, args):
    if kind == 'script':
        sys.argv = [target] + args
        path = os.path.abspath(target)  # python >= 3.9 gives __main__ an absolute __file__
        sys.path[0] = os.path.dirname(path)
        import io
        with io.open_code(path) as f:
            code = compile(f.read(), path, 'exec', dont_inherit=True)
        exec(code, _fresh_main(path).__dict__)
    elif kind == 'code':
        sys.argv = ['-c'] + args
        sys.path[0] = ''
        code = compile(target, '<string>', 'exec', dont_inherit=True)
        exec(code, _fresh_main(None).__dict__)
    else:
        import runpy
        sys.argv = [target] + args
        sys.path[0] = os.getcwd()
        _fresh_main(None)  # runpy runs the module in sys.modules['__main__']: not in the agent's own
        if hasattr(runpy, '_run_module_as_main'):
            runpy._run_module_as_main(target, alter_argv=True)
        else:
            runpy.run_module(target, run_name='__main__', alter_sys=True)


def main(argv=None):
    try:
        opts, kind, target, args = parse(sys.argv[1:] if argv is None else argv)
        if kind == 'script' and not os.path.exists(target):
            raise UsageError("can't open file %r: No such file or directory" % os.path.abspath(target))
        listen = any(k in opts for k in ('listen', 'port', 'port-file', 'wait', 'secret-file', 'host'))
        secret = read_secret(opts) if listen else None
    except (UsageError, OSError, ValueError) as e:
        sys.stderr.write('%s\n%s\n' % (USAGE, '' if not str(e) or str(e) == 'None' else 'taskscope_agent: %s' % e))
        return 2
    from . import dispatch, exitreport, handlers, hooks, registry, server
    hooks.install()
    # Creation sites: every one with --all-sites, or when no agent thread runs to renew the
    # budget (nobody can attach; --tree-on-exit wants them); otherwise budgeted (registry.py).
    registry.record_all_sites(bool(opts.get('all-sites')) or not listen)
    options = {'blockedThresholdMs': int(opts.get('blocked-threshold-ms', 250)),
               'originDepth': int(opts.get('origin-depth', 0)), 'taskEvents': bool(opts.get('task-events'))}
    srv = None
    if listen:
        try:
            srv = server.start(secret, opts.get('host', '127.0.0.1'), int(opts.get('port', 0)),
                               opts.get('port-file'), options, wait=bool(opts.get('wait')))
        except (OSError, ValueError) as e:
            sys.stderr.write('taskscope_agent: cannot listen: %s\n' % e)
            return 2
        if opts.get('wait'):
            srv.run_event.wait()
    if options['taskEvents']:
        from . import taskevents
        taskevents.configure(True)
    if options['originDepth']:
        sys.set_coroutine_origin_tracking_depth(options['originDepth'])
    if opts.get('tree-on-exit'):
        exitreport.enable()
    dispatch.run_before_run()  # on the main thread, right before the target's first line
    dispatch.emit('target.started', {'argv': [target] + args})
    code, error = 0, None
    try:
        run_target(kind, target, args)
    except SystemExit as e:
        c = e.code
        code = c if isinstance(c, int) else (0 if c is None else 1)
        _finish(srv, code, None)
        raise
    except KeyboardInterrupt as e:
        sys.excepthook(type(e), e, _trim(e))
        _finish(srv, 130, 'KeyboardInterrupt')
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 130
    except BaseException as e:
        sys.excepthook(type(e), e, _trim(e))
        code, error = 1, '%s: %s' % (type(e).__name__, e)
    _finish(srv, code, error)
    return code


def _finish(srv, code, error):
    from . import dispatch
    try:
        dispatch.emit('target.exited', {'exitCode': code, 'error': error})
        if srv is not None:
            srv.state = 'exited'
            srv.flush(block=True)
    except Exception:
        pass


if __name__ == '__main__':
    sys.exit(main())
