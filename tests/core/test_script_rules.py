"""Issue 16, section 2: the spoken script as a person on the mat with closed eyes hears it.

Each rule is checked on every built-in routine (as the library loads them) and, where the rule
can apply to any routine, as a property over random valid routines.
"""

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from stretch_desktop.core import words
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.routine import Base, Side
from stretch_desktop.core.timeline import (
    CUE_GAP_MS,
    LEVEL_CHANGE_MS,
    MAX_SILENCE_MS,
    CueKind,
    PhaseKind,
    compile_routine,
    cue_texts,
    measure,
    spoken_ms,
)
from stretch_desktop.library import builtin_routines
from tests.core.routines import ESSENTIAL_KINDS
from tests.core.strategies import preferences, routines

BUILTIN = {r.id: r for r in builtin_routines()}  # what load_library() starts its list with
IDS = sorted(BUILTIN)
RESOURCES = Path(__file__).parents[2] / "src" / "stretch_desktop" / "resources" / "routines"
CHIME_MS = 720  # resources/sounds/chime.wav
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def slow(rate_wpm: int = 120, chime_ms: int = CHIME_MS) -> Pacing:
    """What the app compiles with a slow voice and the chime, before lengths are measured: the
    estimate stretched by the rate (as ui/session_controller does), the chime before each
    pose's first cue."""
    stretch = max(1.0, 170 / rate_wpm)
    return Pacing(
        speech_ms=lambda text: round(words.estimate_speech_ms(text) * stretch), chime_ms=chime_ms
    )


def cues(timeline):
    return [cue for phase in timeline.phases for cue in phase.cues]


def said(timeline, kind=None):
    return [c for c in cues(timeline) if kind is None or c.kind is kind]


def phase_of(timeline, cue):
    return timeline.phase_at(cue.at_ms) if cue.kind is not CueKind.COMPLETE else None


def overlaps(timeline, prefs):
    return [
        (a.text, b.text)
        for a, b in itertools.pairwise(cues(timeline))
        if a.at_ms + spoken_ms(a, prefs) + CUE_GAP_MS > b.at_ms
    ]


def longest_silence(timeline, prefs):
    """The longest time with nothing said, from a cue's end to the next cue's start."""
    longest, end = 0, 0
    for cue in cues(timeline):
        longest = max(longest, cue.at_ms - end)
        end = max(end, cue.at_ms + spoken_ms(cue, prefs))
    return longest


def step_cues(timeline, step):
    return [
        c for i in step.phases for c in timeline.phases[i].cues if c.kind is not CueKind.COMPLETE
    ]


# --- safety is spoken ----------------------------------------------------------------------------


def test_the_roll_down_says_numbness_tingling_burning_once_as_the_hands_reach_the_box():
    timeline = compile_routine(BUILTIN["roll-down-to-a-box"])
    (caution,) = said(timeline, CueKind.CAUTION)
    text = caution.text.lower()
    assert all(word in text for word in ("numbness", "tingling", "burning", "stop", "come up"))
    flow = next(p for p in timeline.phases if p.kind is PhaseKind.FLOW)
    box = next(i for i, beat in enumerate(flow.beats) if "box" in beat.lower())
    # as the first round's beat after "hands on the box" begins: not at the start, not again
    assert caution.at_ms == flow.start_ms + (box + 1) * flow.beat_ms
    assert phase_of(timeline, caution) is flow


def test_down_dog_says_back_off_on_arrival_and_plank_says_it_is_optional_before_it():
    timeline = compile_routine(BUILTIN["down-dog-from-tabletop"])
    for step in timeline.steps:
        hold = timeline.phases[step.phases[-1]]
        prepare = timeline.phases[step.first_phase]
        if step.pose.id == "down-dog":
            first = hold.cues[0]
            assert (first.kind, first.at_ms) == (CueKind.CAUTION, hold.start_ms)
            text = first.text.lower()
            assert "back off" in text and "bend your knees" in text
            assert "knees" in text and "sitting bones" in text
        if step.pose.id == "plank":
            caution = next(c for c in prepare.cues if c.kind is CueKind.CAUTION)
            assert "optional" in caution.text.lower()
            countdown = next(c for c in prepare.cues if c.kind is CueKind.COUNTDOWN)
            assert caution.at_ms < countdown.at_ms


def test_the_toe_touch_says_stay_pain_free_as_the_hold_begins():
    timeline = compile_routine(BUILTIN["toe-touch"])
    hold = next(p for p in timeline.phases if p.kind is PhaseKind.HOLD)
    assert hold.cues[0].kind is CueKind.CAUTION and hold.cues[0].at_ms == hold.start_ms
    assert "pain-free" in hold.cues[0].text.lower()


@pytest.mark.parametrize("routine_id", IDS)
def test_every_spoken_caution_of_every_pose_is_said(routine_id):
    routine = BUILTIN[routine_id]
    spoken = " ".join(c.text for c in said(compile_routine(routine), CueKind.CAUTION))
    for pose in routine.poses:
        for caution in pose.spoken_cautions:
            assert words.sentence(caution.text.replace("{side}", "right")) in spoken


# --- every hold, flow and rest ends with a way out ----------------------------------------------


def assert_each_step_ends_with_a_way_out(timeline, prefs):
    for step in timeline.steps:
        # An assessed hold's question comes after its way out, in a phase of its own.
        pose_phases = [i for i in step.phases if timeline.phases[i].kind is not PhaseKind.ASK]
        last_phase = timeline.phases[pose_phases[-1]]
        final = [c for c in step_cues(timeline, step) if c.kind is not CueKind.QUESTION][-1]
        assert final.kind is CueKind.WAY_OUT, (step.pose.id, final)
        assert phase_of(timeline, final) is last_phase
        assert final.at_ms + spoken_ms(final, prefs) + CUE_GAP_MS <= last_phase.end_ms


@pytest.mark.parametrize("routine_id", IDS)
@pytest.mark.parametrize("prefs", [Pacing(), slow()], ids=["default", "120wpm+chime"])
def test_every_step_ends_with_a_way_out(routine_id, prefs):
    assert_each_step_ends_with_a_way_out(compile_routine(BUILTIN[routine_id], prefs), prefs)


@pytest.mark.parametrize("routine_id", IDS)
def test_a_session_ending_down_says_how_to_come_up_before_session_complete(routine_id):
    timeline = compile_routine(BUILTIN[routine_id])
    *_, way_out, complete = cues(timeline)
    assert complete.kind is CueKind.COMPLETE
    assert way_out.kind is CueKind.WAY_OUT
    if timeline.steps[-1].pose.base is not Base.STANDING:  # folded, seated, lying, on the knees
        assert " up" in way_out.text.lower(), way_out.text


def test_the_lunge_flow_ends_folded_and_says_roll_up_head_last():
    *_, way_out, _ = cues(compile_routine(BUILTIN["lunge-flow-for-hamstrings"]))
    assert way_out.text == "Roll up slowly, head last."


@PROPERTY
@given(routines, preferences)
def test_any_routine_ends_each_step_with_a_way_out_and_a_lying_end_with_coming_up(routine, prefs):
    timeline = compile_routine(routine, prefs)
    assert_each_step_ends_with_a_way_out(timeline, prefs)
    last = timeline.steps[-1]
    if last.pose.base in (Base.FOLDED, Base.LYING):
        step = routine.steps[-1]
        inner = step.steps[-1] if hasattr(step, "steps") else step
        if inner.spoken.way_out is None:  # the routine's own words are its business
            assert " up " in f" {step_cues(timeline, last)[-1].text.lower()} "


# --- no silence longer than 20 s ------------------------------------------------------------------


@pytest.mark.parametrize("routine_id", IDS)
def test_no_silence_longer_than_twenty_seconds_at_the_default_pacing(routine_id):
    prefs = Pacing()
    assert longest_silence(compile_routine(BUILTIN[routine_id], prefs), prefs) <= MAX_SILENCE_MS


@PROPERTY
@given(routines)
def test_no_routine_leaves_a_silence_longer_than_twenty_seconds_at_the_default_pacing(routine):
    prefs = Pacing()
    assert longest_silence(compile_routine(routine, prefs), prefs) <= MAX_SILENCE_MS


@pytest.mark.parametrize("routine_id", IDS)
def test_long_holds_count_down_their_second_half_and_long_rests_get_a_middle_word(routine_id):
    prefs = Pacing()
    timeline = compile_routine(BUILTIN[routine_id], prefs)
    breath = prefs.breath_ms
    for phase in timeline.phases:
        at = {c.text: c.at_ms - phase.start_ms for c in phase.cues}
        if phase.kind is PhaseKind.HOLD and phase.breaths and phase.duration_ms >= 20_000:
            assert at["Last breath."] == (phase.breaths - 1) * breath, phase.pose.id
            if phase.breaths >= 5:
                assert at["Two more breaths."] == (phase.breaths - 2) * breath, phase.pose.id
        if phase.kind is PhaseKind.REST and phase.duration_ms >= 20_000:
            middle = [c for c in phase.cues if c.text.startswith("Rest here.")]
            assert middle and abs(middle[0].at_ms - phase.start_ms - phase.duration_ms / 2) < breath


# --- counts in repeated work ------------------------------------------------------------------


def test_the_roll_down_counts_its_rounds():
    timeline = compile_routine(BUILTIN["roll-down-to-a-box"])
    flow = next(p for p in timeline.phases if p.kind is PhaseKind.FLOW)
    cycle = len(flow.beats) * flow.beat_ms
    starts = {c.at_ms: c.text for c in flow.cues if c.kind is CueKind.BEAT}
    assert starts[flow.start_ms].startswith("Hinge forward")  # round one needs no number
    assert starts[flow.start_ms + cycle].startswith("Round two of three. Hinge forward")
    assert starts[flow.start_ms + 2 * cycle].startswith("Last round. Hinge forward")


@pytest.mark.parametrize("routine_id", IDS)
def test_flows_and_press_release_rounds_count_five_more_and_last_one(routine_id):
    timeline = compile_routine(BUILTIN[routine_id])
    for step in timeline.steps:
        phases = [timeline.phases[i] for i in step.phases[1:]]
        if phases[0].kind is PhaseKind.FLOW and len(phases[0].beats) * phases[0].beat_ms < 12_000:
            flow = phases[0]
            reps = flow.beat_count // len(flow.beats)
            firsts = [
                c.text
                for c in flow.cues
                if (c.at_ms - flow.start_ms) % (len(flow.beats) * flow.beat_ms) == 0
                and c.kind is CueKind.BEAT
            ]
            assert firsts[reps - 5].startswith("Five more. ") and firsts[-1].startswith(
                "Last one. "
            )
            assert sum(t.startswith(("Five more", "Last one")) for t in firsts) == 2
        if phases[0].kind is PhaseKind.CONTRACT:
            presses = [p.cues[0].text for p in phases if p.kind is PhaseKind.CONTRACT]
            assert presses[-5] == "Five more. Press." and presses[-1] == "Last one. Press."


# --- words a listener can resolve ------------------------------------------------------------

VAGUE = re.compile(
    r"\b(that|the opposite|opposite|the other|other|one) (foot|leg|thigh|knee|heel|hand|arm|hip)\b"
)
SIDE_PART = r"(foot|leg|knee|thigh|heel|hand|arm|hip|little toe)"


@pytest.mark.parametrize("routine_id", IDS)
@pytest.mark.parametrize("first", list(Side))
def test_no_vague_words_and_one_sided_steps_name_their_own_leg(routine_id, first):
    timeline = compile_routine(BUILTIN[routine_id], Pacing(first_side=first))
    for text in cue_texts(timeline):
        assert not VAGUE.search(text.lower()), text
        assert "{" not in text and "}" not in text, text
    for step in timeline.steps:
        if step.side is None:
            continue
        announcement = timeline.phases[step.first_phase].cues[0].text.lower()
        assert re.search(rf"\byour {step.side.value} {SIDE_PART}\b", announcement), announcement


@pytest.mark.parametrize("routine_id", IDS)
def test_the_side_words_follow_the_side_being_done(routine_id):
    """A step on the left, done first, says exactly what the same step on the right says with
    right and left swapped: every side word in it comes from the side being done."""
    swap = {"right": "left", "left": "right", "Right": "Left", "Left": "Right"}

    def texts_by_side(first):
        timeline = compile_routine(BUILTIN[routine_id], Pacing(first_side=first))
        return {
            (s.source_step, s.pose.id): [c.text for c in step_cues(timeline, s)]
            for s in timeline.steps
            if s.side is first
        }

    rights, lefts = texts_by_side(Side.RIGHT), texts_by_side(Side.LEFT)
    assert rights.keys() == lefts.keys()
    for key, texts in rights.items():
        swapped = [
            re.sub(r"\b(right|left|Right|Left)\b", lambda m: swap[m.group()], t) for t in texts
        ]
        assert swapped == lefts[key], key


def test_sway_out_is_defined_before_it_is_first_said():
    timeline = compile_routine(BUILTIN["lunge-flow-for-hamstrings"])
    first = next(c for c in cues(timeline) if c.text.startswith("Sway out"))
    step = timeline.steps[timeline.phase_at(first.at_ms).step]
    announcement = timeline.phases[step.first_phase].cues[0].text
    assert f"Sway out means toward your {step.side.value} little toe." in announcement


# --- time to change level ------------------------------------------------------------------------


@pytest.mark.parametrize("routine_id", IDS)
def test_every_builtin_pose_declares_its_base(routine_id):
    assert all(pose.base is not None for pose in BUILTIN[routine_id].poses)


def assert_level_changes_are_said_first_and_given_time(timeline, prefs):
    for before, after in itertools.pairwise(timeline.steps):
        prepare = timeline.phases[after.first_phase]
        announcement = prepare.cues[0].text
        a, b = before.pose.base, after.pose.base
        if a is not None and b is not None and a.level != b.level:
            assert announcement.startswith(words.move_words(a, b)), announcement
            assert prepare.duration_ms >= prefs.lead_in_ms + LEVEL_CHANGE_MS
            countdown = [c for c in prepare.cues if c.kind is CueKind.COUNTDOWN]
            first_count = countdown[0].at_ms if countdown else prepare.end_ms
            talk_end = max(
                c.at_ms + spoken_ms(c, prefs)
                for c in prepare.cues
                if c.kind is not CueKind.COUNTDOWN
            )
            assert first_count - talk_end >= LEVEL_CHANGE_MS  # time to move before the count
        else:
            assert not any(
                announcement.startswith(m)
                for m in ("Come up", "Come down", "Lie down", "Sit down", "Roll up", "Fold forward")
            )


@pytest.mark.parametrize("routine_id", IDS)
def test_a_change_of_level_is_said_first_and_lengthens_the_lead_in(routine_id):
    assert_level_changes_are_said_first_and_given_time(
        compile_routine(BUILTIN[routine_id]), Pacing()
    )


def test_lying_to_the_half_split_and_childs_pose_to_standing_are_said_first():
    seven = compile_routine(BUILTIN["seven-stretches-for-back-pain"])
    half = next(s for s in seven.steps if s.pose.id == "half-split")
    assert (
        seven.phases[half.first_phase]
        .cues[0]
        .text.startswith("Come up onto your hands and knees. Half split")
    )
    lunge = compile_routine(BUILTIN["lunge-flow-for-hamstrings"])
    fold = [s for s in lunge.steps if s.pose.id == "standing-forward-fold"][1]
    assert (
        lunge.phases[fold.first_phase]
        .cues[0]
        .text.startswith("Come up to standing. Standing forward fold")
    )


@PROPERTY
@given(routines, preferences)
def test_any_change_of_level_is_said_first_and_given_time(routine, prefs):
    assert_level_changes_are_said_first_and_given_time(compile_routine(routine, prefs), prefs)


# --- breath words on the breath -----------------------------------------------------------------


@pytest.mark.parametrize("routine_id", IDS)
@pytest.mark.parametrize(
    "prefs", [Pacing(), Pacing(inhale_ms=4000, exhale_ms=6000)], ids=["6s", "10s"]
)
def test_breath_words_fall_on_the_breath(routine_id, prefs):
    timeline = compile_routine(BUILTIN[routine_id], prefs)
    for phase in timeline.phases:
        breathing = phase.kind in (PhaseKind.HOLD, PhaseKind.REST) or (
            phase.kind is PhaseKind.FLOW and phase.breaths
        )
        if not breathing:
            continue
        for cue in phase.cues:
            into = (cue.at_ms - phase.start_ms) % prefs.breath_ms
            text = cue.text.lower()
            if text.startswith(("breathe in", "inhale")):
                assert into == 0, cue
            if text.startswith(("breathe out", "exhale")):
                assert into == prefs.inhale_ms, cue


def test_the_roll_up_starts_with_the_fourth_exhale_on_the_box():
    prefs = Pacing()
    timeline = compile_routine(BUILTIN["roll-down-to-a-box"], prefs)
    flow = next(p for p in timeline.phases if p.kind is PhaseKind.FLOW)
    box = next(i for i, beat in enumerate(flow.beats) if "box" in beat.lower())
    ups = [c for c in flow.cues if "roll up" in c.text.lower()]
    cycle = len(flow.beats) * flow.beat_ms
    assert len(ups) == 3
    for n, up in enumerate(ups):
        # the hands reach the box as the breath after "hands on the box" starts: four breaths on
        assert (
            up.at_ms
            == flow.start_ms + n * cycle + (box + 1 + 3) * prefs.breath_ms + prefs.inhale_ms
        )
    belly = [c for c in flow.cues if c.text == "Exhale, belly in."]
    assert len(belly) >= 3 * 3 - 1  # every breath on the box, but under the caution's first one


# --- rests are not countdowns --------------------------------------------------------------------


@pytest.mark.parametrize("routine_id", IDS)
def test_rests_have_no_countdown(routine_id):
    timeline = compile_routine(BUILTIN[routine_id])
    rests = [s for s in timeline.steps if s.is_rest]
    for step in rests:
        prepare = timeline.phases[step.first_phase]
        assert [c.kind for c in prepare.cues] == [CueKind.REST]


def test_toe_touch_rest_says_come_up_slowly_instead_of_counting():
    timeline = compile_routine(BUILTIN["toe-touch"])
    rest = next(s for s in timeline.steps if s.is_rest)
    (announcement,) = timeline.phases[rest.first_phase].cues
    assert announcement.text.startswith("Roll up slowly, head last. Rest: Stand tall.")


# --- nothing dropped at a slow voice with the chime ------------------------------------------


def test_with_the_chime_three_is_not_pushed_onto_by_the_announcement():
    """Issue 16: the chime (0.72 s) came before each announcement but the lead-in was sized
    without it, so every pose's "Three" was dropped."""
    announce_ms = 4000
    prefs = Pacing(speech_ms=lambda text: announce_ms if "." in text else 500, chime_ms=CHIME_MS)
    timeline = compile_routine(BUILTIN["toe-touch"], prefs)
    prepare = timeline.phases[0]
    three = prepare.cues[1]
    assert three.text == "Three"
    assert three.at_ms >= CHIME_MS + announce_ms + CUE_GAP_MS


def test_count_words_get_slots_as_long_as_a_slow_voice_says_them():
    """At 120 words a minute "Three" outlasted its 1 s slot and the pose's first cue was lost."""
    prefs = Pacing(speech_ms=lambda text: 1400 if text in ("Three", "Two", "One") else 900)
    timeline = compile_routine(BUILTIN["toe-touch"], prefs)
    prepare, hold = timeline.phases[:2]
    three, two, one = prepare.cues[1:]
    assert two.at_ms - three.at_ms == one.at_ms - two.at_ms == prepare.end_ms - one.at_ms == 1700
    assert hold.cues[0].at_ms == hold.start_ms  # the caution on arrival stays


@pytest.mark.parametrize("routine_id", IDS)
@pytest.mark.parametrize("rate", [120, 170])
def test_no_two_cues_overlap_at_a_slow_voice_with_the_chime(routine_id, rate):
    prefs = slow(rate)
    timeline = compile_routine(BUILTIN[routine_id], prefs)
    assert overlaps(timeline, prefs) == []
    # and what matters is all there: every announcement, caution, way out, count word, beat
    # (but those under the once-only caution), press and release
    roomy = compile_routine(BUILTIN[routine_id], replace(prefs, speech_ms=lambda text: 1))
    for kind in ESSENTIAL_KINDS:
        assert len(said(timeline, kind)) == len(said(roomy, kind)), kind
    beats = said(timeline, CueKind.BEAT)
    cautions = said(timeline, CueKind.CAUTION)

    def under_a_caution(phase, offset):
        at = phase.start_ms + offset
        return any(c.at_ms <= at < c.at_ms + spoken_ms(c, prefs) + CUE_GAP_MS for c in cautions)

    for flow in (p for p in timeline.phases if p.kind is PhaseKind.FLOW):
        moments = [i * flow.beat_ms for i in range(flow.beat_count)]
        if flow.exhales:
            moments += [
                i * flow.beat_ms + flow.exhale_at_ms
                for i in range(flow.beat_count)
                if flow.exhales[i % len(flow.beats)]
            ]
        heard = {b.at_ms - flow.start_ms for b in beats if flow.start_ms <= b.at_ms < flow.end_ms}
        missing = [m for m in moments if m not in heard and not under_a_caution(flow, m)]
        assert missing == [], flow.pose.id


@PROPERTY
@given(routines, preferences)
def test_no_routine_schedules_two_cues_at_once_at_any_voice(routine, prefs):
    for pacing in (prefs, replace(prefs, speech_ms=slow(80).speech_ms)):
        timeline = compile_routine(routine, pacing)
        assert overlaps(timeline, pacing) == []


@pytest.mark.parametrize("routine_id", IDS)
def test_measuring_agrees_with_compiling_at_a_slow_voice_with_the_chime(routine_id):
    """The loader bounds routines with ``extents``: lengthened lead-ins and ways out count."""
    for prefs in (Pacing(), slow(80), slow(120)):
        timeline = compile_routine(BUILTIN[routine_id], prefs)
        size = measure(BUILTIN[routine_id], prefs)
        assert (size.steps, size.phases, size.total_ms) == (
            len(timeline.steps),
            len(timeline.phases),
            timeline.total_ms,
        )


# --- the missing `# chosen:` marks -------------------------------------------------------------


def test_numbers_the_sources_leave_open_are_marked_chosen():
    down_dog = (RESOURCES / "down-dog-from-tabletop.toml").read_text()
    holds = [line for line in down_dog.splitlines() if line.startswith("breaths =")]
    assert holds and all("# chosen" in line for line in holds)
    seven = (RESOURCES / "seven-stretches-for-back-pain.toml").read_text()
    for pose in ("supine-hamstring", "pyramid"):
        table = seven.split(f'id = "{pose}"')[1].split("[[")[0]
        (sided,) = [line for line in table.splitlines() if line.startswith("one_sided")]
        assert "# chosen: both sides" in sided


# --- what the screen and the voice are given --------------------------------------------------


@pytest.mark.parametrize("routine_id", IDS)
def test_cue_texts_lists_every_text_the_session_says(routine_id):
    """The voice renders ``cue_texts`` ahead of time: counts, ways out and cautions included."""
    for prefs in (Pacing(), slow()):
        timeline = compile_routine(BUILTIN[routine_id], prefs)
        assert {c.text for c in cues(timeline)} <= set(cue_texts(timeline))


def test_the_pacer_shows_a_breath_beat_s_exhale_words_from_the_exhale_on():
    from stretch_desktop.core.timeline import beat_at

    prefs = Pacing()
    timeline = compile_routine(BUILTIN["roll-down-to-a-box"], prefs)
    flow = next(p for p in timeline.phases if p.kind is PhaseKind.FLOW)
    start = flow.start_ms + 2 * flow.beat_ms  # the first breath on the box
    assert beat_at(flow, start).word == "Breathe in"
    assert beat_at(flow, start + prefs.inhale_ms - 1).word == "Breathe in"
    assert beat_at(flow, start + prefs.inhale_ms).word == "Exhale, belly in"
    # through the way out after the last beat, the pacer rests on that beat, ended
    assert flow.end_ms > flow.start_ms + flow.beat_count * flow.beat_ms
    end = beat_at(flow, flow.end_ms - 1)
    assert (end.repetition, end.word, end.fraction) == (3, "Stand tall, arms back to start", 1.0)


# --- nothing left out: slot-aware words (issue 16 §2, last bullet) ----------------------------

HOLD_WITH_CAUTION = """
format = 1
id = "caution-hold"
title = "Caution hold"
source = "Tests"

[[poses]]
id = "fold"
name = "Forward fold"
instructions = ["Fold."]
spoken_cautions = [{ text = "Stay where it is gentle and pain-free.", when = "arrival" }]

[[steps]]
kind = "hold"
pose = "fold"
breaths = {breaths}
"""


def caution_hold(breaths=6):
    from stretch_desktop.core.loader import load_routine

    return load_routine(HOLD_WITH_CAUTION.replace("{breaths}", str(breaths)), "caution.toml")


def hold_phase(timeline):
    return next(p for p in timeline.phases if p.kind is PhaseKind.HOLD)


@pytest.mark.parametrize("routine_id", IDS)
@pytest.mark.parametrize("rate", [120, 170, 320])
@pytest.mark.parametrize("chime_ms", [0, CHIME_MS])
def test_no_builtin_leaves_a_cue_out_at_estimated_lengths(routine_id, rate, chime_ms):
    """The script's own collisions (a breath word under a caution, "Two more breaths" on the
    halfway breath, a count under the way out) are resolved where the words are chosen, so the
    timeline's ``dropped`` list stays empty. Measured lengths at 80 and 320 words a minute, for
    both voices: tests/speech/test_measured_script.py."""
    prefs = slow(rate, chime_ms)
    timeline = compile_routine(BUILTIN[routine_id], prefs)
    assert timeline.dropped == ()
    assert overlaps(timeline, prefs) == []


def test_breath_words_start_with_the_first_breath_a_caution_leaves_free():
    caution_ms = 4000  # over the first inhale and exhale words (0 s and 2.5 s)
    prefs = Pacing(speech_ms=lambda text: caution_ms if "pain-free" in text else 600)
    timeline = compile_routine(caution_hold(), prefs)
    hold = hold_phase(timeline)
    breath = [(c.at_ms - hold.start_ms, c.text) for c in hold.cues if c.kind is CueKind.BREATH]
    # the first breath is the caution's, the fourth's inhale is the halfway's ("Halfway. Three
    # more breaths." at 18 s): the words go with the three breaths after the caution
    assert breath == [
        (6000, "Breathe in"),
        (8500, "Breathe out"),
        (12000, "Breathe in"),
        (14500, "Breathe out"),
        (20500, "Breathe out"),
    ]
    assert timeline.dropped == ()


def test_a_half_breath_too_short_for_breathe_in_says_in():
    lengths = {"Breathe in": 1400, "Breathe out": 1400, "In": 500, "Out": 500}
    prefs = Pacing(inhale_ms=1500, exhale_ms=1500, speech_ms=lambda text: lengths.get(text, 700))
    timeline = compile_routine(caution_hold(), prefs)
    hold = hold_phase(timeline)
    texts = [c.text for c in hold.cues if c.kind is CueKind.BREATH]
    assert texts and set(texts) == {"In", "Out"}
    assert timeline.dropped == ()


def test_the_halfway_breath_is_not_counted_twice_and_the_way_out_waits_for_the_last_breath():
    """Four breaths: halfway falls on "Two more breaths"' breath (said once, in the halfway
    words); and a slow way out is placed after "Last breath", the hold running on for it."""
    way_out_ms = 5500
    prefs = Pacing(speech_ms=lambda text: way_out_ms if text.startswith("Release") else 1500)
    timeline = compile_routine(caution_hold(4), prefs)
    hold = hold_phase(timeline)
    texts = [c.text for c in hold.cues]
    assert "Halfway. Two more breaths." in texts and "Two more breaths." not in texts
    last = next(c for c in hold.cues if c.text == "Last breath.")
    way_out = next(c for c in hold.cues if c.kind is CueKind.WAY_OUT)
    assert last.at_ms == hold.start_ms + 3 * prefs.breath_ms
    assert way_out.at_ms == last.at_ms + 1500 + CUE_GAP_MS
    assert hold.end_ms == way_out.at_ms + way_out_ms + CUE_GAP_MS > hold.start_ms + 24_000
    assert timeline.dropped == ()
    assert measure(caution_hold(4), prefs).total_ms == timeline.total_ms


def test_a_timed_hold_says_five_seconds_to_go_when_a_long_halfway_covers_ten():
    routine = BUILTIN["toe-touch"]  # 30 s, its own halfway words at 15 s
    prefs = Pacing(speech_ms=lambda text: 5500 if text.startswith("Halfway") else 1200)
    hold = hold_phase(compile_routine(routine, prefs))
    counts = [(c.at_ms - hold.start_ms, c.text) for c in hold.cues if c.kind is CueKind.COUNT]
    assert counts == [(25_000, "Five seconds to go.")]
    quick = hold_phase(compile_routine(routine, Pacing(speech_ms=lambda text: 1200)))
    assert [c.text for c in quick.cues if c.kind is CueKind.COUNT] == ["Ten seconds to go."]


def test_an_exhale_phrase_too_long_for_the_exhale_drops_its_breath_word():
    """The roll-down's "Exhale, roll up slowly." outlasted the 3.5 s exhale with the system
    voice at 80 words a minute and pushed the next beat out; at its moment "Exhale" is implied."""
    long = {"Exhale, roll up slowly.": 3597, "Exhale, belly in.": 2758}
    prefs = Pacing(speech_ms=lambda text: long.get(text, 1500))
    timeline = compile_routine(BUILTIN["roll-down-to-a-box"], prefs)
    flow = next(p for p in timeline.phases if p.kind is PhaseKind.FLOW)
    texts = [c.text for c in flow.cues]
    assert "Roll up slowly." in texts and "Exhale, roll up slowly." not in texts
    assert "Exhale, belly in." in texts, "it fits: said whole"
    assert timeline.dropped == ()


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("Exhale, belly in.", "Belly in."),
        ("Inhale: arms up.", "Arms up."),
        ("Breathe out, soften.", "Soften."),
        ("Exhaled fully.", None),
        ("Exhale.", None),
        ("Small nods.", None),
    ],
)
def test_a_breath_word_leading_a_phrase_can_be_left_off(text, short):
    assert words.without_breath_word(text) == short
