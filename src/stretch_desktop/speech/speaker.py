"""The speaker interface the session talks to, and its silent and recording twins.

The session controller hands every due cue to a Speaker and never waits for it. The real
pyttsx3-backed speaker (render to WAV on a worker, play through a player that can be cut off)
sits behind this same interface; until it is chosen, or when it cannot start, a NullSpeaker keeps
the session going in silence while captions carry on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from stretch_desktop.core.timeline import Cue


class Speaker(Protocol):
    def say(self, cue: Cue, lateness_ms: int) -> None:
        """Speak ``cue`` now; it fell due ``lateness_ms`` ago. Must return at once."""
        ...

    def silence(self) -> None:
        """Stop speaking at once (pause, seek, stop)."""
        ...

    def set_muted(self, muted: bool) -> None: ...

    @property
    def status(self) -> str:
        """One line for the window: which voice is in use, or why there is none."""
        ...


class NullSpeaker:
    """Says nothing. Used when there is no voice; the reason is shown to the person."""

    def __init__(self, reason: str = "Voice off") -> None:
        self._reason = reason

    def say(self, cue: Cue, lateness_ms: int) -> None:
        pass

    def silence(self) -> None:
        pass

    def set_muted(self, muted: bool) -> None:
        pass

    @property
    def status(self) -> str:
        return self._reason


@dataclass
class RecordingSpeaker:
    """Remembers what it was asked to do, for tests."""

    said: list[tuple[str, int]] = field(default_factory=list)
    silenced: int = 0
    muted: bool = False

    def say(self, cue: Cue, lateness_ms: int) -> None:
        if not self.muted:
            self.said.append((cue.text, lateness_ms))

    def silence(self) -> None:
        self.silenced += 1

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

    @property
    def status(self) -> str:
        return "Recording speaker"
