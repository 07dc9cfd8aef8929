"""Deciding what to say and when: one cue at a time, on time, or not at all.

The rules (each has a test):

1. Never two cues at once: a cue starts only when nothing is playing.
2. A cue starts within ``LATE_WINDOW_MS`` of when it fell due. A low-priority cue that cannot
   (something is still speaking) is dropped; a high-priority one (``Priority.HIGH`` in
   core/timeline: announcements, switch sides, rests, spoken cautions, ways out, session
   complete) is said as soon as possible, cutting a low-priority cue short.
3. ``silence()`` (pause, seek, stop) stops the sound at once and forgets what was waiting.
4. Nothing here blocks: the player starts a child process and returns; this class only decides.
5. A player that fails (exits with an error, is killed, cannot start) fails its cue, not the
   voice: the next cue starts a new player. Only ``PLAYER_FAILURES_TO_GIVE_UP`` failures in a
   row set ``failure`` (the speaker goes quiet); ``retry()`` (a new session) clears it.

Pure apart from the player it is handed: time comes from an injected clock, so the tests run the
rules on a fake clock with a recording player.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from stretch_desktop.core.clock import Clock
from stretch_desktop.core.timeline import Cue, Priority
from stretch_desktop.speech.player import Player

log = logging.getLogger(__name__)

LATE_WINDOW_MS: Final = 100
"""A cue that cannot start within this long of falling due is late; low-priority ones drop."""
RENDER_WAIT_MS: Final = 8_000
"""How long an important cue may wait for its audio to be rendered before it is given up.

Late but said: an announcement heard a few seconds into its pose still tells a person with
closed eyes where they are. It was 3 s, and a session started at launch on a busy machine lost
its first announcement (the voice process starting, Piper loading, the first render: measured
up to 3 s under load); a voice process restarted after a crash needs its backoff (0.5 s) and
the same again. Beyond 8 s the next pose is near, and a dead voice is the watchdog's concern."""
OVERRUN_GRACE_MS: Final = 1_000
"""A player still going this long after its sound should have ended is hung: it is stopped."""
PLAYER_FAILURES_TO_GIVE_UP: Final = 3
"""This many cues in a row whose player failed turn the voice off until the next session. One
failure is a failed cue (a player killed by someone, a busy sound device): the next cue starts a
new player. Three in a row is a player that cannot play here (no sound card), which would
otherwise fail every cue of the session, each with a line in the log."""


@dataclass(frozen=True, slots=True)
class Rendered:
    path: Path
    duration_ms: int


@dataclass(frozen=True, slots=True)
class CueRecord:
    """One line of the cue log: what happened to a cue, in seconds of session time."""

    text: str
    kind: str
    due_s: float
    start_s: float | None
    duration_s: float
    outcome: str  # "spoken", "dropped" or "cut"

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "due_s": self.due_s,
            "start_s": self.start_s,
            "duration_s": self.duration_s,
            "outcome": self.outcome,
        }


@dataclass(slots=True)
class _Waiting:
    cue: Cue
    due_clock_ms: int  # the clock time at which the cue fell due
    received_ms: int


@dataclass(slots=True)
class _Playing:
    waiting: _Waiting
    started_ms: int
    duration_ms: int


def _seconds(ms: float) -> float:
    return round(ms / 1000, 3)


class SpeechScheduler:
    def __init__(
        self,
        clock: Clock,
        player: Player,
        lookup: Callable[[Cue], Rendered | None],
        record: Callable[[CueRecord], None] = lambda record: None,
    ) -> None:
        self._clock = clock
        self._player = player
        self._lookup = lookup
        self._record = record
        self._waiting: list[_Waiting] = []
        self._playing: _Playing | None = None
        self._muted = False
        self._failures_in_a_row = 0
        self.failure: str | None = None
        """Set when the player failed too often in a row: the speaker reports it and falls
        silent until ``retry()``."""

    def say(self, cue: Cue, lateness_ms: int, received_ms: int | None = None) -> None:
        """``cue`` fell due ``lateness_ms`` before ``received_ms`` (default: now)."""
        now = self._clock.now_ms() if received_ms is None else received_ms
        waiting = _Waiting(cue, now - lateness_ms, now)
        if self._muted:
            self._log(waiting, None, 0, "dropped")
            return
        self._waiting.append(waiting)
        self.tick()

    def silence(self) -> None:
        if self._playing is not None:
            self._player.stop()
            self._finish(self._clock.now_ms(), "cut")
        for waiting in self._waiting:
            self._log(waiting, None, 0, "dropped")
        self._waiting.clear()

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        if muted:
            self.silence()

    def retry(self) -> None:
        """A new session: a player that failed before gets a fresh run of tries."""
        self.failure = None
        self._failures_in_a_row = 0

    @property
    def busy(self) -> bool:
        """Something is playing or waiting to: only then does ``tick`` need calling often."""
        return self._playing is not None or bool(self._waiting)

    def tick(self) -> None:
        now = self._clock.now_ms()
        playing = self._playing
        if playing is not None:
            overran = now >= playing.started_ms + playing.duration_ms + OVERRUN_GRACE_MS
            if overran or not self._player.playing:
                if overran:
                    self._player.stop()
                error = self._player.error
                if error:  # the cue failed (not heard, or not all of it): say so, carry on
                    self._player_failed(error)
                    self._finish(now, "dropped")
                elif overran:  # a hung player that had to be stopped was cut, not spoken
                    self._finish(now, "cut")
                else:
                    self._failures_in_a_row = 0
                    self._finish(now, "spoken")
        self._drop_stale(now)
        important = [w for w in self._waiting if w.cue.priority is Priority.HIGH]
        if important and self._playing and self._playing.waiting.cue.priority is Priority.LOW:
            self._player.stop()
            self._finish(now, "cut")
        if self._playing is None and self._waiting:
            self._start((important or self._waiting)[0], now)

    # --- the machinery --------------------------------------------------------------------------

    def _drop_stale(self, now: int) -> None:
        keep = []
        for waiting in self._waiting:
            late = now - waiting.due_clock_ms
            low = waiting.cue.priority is Priority.LOW
            if (low and late > LATE_WINDOW_MS) or now - waiting.received_ms > RENDER_WAIT_MS:
                self._log(waiting, None, 0, "dropped")
            else:
                keep.append(waiting)
        self._waiting = keep

    def _start(self, waiting: _Waiting, now: int) -> None:
        rendered = self._lookup(waiting.cue)
        if rendered is None:
            return  # not rendered yet: try again on the next tick, until it is stale
        self._waiting.remove(waiting)
        try:
            self._player.play(rendered.path)
        except OSError as error:
            self._player_failed(f"could not start {self._player.name} ({error})")
            self._log(waiting, None, 0, "dropped")
            return
        self._playing = _Playing(waiting, now, rendered.duration_ms)

    def _player_failed(self, reason: str) -> None:
        self._failures_in_a_row += 1
        count = self._failures_in_a_row
        if count >= PLAYER_FAILURES_TO_GIVE_UP:
            self.failure = f"Voice off: sound failed to play {count} times in a row ({reason})"
        else:
            log.warning("speech: %s; the cue is dropped, the next one starts a new player", reason)

    def _finish(self, now: int, outcome: str) -> None:
        playing = self._playing
        assert playing is not None
        self._playing = None
        played = playing.duration_ms if outcome == "spoken" else now - playing.started_ms
        started = None if outcome == "dropped" else playing.started_ms
        self._log(playing.waiting, started, 0 if started is None else played, outcome)

    def _log(self, waiting: _Waiting, started_ms: int | None, played_ms: int, outcome: str) -> None:
        cue = waiting.cue
        start_s = None
        if started_ms is not None:  # session time: the cue's due time plus how late it started
            start_s = _seconds(cue.at_ms + started_ms - waiting.due_clock_ms)
        self._record(
            CueRecord(
                cue.text, cue.kind.value, _seconds(cue.at_ms), start_s, _seconds(played_ms), outcome
            )
        )
