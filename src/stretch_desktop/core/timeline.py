"""Compile a routine into a timeline: the flat, timed list of phases and the cues spoken in them.

Everything time-related is decided here, once, as data: the pose list, the countdown, the breath
pacer, the speech and the history all read the same timeline, and the engine only walks it. Sides
and ``sides`` blocks are expanded here, so nothing at run time special-cases them.

Times are integer milliseconds from the start of the session, so sums are exact and two phases
never overlap by a rounding error. ``compile_routine`` is pure: same routine and pacing, same
timeline.

The script is written for a person on the mat with closed eyes, so the compiler keeps these
rules for every routine (``tests/core/test_script_rules.py`` holds it to them):

- cues never talk over each other at the lengths ``Pacing.speech_ms`` (and ``chime_ms``) give:
  lead-ins and countdown slots are sized from them, the words are chosen for the room they have
  (breath words in the breaths other cues leave free, "In" where "Breathe in" does not fit, an
  exhale phrase without its "Exhale", "Five seconds to go" after a long halfway, a way out
  that waits for "Last breath"), and where two cues would still overlap the lesser is left out
  of the script (``Timeline.dropped``, empty for the built-ins at every allowed voice speed)
  rather than dropped at run time;
- no silence longer than :data:`MAX_SILENCE_MS` while a pose lasts: long holds count down,
  long rests get a cue in the middle, and gaps still too long get "N more breaths";
- every hold, flow, rest and press–release ends with a way out, and the session's last one
  says how to come up;
- spoken cautions are said on arrival (or once, or in the lead-in), a change of base adds
  :data:`LEVEL_CHANGE_MS` to the lead-in and is said first, rests have no countdown,
  repeated work is counted, breath words fall on the breath;
- an assessed hold (``assess``) is followed, after its way out, by a question phase
  (:data:`PhaseKind.ASK`, at least :data:`ASK_MS`) that asks where the hands reached and never
  waits for the answer.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from stretch_desktop.core import words
from stretch_desktop.core.assessment import QUESTION
from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.core.routine import (
    Amount,
    Assess,
    Base,
    Block,
    CautionTime,
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
    ASK = "ask"
    """After an assessed hold: where did the hands reach? It ends on an answer or on time."""


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
    CAUTION = "caution"
    """A spoken safety caution (the routine marks which, and when)."""
    WAY_OUT = "way_out"
    """How to come out of a pose, as it ends ("Release. Come out slowly.")."""
    COUNT = "count"
    """What is left of a hold: "Two more breaths", "Last breath", "Ten seconds to go"."""
    QUESTION = "question"
    """Where did the hands reach (an ASK phase's one cue): asked even if late, as the answer
    keys mean nothing to someone who did not hear it."""


class Priority(enum.IntEnum):
    """LOW cues are only worth saying on time; HIGH cues must be said even if late."""

    LOW = 0
    HIGH = 1


_HIGH_PRIORITY = frozenset(
    {
        CueKind.ANNOUNCE,
        CueKind.SWITCH_SIDES,
        CueKind.REST,
        CueKind.COMPLETE,
        CueKind.CAUTION,  # safety: said even if late
        CueKind.WAY_OUT,  # a person left in a pose waits for it
        CueKind.QUESTION,
    }
)

CHIMED_KINDS = frozenset({CueKind.ANNOUNCE, CueKind.SWITCH_SIDES, CueKind.REST})
"""The cues the chime plays before, when it is on: the start of each pose. The lead-ins are
sized with :attr:`Pacing.chime_ms` added to these cues' lengths."""


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

    ``beats``/``beat_ms`` describe a flow's cycle (``beat_count`` beats in all; a flow may run
    on past them for its way out); ``exhales`` are the words of each beat from
    ``exhale_at_ms`` into it ("" where a beat has none); ``cycle``/``cycles`` count
    contract–relax rounds (1-based); all are empty/zero elsewhere.
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
    beat_count: int = 0
    exhales: tuple[str, ...] = ()
    exhale_at_ms: int = 0

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
    assess: Assess | None = None
    """Which reach this step asks for in its last phase (an ASK phase), if it asks."""

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
    dropped: tuple[Cue, ...] = ()
    """Cues the script wanted but left out because they would have sounded over a greater one
    at these lengths (``_fit``). Empty for the built-ins at every allowed voice speed and with
    the chime (tests/core/test_script_rules.py): a non-empty list is a script that lost words."""

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
CUE_GAP_MS = 300
"""The least silence between two cues, and between an announcement and "Three": a player needs
a moment to stop and the next to start, and sentences run together without it."""
_COUNT_SLOT_MS = 1000
"""A countdown word's slot, at least: the count is a one-second rhythm. A voice slow enough
that the word and a gap outlast a second widens the slot instead of being cut."""
_HALFWAY_MIN_MS = 20_000
MAX_SILENCE_MS = 20_000
"""The longest a person is left in silence while a pose lasts, at the default pacing: longer,
and someone with closed eyes wonders whether the session is still running."""
LEVEL_CHANGE_MS = 6_000
"""Added to the lead-in when the base changes (lying to a kneeling lunge, child's pose to
standing). Getting down to the mat or up from it slowly and with control (a hand down, one knee
at a time, the head coming up last so nobody gets dizzy) takes an unhurried adult about four to
six seconds; the announcement is said while they move, and this is time on top of the usual
lead-in, so the countdown finds them already in place."""
_ROUND_MS = 12_000
"""A flow whose one repetition lasts this long or more is counted in rounds ("Round two of
three"): each round is a sequence worth naming. Quicker ones count down ("Five more")."""
_COMPLETE_TEXT = "Session complete. Well done."
ASK_MS = 8_000
"""How long an assessed hold's question phase lasts at least (chosen): the question takes
about four seconds at the default voice, and a person who has just rolled up needs a few more
to open their eyes and press a number. Nobody is kept waiting: an answer ends it at once, and
without one the session goes on when it is over (the reach is then stored as skipped)."""
ANSWER_MS = 3_000
"""The least time left to answer once the question has been said: a slow voice lengthens the
phase rather than leaving no time (or being cut off by the next pose)."""

# When two cues would overlap, the lesser is left out of the script (on a tie the earlier
# stays, as a voice that is already speaking would). Announcements and safety first; breath
# words last, since the pacer on screen and the person's own breathing carry on without them.
_RANK = {
    CueKind.COMPLETE: 9,
    CueKind.ANNOUNCE: 8,
    CueKind.SWITCH_SIDES: 8,
    CueKind.REST: 8,
    CueKind.CAUTION: 7,
    CueKind.WAY_OUT: 6,
    CueKind.QUESTION: 6,
    CueKind.COUNTDOWN: 5,
    CueKind.BEAT: 4,
    CueKind.CONTRACT: 4,
    CueKind.RELAX: 4,
    CueKind.HALFWAY: 3,
    CueKind.COUNT: 2,
    CueKind.BREATH: 1,
}


def spoken_ms(cue: Cue, prefs: Pacing) -> int:
    """How long ``cue`` sounds: its speech, and the chime before it if it is a chimed kind."""
    chime = prefs.chime_ms if cue.kind in CHIMED_KINDS else 0
    return chime + prefs.speech_ms(cue.text)


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


@dataclass(frozen=True, slots=True)
class _Said:
    """A planned step with the words it will say, which depend on the session so far: the base
    it comes from (a change of level is said first), whether a once-only caution was said."""

    planned: _Planned
    pose: Pose
    move: str | None
    lead_cautions: tuple[str, ...]
    arrival_cautions: tuple[str, ...]
    way_out: str

    @property
    def step(self) -> PoseStep:
        return self.planned.step

    def fill(self, text: str) -> str:
        """A spoken sentence of this step, ``{side}``/``{other}`` named for its side."""
        return words.sentence(words.fill_sides(text, self.planned.side))


def _scripted(routine: Routine, first_side: Side) -> Iterator[_Said]:
    """Each planned step in order, with its words; shared by compiling and measuring, so the
    two cannot disagree about a lead-in's length."""
    previous: Base | None = None
    arrived: set[str] = set()
    planned_steps = _expand(routine, first_side)
    upcoming = next(planned_steps, None)
    while upcoming is not None:
        planned, upcoming = upcoming, next(planned_steps, None)
        pose = routine.pose(planned.step.pose)
        base = pose.base
        move = None
        if previous is not None and base is not None and previous.level != base.level:
            move = words.move_words(previous, base)
        lead: list[str] = []
        arrival: list[str] = []
        for caution in pose.spoken_cautions:
            text = words.sentence(words.fill_sides(caution.text, planned.side))
            if caution.when is CautionTime.LEAD_IN:
                lead.append(text)
            elif caution.when is CautionTime.ARRIVAL or pose.id not in arrived:
                arrival.append(text)
        if isinstance(planned.step, ContractRelax):  # its first press begins on arrival
            lead, arrival = lead + arrival, []
        arrived.add(pose.id)
        step = planned.step
        way_out = step.spoken.way_out or words.way_out_words(
            base, isinstance(step, Rest), last=upcoming is None
        )
        yield _Said(
            planned,
            pose,
            move,
            tuple(lead),
            tuple(arrival),
            words.sentence(words.fill_sides(way_out, planned.side)),
        )
        previous = base


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


def _announcement(said: _Said) -> Cue:
    planned, pose, step = said.planned, said.pose, said.step
    amount = words.sentence(_amount_text(step))
    if isinstance(step, Rest):
        kind, text = CueKind.REST, f"Rest: {pose.spoken_name}. {amount}"
    else:
        kind = CueKind.ANNOUNCE
        text = f"{words.sentence(pose.spoken_name + words.side_words(planned.side))} {amount}"
    if planned.switching:
        kind, text = CueKind.SWITCH_SIDES, f"Switch sides. {text}"
    if step.spoken.lead_in:
        text = f"{text} {said.fill(step.spoken.lead_in)}"
    if said.move:  # the move comes first: it is what the person must do first
        text = f"{said.move} {text}"
    return Cue(0, kind, words.sentence(text))


@dataclass(frozen=True, slots=True)
class _PhaseSpec:
    """A phase before it is placed: times of its cues are from its own start."""

    kind: PhaseKind
    duration_ms: int
    cues: tuple[Cue, ...] = ()
    breaths: int | None = None
    beats: tuple[str, ...] = ()
    beat_ms: int = 0
    beat_count: int = 0
    exhales: tuple[str, ...] = ()
    exhale_at_ms: int = 0
    cycle: int = 0
    cycles: int = 0


def _stack(texts: tuple[str, ...], kind: CueKind, start: int, prefs: Pacing) -> list[Cue]:
    """Cues said one after another from ``start``, a gap apart."""
    cues: list[Cue] = []
    at = start
    for text in texts:
        cue = Cue(at, kind, text)
        cues.append(cue)
        at += spoken_ms(cue, prefs) + CUE_GAP_MS
    return cues


def _prepare(said: _Said, prefs: Pacing) -> _PhaseSpec:
    """The lead-in: the announcement (and any lead-in caution), a breath of silence and the
    countdown, each countdown slot wide enough for its word as this voice says it. A rest has
    no countdown: nobody needs "Three, two, one" to lie down in child's pose."""
    announcement = _announcement(said)
    cues = _stack((announcement.text,), announcement.kind, 0, prefs)
    cues += _stack(said.lead_cautions, CueKind.CAUTION, _end(cues, prefs) + CUE_GAP_MS, prefs)
    count = () if isinstance(said.step, Rest) else _COUNTDOWN
    slots = [max(_COUNT_SLOT_MS, prefs.speech_ms(word) + CUE_GAP_MS) for word in count]
    duration = max(prefs.lead_in_ms, _end(cues, prefs) + CUE_GAP_MS + sum(slots))
    if said.move:
        duration += LEVEL_CHANGE_MS
    at = duration
    countdown: list[Cue] = []
    for word, slot in zip(reversed(count), reversed(slots), strict=True):
        at -= slot
        countdown.insert(0, Cue(at, CueKind.COUNTDOWN, word))
    return _PhaseSpec(PhaseKind.PREPARE, duration, (*cues, *countdown))


def _end(cues: list[Cue], prefs: Pacing) -> int:
    """When the last of ``cues`` has finished sounding (0 for none)."""
    return max((cue.at_ms + spoken_ms(cue, prefs) for cue in cues), default=0)


def _way_out(said: _Said, natural_ms: int, keep: list[Cue], prefs: Pacing) -> tuple[int, Cue]:
    """The way out and the length of the phase it ends.

    Placed to finish a gap before the phase's natural end (in a hold, during the last exhale),
    but never over the cues it must not cut (a flow's last beat, a caution): if they leave no
    room, the phase runs on just long enough, which also keeps the next announcement clear.
    """
    cue = Cue(0, CueKind.WAY_OUT, said.way_out)
    length = spoken_ms(cue, prefs)
    at = max(natural_ms - CUE_GAP_MS - length, 0)
    if keep:
        at = max(at, _end(keep, prefs) + CUE_GAP_MS)
    return max(natural_ms, at + length + CUE_GAP_MS), replace(cue, at_ms=at)


def _hold(said: _Said, step: Hold | Rest, prefs: Pacing, full: bool) -> _PhaseSpec:
    natural = _amount_ms(step.amount, prefs)
    arrival = _stack(said.arrival_cautions, CueKind.CAUTION, 0, prefs)
    marks = _hold_marks(said, step, natural, arrival, prefs)
    # The way out waits for the counts ("Last breath."): at a slow voice the phase runs on a
    # little rather than lose what is left, and a measure without ``full`` agrees.
    duration, way_out = _way_out(said, natural, [*arrival, *marks], prefs)
    kind = PhaseKind.HOLD if isinstance(step, Hold) else PhaseKind.REST
    if not full:
        return _PhaseSpec(kind, duration, breaths=step.amount.breaths)
    cues = [*arrival, *marks, way_out]
    if isinstance(step, Hold):
        cues += _breath_words(cues, natural, prefs)
    return _PhaseSpec(kind, duration, tuple(cues), step.amount.breaths)


def _clear(cue: Cue, others: list[Cue], prefs: Pacing) -> bool:
    """``cue`` sounds a gap apart from every one of ``others`` (the test ``_fit`` applies)."""
    start, end = cue.at_ms, cue.at_ms + spoken_ms(cue, prefs)
    return all(
        other.at_ms + spoken_ms(other, prefs) + CUE_GAP_MS <= start
        or end + CUE_GAP_MS <= other.at_ms
        for other in others
    )


def _hold_marks(
    said: _Said, step: Hold | Rest, natural: int, placed: list[Cue], prefs: Pacing
) -> list[Cue]:
    """What is left, said in the hold: halfway and the counts of its second half (a long rest:
    one word in its middle).

    Each is placed clear of what is said before it, so none is left out at a slow voice: a
    count already in the halfway words ("Halfway. Two more breaths.") is not said twice, and a
    timed hold says "Ten seconds to go." or, after a long halfway, "Five seconds to go.".
    """
    long = natural >= _HALFWAY_MIN_MS
    breaths = step.amount.breaths
    if isinstance(step, Rest):
        if not long:
            return []
        if breaths is not None:
            middle = breaths // 2 * prefs.breath_ms
            left = words.count_words(breaths - breaths // 2, "more breath")
        else:
            middle = natural // 2
            left = words.seconds_words(round((natural - middle) / 1000)) + " to go"
        return [Cue(middle, CueKind.HALFWAY, f"Rest here. {words.sentence(left)}")]
    cues: list[Cue] = []
    halfway_breath = None
    if long:
        if breaths is not None:
            halfway_breath = breaths // 2
            halfway_at = halfway_breath * prefs.breath_ms
            left = words.count_words(breaths - halfway_breath, "more breath")
        else:
            halfway_at = natural // 2
            left = words.seconds_words(round((natural - halfway_at) / 1000)) + " to go"
        text = (
            said.fill(step.spoken.halfway)
            if step.spoken.halfway
            else words.sentence(f"Halfway. {words.sentence(left)}")
        )
        cues.append(Cue(halfway_at, CueKind.HALFWAY, text))
    counts: list[list[Cue]] = []  # each count's choices, the first that is clear is said
    if breaths is not None:
        if long and breaths >= 4 and halfway_breath != breaths - 2:
            at = (breaths - 2) * prefs.breath_ms
            counts.append([Cue(at, CueKind.COUNT, "Two more breaths.")])
        if breaths >= 2 and halfway_breath != breaths - 1:
            counts.append([Cue((breaths - 1) * prefs.breath_ms, CueKind.COUNT, "Last breath.")])
    elif long:
        counts.append(
            [
                Cue(natural - left * 1000, CueKind.COUNT, words.sentence(f"{spoken} to go"))
                for left, spoken in ((10, "ten seconds"), (5, "five seconds"))
            ]
        )
    for choices in counts:
        before = [*placed, *cues]
        chosen = next((c for c in choices if _clear(c, before, prefs)), choices[-1])
        cues.append(chosen)  # the last choice even if it is not clear: ``_fit`` reports it
    return cues


_INHALE_WORDS = ("Breathe in", "In")
_EXHALE_WORDS = ("Breathe out", "Out")
"""A breath word and its short form, for a half breath too short for the full words at this
voice (or where another cue leaves only part of it)."""


def _breath_words(placed: list[Cue], natural: int, prefs: Pacing) -> list[Cue]:
    """The breath words: "Breathe in" as an inhale starts, "Breathe out" as the exhale does,
    in the breaths the hold's other cues leave free (a caution on arrival takes the first
    breath, and the words start with the next one); the first three such breaths, or all.

    Each word must end a gap before its half breath does, so the words never run into each
    other; where "Breathe in" does not fit, "In" may.
    """
    if prefs.breath_cues is BreathCues.OFF:
        return []
    whole_breaths = natural // prefs.breath_ms
    wanted = whole_breaths if prefs.breath_cues is BreathCues.EVERY else 3
    halves = (
        (0, prefs.inhale_ms, _INHALE_WORDS),
        (prefs.inhale_ms, prefs.breath_ms, _EXHALE_WORDS),
    )
    said: list[Cue] = []
    breathed = 0
    for breath in range(whole_breaths):
        if breathed == wanted:
            break
        start = breath * prefs.breath_ms
        any_said = False
        for begin, end, texts in halves:
            for text in texts:
                cue = Cue(start + begin, CueKind.BREATH, text)
                fits = begin + spoken_ms(cue, prefs) + CUE_GAP_MS <= end
                if fits and _clear(cue, placed, prefs):
                    said.append(cue)
                    any_said = True
                    break
        breathed += any_said
    return said


def _repetition_count(repetitions: int, done: int, cycle_ms: int) -> str | None:
    """What is said as repetition ``done + 1`` starts: rounds for long cycles, a count-down for
    quick ones, nothing where it would only be noise."""
    if repetitions < 2:
        return None
    last = done == repetitions - 1
    if cycle_ms >= _ROUND_MS:
        if last:
            return "Last round."
        return (
            f"Round {words.number_words(done + 1)} of {words.number_words(repetitions)}."
            if (done >= 1)
            else None
        )
    if last:
        return "Last one."
    return "Five more." if repetitions >= 6 and done == repetitions - 5 else None


def _beat_cues(said: _Said, step: Flow, index: int, beat_ms: int, prefs: Pacing) -> list[Cue]:
    """The words of beat ``index`` of a flow: its phrase as it starts (with the count, if a
    repetition starts here and both fit in the beat), and its exhale phrase as the exhale
    starts, so "Exhale, belly in" is heard as the exhale begins."""
    done, beat = divmod(index, len(step.beats))
    start = index * beat_ms
    text = said.fill(step.beats[beat])
    exhale_text = step.exhales[beat] if step.exhales else None
    exhale = said.fill(exhale_text) if exhale_text and step.beat.breaths is not None else None
    if beat == 0:
        count = _repetition_count(step.repetitions, done, len(step.beats) * beat_ms)
        room = prefs.inhale_ms if exhale else beat_ms
        if count and prefs.speech_ms(f"{count} {text}") + CUE_GAP_MS <= room:
            text = f"{count} {text}"
    if exhale:  # at its moment "Exhale" goes without saying: dropped where it would not fit
        short = words.without_breath_word(exhale)
        if short and prefs.speech_ms(exhale) + CUE_GAP_MS > beat_ms - prefs.inhale_ms:
            exhale = short
    cues = [Cue(start, CueKind.BEAT, text)]
    if exhale:
        cues.append(Cue(start + prefs.inhale_ms, CueKind.BEAT, exhale))
    return cues


def _shown(text: str) -> str:
    """A beat as the pacer shows it: filled in, first letter up, no full stop added."""
    return text[:1].upper() + text[1:]


def _flow(said: _Said, step: Flow, prefs: Pacing, full: bool) -> _PhaseSpec:
    beat_ms = _amount_ms(step.beat, prefs)
    count = step.repetitions * len(step.beats)
    natural = count * beat_ms
    arrival = _stack(said.arrival_cautions, CueKind.CAUTION, step.arrival_beat * beat_ms, prefs)
    last_beat = _beat_cues(said, step, count - 1, beat_ms, prefs)
    duration, way_out = _way_out(said, natural, [*last_beat, *arrival], prefs)
    breaths = None if step.beat.breaths is None else count * step.beat.breaths
    if not full:
        return _PhaseSpec(PhaseKind.FLOW, duration, breaths=breaths)
    cues = [*arrival, way_out]
    for index in range(count):
        # A caution said in a flow takes the place of the beat words it covers: it was written
        # for that moment ("once the hands reach the box"), and the beats go on after it.
        beat = _beat_cues(said, step, index, beat_ms, prefs)
        cues += [cue for cue in beat if _clear(cue, arrival, prefs)]
    side = said.planned.side
    breathing = step.beat.breaths is not None and any(step.exhales)
    return _PhaseSpec(
        PhaseKind.FLOW,
        duration,
        tuple(cues),
        breaths,
        beats=tuple(_shown(words.fill_sides(beat, side)) for beat in step.beats),
        beat_ms=beat_ms,
        beat_count=count,
        exhales=tuple(_shown(words.fill_sides(e or "", side)) for e in step.exhales)
        if breathing
        else (),
        exhale_at_ms=prefs.inhale_ms if breathing else 0,
    )


def _contract_relax(said: _Said, step: ContractRelax, prefs: Pacing) -> list[_PhaseSpec]:
    contract_ms = round(step.contract_seconds * 1000)
    relax_ms = round(step.relax_seconds * 1000)
    relax = Cue(0, CueKind.RELAX, said.fill(step.relax_word))
    last_ms, way_out = _way_out(said, relax_ms, [relax], prefs)
    press = said.fill(step.contract_word)
    specs: list[_PhaseSpec] = []
    for cycle in range(1, step.cycles + 1):
        text = press
        count = _repetition_count(step.cycles, cycle - 1, 0)
        if count and prefs.speech_ms(f"{count} {press}") + CUE_GAP_MS <= contract_ms:
            text = f"{count} {press}"
        press_cue = Cue(0, CueKind.CONTRACT, text)
        specs.append(
            _PhaseSpec(
                PhaseKind.CONTRACT, contract_ms, (press_cue,), cycle=cycle, cycles=step.cycles
            )
        )
        last = cycle == step.cycles
        specs.append(
            _PhaseSpec(
                PhaseKind.RELAX,
                last_ms if last else relax_ms,
                (relax, way_out) if last else (relax,),
                cycle=cycle,
                cycles=step.cycles,
            )
        )
    return specs


def _ask(prefs: Pacing) -> _PhaseSpec:
    """The question after an assessed hold: said as it starts, then time to answer."""
    question = Cue(0, CueKind.QUESTION, QUESTION)
    duration = max(ASK_MS, spoken_ms(question, prefs) + CUE_GAP_MS + ANSWER_MS)
    return _PhaseSpec(PhaseKind.ASK, duration, (question,))


def _step_phases(said: _Said, prefs: Pacing, full: bool) -> list[_PhaseSpec]:
    """The phases of one planned step. Without ``full`` the lengths are exact but the bulk of
    the cues (every beat, every breath word) is not built: enough to measure a routine."""
    specs = [_prepare(said, prefs)]
    step = said.step
    match step:
        case Hold() | Rest():
            specs.append(_hold(said, step, prefs, full))
            if isinstance(step, Hold) and step.assess is not None:
                specs.append(_ask(prefs))
        case Flow():
            specs.append(_flow(said, step, prefs, full))
        case ContractRelax():
            specs += _contract_relax(said, step, prefs)
    return specs


def compile_routine(routine: Routine, prefs: Pacing | None = None) -> Timeline:
    """Turn a routine into its timeline for the given pacing."""
    prefs = prefs or Pacing()
    phases: list[Phase] = []
    steps: list[TimelineStep] = []
    now = 0
    for step_index, said in enumerate(_scripted(routine, prefs.first_side)):
        planned, first_phase, start = said.planned, len(phases), now
        for spec in _step_phases(said, prefs, full=True):
            phases.append(
                Phase(
                    index=len(phases),
                    kind=spec.kind,
                    step=step_index,
                    pose=said.pose,
                    side=planned.side,
                    start_ms=now,
                    duration_ms=spec.duration_ms,
                    breaths=spec.breaths,
                    cues=tuple(replace(cue, at_ms=now + cue.at_ms) for cue in spec.cues),
                    beats=spec.beats,
                    beat_ms=spec.beat_ms,
                    cycle=spec.cycle,
                    cycles=spec.cycles,
                    beat_count=spec.beat_count,
                    exhales=spec.exhales,
                    exhale_at_ms=spec.exhale_at_ms,
                )
            )
            now += spec.duration_ms
        note = said.step.spoken.note
        steps.append(
            TimelineStep(
                index=step_index,
                kind=_STEP_KINDS[type(said.step)],
                pose=said.pose,
                side=planned.side,
                start_ms=start,
                duration_ms=now - start,
                first_phase=first_phase,
                phase_count=len(phases) - first_phase,
                source_step=planned.source_step,
                amount_text=_amount_text(said.step),
                note=None if note is None else words.fill_sides(note, planned.side),
                assess=said.step.assess if isinstance(said.step, Hold) else None,
            )
        )
    if phases:  # the last word of every session, at its very end
        last = phases[-1]
        complete = Cue(last.end_ms, CueKind.COMPLETE, _COMPLETE_TEXT)
        phases[-1] = replace(last, cues=(*last.cues, complete))
    phases, dropped = _fit(phases, prefs)
    phases = _fill_silences(phases, prefs)
    return Timeline(routine, prefs, tuple(phases), tuple(steps), tuple(dropped))


_STEP_KINDS: dict[type, StepKind] = {
    Hold: StepKind.HOLD,
    Rest: StepKind.REST,
    Flow: StepKind.FLOW,
    ContractRelax: StepKind.CONTRACT_RELAX,
}


def _fit(phases: list[Phase], prefs: Pacing) -> tuple[list[Phase], list[Cue]]:
    """Leave out the lesser of any two cues that would sound at once (see ``_RANK``).

    The timeline then says exactly what will be heard: a cue that cannot be said whole is not
    scheduled, rather than cut or dropped by the voice at run time. Sizing the lead-ins and
    slots from the measured lengths keeps everything that matters; what goes is a breath word
    under a caution, a count under a way out.
    """
    order = sorted(
        ((cue, phase.index) for phase in phases for cue in phase.cues),
        key=lambda item: (item[0].at_ms, -_RANK[item[0].kind]),
    )
    kept: list[tuple[Cue, int, int]] = []
    dropped: list[Cue] = []
    for cue, owner in order:
        if kept and kept[-1][2] + CUE_GAP_MS > cue.at_ms:
            if _RANK[cue.kind] <= _RANK[kept[-1][0].kind]:
                dropped.append(cue)
                continue
            dropped.append(kept.pop()[0])  # the earlier cues clear this one: only the last can
        kept.append((cue, owner, cue.at_ms + spoken_ms(cue, prefs)))
    by_phase: dict[int, list[Cue]] = {}
    for cue, owner, _ in kept:
        by_phase.setdefault(owner, []).append(cue)
    fitted = [replace(phase, cues=tuple(by_phase.get(phase.index, ()))) for phase in phases]
    return fitted, sorted(dropped, key=lambda cue: cue.at_ms)


def _filler_moments(phase: Phase, prefs: Pacing) -> list[tuple[int, str]]:
    """Where a word may break a long silence, and what it says: what is left of the phase, at a
    breath's start in a hold or rest counted in breaths, else every five seconds from its end."""
    if phase.kind in (PhaseKind.HOLD, PhaseKind.REST) and phase.breaths is not None:
        moments = []
        for done in range(1, phase.breaths):
            left = phase.breaths - done
            if phase.kind is PhaseKind.REST:  # a rest is not a countdown: "Last breath" is
                text = f"Rest here. {words.sentence(words.count_words(left, 'more breath'))}"
            else:
                text = "Last breath" if left == 1 else words.count_words(left, "more breath")
            moments.append((phase.start_ms + done * prefs.breath_ms, words.sentence(text)))
        return moments
    moments = []
    left_ms = 5000
    while phase.end_ms - left_ms > phase.start_ms:
        text = words.seconds_words(left_ms // 1000) + " to go"
        moments.append((phase.end_ms - left_ms, words.sentence(text)))
        left_ms += 5000
    return moments[::-1]


def _fill_silences(phases: list[Phase], prefs: Pacing) -> list[Phase]:
    """Break every silence longer than :data:`MAX_SILENCE_MS` inside a pose with a count of
    what is left, placed in free time only (nothing else moves or goes)."""
    following: list[int] = []  # the first cue after each phase (its end if none)
    upcoming: int | None = None
    for phase in reversed(phases):
        following.append(phase.end_ms if upcoming is None else upcoming)
        if phase.cues:
            upcoming = phase.cues[0].at_ms
    following.reverse()
    cursor = 0  # when the last cue so far has finished
    out: list[Phase] = []
    for phase, after in zip(phases, following, strict=True):
        cues = list(phase.cues)
        added: list[Cue] = []
        quiet = phase.kind in (PhaseKind.PREPARE, PhaseKind.ASK)  # no "to go" over a question
        moments = [] if quiet else _filler_moments(phase, prefs)
        low = high = 0  # the moments a word may go at; the cursor only moves on, so do these
        targets = [cue.at_ms for cue in cues] + [after]
        for i, target in enumerate(targets):
            limit = min(target, phase.end_ms)
            while moments and target - cursor > MAX_SILENCE_MS:
                while low < len(moments) and moments[low][0] < cursor + CUE_GAP_MS:
                    low += 1
                high = max(high, low)
                while high < len(moments) and moments[high][0] <= cursor + MAX_SILENCE_MS:
                    high += 1
                chosen = None
                for at, text in reversed(moments[low:high]):
                    length = prefs.speech_ms(text)
                    if at + length + CUE_GAP_MS <= limit:
                        chosen = Cue(at, CueKind.COUNT, text), length
                        break
                if chosen is None:
                    break
                added.append(chosen[0])
                cursor = chosen[0].at_ms + chosen[1]
            if i < len(cues):
                cursor = max(cursor, cues[i].at_ms + spoken_ms(cues[i], prefs))
        if added:
            phase = replace(phase, cues=tuple(sorted(cues + added, key=lambda cue: cue.at_ms)))
        out.append(phase)
    return out


@dataclass(frozen=True, slots=True)
class Extent:
    """How big a timeline is (or would be): its steps, phases and length, counted, not built."""

    steps: int = 0
    phases: int = 0
    total_ms: int = 0


def extents(routine: Routine, prefs: Pacing) -> Iterator[tuple[int, Extent]]:
    """The running size of ``routine``'s timeline after each of its steps, in order.

    Yields ``(routine step index, size so far)``, one step (a ``sides`` block counts as one)
    at a time, so a caller can stop at the first step that makes a routine too big. Each step's
    length comes from the compiler's own arithmetic (``_step_phases`` without its bulk cues):
    a few cues per step are built to size lead-ins and ways out, nothing the size of the
    timeline is allocated.
    """
    steps = phases = total_ms = 0
    current = 0
    for said in _scripted(routine, prefs.first_side):
        if said.planned.source_step != current:
            yield current, Extent(steps, phases, total_ms)
            current = said.planned.source_step
        specs = _step_phases(said, prefs, full=False)
        steps += 1
        phases += len(specs)
        total_ms += sum(spec.duration_ms for spec in specs)
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
    """The beat at ``elapsed_ms``; through a flow's closing way out, its last beat, ended. A
    beat with an exhale phrase shows that phrase from the exhale on, as the voice says it."""
    if not phase.beats or phase.beat_ms <= 0:
        raise ValueError("not a flow phase")
    total = phase.beat_count or phase.duration_ms // phase.beat_ms
    beats_ms = total * phase.beat_ms
    offset = min(max(elapsed_ms - phase.start_ms, 0), beats_ms)
    index, into = divmod(min(offset, beats_ms - 1), phase.beat_ms)
    repetition, beat = divmod(index, len(phase.beats))
    word = phase.beats[beat]
    if phase.exhales and phase.exhales[beat] and into >= phase.exhale_at_ms:
        word = phase.exhales[beat]
    fraction = 1.0 if offset >= beats_ms else into / phase.beat_ms
    return BeatState(repetition + 1, total // len(phase.beats), beat, word, fraction)
