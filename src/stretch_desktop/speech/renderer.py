"""Rendering cues to WAV files ahead of time, on a worker thread, with a cache on disk.

Rendering (pyttsx3's ``save_to_file``) takes about 10 ms a cue with espeak-ng, but it can hang
or fail (no libespeak-ng, a broken voice); it therefore runs on its own thread, watched by a
timeout. A hung or crashed synthesiser is replaced once; if the replacement fails too the worker
gives up and says why, and the session goes on in silence with captions.

Each cue is rendered once per voice, rate and volume: the file name is a hash of them, so a
second session, or the next launch, plays from the cache at once. Knowing each file's length is
what lets the compiler give a long announcement a long enough lead-in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from stretch_desktop.core.timeline import Cue, CueKind
from stretch_desktop.speech.scheduler import Rendered

log = logging.getLogger(__name__)

RENDER_TIMEOUT_MS: Final = 5_000
"""A single cue taking longer than this to render means the synthesiser hung."""
_CHIMED = frozenset({CueKind.ANNOUNCE, CueKind.SWITCH_SIDES, CueKind.REST})


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    voice: str | None = None
    """A pyttsx3 voice id; None is the synthesiser's default."""
    rate: int = 170
    """Words a minute: a little slower than espeak's 175, for instructions heard mid-stretch."""
    volume: float = 1.0
    chime: bool = False
    """A soft chime before each pose announcement."""

    def key(self, text: str, chimed: bool) -> str:
        raw = f"{text}\x00{self.voice}\x00{self.rate}\x00{self.volume:.2f}\x00{chimed}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


class Synthesiser(Protocol):
    @property
    def name(self) -> str: ...

    def render(self, text: str, path: Path) -> None:
        """Write ``text`` as speech to the WAV file ``path``."""
        ...

    def voices(self) -> list[tuple[str, str]]:
        """(id, display name) of every installed voice."""
        ...


class Pyttsx3Synthesiser:
    """pyttsx3 rendering to files: the one use of it that is reliable on Linux (DESIGN.md)."""

    def __init__(self, settings: VoiceSettings) -> None:
        import pyttsx3

        self._engine = pyttsx3.init()
        driver = type(self._engine.proxy._driver).__module__
        self.name = f"pyttsx3 ({driver.rsplit('.', 1)[-1]})"
        _quiet_driver(driver)
        if settings.voice:
            self._engine.setProperty("voice", settings.voice)
        self._engine.setProperty("rate", settings.rate)
        self._engine.setProperty("volume", settings.volume)

    def render(self, text: str, path: Path) -> None:
        # One file per runAndWait: the espeak driver keeps only the last of several queued saves.
        self._engine.save_to_file(text, str(path))
        self._engine.runAndWait()

    def voices(self) -> list[tuple[str, str]]:
        return [(str(v.id), str(v.name)) for v in self._engine.getProperty("voices")]


def _quiet_driver(module_name: str) -> None:
    """pyttsx3's espeak driver prints "Audio saved to …" after every file; keep stdout ours."""
    module = sys.modules.get(module_name)
    if module is not None:
        module.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def wav_duration_ms(path: Path) -> int:
    with wave.open(str(path)) as wav:
        return int(wav.getnframes() * 1000 // wav.getframerate())


def _prepend(chime: Path, speech: Path, out: Path) -> None:
    """``out`` = chime then speech, when both share a format (else just the speech)."""
    with wave.open(str(chime)) as a, wave.open(str(speech)) as b:
        same = a.getparams()[:3] == b.getparams()[:3]
        frames = (a.readframes(a.getnframes()) if same else b"") + b.readframes(b.getnframes())
        params = b.getparams()
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        w.writeframes(frames)


class CueCache:
    """Rendered cues on disk, and their lengths in memory (read by the compiler and scheduler)."""

    def __init__(self, folder: Path, settings: VoiceSettings, chime: Path | None = None) -> None:
        self.folder = folder
        self.settings = settings
        self._chime = chime if settings.chime else None
        self._known: dict[tuple[str, bool], Rendered] = {}
        self._lock = threading.Lock()

    def chimed(self, cue: Cue) -> bool:
        return self._chime is not None and cue.kind in _CHIMED

    def path_for(self, text: str, chimed: bool = False) -> Path:
        return self.folder / f"{self.settings.key(text, chimed)}.wav"

    def lookup(self, text: str, chimed: bool = False) -> Rendered | None:
        """The rendered cue if it is on disk (never renders)."""
        with self._lock:
            known = self._known.get((text, chimed))
        if known is not None:
            return known
        path = self.path_for(text, chimed)
        try:
            rendered = Rendered(path, wav_duration_ms(path))
        except (OSError, EOFError, wave.Error):
            return None
        with self._lock:
            self._known[(text, chimed)] = rendered
        return rendered

    def complete(self, text: str) -> bool:
        """All a cue of this text may need is on disk (its chimed twin too, if chimes are on)."""
        if self.lookup(text) is None:
            return False
        return self._chime is None or self.lookup(text, chimed=True) is not None

    def lookup_cue(self, cue: Cue) -> Rendered | None:
        return self.lookup(cue.text, self.chimed(cue))

    def store(self, text: str, synthesiser: Synthesiser) -> Rendered:
        """Render ``text`` (and its chimed twin if chimes are on), atomically into the cache."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path_for(text)
        temporary = path.with_name(f".{path.name}.{threading.get_ident()}.tmp.wav")
        synthesiser.render(text, temporary)
        duration = wav_duration_ms(temporary)  # raises if the synthesiser wrote nothing useful
        if duration <= 0:
            raise RuntimeError(f"the synthesiser wrote no sound for {text!r}")
        os.replace(temporary, path)
        if self._chime is not None:
            chimed = self.path_for(text, True)
            _prepend(self._chime, path, temporary)
            os.replace(temporary, chimed)
        rendered = Rendered(path, duration)
        with self._lock:
            self._known[(text, False)] = rendered
        return rendered


class RenderWorker:
    """Renders requested texts on a thread of its own; reports a hang or a crash, never raises.

    ``check()`` is the watchdog: called regularly (by the speaker's thread), it notices a render
    that has run past its timeout and replaces the thread and synthesiser once. A second failure
    leaves the worker ``failed`` with a reason a person can act on.
    """

    def __init__(
        self,
        cache: CueCache,
        make_synthesiser: Callable[[], Synthesiser],
        timeout_ms: int = RENDER_TIMEOUT_MS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self._monotonic = monotonic
        self._make = make_synthesiser
        self._timeout_ms = timeout_ms
        self._jobs: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._busy_since: float | None = None
        self._generation = 0
        self._restarts = 0
        self.failure: str | None = None
        self.synthesiser_name = "starting"
        self.voices: list[tuple[str, str]] = []
        self.ready = threading.Event()
        self._start_thread()

    def _start_thread(self) -> None:
        self._generation += 1
        thread = threading.Thread(
            target=self._run, args=(self._generation,), name="cue-renderer", daemon=True
        )
        thread.start()

    def request(self, texts: Iterable[str]) -> None:
        """Render these, in order, unless already on disk."""
        for text in texts:
            if not self.cache.complete(text):
                self._jobs.put(text)

    def check(self) -> None:
        """The watchdog: replace a hung worker once, then give up."""
        with self._lock:
            since = self._busy_since
            hung = since is not None and (self._monotonic() - since) * 1000 > self._timeout_ms
            if not hung or self.failure:
                return
            self._busy_since = None
        self._fail_or_restart(f"rendering took over {self._timeout_ms / 1000:g} s")

    def _fail_or_restart(self, reason: str) -> None:
        with self._lock:
            if self._restarts >= 1:
                self.failure = f"the voice stopped responding ({reason})"
                self.ready.set()
                log.error("speech: giving up: %s", reason)
                return
            self._restarts += 1
        log.warning("speech: %s; restarting the voice once", reason)
        self._start_thread()

    def close(self) -> None:
        self._jobs.put(None)

    def _run(self, generation: int) -> None:
        try:
            synthesiser = self._make()
            self.synthesiser_name = synthesiser.name
            self.voices = synthesiser.voices()
        except Exception as error:  # no libespeak-ng, no driver: a message, not a crash
            with self._lock:
                self.failure = _explain(error)
            log.error("speech: %s", self.failure)
            self.ready.set()
            return
        self.ready.set()
        while True:
            text = self._jobs.get()
            if text is None or generation != self._generation:
                if text is not None:
                    self._jobs.put(text)  # a newer worker took over: hand the job back
                return
            if self.cache.complete(text):
                continue
            with self._lock:
                self._busy_since = self._monotonic()
            try:
                self.cache.store(text, synthesiser)
            except Exception as error:
                log.warning("speech: could not render %r: %s", text, error)
                with self._lock:
                    self._busy_since = None
                self._fail_or_restart(f"rendering failed: {error}")
                return
            with self._lock:
                self._busy_since = None
            if generation != self._generation:
                return


def _explain(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    likely_espeak = "espeak" in text.lower() or isinstance(
        error, OSError | RuntimeError | ImportError
    )
    if likely_espeak and sys.platform.startswith("linux"):
        return f"Voice unavailable — install libespeak-ng1 ({text})"
    return f"Voice unavailable — {text}"
