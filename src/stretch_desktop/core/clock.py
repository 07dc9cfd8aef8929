"""Where the engine gets the time: a protocol, the real monotonic clock, and a fake for tests.

The engine never sleeps and never counts timer ticks; it asks a clock. A monotonic clock cannot
be moved by the user changing the wall clock, a time-zone change or NTP, so a session cannot jump.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds from an arbitrary fixed origin; never goes backwards."""
        ...


class MonotonicClock:
    def now_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000


class FakeClock:
    """A clock a test moves by hand: a 20-minute routine runs in microseconds."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a monotonic clock never goes backwards")
        self._now += ms

    def set(self, now_ms: int) -> None:
        self.advance(now_ms - self._now)
