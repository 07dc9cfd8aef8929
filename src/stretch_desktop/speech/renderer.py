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

import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final, Protocol

from stretch_desktop.core.timeline import Cue, CueKind
from stretch_desktop.speech.scheduler import Rendered
from stretch_desktop.speech.voice import VoiceSettings as VoiceSettings  # re-exported

log = logging.getLogger(__name__)

RENDER_TIMEOUT_MS: Final = 5_000
"""A single cue taking longer than this to render means the synthesiser hung."""
_CHIMED = frozenset({CueKind.ANNOUNCE, CueKind.SWITCH_SIDES, CueKind.REST})


class Synthesiser(Protocol):
    @property
    def name(self) -> str: ...

    def render(self, text: str, path: Path) -> None:
        """Write ``text`` as speech to the WAV file ``path``."""
        ...

    def voices(self) -> list[tuple[str, str]]:
        """(id, display name) of every installed voice."""
        ...

    def kill(self) -> None:
        """Stop at once, even in the middle of a render (the watchdog's last resort)."""
        ...


class Pyttsx3Synthesiser:
    """pyttsx3 rendering to files: the one use of it that is reliable on Linux (DESIGN.md).

    One per process at most (pyttsx3 shares a single engine per process): the app uses it only
    inside the voice process (``render_process``) and in the one-shot ``say`` command.
    """

    def __init__(self, settings: VoiceSettings) -> None:
        import pyttsx3

        self._engine = pyttsx3.init()
        driver = type(self._engine.proxy._driver).__module__
        self.name = f"pyttsx3 ({driver.rsplit('.', 1)[-1]})"
        _quiet_driver(driver)
        self._settings: VoiceSettings | None = None
        self.configure(settings)

    def configure(self, settings: VoiceSettings) -> None:
        if settings == self._settings:
            return
        if settings.voice:
            self._engine.setProperty("voice", settings.voice)
        self._engine.setProperty("rate", settings.rate)
        self._engine.setProperty("volume", settings.volume)
        self._settings = settings

    def render(self, text: str, path: Path) -> None:
        # One file per runAndWait: the espeak driver keeps only the last of several queued saves.
        self._engine.save_to_file(text, str(path))
        self._engine.runAndWait()

    def voices(self) -> list[tuple[str, str]]:
        return [(str(v.id), str(v.name)) for v in self._engine.getProperty("voices")]

    def kill(self) -> None:
        """In-process rendering cannot be interrupted; the voice process exists for that."""


def _quiet_driver(module_name: str) -> None:
    """pyttsx3's espeak driver prints "Audio saved to …" after every file; keep stdout ours."""
    module = sys.modules.get(module_name)
    if module is not None:
        module.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def render_server_command() -> list[str]:
    """How to start the voice process: this program again, in its render-server role."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable takes the role
        return [sys.executable, "_render-server"]
    return [sys.executable, "-m", "stretch_desktop.speech.render_process"]


class ProcessSynthesiser:
    """Renders through the voice process (``render_process``); can be killed when it hangs."""

    def __init__(self, settings: VoiceSettings, command: list[str] | None = None) -> None:
        self._settings = settings
        self._process = subprocess.Popen(
            command or render_server_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        hello = self._read()
        if not hello or not hello.get("ready"):
            self.kill()
            reason = hello.get("error") if hello else None
            raise RuntimeError(reason or "the voice process stopped at start")
        self.name = str(hello.get("name", "pyttsx3"))
        voices = hello.get("voices")
        self._voices = [(str(v[0]), str(v[1])) for v in voices] if isinstance(voices, list) else []

    def _read(self) -> dict[str, object] | None:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            return None
        reply = json.loads(line)
        return reply if isinstance(reply, dict) else None

    def render(self, text: str, path: Path) -> None:
        assert self._process.stdin is not None
        request = {
            "text": text,
            "path": str(path),
            "voice": self._settings.voice,
            "rate": self._settings.rate,
            "volume": self._settings.volume,
        }
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise RuntimeError("the voice process is gone") from None
        reply = self._read()
        if reply is None:
            raise RuntimeError("the voice process is gone")
        if not reply.get("ok"):
            raise RuntimeError(str(reply.get("error", "rendering failed")))

    def voices(self) -> list[tuple[str, str]]:
        return list(self._voices)

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=5)
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


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
    that has run past its timeout, kills that synthesiser (the voice process) and starts a fresh
    one, once; the text that hung goes back in the queue. A second failure leaves the worker
    ``failed`` with a reason a person can act on. A thread whose synthesiser was replaced finds
    out when it wakes and leaves quietly: its late error is not the new one's failure.
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
        self._busy: tuple[float, str] | None = None  # since when, and which text
        self._synthesiser: Synthesiser | None = None
        self._generation = 0
        self._restarts = 0
        self.failure: str | None = None
        self.synthesiser_name = "starting"
        self.voices: list[tuple[str, str]] = []
        self.ready = threading.Event()
        self._rendered = threading.Condition()
        self._start_thread()

    def wait_rendered(self, texts: Iterable[str], timeout_s: float) -> bool:
        """Block until every text is on disk (or the voice failed, or time ran out)."""
        wanted = list(texts)
        with self._rendered:
            return self._rendered.wait_for(
                lambda: self.failure is not None or all(self.cache.complete(t) for t in wanted),
                timeout=timeout_s,
            )

    def _start_thread(self) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        thread = threading.Thread(
            target=self._run, args=(generation,), name="cue-renderer", daemon=True
        )
        thread.start()

    def request(self, texts: Iterable[str]) -> None:
        """Render these, in order, unless already on disk."""
        for text in texts:
            if not self.cache.complete(text):
                self._jobs.put(text)

    def check(self) -> None:
        """The watchdog: replace a hung synthesiser once, then give up."""
        with self._lock:
            busy = self._busy
            hung = busy is not None and (self._monotonic() - busy[0]) * 1000 > self._timeout_ms
            if busy is None or not hung or self.failure:
                return
            self._busy = None
            stuck, self._synthesiser = self._synthesiser, None
            self._generation += 1  # the stuck thread is now stale, whatever it does next
        self._jobs.put(busy[1])
        if stuck is not None:
            stuck.kill()
        self._fail_or_restart(f"rendering took over {self._timeout_ms / 1000:g} s")

    def _fail_or_restart(self, reason: str) -> None:
        with self._lock:
            giving_up = self._restarts >= 1
            if giving_up:
                self.failure = f"Voice off: the voice stopped responding ({reason})"
            else:
                self._restarts += 1
        if giving_up:
            log.error("speech: giving up: %s", reason)
            self.ready.set()
            with self._rendered:
                self._rendered.notify_all()
            return
        log.warning("speech: %s; restarting the voice once", reason)
        self._start_thread()

    def close(self) -> None:
        self._jobs.put(None)
        with self._lock:
            synthesiser, self._synthesiser = self._synthesiser, None
            self._generation += 1
        if synthesiser is not None:
            synthesiser.kill()

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation

    def _run(self, generation: int) -> None:
        try:
            synthesiser = self._make()
        except Exception as error:  # no libespeak-ng, no driver: a message, not a crash
            with self._lock:
                self.failure = explain(error)
            log.error("speech: %s", self.failure)
            self.ready.set()
            return
        with self._lock:
            if generation != self._generation:  # closed or replaced while starting
                synthesiser.kill()
                return
            self._synthesiser = synthesiser
        self.synthesiser_name = synthesiser.name
        self.voices = synthesiser.voices()
        self.ready.set()
        while True:
            text = self._jobs.get()
            if text is None or not self._current(generation):
                if text is not None:
                    self._jobs.put(text)  # a newer worker took over: hand the job back
                return
            if self.cache.complete(text):
                continue
            with self._lock:
                self._busy = (self._monotonic(), text)
            try:
                self.cache.store(text, synthesiser)
            except Exception as error:
                if not self._current(generation):
                    return  # killed by the watchdog: the new worker carries on
                with self._lock:
                    self._busy = None
                log.warning("speech: could not render %r: %s", text, error)
                with self._lock:
                    self._generation += 1
                    self._synthesiser = None
                synthesiser.kill()
                self._jobs.put(text)
                self._fail_or_restart(f"rendering failed: {error}")
                return
            with self._lock:
                self._busy = None
            with self._rendered:
                self._rendered.notify_all()


def explain(error: BaseException) -> str:
    """A reason a person can act on, from whatever stopped the voice starting."""
    text = str(error) or type(error).__name__
    if text.startswith("Voice unavailable"):
        return text
    likely_espeak = "espeak" in text.lower() or isinstance(
        error, OSError | RuntimeError | ImportError
    )
    if likely_espeak and sys.platform.startswith("linux"):
        return f"Voice unavailable — install libespeak-ng1 ({text})"
    return f"Voice unavailable — {text}"
