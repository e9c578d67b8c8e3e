"""The six core mistakes, one per function."""
import asyncio
import time

import requests

from . import fetch_hive
from .hives import beam_telemetry

vault_lock = asyncio.Lock()


async def report(hive_id: int) -> None:
    hive = fetch_hive(hive_id)  # taskscope: unawaited-coroutine
    print(f"hive: {hive}")


async def start_beaming(rig_id: str) -> None:
    asyncio.create_task(beam_telemetry(rig_id))  # taskscope: dangling-task


async def poll_kiln(kiln_url: str) -> str:
    time.sleep(1)  # taskscope: blocking-call
    return requests.get(kiln_url).text  # taskscope: blocking-call


async def send(outlet: asyncio.StreamWriter, blob: bytes) -> None:
    await outlet.write(blob)  # taskscope: await-non-awaitable


async def store(secret: str) -> None:
    with vault_lock:  # taskscope: sync-with-async-cm
        print(secret)
