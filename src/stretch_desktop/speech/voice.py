"""What a voice is set to: which voice, how fast, how loud, whether a chime comes first.

Kept apart from the renderer so the window can hold these settings without loading the
rendering machinery (subprocess, wave, json) before its first paint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DEFAULT_RATE: Final = 170
"""Words a minute: a little slower than espeak's 175, for instructions heard mid-stretch. Also
the rate the cue-length estimate assumes, so a slower voice stretches the estimate."""


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    voice: str | None = None
    """A pyttsx3 voice id; None is the synthesiser's default."""
    rate: int = DEFAULT_RATE
    """Words a minute."""
    volume: float = 1.0
    chime: bool = False
    """A soft chime before each pose announcement."""

    def key(self, text: str, chimed: bool) -> str:
        from stretch_desktop.digest import digest

        return digest(f"{text}\x00{self.voice}\x00{self.rate}\x00{self.volume:.2f}\x00{chimed}")
