"""The flexibility check in the core: the reach scale, ``assess`` in the format, the ASK phase
in the timeline, and ending it early in the engine."""

import pytest

from stretch_desktop.core.assessment import QUESTION, REACH, reach_for_key, reach_label, reach_rank
from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import SessionEngine, State
from stretch_desktop.core.events import (
    CueDue,
    PhaseStarted,
    Seeked,
    SeekReason,
    StepEnded,
    StepOutcome,
)
from stretch_desktop.core.loader import RoutineError, load_routine
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.routine import Assess, Hold
from stretch_desktop.core.timeline import (
    ANSWER_MS,
    ASK_MS,
    CUE_GAP_MS,
    CueKind,
    PhaseKind,
    Priority,
    compile_routine,
    measure,
    spoken_ms,
)
from stretch_desktop.library import builtin_routines
from tests.core.routines import SMALL

LUNGE = {r.id: r for r in builtin_routines()}["lunge-flow-for-hamstrings"]


# --- the scale --------------------------------------------------------------------------------


def test_the_scale_runs_from_knees_to_palms_flat_on_keys_one_to_six():
    assert REACH == ("knees", "mid-shins", "ankles", "toes", "floor", "palms flat")
    assert [reach_for_key(n) for n in range(0, 8)] == [None, *REACH, None]
    assert [reach_label(v) for v in REACH] == [
        "Knees", "Mid-shins", "Ankles", "Toes", "Floor", "Palms flat",
    ]  # fmt: skip
    assert reach_rank("toes") > reach_rank("ankles") and reach_rank("knees") == 0


@pytest.mark.parametrize("function", [reach_label, reach_rank])
def test_a_reach_off_the_scale_is_a_value_error_naming_it(function):
    with pytest.raises(ValueError, match="not a reach: 'elbows'"):
        function("elbows")


def test_the_question_names_both_ends_of_the_scale():
    said = QUESTION.lower()
    assert "one for knees" in said and "six for palms flat" in said


# --- the format ---------------------------------------------------------------------------------


def _with_assess(text, value='"before"', after='pose = "fold"\nseconds = 30'):
    return text.replace(after, f"{after}\nassess = {value}", 1)


def problems(text):
    with pytest.raises(RoutineError) as caught:
        load_routine(text, "r.toml")
    return [str(p) for p in caught.value.problems]


def _line(text, needle, nth=1):
    lines = text.splitlines()
    found = [i for i, line in enumerate(lines) if line.strip() == needle]
    return found[nth - 1] + 1


def test_a_hold_may_assess_before_or_after():
    for value in Assess:
        routine = load_routine(_with_assess(SMALL, f'"{value.value}"'), "r.toml")
        hold = routine.steps[0]
        assert isinstance(hold, Hold) and hold.assess is value
    assert load_routine(SMALL, "r.toml").steps[0].assess is None


def test_an_unknown_moment_is_named_at_its_line_with_a_suggestion():
    text = _with_assess(SMALL, '"befor"')
    line = _line(text, 'assess = "befor"')
    assert problems(text) == [
        f"r.toml:{line}: steps[0].assess: unknown assess 'befor' (did you mean 'before'?)"
    ]


def test_assess_of_the_wrong_type_is_named():
    text = _with_assess(SMALL, "true")
    (problem,) = problems(text)
    assert problem.endswith("steps[0].assess: must be text, not a true/false value")


def test_assess_is_refused_on_a_step_that_is_not_a_hold():
    text = SMALL.replace("cycles = 2", 'cycles = 2\nassess = "after"')
    line = _line(text, 'assess = "after"')
    (problem,) = problems(text)
    assert problem.startswith(f"r.toml:{line}: steps[2].assess: not allowed on a contract_relax")
    assert "only a hold" in problem


def test_assess_is_refused_inside_a_sides_block():
    text = SMALL.replace("  breaths = 2", '  breaths = 2\n  assess = "after"')
    line = _line(text, 'assess = "after"')
    (problem,) = problems(text)
    assert problem.startswith(f"r.toml:{line}: steps[1].steps[1].assess: not allowed in a sides")


def test_assess_is_refused_on_a_one_sided_hold_which_is_done_twice():
    text = SMALL + '\n[[steps]]\nkind = "hold"\npose = "lunge"\nseconds = 20\nassess = "after"\n'
    line = _line(text, 'assess = "after"')
    (problem,) = problems(text)
    assert problem.startswith(f"r.toml:{line}: steps[3].assess: not allowed on a one-sided pose")


def test_a_moment_asked_twice_names_the_second_and_the_line_of_the_first():
    text = SMALL + '\n[[steps]]\nkind = "hold"\npose = "fold"\nseconds = 20\nassess = "before"\n'
    text = _with_assess(text)
    first, second = _line(text, 'assess = "before"'), _line(text, 'assess = "before"', 2)
    assert problems(text) == [
        f"r.toml:{second}: steps[3].assess: a routine asks 'before' once; line {first} already does"
    ]


# --- the timeline -------------------------------------------------------------------------------


def _ask_phases(timeline):
    return [p for p in timeline.phases if p.kind is PhaseKind.ASK]


def test_the_lunge_flow_asks_after_its_opening_and_its_closing_fold():
    timeline = compile_routine(LUNGE)
    assessed = [(s.index, s.pose.id, s.assess) for s in timeline.steps if s.assess]
    last_fold = max(s.index for s in timeline.steps if s.pose.id == "standing-forward-fold")
    assert assessed == [
        (0, "standing-forward-fold", Assess.BEFORE),
        (last_fold, "standing-forward-fold", Assess.AFTER),
    ]
    for index, _, _ in assessed:
        step = timeline.steps[index]
        hold, ask = (timeline.phases[i] for i in step.phases[-2:])
        assert (hold.kind, ask.kind) == (PhaseKind.HOLD, PhaseKind.ASK)
        assert ask.start_ms == hold.end_ms and ask.end_ms == step.end_ms  # the step's last phase
        # the way out first, then the question, as the ask phase begins, and nothing else
        assert hold.cues[-1].kind is CueKind.WAY_OUT
        (question,) = ask.cues
        assert (question.kind, question.at_ms, question.text) == (
            CueKind.QUESTION, ask.start_ms, QUESTION,
        )  # fmt: skip
        assert question.priority is Priority.HIGH
        assert ask.duration_ms >= ASK_MS and ask.breaths is None  # no countdown, no breaths
    assert len(_ask_phases(timeline)) == 2


def test_steps_without_assess_ask_nothing():
    timeline = compile_routine(load_routine(SMALL, "r.toml"))
    assert _ask_phases(timeline) == []
    assert not any(c.kind is CueKind.QUESTION for p in timeline.phases for c in p.cues)


@pytest.mark.parametrize("wpm", [320, 170, 120, 80])
def test_the_question_phase_leaves_time_to_answer_at_every_voice_speed(wpm):
    """At the slowest voice the question takes longer than ASK_MS: the phase grows so the
    question is said whole, nothing is left out, and there is still ANSWER_MS to answer."""
    stretch = 170 / wpm
    prefs = Pacing(speech_ms=lambda text: round(len(text.split()) * 400 * stretch))
    timeline = compile_routine(LUNGE, prefs)
    for ask in _ask_phases(timeline):
        (question,) = ask.cues
        end = question.at_ms + spoken_ms(question, prefs) + CUE_GAP_MS
        assert ask.end_ms - end >= ANSWER_MS
        assert ask.duration_ms == max(ASK_MS, end - ask.start_ms + ANSWER_MS)
    assert measure(LUNGE, prefs).total_ms == timeline.total_ms  # measuring agrees


# --- the engine: an answer ends the question at once ---------------------------------------------


def _at_first_question():
    clock = FakeClock()
    engine = SessionEngine(compile_routine(LUNGE), clock)
    engine.start()
    ask = _ask_phases(engine.timeline)[0]
    while engine.snapshot().elapsed_ms < ask.start_ms + 1000:
        clock.advance(1000)  # polled as the window does: a long gap would look like a sleep
        engine.poll()
    assert engine.snapshot().phase is ask
    return clock, engine, ask


def test_ending_the_question_moves_to_the_next_pose_and_counts_the_fold_done():
    clock, engine, ask = _at_first_question()
    events = engine.end_phase()
    assert isinstance(events[0], Seeked) and events[0].reason is SeekReason.END_PHASE
    ended = [e for e in events if isinstance(e, StepEnded)]
    assert [(e.step, e.outcome) for e in ended] == [(0, StepOutcome.DONE)]
    started = [e.phase for e in events if isinstance(e, PhaseStarted)]
    assert [p.index for p in started] == [ask.index + 1]
    announced = [e.cue for e in events if isinstance(e, CueDue)]
    assert announced[0].kind is CueKind.ANNOUNCE and announced[0].at_ms == ask.end_ms
    snapshot = engine.snapshot()
    assert snapshot.elapsed_ms == ask.end_ms and snapshot.state is State.RUNNING
    assert snapshot.steps_done == 1 and snapshot.steps_skipped == 0
    clock.advance(100)
    assert engine.snapshot().elapsed_ms == ask.end_ms  # no time is counted twice or lost
    engine.poll()
    assert engine.snapshot().elapsed_ms == ask.end_ms + 100


def test_ending_the_question_while_paused_moves_on_and_stays_paused():
    _, engine, ask = _at_first_question()
    engine.pause()
    engine.end_phase()
    snapshot = engine.snapshot()
    assert (snapshot.state, snapshot.elapsed_ms) == (State.PAUSED, ask.end_ms)
    events = engine.resume()
    assert [e.step for e in events if isinstance(e, StepEnded)] == [0]
    assert any(isinstance(e, PhaseStarted) and e.phase.index == ask.index + 1 for e in events)
