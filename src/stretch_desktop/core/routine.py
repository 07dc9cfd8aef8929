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


class Base(enum.Enum):
    """What a pose stands, kneels, sits or lies on: moving between two of these takes time.

    ``folded`` is on the feet but bent forward with the head low (a forward fold): coming up
    from it is a move of its own ("Roll up slowly, head last"). ``kneeling`` and ``all-fours``
    are both down on the knees, one hand placement apart, so moving between them is not a
    change of level (see :attr:`level`).
    """

    STANDING = "standing"
    FOLDED = "folded"
    KNEELING = "kneeling"
    ALL_FOURS = "all-fours"
    SEATED = "seated"
    LYING = "lying"

    @property
    def level(self) -> str:
        """Poses on the same level need no time to get from one to the other."""
        return "knees" if self in (Base.KNEELING, Base.ALL_FOURS) else self.value


class CautionTime(enum.Enum):
    """When a spoken caution is said.

    ``lead-in``: in every lead-in to the pose, before the countdown (an optional pose says so
    before the person gets into it). ``arrival``: each time the pose begins (a hold's first
    moment, a flow's arrival beat), when the person first feels what the caution is about.
    ``once``: at the first arrival only, for a warning that would nag if repeated every round.
    """

    LEAD_IN = "lead-in"
    ARRIVAL = "arrival"
    ONCE = "once"


@dataclass(frozen=True, slots=True)
class SpokenCaution:
    """A safety sentence the voice says (the pose's ``cautions`` are only shown)."""

    text: str
    when: CautionTime = CautionTime.ARRIVAL


@dataclass(frozen=True, slots=True)
class Pose:
    """A pose as a person learns it: what to call it, how to do it, what to watch for.

    ``base`` is what the pose rests on (None: unknown, so no change of level is ever assumed).
    ``figure`` names the library figure the pose shows (``figure = "lizard"``); None shows the
    figure named like the pose's id, if the library has one, and otherwise no figure at all.
    ``inline_figure`` is a figure the routine file draws itself (``[poses.figure]``), which
    wins over both: a ``core.figures.Figure``, typed loosely here because that module imports
    this one (``figures.pose_figure`` reads it).
    """

    id: str
    name: str
    spoken_name: str
    instructions: tuple[str, ...]
    key_cues: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    one_sided: bool = False
    base: Base | None = None
    spoken_cautions: tuple[SpokenCaution, ...] = ()
    figure: str | None = None
    inline_figure: object = None


@dataclass(frozen=True, slots=True)
class Amount:
    """How long something lasts: a number of seconds or a number of breaths, never both."""

    seconds: float | None = None
    breaths: int | None = None

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.breaths is None):
            raise ValueError("an amount is either seconds or breaths")


SIDE_FIELD = "{side}"
"""In a step's spoken text, the side being done ("right"); ``{other}`` is the other side. A
listener cannot resolve "that foot": the compiler fills these in per side instead."""
OTHER_FIELD = "{other}"


@dataclass(frozen=True, slots=True)
class Spoken:
    """What a step adds to the script: an extra lead-in sentence, its own halfway cue, the way
    out of the pose, a note.

    ``note`` is shown, not spoken: it is for the screen (a hint a person reads once).
    ``way_out`` is said as the step ends ("Release. Bend your right knee and come out slowly");
    without it the compiler says a plain one. Any of these may use :data:`SIDE_FIELD`.
    """

    lead_in: str | None = None
    halfway: str | None = None
    note: str | None = None
    way_out: str | None = None


class Assess(enum.Enum):
    """When a hold measures how far the hands reach (source 001's forward fold): ``before`` the
    work, to compare with ``after`` it. The session asks as the hold ends; the answer is kept
    with the session, so the change shows on the done and progress pages."""

    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class Hold:
    """A static stretch held for a number of seconds or breaths.

    A step on a one-sided pose is always done on each side; there is no flag to forget.
    ``assess`` marks a hold that asks, as it ends, where the hands reached (None: it asks
    nothing).
    """

    pose: str
    amount: Amount
    spoken: Spoken = Spoken()
    assess: Assess | None = None


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
    takes 4 s per repetition. Each beat's phrase is said as the beat starts (on the inhale, in
    a flow timed in breaths); ``exhales``, if given, holds for each beat a phrase said as that
    beat's first exhale starts ("Exhale, belly in"), or None. ``arrival_beat`` (0-based) is the
    beat on which the person arrives in the pose (the hands reach the box): arrival cautions
    are said there.
    """

    pose: str
    repetitions: int
    beats: tuple[str, ...]
    beat: Amount
    spoken: Spoken = Spoken()
    exhales: tuple[str | None, ...] = ()
    arrival_beat: int = 0


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
