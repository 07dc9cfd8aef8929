"""How times are written for a person: one rounding rule, so the window and the command line agree.

The rule
--------
* A moment or a duration (time into the session, when a cue falls due, a step's or a routine's
  length, time spent stretching) is shown as the whole seconds it has *completed*, like a
  stopwatch: 18.6 s is 0:18.
* Time *left* is rounded up, like a countdown: it shows 1 until it reaches 0, so 0.4 s left is 1
  and "0:00 left" means the end has come.

So what has passed and what is left add up to the total: 18.6 s into a 60 s session shows 0:18
done and 0:42 left (exactly for a total of whole seconds; within a second of any other). And two
moments a second or more apart never show the same second. Rounding to the nearest second promises
neither: Python's ``round`` rounds halves to even, which once printed a cue at 7.5 s and the next
at 8.5 s both at 0:08, and the window and the command line, rounding differently, gave one
session's time as 0:19 and 0:18.

Integer arithmetic only: no float ever stands between a millisecond count and its text.
"""

from __future__ import annotations

from typing import Final

PLAIN_SECONDS_UP_TO_MS: Final = 60_000
"""A countdown this short is a bare number of seconds: easier to read from the floor."""


def completed_seconds(ms: int) -> int:
    """The whole seconds a moment or a duration has completed (never negative)."""
    return max(ms, 0) // 1000


def seconds_left(ms: int) -> int:
    """Time left in whole seconds, rounded up: 1 until it has all gone (never negative)."""
    return -(-max(ms, 0) // 1000)


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def clock_text(ms: int) -> str:
    """A moment or a duration as a stopwatch shows it: 0:42, 1:05:00 (completed seconds)."""
    return _clock(completed_seconds(ms))


def left_text(ms: int) -> str:
    """Time left as a countdown shows it: 0:42, 1:05:00 (seconds rounded up)."""
    return _clock(seconds_left(ms))


def countdown_text(ms: int) -> str:
    """The big number counting down a phase: bare seconds up to a minute, then as a clock."""
    if ms <= PLAIN_SECONDS_UP_TO_MS:
        return str(seconds_left(ms))
    return left_text(ms)


def tenths_text(ms: int) -> str:
    """A duration in seconds to a tenth, completed tenths only (6.59 s is "6.5"), for tables."""
    tenths = max(ms, 0) // 100
    return f"{tenths // 10}.{tenths % 10}"
