"""The session engine: a state machine that walks a timeline by the clock.

Theory of operation
-------------------
A session is in one of four states: ``IDLE``, ``RUNNING``, ``PAUSED``, ``FINISHED``. What moves
it is a *trigger*: one of the public commands (start, pause, resume, skip, previous, jump, stop)
or one of two things the engine notices itself (:class:`Internal`): the session reached its end,
or polls stalled. One table, ``TRANSITIONS``, names every (state, trigger) pair and the state it
leads to, and the next state is always looked up there (as h11's ``_state.py`` does): the code
never decides a state on its own. A pair that maps to ``None`` is illegal: a command raises
:class:`IllegalCommand` and the session is left exactly as it was.

A skip past the last step is two rows: ``(RUNNING, SKIP)`` stays ``RUNNING`` (the position
moves), and reaching the end is then ``(RUNNING, END)``, which finishes. Whether the end has been
reached is settled in one place, however the session got there: running out of time, or a skip
or jump past the last step, running or paused.

Time is never counted; it is read. While running, session time is
``clock now - origin``, where ``origin`` is the clock time at which session time was zero once
pauses and seeks are accounted for; while not running, session time is held still. A transition
into or out of ``RUNNING`` converts one form into the other, so a late or missed poll cannot shift
the schedule.

The timeline is flattened once into *occurrences* (a phase starting, a cue falling due, a step
ending) in time order. A cursor marks how far they have been handed out. ``poll()`` hands out
every occurrence whose time has come, in order, each with its lateness, so however rarely it is
called every cue is returned exactly once. Seeks move the cursor.

If polls stop for longer than ``MAX_POLL_GAP_MS`` while running (the laptop slept, the program
hung), the engine does not race through the poses it missed: it pauses at the last polled moment
and says why. The gap is measured on both of the clock's readings: a hang shows on the monotonic
one; a suspend, during which the monotonic clock stands still on Linux, shows only on the one that
counts sleep (``Clock.with_sleep_ms``). Either being longer than the limit pauses the session.

A session that reached its end counts as completed only if the person actually did it: see
:func:`counts_as_completed`.

The engine never sleeps, never starts threads and never imports Qt or speech: it is driven.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from typing import Final, TypeAlias

from stretch_desktop.core.clock import Clock
from stretch_desktop.core.events import (
    CueDue,
    Event,
    Finished,
    Paused,
    PauseReason,
    PhaseStarted,
    Resumed,
    Seeked,
    SeekReason,
    Started,
    StepEnded,
    StepOutcome,
)
from stretch_desktop.core.timeline import Cue, CueKind, Phase, Timeline, TimelineStep

MAX_POLL_GAP_MS: Final = 5_000
"""A poll gap longer than this while running means the session was not being watched."""

RESTART_WINDOW_MS: Final = 3_000
"""``previous`` within this long of a step's start goes to the step before; later, restarts it."""

COMPLETION_SHARE: Final = 0.5
"""The share of a routine's length that must actually have been run for it to count as done."""


def counts_as_completed(reached_end: bool, run_ms: int, total_ms: int) -> bool:
    """The one rule for "completed": the done screen's title, history's status, a streak day.

    Reaching the end is not enough, since skipping every pose reaches it in seconds: the time
    actually run (``run_ms``: pauses excluded, plus any run before a crash-resume) must also be at
    least ``COMPLETION_SHARE`` of the routine's length. A pose repeated with "previous" counts as
    time run, so a skipped pose can be made up for.
    """
    return reached_end and run_ms >= COMPLETION_SHARE * total_ms


class State(enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class Command(enum.Enum):
    """What a person (through a caller) asks of the session."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    PREVIOUS = "previous"
    JUMP = "jump"
    STOP = "stop"
    END_PHASE = "end the phase"
    """The phase in progress is over before its time: an answered question needs no more."""


class Internal(enum.Enum):
    """What moves the session without a command: the engine notices these itself."""

    END = "end"
    """Session time reached the end: it ran out, or a skip or jump went past the last step."""
    STALL = "stall"
    """Polls stopped for longer than ``MAX_POLL_GAP_MS`` while running: a sleep or a hang,
    measured on the monotonic clock or on the one that counts sleep, whichever moved further."""


Trigger: TypeAlias = Command | Internal
"""Anything that may change the state: a key of ``TRANSITIONS`` with a state."""

_I, _R, _P, _F = State.IDLE, State.RUNNING, State.PAUSED, State.FINISHED
_END, _STALL = Internal.END, Internal.STALL

TRANSITIONS: Final[dict[tuple[State, Trigger], State | None]] = {
    # state     trigger            next state (None: illegal)
    (_I, Command.START): _R,
    (_I, Command.PAUSE): None,
    (_I, Command.RESUME): None,
    (_I, Command.SKIP): None,
    (_I, Command.PREVIOUS): None,
    (_I, Command.JUMP): None,
    (_I, Command.STOP): None,
    (_I, Command.END_PHASE): None,
    (_I, _END): None,  # nothing runs before the start
    (_I, _STALL): None,
    (_R, Command.START): None,
    (_R, Command.PAUSE): _P,
    (_R, Command.RESUME): None,
    (_R, Command.SKIP): _R,  # the position moves; past the last step, END follows
    (_R, Command.PREVIOUS): _R,
    (_R, Command.JUMP): _R,
    (_R, Command.STOP): _F,
    (_R, Command.END_PHASE): _R,  # like a skip, to the next phase; at the last, END follows
    (_R, _END): _F,
    (_R, _STALL): _P,  # pause at the last poll rather than race through what was missed
    (_P, Command.START): None,
    (_P, Command.PAUSE): None,
    (_P, Command.RESUME): _R,
    (_P, Command.SKIP): _P,  # seeking while paused moves the position and stays paused...
    (_P, Command.PREVIOUS): _P,
    (_P, Command.JUMP): _P,
    (_P, Command.STOP): _F,
    (_P, Command.END_PHASE): _P,
    (_P, _END): _F,  # ...unless it went past the last step: nothing is left to pause on
    (_P, _STALL): None,  # no time passes while paused
    (_F, Command.START): None,
    (_F, Command.PAUSE): None,
    (_F, Command.RESUME): None,
    (_F, Command.SKIP): None,
    (_F, Command.PREVIOUS): None,
    (_F, Command.JUMP): None,
    (_F, Command.STOP): None,
    (_F, Command.END_PHASE): None,
    (_F, _END): None,
    (_F, _STALL): None,
}

_SEEK_REASONS: Final = {
    Command.SKIP: SeekReason.SKIP,
    Command.PREVIOUS: SeekReason.PREVIOUS,
    Command.JUMP: SeekReason.JUMP,
    Command.END_PHASE: SeekReason.END_PHASE,
}


class IllegalCommand(Exception):
    """A command that the current state does not allow; the session did not change."""

    def __init__(self, state: State, command: Trigger, detail: str = "") -> None:
        self.state = state
        self.command = command
        super().__init__(
            f"cannot {command.value} while {state.value}" + (f": {detail}" if detail else "")
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The session as of the last poll: everything a window needs to draw itself."""

    state: State
    elapsed_ms: int
    total_ms: int
    phase: Phase
    step: TimelineStep
    pause_reason: PauseReason | None
    outcomes: tuple[StepOutcome | None, ...]
    active_ms: int
    """Clock time spent running (pauses excluded), as history and the summary report it."""

    @property
    def phase_elapsed_ms(self) -> int:
        return min(max(self.elapsed_ms - self.phase.start_ms, 0), self.phase.duration_ms)

    @property
    def phase_remaining_ms(self) -> int:
        return self.phase.duration_ms - self.phase_elapsed_ms

    @property
    def step_remaining_ms(self) -> int:
        return max(self.step.end_ms - self.elapsed_ms, 0)

    @property
    def remaining_ms(self) -> int:
        return self.total_ms - self.elapsed_ms

    @property
    def steps_done(self) -> int:
        return sum(outcome is StepOutcome.DONE for outcome in self.outcomes)

    @property
    def steps_skipped(self) -> int:
        return sum(outcome is StepOutcome.SKIPPED for outcome in self.outcomes)


# What can fall due: a phase starting, a cue, a step ending. Kept as plain tuples for speed.
_PHASE, _CUE, _STEP_END = 0, 1, 2
_Occurrence = tuple[int, int, Phase | Cue | int]


def _occurrences(timeline: Timeline) -> tuple[list[_Occurrence], list[int]]:
    """Flatten the timeline; also return where each step's first phase starts in the list."""
    items: list[_Occurrence] = []
    step_starts: list[int] = []
    complete: list[_Occurrence] = []
    for step in timeline.steps:
        step_starts.append(len(items))
        for phase in timeline.phases[step.first_phase : step.first_phase + step.phase_count]:
            items.append((phase.start_ms, _PHASE, phase))
            for cue in phase.cues:
                target = complete if cue.kind is CueKind.COMPLETE else items
                target.append((cue.at_ms, _CUE, cue))
        items.append((step.end_ms, _STEP_END, step.index))
    items.extend(complete)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(items)), "unordered"
    return items, step_starts


class SessionEngine:
    """Walks one timeline once. Make a new engine to run it again."""

    def __init__(self, timeline: Timeline, clock: Clock) -> None:
        self._timeline = timeline
        self._clock = clock
        self._occurrences, self._step_starts = _occurrences(timeline)
        # The complete cue (if any) sits after the last step's end: seeking to the end lands there.
        self._end_cursor = len(self._occurrences) - (
            1 if self._occurrences and self._occurrences[-1][1] == _CUE else 0
        )
        self._state = State.IDLE
        self._origin_ms = 0  # while running: clock time at which session time was 0
        self._frozen_ms = 0  # while not running: session time, held still
        self._cursor = 0
        self._last_poll_ms = clock.now_ms()
        self._last_poll_with_sleep_ms = clock.with_sleep_ms()
        self._pause_reason: PauseReason | None = None
        self._outcomes: list[StepOutcome | None] = [None] * len(timeline.steps)
        self._pending: list[Event] = []
        self._active_before_ms = 0  # running time of earlier stretches between pauses
        self._running_since_ms = 0
        self._credit_ms = 0  # time run before a crash-resume: counts towards completion only

    # --- queries ------------------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    @property
    def state(self) -> State:
        return self._state

    def snapshot(self) -> Snapshot:
        """The session as of the last poll or command (not re-read from the clock)."""
        elapsed = self._elapsed_at(self._last_poll_ms)
        phase = self._timeline.phase_at(elapsed)
        return Snapshot(
            state=self._state,
            elapsed_ms=elapsed,
            total_ms=self._timeline.total_ms,
            phase=phase,
            step=self._timeline.steps[phase.step],
            pause_reason=self._pause_reason,
            outcomes=tuple(self._outcomes),
            active_ms=self._active_at(self._last_poll_ms),
        )

    def next_due_ms(self) -> int | None:
        """The clock time at which the next thing falls due (a phase, a cue, a step's end or the
        finish), or None while not running.

        A window nobody sees has nothing to animate: polling at exactly this time keeps every
        cue on time without polling many times a second in between. Poll well within
        ``MAX_POLL_GAP_MS`` all the same, or the engine takes the quiet for a sleep.
        """
        if self._state is not State.RUNNING:
            return None
        items = self._occurrences
        due = items[self._cursor][0] if self._cursor < len(items) else self._timeline.total_ms
        return self._origin_ms + due

    # --- time ---------------------------------------------------------------------------------

    def poll(self) -> list[Event]:
        """Every event that fell due since the last poll or command, in order. Never raises."""
        self._advance(self._clock.now_ms())
        return self._take()

    # --- commands -----------------------------------------------------------------------------

    def start(self, at_step: int = 0, *, credit_ms: int = 0) -> list[Event]:
        """Begin, at the first step or (resuming an interrupted session) at ``at_step``.

        ``credit_ms`` is the time run before the interruption. It counts towards completing the
        session (:func:`counts_as_completed`), so a session resumed near its end can still be
        completed; it is not added to ``Snapshot.active_ms``, which the caller sums with what it
        carried over itself.
        """
        now = self._begin(Command.START, at_step)
        if credit_ms < 0:
            raise IllegalCommand(self._state, Command.START, f"negative credit {credit_ms} ms")
        steps = self._timeline.steps
        self._frozen_ms = steps[at_step].start_ms if steps else 0
        self._cursor = self._step_starts[at_step] if steps else 0
        self._credit_ms = credit_ms
        self._move(Command.START, now)
        self._pending.append(Started(self._elapsed_at(now)))
        self._drain(now)
        return self._take()

    def pause(self) -> list[Event]:
        now = self._begin(Command.PAUSE)
        self._pause(Command.PAUSE, now, PauseReason.USER, lateness_ms=0)
        return self._take()

    def resume(self) -> list[Event]:
        now = self._begin(Command.RESUME)
        self._move(Command.RESUME, now)
        self._pending.append(Resumed(self._elapsed_at(now)))
        self._drain(now)
        return self._take()

    def skip(self) -> list[Event]:
        """To the lead-in of the next step (pose or side); past the last one, the end."""
        now = self._begin(Command.SKIP)
        self._seek(Command.SKIP, now, self._current_step(now) + 1)
        return self._take()

    def previous(self) -> list[Event]:
        """Restart the current step if well into it, else go to the step before."""
        now = self._begin(Command.PREVIOUS)
        current = self._current_step(now)
        into = self._elapsed_at(now) - self._timeline.steps[current].start_ms
        target = current if into > RESTART_WINDOW_MS else max(current - 1, 0)
        self._seek(Command.PREVIOUS, now, target)
        return self._take()

    def jump(self, step: int) -> list[Event]:
        """To the lead-in of ``step`` (an index into ``timeline.steps``)."""
        now = self._begin(Command.JUMP, step)
        self._seek(Command.JUMP, now, step)
        return self._take()

    def end_phase(self) -> list[Event]:
        """End the phase in progress now: session time moves to its end, so what begins there
        (the next phase, the step's end, counted done, not skipped) follows at once.

        For a question answered before its time is up. What the rest of the phase would have
        said is left unsaid rather than said late. Paused, the position moves and the session
        stays paused, as a skip does.
        """
        now = self._begin(Command.END_PHASE)
        here = self._elapsed_at(now)
        phase = self._timeline.phase_at(here)
        end_ms = phase.end_ms
        following = self._timeline.phase_at(end_ms).step
        self._pending.append(Seeked(SeekReason.END_PHASE, phase.step, following, end_ms))
        self._move(Command.END_PHASE, now)
        items = self._occurrences
        while self._cursor < len(items) and items[self._cursor][0] < end_ms:
            self._cursor += 1  # the rest of this phase's cues: nothing else lies inside it
        if self._state is State.RUNNING:
            self._origin_ms = now - end_ms
            self._drain(now)
        else:
            self._frozen_ms = end_ms
            if end_ms >= self._timeline.total_ms:
                self._drain(now)  # nothing is left to pause on: the end is reached now
        return self._take()

    def stop(self) -> list[Event]:
        now = self._begin(Command.STOP)
        self._move(Command.STOP, now)
        self._pending.append(self._finished(reached_end=False))
        return self._take()

    # --- the state machine --------------------------------------------------------------------

    def _next_state(self, trigger: Trigger) -> State:
        """The state ``trigger`` leads to from here, by the table; IllegalCommand if none."""
        following = TRANSITIONS[(self._state, trigger)]
        if following is None:
            raise IllegalCommand(self._state, trigger)
        return following

    def _move(self, trigger: Trigger, at_ms: int) -> None:
        """Take the table's transition for ``trigger`` at clock time ``at_ms``.

        The only place the state changes. Session time is held as a clock origin while running
        and as a still position otherwise; crossing into or out of RUNNING converts one form into
        the other at ``at_ms`` and banks the running time, so the position never jumps and running
        time is neither lost nor counted twice, whichever trigger did it.
        """
        following = self._next_state(trigger)
        was_running = self._state is State.RUNNING
        if was_running and following is not State.RUNNING:
            self._frozen_ms = self._elapsed_at(at_ms)
            self._active_before_ms = self._active_at(at_ms)
        elif following is State.RUNNING and not was_running:
            self._origin_ms = at_ms - self._frozen_ms
            self._running_since_ms = at_ms
        if following is not State.PAUSED:
            self._pause_reason = None
        self._state = following

    def _settle_end(self, now: int) -> None:
        """Finish the session if it has reached its end: the one place that decides that.

        The end is reached when every occurrence has been handed out and session time is at the
        total, however it got there: time ran out (draining), or a skip or jump went past the last
        step, running or paused (seeking, which then drains).
        """
        raw = self._raw_at(now)
        total = self._timeline.total_ms
        if self._cursor < len(self._occurrences) or raw < total:
            return
        # Time past the end is not activity: the session ended ``past`` ago (a late poll), so it
        # leaves RUNNING at that moment, not now. Paused, the position is the end: past is 0.
        past = raw - total
        self._move(Internal.END, now - past)
        self._pending.append(self._finished(reached_end=True, lateness_ms=past))

    def _done_enough(self, now: int) -> bool:
        """Whether the time run by ``now`` would make reaching the end a completed session."""
        run_ms = self._active_at(now) + self._credit_ms
        return counts_as_completed(True, run_ms, self._timeline.total_ms)

    def _finished(self, reached_end: bool, lateness_ms: int = 0) -> Finished:
        """The Finished event, completed or not by the one rule (once out of RUNNING)."""
        run_ms = self._active_before_ms + self._credit_ms
        completed = counts_as_completed(reached_end, run_ms, self._timeline.total_ms)
        return Finished(completed, self._frozen_ms, lateness_ms)

    def _pause(self, trigger: Trigger, at_ms: int, reason: PauseReason, lateness_ms: int) -> None:
        self._move(trigger, at_ms)
        self._pause_reason = reason
        self._pending.append(Paused(reason, self._frozen_ms, lateness_ms))

    # --- the machinery ------------------------------------------------------------------------

    def _begin(self, command: Command, step: int | None = None) -> int:
        """Catch up with the clock, then check the command against the table (and its step)."""
        now = self._clock.now_ms()
        self._advance(now)
        self._next_state(command)
        if step is not None and not 0 <= step < max(len(self._timeline.steps), 1):
            raise IllegalCommand(self._state, command, f"no step {step}")
        return now

    def _take(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def _active_at(self, now: int) -> int:
        if self._state is State.RUNNING:
            return self._active_before_ms + max(now - self._running_since_ms, 0)
        return self._active_before_ms

    def _raw_at(self, now: int) -> int:
        """Session time at ``now``, not held to the end: a late poll may be past it."""
        return now - self._origin_ms if self._state is State.RUNNING else self._frozen_ms

    def _elapsed_at(self, now: int) -> int:
        return min(max(self._raw_at(now), 0), self._timeline.total_ms)

    def _current_step(self, now: int) -> int:
        return self._timeline.phase_at(self._elapsed_at(now)).step

    def _advance(self, now: int) -> None:
        """Let time pass up to ``now``: hand out what fell due, or pause if polls stopped.

        The time since the last poll is the larger of the two readings' moves: the monotonic one
        sees a hang, only the sleep-counting one sees a suspend, and a sleep-counting reading
        that moved less (a wall clock set back) is not a sleep and changes nothing.
        """
        with_sleep = self._clock.with_sleep_ms()
        if self._state is State.RUNNING:
            gap = max(now - self._last_poll_ms, with_sleep - self._last_poll_with_sleep_ms)
            if gap > MAX_POLL_GAP_MS:
                self._pause(Internal.STALL, self._last_poll_ms, PauseReason.SLEEP, gap)
            else:
                self._drain(now)
        self._last_poll_ms = now
        self._last_poll_with_sleep_ms = with_sleep

    def _drain(self, now: int) -> None:
        """Hand out every occurrence due by session time at ``now``; then see if it has ended."""
        raw = self._raw_at(now)
        items = self._occurrences
        while self._cursor < len(items) and items[self._cursor][0] <= raw:
            at, what, payload = items[self._cursor]
            self._cursor += 1
            late = raw - at
            if what == _PHASE:
                assert isinstance(payload, Phase)
                self._pending.append(PhaseStarted(payload, at, late))
            elif what == _CUE:
                assert isinstance(payload, Cue)
                if payload.kind is CueKind.COMPLETE and not self._done_enough(now):
                    continue  # skipped through: "Session complete. Well done." would be untrue
                self._pending.append(CueDue(payload, at, late))
            else:
                assert isinstance(payload, int)
                self._outcomes[payload] = StepOutcome.DONE  # even if skipped once, then redone
                self._pending.append(StepEnded(payload, StepOutcome.DONE, at, late))
        self._settle_end(now)

    def _seek(self, command: Command, now: int, target: int) -> None:
        """Move to the lead-in of step ``target`` (``len(steps)``: the end) for ``command``."""
        steps = self._timeline.steps
        here = self._elapsed_at(now)
        current = self._timeline.phase_at(here).step
        target_ms = steps[target].start_ms if target < len(steps) else self._timeline.total_ms
        for passed in range(current, min(target, len(steps))):  # forward: what we jump over
            if self._outcomes[passed] is not StepOutcome.DONE:
                self._outcomes[passed] = StepOutcome.SKIPPED
                self._pending.append(StepEnded(passed, StepOutcome.SKIPPED, here))
        reason = _SEEK_REASONS[command]
        self._pending.append(Seeked(reason, current, min(target, len(steps) - 1), target_ms))
        self._move(command, now)
        self._cursor = self._step_starts[target] if target < len(steps) else self._end_cursor
        if self._state is State.RUNNING:
            self._origin_ms = now - target_ms
        else:
            self._frozen_ms = target_ms
        if self._state is State.RUNNING or target >= len(steps):
            # Running, the new step's events fall due at once. Paused, they wait for the resume,
            # unless the seek went past the last step: the end is reached now.
            self._drain(now)
