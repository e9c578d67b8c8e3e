"""Workers: cancellation, polling, sequencing, generators and construction."""
import asyncio

from .hives import weigh_hive


async def drain_hopper(hopper: asyncio.Queue) -> None:
    while True:
        try:
            item = await hopper.get()
            print(item)
        except asyncio.CancelledError:  # taskscope: swallowed-cancellation
            pass


class Dome:
    shutter_up = False


async def wait_for_shutter(dome: Dome) -> None:
    while not dome.shutter_up:  # taskscope: busy-wait
        await asyncio.sleep(0.05)


async def weigh_all(hive_ids: list[int]) -> list[float]:
    weights = []
    for hive_id in hive_ids:  # taskscope: sequential-awaits
        weights.append(await weigh_hive(hive_id))
    return weights


def pairs(readings):
    earlier = next(readings)  # taskscope: stop-iteration-in-generator
    for later in readings:
        yield earlier, later
        earlier = later


async def open_link(serial_dev: str) -> object:
    await asyncio.sleep(0)
    return object()


class Telescope:
    def __init__(self, serial_dev: str) -> None:
        self.link = open_link(serial_dev)  # taskscope: async-init
