"""The async API the other modules call (nothing to report here)."""
import asyncio
from dataclasses import dataclass


@dataclass
class Hive:
    hive_id: int
    weight_kg: float


async def fetch_hive(hive_id: int) -> Hive:
    await asyncio.sleep(0.01)
    return Hive(hive_id, 40.0 + hive_id)


async def weigh_hive(hive_id: int) -> float:
    return (await fetch_hive(hive_id)).weight_kg


async def beam_telemetry(rig_id: str) -> None:
    await asyncio.sleep(0.01)
