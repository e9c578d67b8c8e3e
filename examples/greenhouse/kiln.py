"""Loops, callbacks and removed APIs."""
import asyncio
import shutil


def archive_logs() -> None:
    shutil.copytree("logs", "logs.bak")
    with open("logs/kiln.log") as f:
        f.read()


async def flush_journal() -> None:
    await asyncio.sleep(0)


async def page_keeper(zone: str) -> None:
    await asyncio.sleep(0)


async def rotate() -> None:
    archive_logs()  # taskscope: blocking-call


async def on_alarm(zone: str) -> None:
    asyncio.run(page_keeper(zone))  # taskscope: nested-loop-run


async def schedule_flush() -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(5, flush_journal)  # taskscope: coroutine-in-sync-callback


async def sample_air() -> float:
    ev_loop = asyncio.get_event_loop()  # taskscope: prefer-running-loop
    await asyncio.sleep(0.2, loop=ev_loop)  # taskscope: removed-api
    return 21.5
