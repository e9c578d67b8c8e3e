"""`python -m greenhouse`: drives the loop by hand (manual-loop)."""
import asyncio

from .hives import fetch_hive


async def harvest_beds() -> None:
    print(await fetch_hive(1))


def main() -> None:
    ev_loop = asyncio.new_event_loop()
    ev_loop.run_until_complete(harvest_beds())  # taskscope: manual-loop
    ev_loop.close()


if __name__ == "__main__":
    main()
