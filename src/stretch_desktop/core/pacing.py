"""Pacing: what a person may change about the timing of a session, its bounds and its saved form.

It has one home so that the limits and the saved form cannot drift apart: the command line, the
settings file and the preferences dialog check the same bounds, and the session journal writes
the form that a resume after a crash reads back (a resumed session must be compiled with the same
pacing, or its step numbers would name other steps).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from stretch_desktop.core import words
from stretch_desktop.core.routine import Side

BREATH_MIN_S: Final = 1
"""The shortest inhale or exhale, in seconds: quicker is panting, not a paced breath."""
BREATH_MAX_S: Final = 15
"""The longest inhale or exhale, in seconds: longer is holding the breath, not pacing it."""
LEAD_IN_MIN_S: Final = 3
"""The shortest lead-in before a pose, in seconds: the "three, two, one" alone takes three."""
LEAD_IN_MAX_S: Final = 60
"""The longest lead-in before a pose, in seconds."""


class BreathCues(enum.Enum):
    OFF = "off"
    EVERY = "every"
    FIRST_THREE = "first_three"


@dataclass(frozen=True, slots=True)
class Pacing:
    """What a person may change about pacing. Defaults: a 6 s breath with a longer exhale.

    The constructor does not check the bounds: the timeline compiles any positive pacing (tests
    and benchmarks use short ones). Values from outside (a saved session, the command line, the
    settings file) are checked where they come in, against the constants above.
    """

    inhale_ms: int = 2500
    exhale_ms: int = 3500
    lead_in_ms: int = 5000
    first_side: Side = Side.RIGHT
    breath_cues: BreathCues = BreathCues.FIRST_THREE
    speech_ms: Callable[[str], int] = field(default=words.estimate_speech_ms, compare=False)
    """How long a cue takes to say: an estimate until the speech layer has measured it."""
    chime_ms: int = field(default=0, compare=False)
    """How long the chime played before each announcement, switch and rest lasts (0: no chime).
    Lead-ins are sized with it, or the chime pushes the announcement onto the countdown. Like
    ``speech_ms`` it belongs to the voice, not to the pacing a person chose: it is left out of
    :meth:`to_json` and of comparisons."""

    @property
    def breath_ms(self) -> int:
        return self.inhale_ms + self.exhale_ms

    def to_json(self) -> dict[str, int | str]:
        """The saved form (plain JSON values). ``speech_ms`` and ``chime_ms`` are left out: they
        are measured anew (they change times, never which step is which)."""
        return {
            "inhale_ms": self.inhale_ms,
            "exhale_ms": self.exhale_ms,
            "lead_in_ms": self.lead_in_ms,
            "first_side": self.first_side.value,
            "breath_cues": self.breath_cues.value,
        }

    @classmethod
    def from_json(cls, saved: object) -> Pacing:
        """Read back what :meth:`to_json` wrote (as ``json.loads`` returns it).

        Rejects rather than clamps: a clamped pacing would compile a different timeline, so a
        resumed session's step number would silently name another step. Any missing key, wrong
        type, unknown choice or value out of bounds raises ValueError, the one error to catch.
        """
        if not isinstance(saved, Mapping):
            raise ValueError(f"pacing must be an object, not {type(saved).__name__}")
        return cls(
            inhale_ms=_ms(saved, "inhale_ms", BREATH_MIN_S, BREATH_MAX_S),
            exhale_ms=_ms(saved, "exhale_ms", BREATH_MIN_S, BREATH_MAX_S),
            lead_in_ms=_ms(saved, "lead_in_ms", LEAD_IN_MIN_S, LEAD_IN_MAX_S),
            first_side=Side(_value(saved, "first_side", {side.value for side in Side})),
            breath_cues=BreathCues(_value(saved, "breath_cues", {cue.value for cue in BreathCues})),
        )


def _value(saved: Mapping[object, object], key: str, choices: set[str] | None = None) -> object:
    """``saved[key]``, which must be there (and one of ``choices``, if given)."""
    if key not in saved:
        raise ValueError(f"pacing has no {key}")
    value = saved[key]
    if choices is not None and not (isinstance(value, str) and value in choices):
        raise ValueError(f"pacing {key} must be one of {sorted(choices)}, not {value!r}")
    return value


def _ms(saved: Mapping[object, object], key: str, low_s: int, high_s: int) -> int:
    """A saved length in milliseconds, checked against its bounds (given in seconds)."""
    value = _value(saved, key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"pacing {key} is not a number: {value!r}")
    if not low_s * 1000 <= value <= high_s * 1000:
        raise ValueError(f"pacing {key} must be between {low_s} and {high_s} s, not {value} ms")
    return round(value)
