"""Async tests that never run."""
import unittest

import pytest

from greenhouse.kiln import sample_air


class KilnTests(unittest.TestCase):
    async def test_reaches_setpoint(self) -> None:  # taskscope: async-test-never-run
        self.assertGreater(await sample_air(), 20)


async def test_air_is_warm() -> None:  # taskscope: async-test-never-run
    assert await sample_air() > 20


@pytest.mark.asyncio
async def test_air_is_marked() -> None:
    assert await sample_air() > 20
