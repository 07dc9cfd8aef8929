"""Turn an engine snapshot into what the widgets show: words, numbers and a pacer size.

No Qt here: these are plain functions of the snapshot, so what the window shows at any moment of
a session can be tested without a window, and the widgets stay painters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stretch_desktop.core.engine import Snapshot, State
from stretch_desktop.core.events import PauseReason, StepOutcome
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.timeline import (
    Phase,
    PhaseKind,
    Timeline,
    TimelineStep,
    beat_at,
    breath_at,
)

# Times are written by the one rule in core/timetext.py; the widgets keep importing them from here.
from stretch_desktop.core.timetext import clock_text as clock_text
from stretch_desktop.core.timetext import countdown_text as countdown_text
from stretch_desktop.core.timetext import left_text as left_text

APP_TITLE = "Stretch Desktop"


@dataclass(frozen=True)
class PacerView:
    size: float
    """0 (smallest) to 1 (largest): the shape's size, or the fill level with reduced motion."""
    title: str
    detail: str
    tone: str
    """"breath", "beat", "press", "release", "ready", "rest" or "paused": picks the colour."""


def length_text(ms: int) -> str:
    """A length in a list (a routine, a pose): a duration, so its completed seconds, as the
    command line writes it too."""
    return clock_text(ms)


def step_label(step: TimelineStep) -> str:
    side = f" · {step.side.value}" if step.side else ""
    return f"{step.pose.name}{side}"


def step_detail(step: TimelineStep) -> str:
    """The length as a person thinks of it ("10 breaths", "8 times") for lists and "Up next"."""
    return step.amount_text[0].upper() + step.amount_text[1:]


def _pacer_for(phase: Phase, elapsed: int, prefs: Pacing, step: TimelineStep) -> PacerView:
    offset = elapsed - phase.start_ms
    match phase.kind:
        case PhaseKind.PREPARE:
            return PacerView(0.0, "Get ready", step_detail(step), "ready")
        case PhaseKind.HOLD | PhaseKind.REST:
            breath = breath_at(phase, elapsed, prefs)
            of = f" of {breath.count}" if breath.count else ""
            tone = "rest" if phase.kind is PhaseKind.REST else "breath"
            title = "Inhale" if breath.inhaling else "Exhale"
            return PacerView(breath.size, title, f"Breath {breath.number}{of}", tone)
        case PhaseKind.FLOW:
            beat = beat_at(phase, elapsed)
            # A beat grows the shape on even beats and shrinks it on odd ones: a visible sway.
            eased = (1 - math.cos(math.pi * beat.fraction)) / 2
            size = eased if beat.beat % 2 == 0 else 1 - eased
            detail = f"{beat.repetition} of {beat.repetitions}"
            return PacerView(size, beat.word, detail, "beat")
        case PhaseKind.CONTRACT:
            size = min(1.0, offset / 400)  # swell quickly, then hold: the press is effort
            return PacerView(size, "Press", f"Round {phase.cycle} of {phase.cycles}", "press")
        case PhaseKind.RELAX:
            fraction = min(1.0, offset / max(phase.duration_ms, 1))
            size = (1 + math.cos(math.pi * fraction)) / 2
            return PacerView(size, "Release", f"Round {phase.cycle} of {phase.cycles}", "release")
        case PhaseKind.ASK:  # the session page shows the answer buttons over the pacer
            return PacerView(0.0, "Your reach?", "Press 1 to 6", "ready")
    raise AssertionError(phase.kind)  # pragma: no cover - every kind is matched


def pacer_view(snapshot: Snapshot, prefs: Pacing) -> PacerView:
    view = _pacer_for(snapshot.phase, snapshot.elapsed_ms, prefs, snapshot.step)
    if snapshot.state is State.PAUSED:
        return PacerView(view.size, "Paused", view.title + " · " + view.detail, "paused")
    if snapshot.state is State.IDLE:
        return PacerView(0.0, "Ready", "Press Start", "ready")
    return view


def up_next(timeline: Timeline, snapshot: Snapshot) -> str:
    following = snapshot.step.index + 1
    if following >= len(timeline.steps):
        return "Up next: the end"
    step = timeline.steps[following]
    return f"Up next: {step_label(step)} ({step_detail(step).lower()})"


def pause_notice(snapshot: Snapshot) -> str:
    if snapshot.state is not State.PAUSED:
        return ""
    if snapshot.pause_reason is PauseReason.SLEEP:
        return "Paused because the computer slept or stalled. Nothing was skipped."
    return "Paused"


def window_title(snapshot: Snapshot | None, routine_title: str | None) -> str:
    """What the taskbar and a screen reader show: the pose, side and time left in it."""
    if snapshot is None or routine_title is None:
        return APP_TITLE
    if snapshot.state is State.IDLE:
        return f"{routine_title} — {APP_TITLE}"
    if snapshot.state is State.FINISHED:
        return f"Finished: {routine_title} — {APP_TITLE}"
    step = snapshot.step
    side = f", {step.side.value}" if step.side else ""
    text = f"{step.pose.name}{side} · {left_text(snapshot.step_remaining_ms)} left — {APP_TITLE}"
    return f"Paused · {text}" if snapshot.state is State.PAUSED else text


def outcome_mark(outcome: StepOutcome | None, current: bool) -> str:
    if current:
        return "▶"
    return {StepOutcome.DONE: "✓", StepOutcome.SKIPPED: "↷", None: ""}[outcome]
