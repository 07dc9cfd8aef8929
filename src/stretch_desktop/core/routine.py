"""The routine as written: poses and the ordered steps that use them.

These frozen dataclasses are what a routine file means once it has been validated. They say
*what* to do, never *when*: timing is the timeline compiler's job (``timeline.py``), so the same
routine can be replayed with another breath pace or lead-in. Nothing here reads files, imports Qt
or knows about speech.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias


class Side(enum.Enum):
    """The side of the body a one-sided pose is done on."""

    RIGHT = "right"
    LEFT = "left"

    @property
    def other(self) -> Side:
        return Side.LEFT if self is Side.RIGHT else Side.RIGHT


@dataclass(frozen=True, slots=True)
class Pose:
    """A pose as a person learns it: what to call it, how to do it, what to watch for."""

    id: str
    name: str
    spoken_name: str
    instructions: tuple[str, ...]
    key_cues: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    one_sided: bool = False


@dataclass(frozen=True, slots=True)
class Amount:
    """How long something lasts: a number of seconds or a number of breaths, never both."""

    seconds: float | None = None
    breaths: int | None = None

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.breaths is None):
            raise ValueError("an amount is either seconds or breaths")


@dataclass(frozen=True, slots=True)
class Spoken:
    """What a step adds to the script: an extra lead-in sentence, its own halfway cue, a note.

    ``note`` is shown, not spoken: it is for the screen (a hint a person reads once).
    """

    lead_in: str | None = None
    halfway: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    """A static stretch held for a number of seconds or breaths.

    A step on a one-sided pose is always done on each side; there is no flag to forget.
    """

    pose: str
    amount: Amount
    spoken: Spoken = Spoken()


@dataclass(frozen=True, slots=True)
class Rest:
    """A resting pose (child's pose, standing tall) between efforts."""

    pose: str
    amount: Amount
    spoken: Spoken = Spoken()


@dataclass(frozen=True, slots=True)
class Flow:
    """A repeated movement: ``repetitions`` times a cycle of ``beats``, one word or phrase each.

    A beat lasts ``beat`` (seconds or breaths), so a sway of ``["right", "left"]`` at 2 s a beat
    takes 4 s per repetition.
    """

    pose: str
    repetitions: int
    beats: tuple[str, ...]
    beat: Amount
    spoken: Spoken = Spoken()


@dataclass(frozen=True, slots=True)
class ContractRelax:
    """Cycles of pressing (an isometric contraction) then releasing, as in PNF stretching."""

    pose: str
    cycles: int
    contract_seconds: float
    relax_seconds: float
    spoken: Spoken = Spoken()
    contract_word: str = "Press"
    relax_word: str = "Release"


PoseStep: TypeAlias = Hold | Rest | Flow | ContractRelax


@dataclass(frozen=True, slots=True)
class Block:
    """A ``sides`` step: several steps on one side, then all of them again on the other side.

    Source 001's lunge sequence is the model: three lunges on the right, child's pose, the same
    on the left, child's pose. Blocks do not nest.
    """

    name: str
    steps: tuple[PoseStep, ...]


Step: TypeAlias = PoseStep | Block


@dataclass(frozen=True, slots=True)
class Routine:
    """A whole routine, as its file describes it."""

    id: str
    title: str
    source: str
    description: str
    poses: tuple[Pose, ...]
    steps: tuple[Step, ...]
    equipment: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    source_url: str | None = None
    origin: str = ""
    """Where the routine came from (a file path, or ``builtin:NAME``); shown, never parsed."""

    def pose(self, pose_id: str) -> Pose:
        for pose in self.poses:
            if pose.id == pose_id:
                return pose
        raise KeyError(pose_id)
