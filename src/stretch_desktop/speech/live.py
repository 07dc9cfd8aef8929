"""The real speaker: renders with Piper or pyttsx3, plays through a player process, never blocks.

``say``, ``silence`` and ``set_muted`` only put a request on a queue and return; a speech thread
picks it up at once, runs the scheduler's rules, starts and stops the player, and watches the
render worker. The GUI thread never waits for sound. Between requests the thread looks every
``_TICK_S`` only while a cue plays or waits; otherwise it sleeps longer (see ``_wait_s``).

``create_speaker`` is the factory: it returns a LiveSpeaker when a player exists, and otherwise a
NullSpeaker whose status says what to install. A player or a voice process that dies is replaced
(the render worker and the scheduler say when to stop trying); if the voice cannot start, or the
player fails cue after cue, the LiveSpeaker goes quiet and its status says why, until the next
session (``new_session``) tries again. A natural voice that is missing or broken is replaced by
the system voice; the status says so (``RenderWorker.notice``).

``preparing`` tells the window how far rendering has come ("Preparing the voice… 12 of 40"); a
change of it is reported through ``on_status`` like a change of status, at most every
``_WATCH_S``, so the window hears of it without polling.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from stretch_desktop.core.clock import Clock, MonotonicClock
from stretch_desktop.core.timeline import Cue
from stretch_desktop.speech import early
from stretch_desktop.speech.player import Player, PlayerUnavailable, find_player
from stretch_desktop.speech.renderer import (
    CueCache,
    ProcessSynthesiser,
    RenderWorker,
    VoiceSettings,
)
from stretch_desktop.speech.scheduler import CueRecord, SpeechScheduler
from stretch_desktop.speech.speaker import NullSpeaker, Speaker
from stretch_desktop.speech.voice import NATURAL, natural_voice_missing

log = logging.getLogger(__name__)

_TICK_S: Final = 0.01
"""While a cue plays or waits, the thread looks this often: the next cue starts this soon after
the last one ends."""
_WATCH_S: Final = 0.25
"""Otherwise it looks this often, for the render watchdog alone: a render must hang for seconds
(RENDER_TIMEOUT_MS) before it counts as hung, so a quarter of a second more changes nothing."""


@dataclass(frozen=True, slots=True)
class _Say:
    cue: Cue
    lateness_ms: int
    received_ms: int


class _CueLog:
    """``--cue-log FILE``: one JSON line per cue. A write error is logged once, never raised."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] | None
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as error:
            log.error("cannot write the cue log %s: %s", path, error)
            self._file = None

    def write(self, record: CueRecord) -> None:
        if self._file is None:
            return
        try:
            self._file.write(json.dumps(record.as_json(), ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as error:
            log.error("cue log: %s; no more cue lines will be written", error)
            self._file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class LiveSpeaker:
    def __init__(
        self,
        worker: RenderWorker,
        player: Player,
        clock: Clock | None = None,
        cue_log: Path | None = None,
        on_status: Callable[[str], None] = lambda status: None,
    ) -> None:
        self._worker = worker
        self._player = player
        self._clock = clock or MonotonicClock()
        self._log = _CueLog(cue_log) if cue_log else None
        self._on_status = on_status
        self.records: list[CueRecord] = []
        self.recorded = threading.Condition()
        """Notified after each record: tests and tools wait on it instead of sleeping."""
        self._scheduler = SpeechScheduler(
            self._clock, player, worker.cache.lookup_cue, self._record
        )
        self._requests: queue.Queue[_Say | str | bool] = queue.Queue()
        self._status = "Voice starting…"
        self._reported_progress: tuple[int, int] | None = None
        self._silent_because: str | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    # --- the Speaker interface (any thread; returns at once) ------------------------------------

    def say(self, cue: Cue, lateness_ms: int) -> None:
        self._requests.put(_Say(cue, lateness_ms, self._clock.now_ms()))

    def silence(self) -> None:
        self._requests.put("silence")

    def set_muted(self, muted: bool) -> None:
        self._requests.put(muted)

    def new_session(self) -> None:
        self._requests.put("new session")

    @property
    def status(self) -> str:
        return self._status

    def prepare(self, texts: Iterable[str], urgent: bool = False) -> None:
        self._worker.request(texts, urgent)

    @property
    def preparing(self) -> tuple[int, int] | None:
        return self._worker.progress

    def wait_rendered(self, texts: Iterable[str], timeout_s: float = 30) -> bool:
        """For tools and tests: block until these cues are rendered."""
        return self._worker.wait_rendered(texts, timeout_s)

    def measured_ms(self, text: str) -> int | None:
        rendered = self._worker.cache.lookup(text)
        return rendered.duration_ms if rendered else None

    def voices(self) -> list[tuple[str, str]]:
        return list(self._worker.voices)

    def close(self) -> None:
        self._stopped.set()
        self._requests.put("stop")  # wakes a thread that sleeps until asked
        self._thread.join(timeout=1)
        self._player.stop()
        self._worker.close()
        if self._log:
            self._log.close()

    # --- the speech thread ----------------------------------------------------------------------

    def _record(self, record: CueRecord) -> None:
        if self._log:
            self._log.write(record)
        with self.recorded:
            self.records.append(record)
            self.recorded.notify_all()

    def _set_status(self, status: str) -> None:
        if status != self._status:
            self._status = status
            self._on_status(status)

    def _wait_s(self) -> float | None:
        """How long the thread may sleep if nothing is asked of it (None: until something is).

        Measured with perf on a running, muted session: looking every 10 ms whatever the state
        cost 1.2 % of a core with nothing to say, a quarter of the whole app's CPU.
        """
        if self._silent_because is not None:
            return None  # no voice, no watchdog: requests are only logged
        if self._scheduler.busy or not self._worker.ready.is_set():
            return _TICK_S  # a cue to start or end on time, or a status to show once ready
        return _WATCH_S

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                request = self._requests.get(timeout=self._wait_s())
            except queue.Empty:
                request = None
            try:
                self._handle(request)
            except Exception:  # the speech thread must outlive any one bad cue
                log.exception("speech: unexpected error")

    def _handle(self, request: _Say | str | bool | None) -> None:
        if self._silent_because is None:
            self._watch_health()
        scheduler = self._scheduler
        if isinstance(request, _Say):
            if self._silent_because is None:
                scheduler.say(request.cue, request.lateness_ms, request.received_ms)
            else:  # no voice: the cue log still shows every cue, and what became of it
                cue = request.cue
                self._record(
                    CueRecord(cue.text, cue.kind.value, cue.at_ms / 1000, None, 0, "dropped")
                )
        elif request == "silence":
            scheduler.silence()
        elif request == "new session" and self._silent_because is not None:
            log.info("speech: a new session: trying the voice again")
            self._silent_because = None
            scheduler.retry()
            self._worker.retry()
            self._set_status("Voice starting…")
        elif isinstance(request, bool):
            scheduler.set_muted(request)
        scheduler.tick()

    def _watch_health(self) -> None:
        worker = self._worker
        worker.check()
        failure = worker.failure or self._scheduler.failure
        if failure:
            self._silent_because = failure
            self._scheduler.silence()
            log.error("speech: %s", failure)
            self._set_status(f"{failure}. Captions carry on.")
        elif worker.ready.is_set():
            status = f"Voice: {worker.synthesiser_name}, playing with {self._player.name}"
            self._set_status(f"{status}. {worker.notice}." if worker.notice else status)
        progress = worker.progress
        if progress != self._reported_progress:
            self._reported_progress = progress
            self._on_status(self._status)  # "something to show changed": the window asks


def create_speaker(
    cache_dir: Path,
    settings: VoiceSettings,
    chime: Path | None = None,
    cue_log: Path | None = None,
    on_status: Callable[[str], None] = lambda status: None,
) -> Speaker:
    """The best speaker this machine allows; never raises."""
    try:
        player = find_player()
    except PlayerUnavailable as error:
        log.warning("speech: %s", error)
        return NullSpeaker(f"Voice unavailable — {error}")
    cache = CueCache(cache_dir, settings, chime)
    # Made from the cache's settings, not ``settings``: after a fallback a restarted voice
    # process renders the system voice at once instead of failing to load Piper again. The
    # first is the one the app started before its first paint, if it fits (``early``).
    worker = RenderWorker(
        cache, lambda: early.take(cache.settings) or ProcessSynthesiser(cache.settings)
    )
    missing = natural_voice_missing() if settings.engine == NATURAL else None
    if missing is not None:  # known before any file is looked up under the natural voice's key
        worker.fall_back(missing)
    return LiveSpeaker(worker, player, cue_log=cue_log, on_status=on_status)
