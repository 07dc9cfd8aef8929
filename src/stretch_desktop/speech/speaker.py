"""The speaker interface the session talks to, and its silent and recording twins.

The session controller hands every due cue to a Speaker and never waits for it. The real
speaker (Piper or pyttsx3) (render to WAV on a worker, play through a player that can be cut off)
sits behind this same interface; until it is chosen, or when it cannot start, a NullSpeaker keeps
the session going in silence while captions carry on.
"""

from __future__ import annotations

from collections.abc import Iterable
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

    def new_session(self) -> None:
        """A session is starting: a voice turned off by failures (a player that failed cue after
        cue, a voice process that could not start) is tried again. Returns at once."""
        ...

    @property
    def status(self) -> str:
        """One line for the window: which voice is in use, or why there is none."""
        ...

    def prepare(self, texts: Iterable[str], urgent: bool = False) -> None:
        """Render these ahead of time (in the background), so they are not late when due.
        ``urgent``: a session needs them now, in this order; they go before anything else."""
        ...

    @property
    def preparing(self) -> tuple[int, int] | None:
        """(rendered, of) the texts last asked for while some are still rendering, else None:
        the window shows "Preparing the voice… 12 of 40"."""
        ...

    def measured_ms(self, text: str) -> int | None:
        """How long ``text`` takes to say with the current voice, once rendered; else None."""
        ...

    def voices(self) -> list[tuple[str, str]]:
        """(id, name) of the voices to choose from; empty when there is no voice."""
        ...

    def close(self) -> None: ...


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

    def new_session(self) -> None:
        pass

    @property
    def status(self) -> str:
        return self._reason

    def prepare(self, texts: Iterable[str], urgent: bool = False) -> None:
        pass

    @property
    def preparing(self) -> tuple[int, int] | None:
        return None

    def measured_ms(self, text: str) -> int | None:
        return None

    def voices(self) -> list[tuple[str, str]]:
        return []

    def close(self) -> None:
        pass


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

    sessions: int = 0
    """How many times ``new_session`` was called."""

    def new_session(self) -> None:
        self.sessions += 1

    prepared: list[str] = field(default_factory=list)
    urgent: list[list[str]] = field(default_factory=list)
    """Each urgent ``prepare``'s texts, in order."""
    lengths: dict[str, int] = field(default_factory=dict)
    preparing: tuple[int, int] | None = None
    """Set by a test: what the window is told of rendering progress."""

    @property
    def status(self) -> str:
        return "Recording speaker"

    def prepare(self, texts: Iterable[str], urgent: bool = False) -> None:
        texts = list(texts)
        self.prepared.extend(texts)
        if urgent:
            self.urgent.append(texts)

    def measured_ms(self, text: str) -> int | None:
        return self.lengths.get(text)

    def voices(self) -> list[tuple[str, str]]:
        return [("test-voice", "Test voice")]

    def close(self) -> None:
        pass
