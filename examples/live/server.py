"""A small asyncio service with a live task tree, for Taskscope's debugger.

Press F5 in this file (no launch.json needed) and open Run and Debug > Async Tasks:

- ``main`` starts a line-based TCP server and three clients (``client-0`` .. ``client-2``);
- every connection gets a handler task (``handler-<port>``), created by the server itself;
- each request fans out into a ``gather()`` of three ``fetch`` tasks owned by its handler;
- ``reporter`` blocks the event loop with ``time.sleep()`` every few seconds: Taskscope flags
  the line as you type, and while debugging it raises "Event loop blocked" at that line.

It runs until you stop it (Shift+F5). Stdlib only.
"""
import asyncio
import itertools
import time

SOURCES = ("cache", "db", "search")


async def fetch(source: str, key: str) -> str:
    delay = 0.3 + 0.2 * SOURCES.index(source)
    await asyncio.sleep(delay)  # a good place for a breakpoint
    return f"{source}:{key}"


async def lookup(key: str) -> str:
    # A gather tree: one child task per source, owned by the handler that awaits them.
    parts = await asyncio.gather(*(fetch(source, key) for source in SOURCES))
    return ",".join(parts)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer_port = writer.get_extra_info("peername")[1]
    asyncio.current_task().set_name(f"handler-{peer_port}")
    try:
        while line := await reader.readline():
            writer.write((await lookup(line.decode().strip())).encode() + b"\n")
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def client(number: int, port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in itertools.count():
        writer.write(f"user-{number}-{request}\n".encode())
        await writer.drain()
        await reader.readline()
        await asyncio.sleep(1.0)


async def reporter() -> None:
    while True:
        await asyncio.sleep(5)
        time.sleep(2)  # blocks the loop


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"serving on 127.0.0.1:{port}", flush=True)
    async with server:
        clients = [asyncio.create_task(client(n, port), name=f"client-{n}") for n in range(3)]
        report = asyncio.create_task(reporter(), name="reporter")
        # return_exceptions: cancelling a client (Cancel Task in the view) leaves the others running.
        await asyncio.gather(*clients, report, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
