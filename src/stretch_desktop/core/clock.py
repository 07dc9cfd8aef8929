"""Where the engine gets the time: a protocol, the real clocks, and a fake for tests.

The engine never sleeps and never counts timer ticks; it asks a clock. A clock gives two readings:

- ``now_ms()``: monotonic time, which session time is measured on. It cannot be moved by the user
  changing the wall clock, a time-zone change or NTP, so a session cannot jump. On Linux it also
  stands still while the machine is suspended, so it cannot tell that a suspend happened.
- ``with_sleep_ms()``: a reading that keeps counting while the machine is suspended, read only to
  notice a sleep (the engine compares how far each reading moved between two polls). On Linux it
  is ``CLOCK_BOOTTIME``: monotonic, and counting suspend. Elsewhere it is the wall clock, which
  counts suspend but can be set. How the engine judges the wall clock moving on its own:

  * backwards (set back by hand or by NTP): the sleep reading moved less than the monotonic one,
    which no suspend does, so it is ignored; the next poll compares from the new setting.
  * forwards, with no matching monotonic gap: judged a sleep, as it cannot be told from one (after
    a resume the monotonic clock shows only the usual tick too). The cost of being wrong is a
    pause where the person was, undone with one key; a real sleep missed would leave the session
    running while nobody is there. Small NTP corrections are far below the engine's threshold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds from an arbitrary fixed origin; never goes backwards."""
        ...

    def with_sleep_ms(self) -> int:
        """Milliseconds from an arbitrary origin, counting the time the machine was suspended
        (``now_ms`` may not). Only its differences mean anything; see the module's docstring."""
        ...


def _boot_time_ms() -> int:
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1_000_000


def _wall_time_ms() -> int:
    return time.time_ns() // 1_000_000


def _sleep_counting_clock() -> Callable[[], int]:
    """``CLOCK_BOOTTIME`` where the system has it (Linux), else the wall clock."""
    if hasattr(time, "CLOCK_BOOTTIME"):
        try:
            _boot_time_ms()
        except OSError:  # a kernel without it (before 2.6.39)
            return _wall_time_ms
        return _boot_time_ms
    return _wall_time_ms


class MonotonicClock:
    """The real clocks: session time from ``time.monotonic``; sleep noticed on a clock that
    counts it."""

    def __init__(self) -> None:
        self._with_sleep = _sleep_counting_clock()

    def now_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    def with_sleep_ms(self) -> int:
        return self._with_sleep()


class FakeClock:
    """A clock a test moves by hand: a 20-minute routine runs in microseconds.

    ``advance`` moves both readings (time passing while awake); ``suspend`` moves only the
    sleep-counting one, as a real suspend does on Linux; ``jump`` moves only that one either way,
    as setting the wall clock does where the wall clock is the sleep-counting reading.
    """

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms
        self._with_sleep = start_ms

    def now_ms(self) -> int:
        return self._now

    def with_sleep_ms(self) -> int:
        return self._with_sleep

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a monotonic clock never goes backwards")
        self._now += ms
        self._with_sleep += ms

    def set(self, now_ms: int) -> None:
        self.advance(now_ms - self._now)

    def suspend(self, ms: int) -> None:
        """The machine sleeps for ``ms``: the monotonic reading stands still."""
        if ms < 0:
            raise ValueError("a suspend cannot last less than nothing")
        self._with_sleep += ms

    def jump(self, ms: int) -> None:
        """The sleep-counting reading is set ``ms`` forwards (or backwards, if negative)."""
        self._with_sleep += ms


class WallClock(Protocol):
    """The time of day, for reminders only: "07:30" means the clock on the wall, so it must follow
    daylight-saving changes and a changed time zone, which the monotonic ``Clock`` ignores."""

    def now(self) -> datetime:
        """An aware datetime in the machine's *current* local zone."""
        ...


class SystemWallClock:
    """The real wall clock. ``astimezone()`` asks the system for its zone on every call, so a
    zone changed while the app runs is seen at the next reading."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


class FakeWallClock:
    """A wall clock a test sets by hand. A test changes the zone by setting an aware datetime in
    another ``ZoneInfo``; ``advance`` keeps the zone and moves the instant (so it crosses a
    daylight-saving change as real time does)."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = _aware(now)

    def advance(self, delta: timedelta) -> None:
        # Aware arithmetic in Python is wall-clock arithmetic within one zone; real time passing
        # is arithmetic on the instant, so go through UTC and come back to the same zone.
        zone = self._now.tzinfo
        self._now = (self._now.astimezone(UTC) + delta).astimezone(zone)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a wall clock reading must carry its time zone")
    return moment
