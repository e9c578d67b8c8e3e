"""Ten thousand asyncio tasks, for the Async Tasks view at scale.

Press F5 in this file: the view groups the workers by coroutine and in ranges of 500, so the tree
stays small until you expand it. Stop with Shift+F5. Stdlib only.
"""
import asyncio

WORKERS = 10_000


async def worker(number: int) -> None:
    while True:
        await asyncio.sleep(1 + (number % 7) / 10)


async def main() -> None:
    workers = [asyncio.create_task(worker(n), name=f"worker-{n}") for n in range(WORKERS)]
    await asyncio.gather(*workers)


if __name__ == "__main__":
    asyncio.run(main())
