"""What the engine tells its listeners. Frozen data: the window, speech and history react to it.

Every event carries ``elapsed_ms``, the session time at which it happened (or fell due), and
``lateness_ms``: how long after that moment the poll that returned it came. A listener decides
what lateness means to it: the window ignores it, the speaker drops stale low-priority cues.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

from stretch_desktop.core.timeline import Cue, Phase


class PauseReason(enum.Enum):
    USER = "user"
    SLEEP = "sleep"
    """The poll gap was too long: the computer slept or the program hung; nothing was skipped."""


class SeekReason(enum.Enum):
    SKIP = "skip"
    PREVIOUS = "previous"
    JUMP = "jump"
    END_PHASE = "end_phase"
    """The phase in progress was ended early (a question answered): what follows it begins."""


class StepOutcome(enum.Enum):
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Started:
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class PhaseStarted:
    phase: Phase
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class CueDue:
    cue: Cue
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class StepEnded:
    """A step was left: ``DONE`` when its time ran out, ``SKIPPED`` when a seek passed it by."""

    step: int
    outcome: StepOutcome
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class Paused:
    reason: PauseReason
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class Resumed:
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class Seeked:
    """The position moved (skip, previous, jump, end of phase); the new step's events follow."""

    reason: SeekReason
    from_step: int
    to_step: int
    elapsed_ms: int
    lateness_ms: int = 0


@dataclass(frozen=True, slots=True)
class Finished:
    """The session ended. ``completed`` only if it reached its end *and* enough of it was run
    (``engine.counts_as_completed``): a stop, or skipping to the end, is not a completion."""

    completed: bool
    elapsed_ms: int
    lateness_ms: int = 0


Event: TypeAlias = (
    Started | PhaseStarted | CueDue | StepEnded | Paused | Resumed | Seeked | Finished
)
