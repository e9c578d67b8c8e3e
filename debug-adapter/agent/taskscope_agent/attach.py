"""`python -m taskscope_agent.attach PID [--port N] [--port-file PATH]`: starts the agent inside an
already running Python process, without restarting it, through `sys.remote_exec` (CPython 3.14+,
both sides; same user, and the OS must allow it, e.g. ptrace scope). The session secret comes from
env TASKSCOPE_SECRET. The injected code runs `taskscope_agent.listen()`; tasks created before it
arrive have no owner or creation site. Feature-detected: elsewhere it exits with a clear message.
"""
import os
import sys
import tempfile
import time


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 2
    if not hasattr(sys, 'remote_exec'):
        sys.stderr.write('taskscope_agent.attach needs sys.remote_exec (CPython 3.14+); start the program under '
                         '`python -m taskscope_agent` or call taskscope_agent.listen() instead\n')
        return 2
    secret = os.environ.get('TASKSCOPE_SECRET')
    if not secret:
        sys.stderr.write('set TASKSCOPE_SECRET\n')
        return 2
    pid = int(argv[0])
    port = int(argv[argv.index('--port') + 1]) if '--port' in argv else 0
    fd, script = tempfile.mkstemp(prefix='taskscope-attach-', suffix='.py')
    port_file = argv[argv.index('--port-file') + 1] if '--port-file' in argv else script + '.port'
    agent_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with os.fdopen(fd, 'w') as f:  # 0600 from mkstemp: the secret stays with this user
        f.write('import sys\nsys.path.insert(0, %r)\nimport taskscope_agent\n'
                'taskscope_agent.listen(%d, secret=%r, port_file=%r)\n' % (agent_dir, port, secret, port_file))
    try:
        sys.remote_exec(pid, script)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if time.monotonic() > deadline:
                sys.stderr.write('the process did not start the agent within 30 s (is it running Python code?)\n')
                return 1
            time.sleep(0.05)
    finally:
        os.unlink(script)  # it has run by now (the port file exists), or we gave up
    with open(port_file) as f:
        print(f.read().strip())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
