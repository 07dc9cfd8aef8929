"""The flexibility check of source 001: where the hands reached in a standing forward fold.

Source 001 opens with a forward fold "to assess hamstring flexibility", noting how far the hands
reach, and closes with the same fold to see the change. A reach is one of a fixed, ordered
scale, so a person with closed eyes can answer with one number key, and two answers (before and
after, today and last month) compare by their rank. The scale's values are what is stored in the
history database and written by ``stretch-desktop progress --json``: they never change; the
labels are only for the screen.
"""

from __future__ import annotations

from typing import Final

REACH: Final = ("knees", "mid-shins", "ankles", "toes", "floor", "palms flat")
"""From the least reach to the most; index 0..5 is what keys 1..6 answer."""

_LABELS: Final = {value: value[0].upper() + value[1:] for value in REACH}

QUESTION: Final = "Where did your hands reach? Press one for knees, up to six for palms flat."
"""What the voice asks as an assessed hold ends. It names only the two ends of the scale: the
six buttons on screen show the rest, and a longer sentence would not fit its phase with a slow
voice."""


def reach_label(value: str) -> str:
    """``"mid-shins"`` as the screen shows it: ``"Mid-shins"``. ValueError for no reach."""
    try:
        return _LABELS[value]
    except KeyError:
        raise ValueError(f"not a reach: {value!r} (one of: {', '.join(REACH)})") from None


def reach_rank(value: str) -> int:
    """0 (knees) to 5 (palms flat): how two reaches compare. ValueError for no reach."""
    try:
        return REACH.index(value)
    except ValueError:
        raise ValueError(f"not a reach: {value!r} (one of: {', '.join(REACH)})") from None


def reach_for_key(number: int) -> str | None:
    """The reach number key ``number`` (1 to 6) answers, or None for any other number."""
    return REACH[number - 1] if 1 <= number <= len(REACH) else None
