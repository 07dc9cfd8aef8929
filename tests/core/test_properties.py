"""Properties that must hold for any routine, any preferences and any way of driving a session."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import (
    MAX_POLL_GAP_MS,
    TRANSITIONS,
    Command,
    IllegalCommand,
    SessionEngine,
    State,
)
from stretch_desktop.core.events import CueDue, Finished, PhaseStarted
from stretch_desktop.core.timeline import CUE_GAP_MS, CueKind, compile_routine, extents, measure
from tests.core.strategies import preferences, routines

settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")


@given(routines, preferences)
def test_phases_are_contiguous_and_add_up(routine, prefs):
    timeline = compile_routine(routine, prefs)
    assert timeline.phases[0].start_ms == 0
    for before, after in zip(timeline.phases, timeline.phases[1:], strict=False):
        assert before.end_ms == after.start_ms
    assert all(phase.duration_ms > 0 for phase in timeline.phases)
    assert sum(phase.duration_ms for phase in timeline.phases) == timeline.total_ms
    assert sum(step.duration_ms for step in timeline.steps) == timeline.total_ms
    covered = [index for step in timeline.steps for index in step.phases]
    assert covered == list(range(len(timeline.phases)))
    assert [phase.index for phase in timeline.phases] == covered


@given(routines, preferences)
def test_measuring_a_routine_agrees_with_compiling_it(routine, prefs):
    """The loader bounds routines by measuring them (issue 15, defect 1): the measure must be
    what compiling gives, or the bound would be on some other routine."""
    timeline = compile_routine(routine, prefs)
    size = measure(routine, prefs)
    assert (size.steps, size.phases, size.total_ms) == (
        len(timeline.steps),
        len(timeline.phases),
        timeline.total_ms,
    )
    running = list(extents(routine, prefs))
    assert [index for index, _ in running] == list(range(len(routine.steps)))
    for index, so_far in running:  # each running total ends where that step's rows end
        rows = [step for step in timeline.steps if step.source_step <= index]
        assert so_far.steps == len(rows)
        assert so_far.total_ms == rows[-1].end_ms
        assert so_far.phases == rows[-1].first_phase + rows[-1].phase_count


@given(routines, preferences)
def test_cues_fall_inside_their_phase_and_the_last_says_complete(routine, prefs):
    timeline = compile_routine(routine, prefs)
    cues = [cue for phase in timeline.phases for cue in phase.cues]
    assert cues[-1].kind is CueKind.COMPLETE
    assert cues[-1].at_ms == timeline.total_ms
    for phase in timeline.phases:
        for cue in phase.cues:
            if cue.kind is not CueKind.COMPLETE:
                assert phase.start_ms <= cue.at_ms < phase.end_ms
        assert [c.at_ms for c in phase.cues] == sorted(c.at_ms for c in phase.cues)


@given(routines, preferences)
def test_every_step_starts_with_a_lead_in_a_pose_ends_with_a_countdown(routine, prefs):
    """Issue 16 changed this: a rest has no countdown ("Come up slowly", not 3-2-1), and the
    last count word's slot is a second or its spoken length and a gap, whichever is longer."""
    timeline = compile_routine(routine, prefs)
    for step in timeline.steps:
        prepare = timeline.phases[step.first_phase]
        assert prepare.kind.value == "prepare"
        assert prepare.cues[0].kind in {CueKind.ANNOUNCE, CueKind.SWITCH_SIDES, CueKind.REST}
        if step.is_rest:
            assert not [c for c in prepare.cues if c.kind is CueKind.COUNTDOWN]
            continue
        assert [c.text for c in prepare.cues[-3:]] == ["Three", "Two", "One"]
        slot = max(1000, prefs.speech_ms("One") + CUE_GAP_MS)
        assert prepare.cues[-1].at_ms == prepare.end_ms - slot


def _all_cues(timeline):
    return [cue for phase in timeline.phases for cue in phase.cues]


@given(routines, preferences, st.lists(st.integers(0, MAX_POLL_GAP_MS), min_size=1))
def test_every_cue_is_returned_exactly_once_however_late_the_polls(routine, prefs, gaps):
    timeline = compile_routine(routine, prefs)
    clock = FakeClock()
    engine = SessionEngine(timeline, clock)
    events = engine.start()
    i = 0
    while engine.state is State.RUNNING:
        clock.advance(gaps[i % len(gaps)] or 1)
        i += 1
        events += engine.poll()
    assert [e.cue for e in events if isinstance(e, CueDue)] == _all_cues(timeline)
    assert [e.phase for e in events if isinstance(e, PhaseStarted)] == list(timeline.phases)
    assert all(e.lateness_ms >= 0 for e in events)
    assert isinstance(events[-1], Finished)


@given(routines, preferences, st.lists(st.tuples(st.integers(1, 4000), st.integers(0, 100_000))))
def test_pausing_consumes_no_phase_time(routine, prefs, schedule):
    """Cues fall due at the same session times with or without pauses in between."""
    timeline = compile_routine(routine, prefs)

    def session(pauses):
        clock = FakeClock()
        engine = SessionEngine(timeline, clock)
        events = engine.start()
        running_ms = 0
        for run_ms, pause_ms in pauses:
            if engine.state is not State.RUNNING:
                break
            clock.advance(run_ms)
            running_ms += run_ms
            events += engine.poll()
            if engine.state is State.RUNNING and pause_ms:
                events += engine.pause()
                clock.advance(pause_ms)
                events += engine.poll()
                events += engine.resume()
        while engine.state is State.RUNNING:
            clock.advance(1000)
            running_ms += 1000
            events += engine.poll()
        return [(e.cue, e.elapsed_ms) for e in events if isinstance(e, CueDue)], running_ms

    paused, paused_running = session(schedule)
    straight, _ = session([(run, 0) for run, _ in schedule])
    assert paused == straight
    assert paused_running >= timeline.total_ms


commands = st.one_of(
    st.tuples(st.just("wait"), st.integers(0, 8000)),
    st.tuples(st.sampled_from([c for c in Command if c is not Command.JUMP]), st.just(0)),
    st.tuples(st.just(Command.JUMP), st.integers(-1, 30)),
)


@settings(max_examples=300)
@given(routines, preferences, st.lists(commands, max_size=40))
def test_any_sequence_of_commands_keeps_the_engine_consistent(routine, prefs, script):
    timeline = compile_routine(routine, prefs)
    clock = FakeClock()
    engine = SessionEngine(timeline, clock)
    methods = {
        Command.START: engine.start,
        Command.PAUSE: engine.pause,
        Command.RESUME: engine.resume,
        Command.SKIP: engine.skip,
        Command.PREVIOUS: engine.previous,
        Command.STOP: engine.stop,
        Command.END_PHASE: engine.end_phase,
    }
    for command, value in script:
        if command == "wait":
            clock.advance(value)
            events = engine.poll()
        else:
            engine.poll()
            state_before, snap_before = engine.state, engine.snapshot()
            legal = TRANSITIONS[(state_before, command)] is not None
            if command is Command.JUMP:
                legal = legal and 0 <= value < len(timeline.steps)
            try:
                events = engine.jump(value) if command is Command.JUMP else methods[command]()
            except IllegalCommand:
                assert not legal
                assert engine.snapshot() == snap_before
                continue
            assert legal, f"{command} was allowed while {state_before}"
        snap = engine.snapshot()
        assert 0 <= snap.elapsed_ms <= timeline.total_ms
        assert snap.phase.start_ms <= snap.elapsed_ms <= snap.phase.end_ms
        assert snap.steps_done + snap.steps_skipped <= len(timeline.steps)
        assert all(e.lateness_ms >= 0 for e in events)
        if engine.state is State.FINISHED:
            clock.advance(10_000)
            assert engine.poll() == []
