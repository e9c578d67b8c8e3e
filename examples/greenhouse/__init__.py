"""Greenhouse monitoring: hives, kilns and telemetry, all on asyncio."""
from .hives import fetch_hive, weigh_hive

__all__ = ["fetch_hive", "weigh_hive"]
