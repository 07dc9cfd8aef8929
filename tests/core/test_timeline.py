"""The cue script a person with closed eyes follows, as the compiler writes it."""

import pytest

from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.core.routine import Side
from stretch_desktop.core.timeline import (
    CueKind,
    PhaseKind,
    Priority,
    beat_at,
    breath_at,
    compile_routine,
)
from stretch_desktop.core.words import number_words, seconds_words
from tests.core.routines import small

QUIET = Pacing(breath_cues=BreathCues.OFF, speech_ms=lambda text: 700)


def cues_of(timeline, kind):
    return [cue for phase in timeline.phases for cue in phase.cues if cue.kind is kind]


def test_sides_blocks_expand_in_the_compiler_right_then_left():
    timeline = compile_routine(small(), QUIET)
    rows = [(s.pose.id, s.side) for s in timeline.steps]
    assert rows == [
        ("fold", None),
        ("lunge", Side.RIGHT),
        ("child", None),
        ("lunge", Side.LEFT),
        ("child", None),
        ("lunge", Side.RIGHT),
        ("lunge", Side.LEFT),
    ]


def test_first_side_is_a_preference():
    timeline = compile_routine(small(), Pacing(first_side=Side.LEFT))
    assert timeline.steps[1].side is Side.LEFT
    assert timeline.steps[3].side is Side.RIGHT


def test_lead_in_names_pose_side_and_hold_then_counts_down():
    timeline = compile_routine(small(), QUIET)
    lunge = timeline.phases[timeline.steps[1].first_phase]
    assert lunge.kind is PhaseKind.PREPARE
    assert lunge.cues[0].text == "Low lunge, right side. Two times."
    assert [c.text for c in lunge.cues[1:]] == ["Three", "Two", "One"]
    assert lunge.duration_ms == 5000


def test_switching_sides_is_said_where_the_second_side_begins():
    timeline = compile_routine(small(), QUIET)
    switches = cues_of(timeline, CueKind.SWITCH_SIDES)
    assert [c.text for c in switches] == [
        "Switch sides. Low lunge, left side. Two times.",
        "Switch sides. Low lunge, left side. Press for three seconds, then release. Two rounds.",
    ]
    assert switches[0].at_ms == timeline.steps[3].start_ms


def test_rests_announce_themselves():
    rests = cues_of(compile_routine(small(), QUIET), CueKind.REST)
    assert [c.text for c in rests] == ["Rest: child's pose. Two breaths."] * 2


def test_holds_of_twenty_seconds_or_more_get_a_halfway_cue():
    timeline = compile_routine(small(), QUIET)
    hold = timeline.phases[1]
    assert hold.kind is PhaseKind.HOLD
    (halfway,) = cues_of(timeline, CueKind.HALFWAY)
    assert halfway.at_ms == hold.start_ms + 15_000
    assert halfway.text == "Halfway. Fifteen seconds to go."


def test_the_last_cue_says_the_session_is_complete():
    timeline = compile_routine(small(), QUIET)
    last = timeline.phases[-1].cues[-1]
    assert last.kind is CueKind.COMPLETE
    assert last.at_ms == timeline.total_ms
    assert "complete" in last.text.lower()


def test_flows_speak_a_word_on_every_beat_count_the_last_and_end_with_a_way_out():
    timeline = compile_routine(small(), QUIET)
    flow = next(p for p in timeline.phases if p.kind is PhaseKind.FLOW)
    texts = [c.text for c in flow.cues]
    way_out = "Release. Come out slowly."
    assert texts == ["Back.", "Forward.", "Last one. Back.", "Forward.", way_out]
    assert [c.at_ms - flow.start_ms for c in flow.cues][:4] == [0, 2000, 4000, 6000]
    # the way out does not fit in the last 2 s beat after "Forward.": the flow runs on for it
    assert flow.cues[-1].at_ms - flow.start_ms == 6000 + 700 + 300
    assert flow.duration_ms == 6000 + 700 + 300 + 700 + 300
    assert beat_at(flow, flow.start_ms + 4500).repetition == 2
    assert beat_at(flow, flow.start_ms + 6500).word == "Forward"


def test_contract_relax_alternates_press_and_release_phases():
    timeline = compile_routine(small(), QUIET)
    step = timeline.steps[-1]
    kinds = [timeline.phases[i].kind for i in step.phases]
    assert kinds == [PhaseKind.PREPARE] + [PhaseKind.CONTRACT, PhaseKind.RELAX] * 2
    assert [timeline.phases[i].cues[0].text for i in step.phases][1:3] == ["Press.", "Release."]


@pytest.mark.parametrize(
    ("setting", "count"), [(BreathCues.OFF, 0), (BreathCues.FIRST_THREE, 5), (BreathCues.EVERY, 8)]
)
def test_breath_cues_are_a_preference(setting, count):
    """The 30 s fold at 6 s a breath holds five whole breaths (ten cues); the halfway cue at
    15 s would talk over the exhale cue at 14.5 s, and "Ten seconds to go" at 20 s over the one
    at 20.5 s, so those two keep quiet (issue 16: the lesser of two overlapping cues goes)."""
    timeline = compile_routine(small(), Pacing(breath_cues=setting))
    hold = timeline.phases[1]
    assert len([c for c in hold.cues if c.kind is CueKind.BREATH]) == count


def test_a_long_announcement_gets_a_longer_lead_in():
    """Measured speech lengths, when known, stretch the lead-in so nothing talks over the count."""
    slow = Pacing(speech_ms=lambda text: 4000 if "lunge" in text.lower() else 500)
    timeline = compile_routine(small(), slow)
    fold, lunge = (timeline.phases[s.first_phase] for s in timeline.steps[:2])
    assert fold.duration_ms == 5000
    assert lunge.duration_ms == 4000 + 300 + 3000
    assert lunge.cues[1].at_ms - lunge.start_ms == 4300  # "Three" right after the announcement


def test_priorities_keep_announcements_and_drop_stale_small_cues():
    timeline = compile_routine(small())
    for phase in timeline.phases:
        for cue in phase.cues:
            high = cue.kind in {
                CueKind.ANNOUNCE,
                CueKind.SWITCH_SIDES,
                CueKind.REST,
                CueKind.COMPLETE,
                CueKind.CAUTION,
                CueKind.WAY_OUT,
            }
            assert (cue.priority is Priority.HIGH) == high


def test_breath_pacer_follows_the_breath_pattern():
    prefs = Pacing(inhale_ms=2000, exhale_ms=4000)
    timeline = compile_routine(small(), prefs)
    rest = next(p for p in timeline.phases if p.kind is PhaseKind.REST)
    start = rest.start_ms
    assert breath_at(rest, start, prefs).inhaling
    assert breath_at(rest, start + 1000, prefs).size == pytest.approx(0.5)
    mid_exhale = breath_at(rest, start + 4000, prefs)
    assert (mid_exhale.inhaling, mid_exhale.number, mid_exhale.count) == (False, 1, 2)
    assert mid_exhale.size == pytest.approx(0.5)
    assert breath_at(rest, start + 6000, prefs).number == 2
    assert breath_at(rest, rest.end_ms, prefs).number == 2


def test_compiling_is_pure():
    assert compile_routine(small()) == compile_routine(small())


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "zero"),
        (7, "seven"),
        (21, "twenty-one"),
        (100, "one hundred"),
        (115, "one hundred and fifteen"),
    ],
)
def test_numbers_are_said_in_words(n, said):
    assert number_words(n) == said


def test_long_holds_are_said_in_minutes():
    assert seconds_words(90) == "one minute thirty seconds"
    assert seconds_words(120) == "two minutes"
    assert seconds_words(1) == "one second"
