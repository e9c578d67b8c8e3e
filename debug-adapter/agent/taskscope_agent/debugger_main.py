"""`python -m taskscope_agent.debugger_main [agent options] target...`: the agent with the
debugger's `debug.*` methods loaded, exactly as `python -m taskscope_agent` otherwise (same options,
same target handling, same exit code). The debug adapter starts programs this way, so the
debugger is there even if the agent's core does not load it by itself.
"""

import sys

from . import debugger_handlers  # noqa: F401  (registers the debug.* methods and hooks)
from .__main__ import main

if __name__ == '__main__':
    sys.exit(main())
