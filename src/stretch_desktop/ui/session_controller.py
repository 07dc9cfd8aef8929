"""Wires the session engine to the window and the speaker: ticks, commands, events.

It owns the engine of the current session and a ticker. On every tick it polls the engine and
passes what happened on: cues to the speaker and the caption, the new snapshot to the window. The
engine decides what happens when; this class only forwards. It never sleeps and never waits for
speech.

Ticks come fast (about 60 a second) while the window is on screen, so the pacer moves smoothly.
While it is hidden or minimised only the voice, the journal and the taskbar title need the engine:
a tick comes when the next cue or step end falls due, and at most a quarter second apart. While
paused or idle none come, so an idle window costs no CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from stretch_desktop.core.assessment import REACH
from stretch_desktop.core.clock import Clock
from stretch_desktop.core.engine import IllegalCommand, SessionEngine, Snapshot, State
from stretch_desktop.core.events import (
    CueDue,
    Event,
    Finished,
    Paused,
    PauseReason,
    PhaseStarted,
    Resumed,
    Seeked,
    Started,
    StepEnded,
)
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.routine import Assess, Routine
from stretch_desktop.core.timeline import (
    Phase,
    PhaseKind,
    Priority,
    Timeline,
    compile_routine,
    cue_texts,
    reannouncement,
)
from stretch_desktop.core.words import estimate_speech_ms
from stretch_desktop.speech.speaker import Speaker
from stretch_desktop.speech.voice import DEFAULT_RATE
from stretch_desktop.storage.records import HistoryUnavailable, SessionRecord
from stretch_desktop.ui.ticker import Ticker

if TYPE_CHECKING:  # the database module (sqlite3) loads after the window's first paint
    from stretch_desktop.storage.history import History

log = logging.getLogger(__name__)

VISIBLE_TICK_MS = 16
"""About 60 frames a second: the pacer's animation rate."""
HIDDEN_TICK_MS = 250
"""The longest wait while nothing is on screen. Cues and step ends wake the controller at their
own due time instead (``next_due_ms``); this only keeps the taskbar title's countdown and the
engine's sleep detection fed, at a fraction of the ticks (measured by `make bench`)."""


@dataclass(frozen=True)
class Summary:
    routine_title: str
    completed: bool
    active_ms: int
    steps_done: int
    steps_skipped: int
    steps_total: int
    reach_before: str | None = None
    """Where the hands reached in the ``before`` fold, as answered (None: not answered)."""
    reach_after: str | None = None


class SessionController(QObject):
    loaded = Signal(object)  # Timeline
    updated = Signal(object)  # Snapshot, on every tick and command
    state_changed = Signal(object)  # Snapshot, when running/paused/finished changes
    caption = Signal(str)  # the last cue, as text
    finished = Signal(object)  # Summary
    phase_changed = Signal(object)  # Snapshot: a new phase began, or the same one restarted
    step_changed = Signal(object)  # Snapshot: a new pose or side is current
    voice_status = Signal(str)  # which voice speaks, or why none does
    voice_preparing = Signal(object)  # (rendered, of) while cues are rendering, else None
    history_problem = Signal(str)  # said once: history could not be saved, the session goes on
    question = Signal(object)  # Assess: a reach question began; None: it is over

    def __init__(
        self,
        clock: Clock,
        speaker: Speaker,
        make_ticker: Callable[[Callable[[], None]], Ticker],
        parent: QObject | None = None,
        history: History | None = None,
    ) -> None:
        super().__init__(parent)
        self._history = history
        self._session_id: int | None = None
        self._carried = (0, 0, 0.0)  # done, skipped, active seconds from before a resume
        self._clock = clock
        self._speaker = speaker
        self._ticker = make_ticker(self.tick)
        self._engine: SessionEngine | None = None
        self._routine: Routine | None = None
        self._preferences = Pacing()
        self._on_screen = True
        self._muted = False
        self._voice_status = speaker.status
        self._voice_preparing = speaker.preparing
        self._wanted: tuple[list[str], bool] = ([], False)
        """The texts last given to ``prepare`` and whether a session needed them: a new voice
        renders them too."""
        self._current_step = -1
        """The step last announced by ``step_changed``."""
        self.speech_rate = DEFAULT_RATE
        """Words a minute of the current voice: scales the length estimate of unrendered cues."""
        self.chime_ms = 0
        """How long the chime before each pose lasts, when it is on (0 when off)."""
        self._asking: Phase | None = None
        """The ASK phase whose question is open (answer keys work only then)."""
        self._answered = False
        """Whether the open question has an answer: if not, it is stored as skipped."""
        self._answers: dict[Assess, str | None] = {}
        """This session's reaches by moment (None: skipped), for the done page."""

    # --- what the window asks -------------------------------------------------------------------

    @property
    def engine(self) -> SessionEngine | None:
        return self._engine

    @property
    def timeline(self) -> Timeline | None:
        """The loaded session's timeline (None before the first routine is loaded)."""
        return self._engine.timeline if self._engine else None

    @property
    def in_session(self) -> bool:
        """A session is running or paused: stopping it loses something, so ask first."""
        return self._engine is not None and self._engine.state in (State.RUNNING, State.PAUSED)

    @property
    def ticker(self) -> Ticker:
        return self._ticker

    @property
    def speaker(self) -> Speaker:
        return self._speaker

    @property
    def muted(self) -> bool:
        return self._muted

    def snapshot(self) -> Snapshot | None:
        return self._engine.snapshot() if self._engine else None

    @property
    def asking(self) -> Assess | None:
        """Which reach is being asked for right now (an ASK phase is on), else None."""
        if self._asking is None or self._engine is None:
            return None
        return self._engine.timeline.steps[self._asking.step].assess

    @property
    def answers(self) -> dict[Assess, str | None]:
        """This session's reaches so far, by moment (None: the question went unanswered)."""
        return dict(self._answers)

    # --- the reach question -----------------------------------------------------------------------

    def answer(self, reach: str) -> bool:
        """Answer the open reach question (a value of ``REACH``) and end it at once: the next
        pose begins. False when no question is open (the key meant nothing)."""
        if reach not in REACH:
            raise ValueError(f"not a reach: {reach!r}")
        moment = self.asking
        if moment is None or self._engine is None:
            return False
        self._answered = True
        self._record(moment, reach)
        self._command(self._engine.end_phase)
        return True

    def skip_question(self) -> bool:
        """Leave the open question unanswered (stored as skipped) and go on at once."""
        if self.asking is None or self._engine is None:
            return False
        self._command(self._engine.end_phase)
        return True

    def _record(self, moment: Assess, reach: str | None) -> None:
        """Keep a reach for the done page and in the history. A skip never replaces an answer
        (the fold done again with "previous" and left unanswered keeps the first answer)."""
        if reach is not None or moment not in self._answers:
            self._answers[moment] = reach
        log.info("assessment: %s %s", moment.value, reach or "skipped")
        if self._history is None or self._session_id is None:
            return
        try:
            self._history.record_assessment(self._session_id, moment.value, reach)
        except HistoryUnavailable as error:
            self._history = None
            log.error("history: %s", error)
            self.history_problem.emit(f"History could not be saved: {error}. The session goes on.")

    def _follow_question(self, events: list[Event], snapshot: Snapshot) -> None:
        """Open a question as its ASK phase begins; as it ends unanswered (on time, skipped,
        stopped), store it as skipped. One that began and ended between two ticks is skipped
        too."""
        engine = self._engine
        assert engine is not None
        phase = snapshot.phase
        live = snapshot.state in (State.RUNNING, State.PAUSED)
        current = phase if live and phase.kind is PhaseKind.ASK else None
        if current is not None and self._asking is current:
            return
        timeline = engine.timeline
        if self._asking is not None:
            moment = timeline.steps[self._asking.step].assess
            if not self._answered and moment is not None:
                self._record(moment, None)
            self._asking = None
            self.question.emit(None)
        for event in events:
            if isinstance(event, PhaseStarted) and event.phase.kind is PhaseKind.ASK:
                missed = timeline.steps[event.phase.step].assess
                if event.phase is not current and missed is not None:
                    self._record(missed, None)
        if current is not None:
            self._asking, self._answered = current, False
            self.question.emit(timeline.steps[current.step].assess)

    def set_speaker(self, speaker: Speaker) -> None:
        """A new voice (preferences changed): the old one is silenced and closed."""
        old, self._speaker = self._speaker, speaker
        old.silence()
        old.close()
        speaker.set_muted(self._muted)
        speaker.prepare(*self._wanted)  # the new voice renders what the old one was asked to
        self.check_voice()

    def shutdown(self) -> None:
        """The window is closing: stop the voice's threads and release the history file."""
        self._ticker.stop()
        self._speaker.silence()
        self._speaker.close()
        if self._history is not None:
            self._history.close()

    def check_voice(self) -> None:
        status = self._speaker.status
        if status != self._voice_status:
            self._voice_status = status
            self.voice_status.emit(status)
        preparing = self._speaker.preparing
        if preparing != self._voice_preparing:
            self._voice_preparing = preparing
            self.voice_preparing.emit(preparing)

    def speech_ms(self, text: str) -> int:
        """How long a cue takes to say: measured once rendered, a generous estimate before."""
        measured = self._speaker.measured_ms(text)
        if measured is not None:
            return measured
        return round(estimate_speech_ms(text) * max(1.0, DEFAULT_RATE / max(self.speech_rate, 1)))

    def prepare(self, timeline: Timeline) -> None:
        """Start rendering a timeline's cues in the background (a routine was selected)."""
        self._prepare(cue_texts(timeline), urgent=False)

    def _prepare(self, texts: list[str], urgent: bool) -> None:
        self._wanted = (texts, urgent)
        self._speaker.prepare(texts, urgent=urgent)

    def _prepare_from(self, step: int) -> None:
        """The session goes on from ``step``: its cues are rendered first, in the order said."""
        if self._engine is not None:
            timeline = self._engine.timeline
            later = [c.text for p in timeline.phases if p.step >= step for c in p.cues]
            self._prepare(list(dict.fromkeys([*later, *cue_texts(timeline)])), urgent=True)

    def load(self, routine: Routine, preferences: Pacing) -> Timeline:
        """Prepare a fresh session of ``routine`` (stopping any running one)."""
        if self._engine and self.in_session:
            self._command(self._engine.stop)
        self._routine, self._preferences = routine, preferences
        # Lead-ins stretch to fit their announcement as the voice actually says it.
        timeline = compile_routine(
            routine, replace(preferences, speech_ms=self.speech_ms, chime_ms=self.chime_ms)
        )
        self._speaker.new_session()  # a voice turned off by failures is tried again
        self._engine = SessionEngine(timeline, self._clock)
        self._prepare_from(0)  # ahead of anything merely selected: Start is not held back
        self._session_id, self._carried = None, (0, 0, 0.0)
        if self._asking is not None:
            self.question.emit(None)
        self._asking, self._answered, self._answers = None, False, {}
        self._ticker.stop()
        self.loaded.emit(timeline)
        snapshot = self._engine.snapshot()
        self._current_step = snapshot.step.index
        self.step_changed.emit(snapshot)
        self.phase_changed.emit(snapshot)
        self.updated.emit(snapshot)
        return timeline

    def reload(self) -> None:
        """The same routine again, from the start (the done screen's "Again")."""
        if self._routine is not None:
            self.load(self._routine, self._preferences)

    # --- commands -------------------------------------------------------------------------------

    def start(self, at_step: int = 0, *, credit_ms: int = 0) -> None:
        """Start at ``at_step``; ``credit_ms`` is time run before a resume (it counts towards
        completing the session)."""
        if self._engine:
            if at_step:  # a resume: from there on first
                self._prepare_from(at_step)
            self._command(
                lambda: self._engine.start(at_step, credit_ms=credit_ms) if self._engine else []
            )

    def toggle(self) -> None:
        """Start, pause or resume: what Space and the play/pause key mean."""
        engine = self._engine
        if engine is None:
            return
        # The state to toggle is the state now, not at the last tick; what fell due meanwhile
        # (a countdown, the end of the session) is handled, never thrown away.
        self._handle(engine.poll())
        action = {
            State.IDLE: engine.start,
            State.RUNNING: engine.pause,
            State.PAUSED: engine.resume,
        }.get(engine.state)
        if action is not None:
            self._command(action)

    def pause(self) -> None:
        if self._engine and self._engine.state is State.RUNNING:
            self._command(self._engine.pause)

    def skip(self) -> None:
        if self._engine:
            self._command(self._engine.skip)

    def previous(self) -> None:
        if self._engine:
            self._command(self._engine.previous)

    def jump(self, step: int) -> None:
        engine = self._engine
        if engine is None:
            return
        self._prepare_from(step)
        if engine.state is State.IDLE:
            self._command(lambda: engine.start(step))
        else:
            self._command(lambda: engine.jump(step))

    def stop(self) -> None:
        if self._engine:
            self._command(self._engine.stop)

    def request_stop(self, confirm: Callable[[str, str], bool]) -> bool:
        """Stop after asking: the voice and the clock wait while the person decides. True if
        the session was stopped; a session that was running goes on when the answer is no."""
        engine = self._engine
        if engine is None or not self.in_session:
            return False
        was_running = engine.state is State.RUNNING
        self.pause()
        if confirm("Stop session", "Stop this session? Your progress so far is kept."):
            self.stop()
            return True
        if was_running:
            self.toggle()
        return False

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        self._speaker.set_muted(muted)
        if muted:
            self._speaker.silence()

    def set_on_screen(self, on_screen: bool) -> None:
        """The window was shown, hidden or minimised: tick fast only when someone can see it."""
        self._on_screen = on_screen
        self._schedule()

    @property
    def on_screen(self) -> bool:
        """Whether the window is said to be seen (``set_on_screen``): its widgets need each
        update only then."""
        return self._on_screen

    # --- the journal -----------------------------------------------------------------------------

    @property
    def history(self) -> History | None:
        return self._history

    def set_history(self, history: History | None) -> None:
        self._history = history

    def resume(self, record: SessionRecord, routine: Routine, preferences: Pacing) -> None:
        """Carry on an interrupted session at the start of the step it was in."""
        self.load(routine, preferences)
        assert self._engine is not None
        step = min(max(record.current_step, 0), len(self._engine.timeline.steps) - 1)
        self._session_id = record.id
        self._carried = (record.steps_done, record.steps_skipped, record.active_s)
        self._answers = self._answers_before(record.id)  # for the done page's before → after
        log.info("resumed session %d at step %d", record.id, step)
        self.start(step, credit_ms=round(record.active_s * 1000))

    def _answers_before(self, session_id: int) -> dict[Assess, str | None]:
        """The reach answers a session was given before it was interrupted (none when the
        history cannot say: the done page then shows only what is answered from now on)."""
        if self._history is None:
            return {}
        try:
            found = self._history.answers(session_id)
        except HistoryUnavailable as error:
            log.warning("history: the resumed session's answers could not be read: %s", error)
            return {}
        return {Assess(moment): reach for moment, reach in found.items()}

    def _journal(self, events: list[Event], snapshot: Snapshot) -> None:
        if not events or self._history is None or self._engine is None:
            return  # most ticks: nothing happened that the journal keeps
        done, skipped, active = self._carried
        totals = (
            done + snapshot.steps_done,
            skipped + snapshot.steps_skipped,
            active + snapshot.active_ms / 1000,
        )
        try:
            for event in events:
                if isinstance(event, Started) and self._session_id is None:
                    routine = self._engine.timeline.routine
                    pacing = self._engine.timeline.pacing
                    self._session_id = self._history.begin(
                        routine.id,
                        routine.title,
                        routine.origin,
                        len(self._engine.timeline.steps),
                        pacing.to_json(),
                        at_step=snapshot.step.index,
                    )
                    started = (self._session_id, routine.id)
                    log.info("journal: session %d started (%s)", *started)
                elif isinstance(event, StepEnded) and self._session_id is not None:
                    self._history.progress(self._session_id, *totals, snapshot.step.index)
                    log.info(
                        "journal: session %d, step %d %s",
                        self._session_id,
                        event.step,
                        event.outcome.value,
                    )
                elif isinstance(event, Finished) and self._session_id is not None:
                    status = "completed" if event.completed else "stopped"
                    self._history.end(self._session_id, status, *totals)
                    log.info("journal: session %d %s", self._session_id, status)
                    self._session_id = None
        except HistoryUnavailable as error:
            self._history = None  # tell once, then carry on without history
            log.error("history: %s", error)
            self.history_problem.emit(f"History could not be saved: {error}. The session goes on.")

    # --- the machinery --------------------------------------------------------------------------

    def tick(self) -> None:
        if self._engine is None:
            return
        self._handle(self._engine.poll())
        self.check_voice()

    def _command(self, action: Callable[[], list[Event]]) -> None:
        try:
            events = action()
        except IllegalCommand as error:  # a stale button press: harmless, but worth a trace
            log.debug("ignored: %s", error)
            return
        self._handle(events, forced=True)

    def _handle(self, events: list[Event], forced: bool = False) -> None:
        engine = self._engine
        assert engine is not None
        state_change = forced
        announced = any(isinstance(e, CueDue) and e.cue.priority is Priority.HIGH for e in events)
        for event in events:
            match event:
                case Resumed(elapsed_ms=at) if not announced:
                    # Coming back after a pause: say briefly where we are.
                    cue = reannouncement(engine.snapshot().step, at)
                    self._speaker.say(cue, 0)
                    self.caption.emit(cue.text)
                case CueDue(cue=cue, lateness_ms=late):
                    self._speaker.say(cue, late)
                    self.caption.emit(cue.text)
                case Paused(reason=reason):
                    self._speaker.silence()
                    state_change = True
                    if reason is PauseReason.SLEEP:
                        log.info("paused: no poll for too long (sleep or a stall)")
                case Seeked():
                    self._speaker.silence()
                case Finished():
                    if not event.completed:
                        self._speaker.silence()
                    state_change = True
        snapshot = engine.snapshot()
        self._follow_question(events, snapshot)  # before the journal ends the session
        self._journal(events, snapshot)
        if any(isinstance(e, PhaseStarted | Seeked | Started) for e in events):
            # A seek while paused starts no phase, yet the pose on show is another one.
            self.phase_changed.emit(snapshot)
            if snapshot.step.index != self._current_step:
                self._current_step = snapshot.step.index
                self.step_changed.emit(snapshot)
        if state_change or events or not self._on_screen:
            self._schedule()  # hidden: the wait to the next due time changes at every tick
        self.updated.emit(snapshot)
        if state_change:
            self.state_changed.emit(snapshot)
        if any(isinstance(event, Finished) for event in events):
            self.finished.emit(
                Summary(
                    routine_title=engine.timeline.routine.title,
                    completed=all(e.completed for e in events if isinstance(e, Finished)),
                    active_ms=snapshot.active_ms + round(self._carried[2] * 1000),
                    steps_done=snapshot.steps_done + self._carried[0],
                    steps_skipped=snapshot.steps_skipped + self._carried[1],
                    steps_total=len(engine.timeline.steps),
                    reach_before=self._answers.get(Assess.BEFORE),
                    reach_after=self._answers.get(Assess.AFTER),
                )
            )

    def _schedule(self) -> None:
        engine = self._engine
        due = engine.next_due_ms() if engine is not None else None
        if due is None:  # not running: nothing moves, nothing falls due
            self._ticker.stop()
        elif self._on_screen:
            self._ticker.start(VISIBLE_TICK_MS)
        else:  # wake when the next cue or step end falls due, and at least every HIDDEN_TICK_MS
            self._ticker.start(min(max(due - self._clock.now_ms(), 1), HIDDEN_TICK_MS))
