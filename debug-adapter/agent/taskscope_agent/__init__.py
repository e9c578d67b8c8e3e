"""Taskscope's inspector agent: sees every asyncio task of this process and serves the inspector
protocol (docs/inspector-protocol.md) on a loopback socket.

`python -m taskscope_agent ... script.py` runs a program under it; `taskscope_agent.listen(port)`
attaches it to a program started by other means. Standard library only.
"""
__version__ = '0.1.0'


def listen(port=0, secret=None, port_file=None, wait=False, host='127.0.0.1'):
    """Installs the asyncio hooks and opens the inspector socket; returns the port.

    ``secret`` defaults to env TASKSCOPE_SECRET; without one this raises ValueError. With
    ``wait=True`` it blocks until a client has completed the handshake and sent `run`.
    """
    from . import server
    return server.listen(port=port, secret=secret, port_file=port_file, wait=wait, host=host)
