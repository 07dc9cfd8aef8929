"""Players for rendered cues: start a WAV now, stop it at once.

Playing in a child process we own is what makes speech interruptible: pausing the session kills
the process, which silences the sound immediately, whereas pyttsx3's own playback blocks inside
its synthesis callback and cannot be stopped (see ../shared/DESIGN.md). Each player is started
through ``children.spawn``, so it dies with the app, even one killed with ``kill -9``.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from stretch_desktop.speech.children import PreExec, spawn

# Tried in this order; the first found on PATH plays. PipeWire, then PulseAudio, then bare ALSA.
LINUX_PLAYERS: tuple[tuple[str, ...], ...] = (
    ("pw-play",),
    ("paplay",),
    ("aplay", "-q"),
)
MAC_PLAYERS: tuple[tuple[str, ...], ...] = (("afplay",),)
INSTALL_HINT = "install pipewire-bin, pulseaudio-utils or alsa-utils"


class Player(Protocol):
    @property
    def name(self) -> str: ...

    def play(self, path: Path) -> None:
        """Start playing ``path`` and return at once; stops whatever was playing."""
        ...

    def stop(self) -> None:
        """Silence now."""
        ...

    @property
    def playing(self) -> bool: ...

    @property
    def error(self) -> str | None:
        """Why the last sound did not play (the player failed), or None."""
        ...


class PlayerUnavailable(RuntimeError):
    """No way to play sound here; the message says what to install."""


def _first_line(stderr: str) -> str:
    """The gist of a player's complaint: its first line, minus ALSA's source-location prefix."""
    line = next((line.strip() for line in stderr.splitlines() if line.strip()), "")
    line = re.sub(r"^ALSA lib \S+:\(\w+\)\s*", "", line)
    return f": {line[:100]}" if line else ""


def ended(name: str, code: int) -> str:
    """How a child process ended, in words: its exit code, or the signal that killed it."""
    if code < 0:
        try:
            return f"{name} was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"{name} was killed by signal {-code}"
    return f"{name} exited with {code}"


class ProcessPlayer:
    """Plays each WAV with a command-line player in a child process."""

    def __init__(self, command: tuple[str, ...]) -> None:
        self._command = command
        self._process: subprocess.Popen[bytes] | None = None
        self._error: str | None = None

    @property
    def name(self) -> str:
        return self._command[0]

    def play(self, path: Path) -> None:
        self.stop()
        self._error = None
        command = [*self._command, str(path)]

        def start(preexec: PreExec | None) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=preexec,
            )

        self._process = spawn(start)  # dies with the app: no sound plays on after a crash

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=1)
        if process is not None and process.stderr:
            process.stderr.close()

    @property
    def playing(self) -> bool:
        process = self._process
        if process is None:
            return False
        code = process.poll()
        if code is None:
            return True
        self._process = None
        if process.stderr:
            detail = process.stderr.read(2000).decode(errors="replace")
            process.stderr.close()
            if code != 0:  # e.g. aplay with no sound card, or a player someone killed
                self._error = ended(self.name, code) + _first_line(detail)
        return False

    @property
    def error(self) -> str | None:
        return self._error


class WinsoundPlayer:  # pragma: no cover - Windows only
    """Windows: winsound plays asynchronously and stops when asked."""

    name = "winsound"

    def __init__(self) -> None:
        import winsound

        self._winsound: Any = winsound  # typeshed only describes it on Windows
        self._until = 0.0

    def play(self, path: Path) -> None:
        import time
        import wave

        with wave.open(str(path)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
        flags = self._winsound.SND_FILENAME | self._winsound.SND_ASYNC
        self._winsound.PlaySound(str(path), flags)
        self._until = time.monotonic() + seconds

    def stop(self) -> None:
        self._winsound.PlaySound(None, 0)
        self._until = 0.0

    error = None

    @property
    def playing(self) -> bool:
        import time

        return time.monotonic() < self._until


def find_player() -> Player:
    """The first working player for this platform, or :class:`PlayerUnavailable`."""
    if sys.platform == "win32":  # pragma: no cover
        return WinsoundPlayer()
    candidates = MAC_PLAYERS if sys.platform == "darwin" else LINUX_PLAYERS
    for command in candidates:
        if shutil.which(command[0]):
            return ProcessPlayer(command)
    names = ", ".join(c[0] for c in candidates)
    hint = f" ({INSTALL_HINT})" if sys.platform.startswith("linux") else ""
    raise PlayerUnavailable(f"no audio player found: looked for {names}{hint}")


class RecordingPlayer:
    """A player for tests: remembers what it played; 'plays' until the test says it ended."""

    name = "recording"

    def __init__(self) -> None:
        self.error: str | None = None
        self.played: list[Path] = []
        self.stopped = 0
        self._playing = False

    def play(self, path: Path) -> None:
        self.played.append(path)
        self._playing, self.error = True, None  # as a real player: a new sound, a new outcome

    def stop(self) -> None:
        if self._playing:
            self.stopped += 1
        self._playing = False

    def finish(self) -> None:
        """The sound came to its natural end."""
        self._playing = False

    def fail(self, error: str) -> None:
        """The player process died with an error."""
        self._playing, self.error = False, error

    @property
    def playing(self) -> bool:
        return self._playing
