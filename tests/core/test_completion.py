"""A session counts as completed only when the person actually did it."""

import pytest

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import (
    COMPLETION_SHARE,
    IllegalCommand,
    SessionEngine,
    State,
    counts_as_completed,
)
from stretch_desktop.core.events import Finished
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.timeline import compile_routine
from tests.core.routines import small

PACE = Pacing(lead_in_ms=5000, speech_ms=lambda text: 700)  # a count word fits its 1 s slot


@pytest.fixture
def clock():
    return FakeClock(1_000_000)


@pytest.fixture
def engine(clock):
    return SessionEngine(compile_routine(small(), PACE), clock)


def run_to_the_end(engine, clock, step_ms=100):
    events = []
    while engine.state is State.RUNNING:
        clock.advance(step_ms)
        events += engine.poll()
    return events


def finished(events):
    (event,) = [e for e in events if isinstance(e, Finished)]
    return event


def test_the_rule_needs_the_end_and_half_the_length():
    assert COMPLETION_SHARE == 0.5
    assert counts_as_completed(True, 50_000, 100_000)
    assert not counts_as_completed(True, 49_999, 100_000)
    assert not counts_as_completed(False, 100_000, 100_000)  # stopped, however long it ran


def test_skipping_every_pose_is_not_completed(engine):
    events = engine.start()
    for _ in engine.timeline.steps:
        events += engine.skip()
    assert engine.state is State.FINISHED
    assert finished(events) == Finished(False, engine.timeline.total_ms)


def test_a_full_run_is_completed(engine, clock):
    events = engine.start() + run_to_the_end(engine, clock)
    assert finished(events).completed
    assert engine.snapshot().active_ms == engine.timeline.total_ms


def test_skipping_a_pose_but_doing_the_rest_is_completed(engine, clock):
    events = engine.start()
    clock.advance(1000)
    events += engine.poll()
    events += engine.skip()  # the first pose: 35 s of 129 s
    events += run_to_the_end(engine, clock)
    assert engine.snapshot().steps_skipped == 1
    assert finished(events).completed


def test_doing_only_the_last_poses_is_not_completed(engine, clock):
    events = engine.start()
    events += engine.jump(4)  # skips 78 s of 129 s: what is left is under half
    events += run_to_the_end(engine, clock)
    assert engine.snapshot().active_ms < engine.timeline.total_ms * COMPLETION_SHARE
    assert not finished(events).completed


def test_a_resumed_run_counts_the_time_done_before_the_crash(engine, clock):
    steps = engine.timeline.steps
    resumed_at = steps[4]
    before_ms = resumed_at.start_ms  # the crashed run had done every step up to this one
    events = engine.start(4, credit_ms=before_ms) + run_to_the_end(engine, clock)
    assert finished(events).completed
    assert engine.snapshot().active_ms == engine.timeline.total_ms - before_ms  # not the credit

    without = SessionEngine(engine.timeline, clock)
    events = without.start(4) + run_to_the_end(without, clock)
    assert not finished(events).completed, "the credit, not the last steps alone, completes it"


def test_pauses_are_not_time_done(engine, clock):
    """Leaving the session paused for an hour and skipping the rest does not complete it."""
    events = engine.start()
    clock.advance(1000)
    events += engine.poll()
    events += engine.pause()
    clock.advance(3_600_000)
    for _ in engine.timeline.steps:
        events += engine.skip()
    assert not finished(events).completed


def test_a_stopped_session_is_never_completed(engine, clock):
    events = engine.start(credit_ms=engine.timeline.total_ms)
    events += engine.stop()
    assert finished(events) == Finished(False, 0)


def test_a_negative_credit_is_refused(engine):
    with pytest.raises(IllegalCommand, match="credit"):
        engine.start(credit_ms=-1)
    assert engine.state is State.IDLE


def test_skipping_to_the_end_does_not_say_session_complete():
    """The voice must not praise a session the done page calls stopped."""
    from stretch_desktop.core.clock import FakeClock
    from stretch_desktop.core.engine import SessionEngine
    from stretch_desktop.core.events import CueDue, Finished
    from stretch_desktop.core.timeline import CueKind, compile_routine
    from stretch_desktop.library import builtin_routines

    routine = next(r for r in builtin_routines() if r.id == "toe-touch")
    clock = FakeClock(0)
    engine = SessionEngine(compile_routine(routine), clock)
    events = engine.start()
    for _ in routine.steps:
        events += engine.skip()
    events += engine.poll()
    assert [e.completed for e in events if isinstance(e, Finished)] == [False]
    assert not [e for e in events if isinstance(e, CueDue) and e.cue.kind is CueKind.COMPLETE]
