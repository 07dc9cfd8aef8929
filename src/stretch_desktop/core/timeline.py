"""Compile a routine into a timeline: the flat, timed list of phases and the cues spoken in them.

Everything time-related is decided here, once, as data: the pose list, the countdown, the breath
pacer, the speech and the history all read the same timeline, and the engine only walks it. Sides
and ``sides`` blocks are expanded here, so nothing at run time special-cases them.

Times are integer milliseconds from the start of the session, so sums are exact and two phases
never overlap by a rounding error. ``compile_routine`` is pure: same routine and pacing, same
timeline.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from stretch_desktop.core import words
from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.core.routine import (
    Amount,
    Block,
    ContractRelax,
    Flow,
    Hold,
    Pose,
    PoseStep,
    Rest,
    Routine,
    Side,
)


class PhaseKind(enum.Enum):
    PREPARE = "prepare"
    HOLD = "hold"
    FLOW = "flow"
    CONTRACT = "contract"
    RELAX = "relax"
    REST = "rest"


class StepKind(enum.Enum):
    HOLD = "hold"
    FLOW = "flow"
    CONTRACT_RELAX = "contract_relax"
    REST = "rest"


class CueKind(enum.Enum):
    ANNOUNCE = "announce"
    SWITCH_SIDES = "switch_sides"
    REST = "rest"
    COUNTDOWN = "countdown"
    HALFWAY = "halfway"
    BREATH = "breath"
    BEAT = "beat"
    CONTRACT = "contract"
    RELAX = "relax"
    COMPLETE = "complete"


class Priority(enum.IntEnum):
    """LOW cues are only worth saying on time; HIGH cues must be said even if late."""

    LOW = 0
    HIGH = 1


_HIGH_PRIORITY = frozenset({CueKind.ANNOUNCE, CueKind.SWITCH_SIDES, CueKind.REST, CueKind.COMPLETE})


@dataclass(frozen=True, slots=True)
class Cue:
    at_ms: int
    kind: CueKind
    text: str

    @property
    def priority(self) -> Priority:
        return Priority.HIGH if self.kind in _HIGH_PRIORITY else Priority.LOW


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of time with one thing to do. ``cues`` are in time order, absolute times.

    ``beats``/``beat_ms`` describe a flow's cycle; ``cycle``/``cycles`` count contract–relax
    rounds (1-based); both are empty/zero elsewhere.
    """

    index: int
    kind: PhaseKind
    step: int
    pose: Pose
    side: Side | None
    start_ms: int
    duration_ms: int
    breaths: int | None
    cues: tuple[Cue, ...]
    beats: tuple[str, ...] = ()
    beat_ms: int = 0
    cycle: int = 0
    cycles: int = 0

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """A pose on one side (or a two-sided pose once): one row of the pose list.

    Skip, previous and jump move between these; each begins with its ``prepare`` phase.
    ``source_step`` is the index of the routine step it came from (the ``sides`` block for
    steps inside one); ``note`` is the step's on-screen note.
    """

    index: int
    kind: StepKind
    pose: Pose
    side: Side | None
    start_ms: int
    duration_ms: int
    first_phase: int
    phase_count: int
    source_step: int
    amount_text: str
    note: str | None = None

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def phases(self) -> range:
        return range(self.first_phase, self.first_phase + self.phase_count)

    @property
    def is_rest(self) -> bool:
        return self.kind is StepKind.REST


@dataclass(frozen=True, slots=True)
class Timeline:
    routine: Routine
    pacing: Pacing
    phases: tuple[Phase, ...]
    steps: tuple[TimelineStep, ...]

    @property
    def total_ms(self) -> int:
        return self.phases[-1].end_ms if self.phases else 0

    def phase_at(self, elapsed_ms: int) -> Phase:
        """The phase running at ``elapsed_ms``; the last phase at or past the end."""
        lo, hi = 0, len(self.phases) - 1
        while lo < hi:  # binary search: this runs on every repaint of a long routine
            mid = (lo + hi + 1) // 2
            if self.phases[mid].start_ms <= elapsed_ms:
                lo = mid
            else:
                hi = mid - 1
        return self.phases[lo]


# --- compiling ---------------------------------------------------------------------------------

_COUNTDOWN = ("Three", "Two", "One")
_GAP_MS = 300  # silence between the announcement and "three", so they never run together
_HALFWAY_MIN_MS = 20_000
_COMPLETE_TEXT = "Session complete. Well done."


@dataclass(frozen=True, slots=True)
class _Planned:
    """A routine step placed on a side, before times are given."""

    step: PoseStep
    side: Side | None
    source_step: int
    switching: bool


def _expand(routine: Routine, first_side: Side) -> Iterator[_Planned]:
    sides = (first_side, first_side.other)
    for index, step in enumerate(routine.steps):
        if isinstance(step, Block):
            for round_number, side in enumerate(sides):
                switched = False
                for inner in step.steps:
                    one_sided = routine.pose(inner.pose).one_sided
                    switching = round_number == 1 and one_sided and not switched
                    switched = switched or switching
                    yield _Planned(inner, side if one_sided else None, index, switching)
        elif routine.pose(step.pose).one_sided:
            yield _Planned(step, sides[0], index, False)
            yield _Planned(step, sides[1], index, True)
        else:
            yield _Planned(step, None, index, False)


def _amount_ms(amount: Amount, prefs: Pacing) -> int:
    if amount.breaths is not None:
        return amount.breaths * prefs.breath_ms
    assert amount.seconds is not None
    return round(amount.seconds * 1000)


def _seconds_text(seconds: float) -> str:
    return words.seconds_words(round(seconds))


def _amount_text(step: PoseStep) -> str:
    """The length of a step as said in its lead-in ("ten breaths", "eight times")."""
    match step:
        case Hold() | Rest():
            return words.amount_words(step.amount)
        case Flow():
            return f"{words.number_words(step.repetitions)} times"
        case ContractRelax():
            rounds = words.sentence(words.count_words(step.cycles, "round"))
            return (
                f"{step.contract_word} for {_seconds_text(step.contract_seconds)}, then "
                f"{step.relax_word.lower()}. {rounds}"
            )


def _announcement(planned: _Planned, pose: Pose) -> Cue:
    step = planned.step
    amount = words.sentence(_amount_text(step))
    if isinstance(step, Rest):
        kind, text = CueKind.REST, f"Rest: {pose.spoken_name}. {amount}"
    else:
        kind = CueKind.ANNOUNCE
        text = f"{words.sentence(pose.spoken_name + words.side_words(planned.side))} {amount}"
    if planned.switching:
        kind, text = CueKind.SWITCH_SIDES, f"Switch sides. {text}"
    if step.spoken.lead_in:
        text = f"{text} {words.sentence(step.spoken.lead_in)}"
    return Cue(0, kind, words.sentence(text))


class _Builder:
    """Lays phases end to end; each ``add`` starts where the last one ended."""

    def __init__(self, prefs: Pacing) -> None:
        self.prefs = prefs
        self.phases: list[Phase] = []
        self.now_ms = 0

    def add(
        self,
        kind: PhaseKind,
        planned: _Planned,
        pose: Pose,
        step_index: int,
        duration_ms: int,
        cues: list[Cue],
        breaths: int | None = None,
        **extra: object,
    ) -> None:
        start = self.now_ms
        timed = tuple(Cue(start + cue.at_ms, cue.kind, cue.text) for cue in cues)
        self.phases.append(
            Phase(
                index=len(self.phases),
                kind=kind,
                step=step_index,
                pose=pose,
                side=planned.side,
                start_ms=start,
                duration_ms=duration_ms,
                breaths=breaths,
                cues=tuple(sorted(timed, key=lambda cue: cue.at_ms)),
                **extra,  # type: ignore[arg-type]
            )
        )
        self.now_ms += duration_ms


def _prepare_cues(announcement: Cue, prefs: Pacing) -> tuple[int, list[Cue]]:
    """The lead-in: long enough for its announcement, a breath of silence and the countdown."""
    needed = prefs.speech_ms(announcement.text) + _GAP_MS + len(_COUNTDOWN) * 1000
    duration = max(prefs.lead_in_ms, needed)
    countdown = [
        Cue(duration - (len(_COUNTDOWN) - i) * 1000, CueKind.COUNTDOWN, word)
        for i, word in enumerate(_COUNTDOWN)
    ]
    return duration, [announcement, *countdown]


def _hold_cues(step: Hold, duration: int, prefs: Pacing) -> list[Cue]:
    cues: list[Cue] = []
    quiet = range(0)  # while the halfway cue speaks, breath cues keep quiet
    if duration >= _HALFWAY_MIN_MS:
        if step.amount.breaths is not None:
            done = step.amount.breaths // 2
            halfway_at = done * prefs.breath_ms
            left = words.count_words(step.amount.breaths - done, "more breath")
        else:
            halfway_at = duration // 2
            left = words.seconds_words(round((duration - halfway_at) / 1000)) + " to go"
        text = words.sentence(step.spoken.halfway or f"Halfway. {words.sentence(left)}")
        cues.append(Cue(halfway_at, CueKind.HALFWAY, text))
        quiet = range(halfway_at - 500, halfway_at + prefs.speech_ms(text) + _GAP_MS)
    if prefs.breath_cues is not BreathCues.OFF:
        whole_breaths = duration // prefs.breath_ms
        limit = whole_breaths if prefs.breath_cues is BreathCues.EVERY else min(3, whole_breaths)
        for breath in range(limit):
            start = breath * prefs.breath_ms
            for at, text in ((start, "Breathe in"), (start + prefs.inhale_ms, "Breathe out")):
                if at not in quiet:
                    cues.append(Cue(at, CueKind.BREATH, text))
    return cues


def compile_routine(routine: Routine, prefs: Pacing | None = None) -> Timeline:
    """Turn a routine into its timeline for the given pacing."""
    prefs = prefs or Pacing()
    builder = _Builder(prefs)
    steps: list[TimelineStep] = []
    for step_index, planned in enumerate(_expand(routine, prefs.first_side)):
        step = planned.step
        pose = routine.pose(step.pose)
        first_phase, start = len(builder.phases), builder.now_ms
        lead_in, prepare_cues = _prepare_cues(_announcement(planned, pose), prefs)
        builder.add(PhaseKind.PREPARE, planned, pose, step_index, lead_in, prepare_cues)
        match step:
            case Hold() | Rest():
                duration = _amount_ms(step.amount, prefs)
                kind = PhaseKind.HOLD if isinstance(step, Hold) else PhaseKind.REST
                cues = _hold_cues(step, duration, prefs) if isinstance(step, Hold) else []
                builder.add(kind, planned, pose, step_index, duration, cues, step.amount.breaths)
                step_kind = StepKind.HOLD if isinstance(step, Hold) else StepKind.REST
            case Flow():
                beat_ms = _amount_ms(step.beat, prefs)
                count = step.repetitions * len(step.beats)
                cues = [
                    Cue(i * beat_ms, CueKind.BEAT, words.sentence(step.beats[i % len(step.beats)]))
                    for i in range(count)
                ]
                breaths = None if step.beat.breaths is None else count * step.beat.breaths
                builder.add(
                    PhaseKind.FLOW,
                    planned,
                    pose,
                    step_index,
                    count * beat_ms,
                    cues,
                    breaths,
                    beats=step.beats,
                    beat_ms=beat_ms,
                )
                step_kind = StepKind.FLOW
            case ContractRelax():
                for cycle in range(1, step.cycles + 1):
                    for kind, seconds, word, cue_kind in (
                        (
                            PhaseKind.CONTRACT,
                            step.contract_seconds,
                            step.contract_word,
                            CueKind.CONTRACT,
                        ),
                        (PhaseKind.RELAX, step.relax_seconds, step.relax_word, CueKind.RELAX),
                    ):
                        builder.add(
                            kind,
                            planned,
                            pose,
                            step_index,
                            round(seconds * 1000),
                            [Cue(0, cue_kind, words.sentence(word))],
                            cycle=cycle,
                            cycles=step.cycles,
                        )
                step_kind = StepKind.CONTRACT_RELAX
        steps.append(
            TimelineStep(
                index=step_index,
                kind=step_kind,
                pose=pose,
                side=planned.side,
                start_ms=start,
                duration_ms=builder.now_ms - start,
                first_phase=first_phase,
                phase_count=len(builder.phases) - first_phase,
                source_step=planned.source_step,
                amount_text=_amount_text(step),
                note=step.spoken.note,
            )
        )
    phases = builder.phases
    if phases:  # the last word of every session, at its very end
        last = phases[-1]
        complete = Cue(last.end_ms, CueKind.COMPLETE, _COMPLETE_TEXT)
        phases[-1] = replace(last, cues=(*last.cues, complete))
    return Timeline(routine, prefs, tuple(phases), tuple(steps))


@dataclass(frozen=True, slots=True)
class Extent:
    """How big a timeline is (or would be): its steps, phases and length, counted, not built."""

    steps: int = 0
    phases: int = 0
    total_ms: int = 0


def _step_extent(planned: _Planned, pose: Pose, prefs: Pacing) -> tuple[int, int]:
    """(phases, milliseconds) of one planned step: the arithmetic of :func:`compile_routine`,
    without its cues (the property tests hold the two to the same totals)."""
    lead_in, _ = _prepare_cues(_announcement(planned, pose), prefs)
    step = planned.step
    match step:
        case Hold() | Rest():
            return 2, lead_in + _amount_ms(step.amount, prefs)
        case Flow():
            beats = step.repetitions * len(step.beats)
            return 2, lead_in + beats * _amount_ms(step.beat, prefs)
        case ContractRelax():
            cycle_ms = round(step.contract_seconds * 1000) + round(step.relax_seconds * 1000)
            return 1 + 2 * step.cycles, lead_in + step.cycles * cycle_ms


def extents(routine: Routine, prefs: Pacing) -> Iterator[tuple[int, Extent]]:
    """The running size of ``routine``'s timeline after each of its steps, in order.

    Yields ``(routine step index, size so far)``, one step (a ``sides`` block counts as one)
    at a time, so a caller can stop at the first step that makes a routine too big. The work
    is a few additions per step on each side; nothing the size of the timeline is allocated.
    """
    steps = phases = total_ms = 0
    current = 0
    for planned in _expand(routine, prefs.first_side):
        if planned.source_step != current:
            yield current, Extent(steps, phases, total_ms)
            current = planned.source_step
        step_phases, step_ms = _step_extent(planned, routine.pose(planned.step.pose), prefs)
        steps, phases, total_ms = steps + 1, phases + step_phases, total_ms + step_ms
    if routine.steps:
        yield current, Extent(steps, phases, total_ms)


def measure(routine: Routine, prefs: Pacing | None = None) -> Extent:
    """The size ``compile_routine(routine, prefs)`` would have, without compiling it.

    For whoever needs only a routine's length (a list of routines): a few additions per step,
    where compiling builds every cue (up to some 25,000 for a routine at the loader's bounds).
    """
    size = Extent()
    for _, running in extents(routine, prefs or Pacing()):
        size = running
    return size


def reannouncement(step: TimelineStep, at_ms: int) -> Cue:
    """What the voice says on resume: where the person is, briefly ("Lizard, right side.")."""
    return Cue(
        at_ms, CueKind.ANNOUNCE, words.sentence(step.pose.spoken_name + words.side_words(step.side))
    )


def cue_texts(timeline: Timeline) -> list[str]:
    """Every distinct text the session may say, in the order it will first be needed."""
    seen: dict[str, None] = {}
    for phase in timeline.phases:
        for cue in phase.cues:
            seen.setdefault(cue.text, None)
    for step in timeline.steps:
        seen.setdefault(reannouncement(step, 0).text, None)
    return list(seen)


# --- reading a phase at a moment (for the pacer and the countdown) -----------------------------


@dataclass(frozen=True, slots=True)
class BreathState:
    """Where a breath pacer stands: breath ``number`` (1-based) of ``count`` (None if timed)."""

    number: int
    count: int | None
    inhaling: bool
    fraction: float
    """How far through the current inhale or exhale, 0 to 1."""

    @property
    def size(self) -> float:
        """0 (empty lungs) to 1 (full): what a pacer draws. Eased so it feels like breathing."""
        eased = (1 - math.cos(math.pi * self.fraction)) / 2
        return eased if self.inhaling else 1 - eased


def breath_at(phase: Phase, elapsed_ms: int, prefs: Pacing) -> BreathState:
    """The breath at ``elapsed_ms`` (session time) within ``phase``, counted from its start."""
    offset = min(max(elapsed_ms - phase.start_ms, 0), phase.duration_ms)
    number, into = divmod(offset, prefs.breath_ms)
    count = phase.breaths if phase.kind is not PhaseKind.FLOW else None
    if count is not None and number >= count:  # the very end of the last breath
        number, into = count - 1, prefs.breath_ms
    if into < prefs.inhale_ms:
        return BreathState(number + 1, count, True, into / prefs.inhale_ms)
    return BreathState(
        number + 1, count, False, min(1.0, (into - prefs.inhale_ms) / prefs.exhale_ms)
    )


@dataclass(frozen=True, slots=True)
class BeatState:
    """Where a flow stands: repetition ``repetition`` of ``repetitions``, beat ``beat``."""

    repetition: int
    repetitions: int
    beat: int
    word: str
    fraction: float


def beat_at(phase: Phase, elapsed_ms: int) -> BeatState:
    if not phase.beats or phase.beat_ms <= 0:
        raise ValueError("not a flow phase")
    total = phase.duration_ms // phase.beat_ms
    offset = min(max(elapsed_ms - phase.start_ms, 0), phase.duration_ms - 1)
    index, into = divmod(offset, phase.beat_ms)
    index = min(index, total - 1)
    repetition, beat = divmod(index, len(phase.beats))
    return BeatState(
        repetition + 1,
        total // len(phase.beats),
        beat,
        phase.beats[beat],
        into / phase.beat_ms,
    )
