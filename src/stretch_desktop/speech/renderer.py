"""Rendering cues to WAV files ahead of time, on a worker thread, with a cache on disk.

Two synthesisers: the system voice (pyttsx3's ``save_to_file`` with espeak-ng, about 10 ms a
cue) and the natural voice (Piper, ``piper_voice``: 35 to 200 ms a cue). Either can hang or fail
(no libespeak-ng, a broken voice, a damaged model); rendering therefore runs on its own thread,
watched by a timeout. The natural voice that is not installed or does not load is replaced by
the system voice, once, and the worker's ``notice`` says why.

A hung or crashed synthesiser is replaced, after a backoff that grows while failures follow one
another (0.5 s, 1 s, 2 s … up to 30 s) and starts again after a render succeeds; the
worker gives up, saying what it saw (an exit code or signal, the voice process's last line of
error output), only when the voice cannot start at all; then the session goes on in silence with
captions, and the next session tries again (``retry``).

Each cue is rendered once per synthesiser, voice, rate and volume: the file name is a hash of
them (``VoiceSettings.key``) for what actually renders, so a second session, or the next launch,
plays from the cache at once, and a fallback never plays a file of the other synthesiser. Texts
wait in the order they are wanted: a running session's, in the order it needs them, ahead of a
routine merely selected (``request(urgent=True)``). Knowing each file's length is
what lets the compiler give a long announcement a long enough lead-in.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import IO, Final, Protocol

from stretch_desktop.core.timeline import CHIMED_KINDS, Cue
from stretch_desktop.speech.children import PreExec, spawn
from stretch_desktop.speech.player import ended
from stretch_desktop.speech.scheduler import Rendered
from stretch_desktop.speech.voice import (
    INFO,
    NATURAL,
    PRELOAD_NATURAL,
    SYSTEM,
    natural_voice_missing,
)
from stretch_desktop.speech.voice import VoiceSettings as VoiceSettings  # re-exported

log = logging.getLogger(__name__)

RENDER_TIMEOUT_MS: Final = 5_000
"""A single cue taking longer than this to render means the synthesiser hung."""
RESTART_FIRST_DELAY_S: Final = 0.5
"""The wait before restarting a voice that failed once; it doubles with each failure in a row
(no render succeeded in between), so a voice that dies at once is not restarted in a tight loop."""
RESTART_MAX_DELAY_S: Final = 30.0
"""The longest wait between restarts: a voice that keeps failing is tried twice a minute."""
START_FAILURES_TO_GIVE_UP: Final = 3
"""A voice process that dies before it is ready this many times in a row is not restarted again
until the next session: restarting is for a voice that works and then fails, not for one that
cannot start here."""
RENDER_TRIES: Final = 2
"""A text is tried on this many voice processes; after that it is given up (its cue is dropped),
so one text that crashes the voice cannot make it restart for ever."""


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

    def died(self) -> str | None:
        """Why the synthesiser ended by itself (its process exited or was killed), or None
        while it can still render: the watchdog replaces a dead voice before a cue needs it."""
        ...

    @property
    def fallback(self) -> str | None:
        """Why the natural voice was asked for but the system voice renders instead (not
        installed, failed to load), or None when it renders what was asked: the cache must then
        be keyed by the system voice."""
        ...


class Pyttsx3Synthesiser:
    """pyttsx3 rendering to files: the one use of it that is reliable on Linux (DESIGN.md).

    One per process at most (pyttsx3 shares a single engine per process): the app uses it only
    inside the voice process (``render_process``) and in the one-shot ``say`` command.
    """

    def __init__(self, settings: VoiceSettings, fallback: str | None = None) -> None:
        import pyttsx3

        self._engine = pyttsx3.init()
        driver = type(self._engine.proxy._driver).__module__
        self.name = f"pyttsx3 ({driver.rsplit('.', 1)[-1]})"
        _quiet_driver(driver)
        self._espeak = driver.endswith(".espeak")
        if self._espeak:
            self._settle()
            # pyttsx3 holds every command until its first loop; an empty loop now makes the
            # settings below reach espeak as they are set, so ``_settle`` can wait for them.
            # Other drivers are left as they were (on macOS a first loop changes when a save
            # starts).
            self._engine.runAndWait()
        self._settings: VoiceSettings | None = None
        self.fallback = fallback
        self.configure(settings)

    def configure(self, settings: VoiceSettings) -> None:
        if settings == self._settings:
            return
        self._settle()  # a new voice is taken at once: never under the end of the last render
        if settings.voice:
            self._engine.setProperty("voice", settings.voice)
        self._engine.setProperty("rate", settings.rate)
        self._engine.setProperty("volume", settings.volume)
        self._settings = settings

    def render(self, text: str, path: Path) -> None:
        # One file per runAndWait: the espeak driver keeps only the last of several queued saves.
        # pyttsx3 2.99's espeak driver now and then ended the loop before the file was written
        # (measured: 1 render in 380, more often with long texts); that was its cancel, which
        # ``_settle`` now avoids (0 in 800 long texts with the rate changed each time). Should
        # it happen still, the text is asked for once more.
        for _attempt in range(2):
            self._settle()
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            if _has_sound(path):
                return
            log.debug("speech: pyttsx3 wrote no sound for %r; asking again", text)

    def _settle(self) -> None:
        """Before a loop of pyttsx3's espeak driver: wait until espeak has applied the settings
        it was given (other drivers need nothing).

        espeak-ng (asynchronous in the mode pyttsx3 uses) queues a new rate or volume for its
        own thread. Each ``runAndWait`` starts by calling the driver's ``stop``, which cancels
        espeak if it is still busy: the settings still queued are dropped and the previous ones
        restored, and the cancel can take the text with it. Measured before this wait: a rate
        changed just before a render was ignored in a third of renders (and the file cached
        under the new rate), a fresh voice process kept the default rate in one start in ten.
        """
        if self._espeak:
            from pyttsx3.drivers import _espeak

            _espeak.Synchronize()

    def voices(self) -> list[tuple[str, str]]:
        return [(str(v.id), str(v.name)) for v in self._engine.getProperty("voices")]

    def kill(self) -> None:
        """In-process rendering cannot be interrupted; the voice process exists for that."""

    def died(self) -> str | None:
        return None


def _has_sound(path: Path) -> bool:
    try:
        return wav_duration_ms(path) > 0
    except (OSError, EOFError, wave.Error):
        return False


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


class VoiceProcessDied(RuntimeError):
    """The voice process ended (exited, was killed, failed to import): worth a restart. The
    message says what was seen: the exit code or signal, and its last line of error output."""


class VoiceUnavailable(RuntimeError):
    """The voice process started and said it has no voice (no libespeak-ng, no driver): a
    restart would find the same, so the message is shown as it is."""


class _LastLine:
    """Reads a child's error output as it comes (so the pipe never fills and blocks the child),
    keeping its last non-blank line: the gist of why the child died (a Python error's last line
    names the exception)."""

    def __init__(self, stream: IO[str]) -> None:
        self.line = ""
        self._thread = threading.Thread(
            target=self._read, args=(stream,), name="voice-stderr", daemon=True
        )
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in stream:
                if line.strip():
                    log.debug("voice process: %s", line.strip()[:200])
                    if not line.startswith(INFO):  # news, not why it would die
                        self.line = line.strip()[:200]
        with contextlib.suppress(OSError):
            stream.close()

    def wait(self, timeout_s: float) -> str:
        """The last line, once the stream has ended (or ``timeout_s`` has passed)."""
        self._thread.join(timeout_s)
        return self.line


class ProcessSynthesiser:
    """Renders through the voice process (``render_process``); can be killed when it hangs.

    The process always starts with the system voice (it lists the voices Preferences offers);
    when ``settings.engine`` is the natural voice it is asked to load Piper too, here, before
    the synthesiser is ready, so no cue is rendered by one voice and then another. A natural voice
    that cannot load, or that takes the process down with it (a crash inside onnxruntime), leaves
    ``fallback`` saying why and the system voice rendering, in a fresh process if need be.
    """

    def __init__(self, settings: VoiceSettings, command: list[str] | None = None) -> None:
        self._settings = settings
        self._argv = command or render_server_command()
        self.fallback: str | None = None
        natural = settings.engine == NATURAL
        try:
            self._start(preload=natural)
        except VoiceProcessDied:
            if not natural:
                raise
            # Loading Piper from the first moment may be what ended it (a crash inside
            # onnxruntime): started plainly, the load below finds out and falls back, as it did.
            self._start()
        if natural:
            self._load_natural()
        log.info("speech: voice process %d ready (%s)", self._process.pid, self.name)

    @property
    def engine(self) -> str:
        """What renders: the natural voice, or the system voice (asked for, or fallen back to)."""
        natural = self._settings.engine == NATURAL and self.fallback is None
        return NATURAL if natural else SYSTEM

    def _start(self, preload: bool = False) -> None:
        """Start the voice process and read its hello; ``preload``: it starts loading the
        natural voice at once, side by side with the system voice (``render_process``)."""
        argv = [*self._argv, PRELOAD_NATURAL] if preload else self._argv

        def start(preexec: PreExec | None) -> subprocess.Popen[str]:
            return subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                preexec_fn=preexec,
            )

        self._process = spawn(start)  # dies with the app, even one killed with kill -9
        assert self._process.stderr is not None
        self._stderr = _LastLine(self._process.stderr)
        self._killed = False
        hello = self._read()
        if hello is None:
            reason = self._ended()
            self.kill()
            raise VoiceProcessDied(f"{reason} while starting")
        if not hello.get("ready"):
            self.kill()
            reason = str(hello.get("error") or "the voice process has no voice")
            raise VoiceUnavailable(reason)
        self.name = str(hello.get("name", "pyttsx3"))
        voices = hello.get("voices")
        self._voices = [(str(v[0]), str(v[1])) for v in voices] if isinstance(voices, list) else []

    def _load_natural(self) -> None:
        try:
            self._send({"load": NATURAL})
            reply = self._read()
        except VoiceProcessDied:
            reply = None
        if reply is None:  # it died loading the model: the system voice, in a fresh process
            self.fallback = f"loading it ended the voice process ({self._ended()})"
            self.kill()  # closes its pipes
            self._start()
        elif not reply.get("ok"):
            self.fallback = str(reply.get("error") or "it failed to load")
        else:
            self.name = str(reply.get("name", "Piper"))

    def _send(self, request: dict[str, object]) -> None:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except (OSError, ValueError):  # a broken pipe, or closed by kill()
            raise VoiceProcessDied(self._ended()) from None

    @property
    def pid(self) -> int:
        return self._process.pid

    def _read(self) -> dict[str, object] | None:
        """The next reply, or None when the voice process has ended."""
        assert self._process.stdout is not None
        try:
            line = self._process.stdout.readline()
        except (OSError, ValueError):  # closed by kill() on another thread
            return None
        if not line:
            return None
        try:
            reply = json.loads(line)
        except ValueError:
            self.kill()
            raise VoiceProcessDied(
                f"the voice process said something unexpected: {line.strip()[:80]!r}"
            ) from None
        return reply if isinstance(reply, dict) else None

    def _ended(self) -> str:
        """What became of the voice process, once its output has ended: how it exited and its
        last line of error output."""
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:  # it closed its output but runs on: end it
            self.kill()
            code = self._process.returncode
        line = self._stderr.wait(timeout_s=1)
        return ended("the voice process", code) + (f": {line}" if line else "")

    def retune(self, settings: VoiceSettings) -> bool:
        """Render with ``settings`` from now on, if this process has their synthesiser
        (``engine``); False if it has not (a process started for another voice)."""
        wanted = NATURAL if settings.engine == NATURAL else SYSTEM
        if wanted != self.engine:
            return False
        self._settings = replace(settings, engine=self._settings.engine)
        return True

    def render(self, text: str, path: Path) -> None:
        self._send(
            {
                "text": text,
                "path": str(path),
                "engine": self.engine,
                "voice": self._settings.voice,
                "rate": self._settings.rate,
                "volume": self._settings.volume,
            }
        )
        reply = self._read()
        if reply is None:
            raise VoiceProcessDied(self._ended())
        if not reply.get("ok"):
            raise RuntimeError(str(reply.get("error", "rendering failed")))

    def voices(self) -> list[tuple[str, str]]:
        return list(self._voices)

    def died(self) -> str | None:
        if self._killed or self._process.poll() is None:
            return None
        return self._ended()

    def kill(self) -> None:
        self._killed = True
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


SILENCE_LEVEL: Final = 0.02
"""A sample quieter than this share of the cue's loudest one is silence, for trimming."""
KEEP_LEAD_MS: Final = 20
KEEP_TAIL_MS: Final = 80
"""What is kept of the silence before and after the speech: enough that no consonant is
clipped; the pause between cues is the compiler's ``CUE_GAP_MS``, not the file's."""


def trim_silence(path: Path) -> None:
    """Cut the silence a synthesiser leaves around the speech in a 16-bit WAV (others are left
    as they are).

    Why: a cue's measured length sizes its slot, and espeak-ng ends every file with silence that
    grows as the rate falls (measured: 0.3 s at 170 words a minute, 0.9 s at 80; Piper 0.1 to
    0.3 s). Counted as speech, it made "Exhale, belly in." outlast its 3.5 s exhale at 80 words a
    minute, and the compiler left the next beat out.
    """
    from array import array

    with wave.open(str(path)) as wav:
        params = wav.getparams()
        if params.sampwidth != 2 or params.nchannels != 1:
            return
        samples = array("h", wav.readframes(params.nframes))
    if sys.byteorder == "big":
        samples.byteswap()
    if not samples:
        return
    level = max(int(max(max(samples), -min(samples)) * SILENCE_LEVEL), 1)
    first = next((i for i, x in enumerate(samples) if abs(x) > level), 0)
    last = next((i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > level), 0)
    rate = params.framerate
    start = max(first - KEEP_LEAD_MS * rate // 1000, 0)
    end = min(last + 1 + KEEP_TAIL_MS * rate // 1000, len(samples))
    if start == 0 and end == len(samples):
        return
    kept = samples[start:end]
    if sys.byteorder == "big":
        kept.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(kept.tobytes())


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
        """What the files are keyed by: the settings asked for, until a fallback to the system
        voice (``use_system_voice``)."""
        self._chime = chime if settings.chime else None
        self._known: dict[tuple[str, bool], Rendered] = {}
        self._lock = threading.Lock()

    def use_system_voice(self) -> bool:
        """From now on the files are the system voice's (the natural voice failed): lengths
        learnt under the natural voice's key are forgotten. False if that was so already."""
        with self._lock:
            if self.settings.engine == SYSTEM:
                return False
            self.settings = replace(self.settings, engine=SYSTEM)
            self._known.clear()
        return True

    def chimed(self, cue: Cue) -> bool:
        return self._chime is not None and cue.kind in CHIMED_KINDS

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
        trim_silence(temporary)  # the length that sizes its slot is the speech's own
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


def restart_delay_s(failures_in_a_row: int) -> float:
    """How long to wait before the restart that follows this many failures in a row."""
    doubled = RESTART_FIRST_DELAY_S * 2.0 ** max(failures_in_a_row - 1, 0)
    return min(doubled, RESTART_MAX_DELAY_S)


class RenderQueue:
    """Texts waiting to be rendered, in the order they are wanted.

    Two tiers: what a running session needs (``urgent``: in the order it will be said) goes
    first, then what was merely asked for ahead of time (a selected routine, newest request
    first: the routine on show is the likeliest to start). A text asked for again moves to where
    the new request puts it, so it is never rendered twice. ``get`` blocks until there is a text
    or the queue is closed.
    """

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._urgent = 0  # how many texts at the front are a running session's
        self._closed = False
        self._condition = threading.Condition()

    def add(self, texts: Iterable[str], urgent: bool = False) -> None:
        wanted = list(dict.fromkeys(texts))
        if not wanted:
            return
        with self._condition:
            asked = set(wanted)
            first = [t for t in self._texts[: self._urgent] if t not in asked]
            rest = [t for t in self._texts[self._urgent :] if t not in asked]
            if urgent:  # a new session's texts go first; the old session's become background
                self._texts = [*wanted, *first, *rest]
                self._urgent = len(wanted)
            else:
                self._texts = [*first, *wanted, *rest]
                self._urgent = len(first)
            self._condition.notify_all()

    def put_back(self, text: str) -> None:
        """A text taken but not rendered (its voice hung, died or was replaced): first again."""
        with self._condition:
            if text in self._texts:
                return
            self._texts.insert(0, text)
            self._urgent += 1
            self._condition.notify_all()

    def get(self) -> str | None:
        """The next text, or None once the queue is closed (for every thread waiting here)."""
        with self._condition:
            self._condition.wait_for(lambda: self._closed or bool(self._texts))
            if self._closed:
                return None
            self._urgent = max(self._urgent - 1, 0)
            return self._texts.pop(0)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def snapshot(self) -> list[str]:
        """The texts waiting, in the order they will be rendered (for tests and tools)."""
        with self._condition:
            return list(self._texts)


class RenderWorker:
    """Renders requested texts on a thread of its own; reports a hang or a crash, never raises.

    ``check()`` is the watchdog: called regularly (by the speaker's thread), it notices a render
    that has run past its timeout or a voice process that died while idle, kills it and starts a
    fresh one once the backoff (``restart_delay_s``) has passed; the text that failed goes back in
    the queue. Time is read from the injected ``monotonic``, and restarts happen only inside
    ``check()``, so tests drive the backoff without waiting. A voice that cannot start
    (``START_FAILURES_TO_GIVE_UP``, or it says it has no voice) leaves the worker ``failure``
    with a reason a person can act on, until ``retry()``. A thread whose synthesiser was replaced
    finds out when it wakes and leaves quietly: its late error is not the new one's failure.

    A natural voice that is not there (``fall_back``, or a synthesiser whose ``fallback`` says
    why) switches the cache to the system voice for good, sets ``notice`` and says so in the log
    once; every text asked for so far is asked for again under the system voice's key.
    ``progress`` counts the latest request's texts on disk, for "Preparing the voice… 12 of 40".
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
        self.jobs = RenderQueue()
        self._lock = threading.Lock()
        self._busy: tuple[float, str] | None = None  # since when, and which text
        self._synthesiser: Synthesiser | None = None
        self._generation = 0
        self._failures_in_a_row = 0  # since the last render that succeeded: sets the backoff
        self._start_failures = 0  # voice processes in a row that died before they were ready
        self._restart_at: float | None = None
        self._tries: dict[str, int] = {}  # texts whose render failed, and how often
        self._asked: dict[str, None] = {}  # every text asked for, in order: for a fallback
        self._batch: list[str] = []  # the latest request's texts, and those still to render
        self._batch_left: set[str] = set()
        self.failure: str | None = None
        self.notice: str | None = None
        """Why the natural voice was asked for and the system voice speaks (None otherwise)."""
        self.synthesiser_name = "starting"
        self.voices: list[tuple[str, str]] = []
        self.ready = threading.Event()
        self._rendered = threading.Condition()
        self._start_thread()

    def wait_rendered(self, texts: Iterable[str], timeout_s: float) -> bool:
        """Block until every text is on disk (or the voice failed, or time ran out)."""
        wanted = list(texts)
        return self.wait_for(
            lambda: self.failure is not None or all(self.cache.complete(t) for t in wanted),
            timeout_s,
        )

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """For tools and tests: block until ``predicate()`` holds, looked at again each time
        the worker's state changes (a render done, a restart scheduled, the voice given up)."""
        with self._rendered:
            return self._rendered.wait_for(predicate, timeout=timeout_s)

    def _changed(self) -> None:
        with self._rendered:
            self._rendered.notify_all()

    @property
    def restart_due_at(self) -> float | None:
        """When the pending restart is due (``monotonic`` seconds), or None if none is."""
        with self._lock:
            return self._restart_at

    @property
    def progress(self) -> tuple[int, int] | None:
        """(on disk, of) the texts of the latest request of more than one text (a routine's)
        while some are still to render; None when all are (or the voice is off: they never
        will be)."""
        with self._lock:
            if not self._batch_left or self.failure is not None:
                return None
            return len(self._batch) - len(self._batch_left), len(self._batch)

    def _start_thread(self) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        thread = threading.Thread(
            target=self._run, args=(generation,), name="cue-renderer", daemon=True
        )
        thread.start()

    def request(self, texts: Iterable[str], urgent: bool = False) -> None:
        """Render these unless already on disk: ``urgent`` ones (a session that runs now, in the
        order it needs them) before anything else, others after what is urgent."""
        wanted = list(dict.fromkeys(texts))
        missing = [text for text in wanted if not self.cache.complete(text)]
        with self._lock:
            self._asked.update(dict.fromkeys(wanted))
            if len(wanted) > 1:  # one text (Test voice's sample) is not a routine to prepare
                self._batch, self._batch_left = wanted, set(missing)
            rendering = self._busy[1] if self._busy else None
        self.jobs.add([text for text in missing if text != rendering], urgent)
        self._changed()

    def _done(self, text: str) -> None:
        """``text`` is on disk, or given up: either way no longer waited for."""
        with self._lock:
            self._batch_left.discard(text)

    def fall_back(self, reason: str) -> None:
        """The natural voice cannot speak (``reason``): the system voice does, from now on."""
        if not self.cache.use_system_voice():
            return
        self.notice = f"Natural voice unavailable: {reason}; the system voice speaks instead"
        log.warning("speech: %s", self.notice)
        with self._lock:
            asked, batch = list(self._asked), list(self._batch)
        # Texts on disk under the natural voice's key are not on disk any more.
        missing = [text for text in asked if not self.cache.complete(text)]
        with self._lock:
            self._batch_left = set(batch).intersection(missing)
        waiting = set(self.jobs.snapshot())  # these keep their place
        self.jobs.add([text for text in missing if text not in waiting])
        self._changed()

    def check(self) -> None:
        """The watchdog: replace a hung or dead synthesiser after the backoff; start a due one."""
        now = self._monotonic()
        with self._lock:
            if self.failure:
                return
            pending = self._restart_at
            if pending is not None:
                if now < pending:
                    return  # no voice runs while a restart waits
                self._restart_at = None
            busy, synthesiser = self._busy, self._synthesiser
        if pending is not None:
            self._start_thread()
        elif synthesiser is None:
            return  # starting, or closed
        elif busy is not None:
            if (now - busy[0]) * 1000 > self._timeout_ms:
                timeout = f"rendering took over {self._timeout_ms / 1000:g} s"
                self._replace(synthesiser, busy, timeout)
        else:
            died = synthesiser.died()
            if died:
                self._replace(synthesiser, None, died)

    def _replace(
        self, synthesiser: Synthesiser, busy: tuple[float, str] | None, reason: str
    ) -> None:
        """Take ``synthesiser`` out of service, kill it and schedule a fresh one; the text it
        hung on goes back in the queue. Nothing is done if its thread got there first (its
        render failed and it replaced itself) or moved on meanwhile (a render ended or began)."""
        with self._lock:
            if synthesiser is not self._synthesiser or self._busy != busy:
                return
            self._busy = None
            self._synthesiser = None
            self._generation += 1  # its thread is now stale, whatever it does next
        if busy is not None:
            self._retry_text(busy[1])
        synthesiser.kill()
        self._schedule_restart(reason)

    def _retry_text(self, text: str) -> None:
        """Queue a text whose render failed again, unless it has had its ``RENDER_TRIES``."""
        with self._lock:
            tries = self._tries[text] = self._tries.get(text, 0) + 1
        if tries < RENDER_TRIES:
            self.jobs.put_back(text)
        else:
            self._done(text)
            log.warning(
                "speech: %r failed on %d voice processes; its cue will be dropped", text, tries
            )

    def _schedule_restart(self, reason: str) -> None:
        with self._lock:
            self._failures_in_a_row += 1
            delay = restart_delay_s(self._failures_in_a_row)
            self._restart_at = self._monotonic() + delay
        log.warning("speech: %s; restarting the voice in %g s", reason, delay)
        self._changed()

    def _give_up(self, failure: str) -> None:
        with self._lock:
            self.failure = failure
            self._restart_at = None
        log.error("speech: %s", failure)
        self.ready.set()
        self._changed()

    def retry(self) -> None:
        """Try a voice that was given up again (a new session), with a fresh run of tries."""
        with self._lock:
            if self.failure is None:
                return
            self.failure = None
            self._failures_in_a_row = self._start_failures = 0
            self._tries.clear()
            self.ready.clear()
        log.info("speech: trying the voice again")
        self._start_thread()

    def close(self) -> None:
        self.jobs.close()
        with self._lock:
            synthesiser, self._synthesiser = self._synthesiser, None
            self._generation += 1
            self._restart_at = None
        if synthesiser is not None:
            synthesiser.kill()

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation

    def _run(self, generation: int) -> None:
        try:
            synthesiser = self._make()
        except VoiceProcessDied as error:  # crashed or was killed while starting
            self._start_failed(generation, str(error))
            return
        except Exception as error:  # no libespeak-ng, no driver: a message, not a crash
            if self._current(generation):
                self._give_up(explain(error))
            return
        with self._lock:
            if generation != self._generation:  # closed or replaced while starting
                stale = True
            else:
                stale = False
                self._synthesiser = synthesiser
                self._start_failures = 0
        if stale:
            synthesiser.kill()
            return
        if synthesiser.fallback is not None:
            self.fall_back(synthesiser.fallback)
        self.synthesiser_name = synthesiser.name
        self.voices = synthesiser.voices()
        self.ready.set()
        self._changed()
        self._serve(generation, synthesiser)

    def _start_failed(self, generation: int, reason: str) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._start_failures += 1
            count = self._start_failures
        if count >= START_FAILURES_TO_GIVE_UP:
            self._give_up(f"Voice off: the voice failed to start {count} times in a row ({reason})")
        else:
            self._schedule_restart(reason)

    def _serve(self, generation: int, synthesiser: Synthesiser) -> None:
        while True:
            text = self.jobs.get()
            if text is None:  # closed
                return
            with self._lock:
                stale = generation != self._generation
                if not stale:
                    self._busy = (self._monotonic(), text)
            if stale:
                self.jobs.put_back(text)  # a newer worker took over: hand the job back
                return
            if self.cache.complete(text):
                with self._lock:
                    self._busy = None
                self._done(text)
                continue
            try:
                self.cache.store(text, synthesiser)
            except Exception as error:
                with self._lock:
                    if generation != self._generation:
                        return  # replaced by the watchdog: the new worker carries on
                    self._busy = None
                    self._synthesiser = None
                    self._generation += 1
                log.warning("speech: could not render %r: %s", text, error)
                synthesiser.kill()
                self._retry_text(text)
                self._schedule_restart(f"rendering failed: {error}")
                return
            with self._lock:
                self._busy = None
                self._failures_in_a_row = 0  # a render succeeded: the backoff starts over
                self._tries.pop(text, None)
            self._done(text)
            self._changed()


def make_synthesiser(settings: VoiceSettings) -> Synthesiser:
    """A synthesiser in this process for ``settings`` (the one-shot commands: ``say``, measuring
    cue lengths, exporting audio): Piper for the natural voice, else pyttsx3. A natural voice
    that is not installed or does not load gives the system voice with ``fallback`` saying why.
    pyttsx3 allows one engine per process, so make one of these per process at most; the app
    renders in its voice process instead (``ProcessSynthesiser``)."""
    fallback = None
    if settings.engine == NATURAL:
        from stretch_desktop.speech.piper_voice import PiperSynthesiser, load_failure

        fallback = natural_voice_missing()
        if fallback is None:
            try:
                return PiperSynthesiser(settings)
            except Exception as error:  # a damaged model, an onnxruntime error
                fallback = load_failure(error)
    return Pyttsx3Synthesiser(settings, fallback)


def open_local_voice(
    folder: Path, settings: VoiceSettings, chime: Path | None = None
) -> tuple[CueCache, Synthesiser]:
    """An in-process synthesiser for ``settings`` and a cache in ``folder`` keyed by what it
    actually renders (the system voice's key if the natural voice fell back). ``cache.store``
    renders a text and returns its file and length; ``cache.lookup(text, chimed=True)`` is the
    chimed twin's, chime included, when ``settings.chime`` and ``chime`` are given."""
    synthesiser = make_synthesiser(settings)
    cache = CueCache(folder, settings, chime)
    if synthesiser.fallback is not None:
        cache.use_system_voice()
    return cache, synthesiser


_ESPEAK_MISSING: Final = (
    "cannot open shared object",  # ctypes: libespeak-ng.so.1: cannot open shared object file
    "do not have espeak",  # pyttsx3: "you probably do not have eSpeak or eSpeak-ng installed"
    "not installed",
    "not found",
)


def espeak_missing(text: str) -> bool:
    """The error says the espeak library is missing (not merely that something near it broke:
    advice to install a package that is already there sends a person the wrong way)."""
    lower = text.lower()
    return "espeak" in lower and any(marker in lower for marker in _ESPEAK_MISSING)


def explain(error: BaseException) -> str:
    """A reason a person can act on, from whatever stopped the voice starting. Installing
    libespeak-ng1 is suggested only when the error says it is missing."""
    text = str(error) or type(error).__name__
    if text.startswith("Voice unavailable"):
        return text
    if espeak_missing(text) and sys.platform.startswith("linux"):
        return f"Voice unavailable — install libespeak-ng1 ({text})"
    return f"Voice unavailable — {text}"
