"""Preferences and window state that outlive a session, kept with QSettings.

A value that cannot be read back (a hand-edited or corrupt file) falls back to its default: a bad
settings file must never stop the app from starting. A file that is not a settings file at all is
moved aside (never rewritten: the next save would overwrite it) and the window says so once.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from stretch_desktop.core.pacing import (
    BREATH_MAX_S,
    BREATH_MIN_S,
    LEAD_IN_MAX_S,
    LEAD_IN_MIN_S,
    BreathCues,
    Pacing,
)
from stretch_desktop.core.routine import Side
from stretch_desktop.speech.voice import ENGINES, RATE_MAX, RATE_MIN, VoiceSettings
from stretch_desktop.storage.progress import DEFAULT_GOAL_DAYS, GOAL_MAX, GOAL_MIN

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UiPreferences:
    pacing: Pacing = field(default_factory=Pacing)
    reduced_motion: bool = False
    muted: bool = False
    voice: VoiceSettings = field(default_factory=VoiceSettings)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters other than tab and line ends."""


def damage(content: bytes) -> str | None:
    """Why ``content`` is not an INI file QSettings wrote or a person edited, or None if it is.

    Qt's own check is not enough: it reads most random bytes without complaint, as keys made of
    junk, and the next save would then overwrite the file in place. What QSettings writes is
    UTF-8 text without control characters (it escapes them, and binary values such as the window
    geometry), in lines that are blank, a ``[section]``, a ``;`` or ``#`` comment, a
    ``key=value``, or the continuation of a line ending in a backslash.
    """
    try:
        text = content.decode("utf-8-sig")  # an editor may have added a byte-order mark
    except UnicodeDecodeError as error:
        where = content.count(b"\n", 0, error.start) + 1
        return f"line {where}: not UTF-8 text"
    control = _CONTROL.search(text)  # Qt writes these escaped
    if control is not None:
        where = text.count("\n", 0, control.start()) + 1
        return f"line {where}: a control character"
    continued = False
    for number, line in enumerate(text.split("\n"), 1):  # splitlines() ends lines at \f too
        stripped = line.strip()
        if not (
            continued
            or not stripped
            or stripped[0] in ";#"
            or (stripped.startswith("[") and stripped.endswith("]"))
            or "=" in stripped
        ):
            return f"line {number}: not a [section] or a key=value"
        continued = stripped.endswith("\\")
    return None


def _number(settings: QSettings, key: str, default: float, low: float, high: float) -> float:
    try:
        value = float(settings.value(key, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def _flag(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def _choice(settings: QSettings, key: str, default: str, options: set[str]) -> str:
    value = settings.value(key, default)
    return value if isinstance(value, str) and value in options else default


def _free_name(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``…: a file kept aside earlier is never overwritten."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    return candidate


def name_application() -> None:
    """The names QSettings() files its store under: set before any store is opened, which can
    be before the QApplication exists (``start_voice_early``)."""
    QCoreApplication.setOrganizationName("StretchDesktop")
    QCoreApplication.setOrganizationDomain("stretchdesktop.org")
    QCoreApplication.setApplicationName("Stretch Desktop")


def read_voice(s: QSettings) -> VoiceSettings:
    voice_id, default = s.value("voice/voice"), VoiceSettings()
    return VoiceSettings(
        voice=voice_id if isinstance(voice_id, str) and voice_id else None,
        rate=round(_number(s, "voice/rate", default.rate, RATE_MIN, RATE_MAX)),
        volume=_number(s, "voice/volume", default.volume, 0, 1),
        chime=_flag(s, "voice/chime", default.chime),
        engine=_choice(s, "voice/engine", default.engine, set(ENGINES)),
    )


def start_voice_early() -> None:
    """Start the voice process for a session started at launch (``--start``) before the window
    module (0.16 s) and the QApplication are made: with the natural voice, that process (Python,
    then Piper's 0.7 s load) is what the first cue waits for, so every part of the app's own
    start-up it overlaps is taken off the wait (speech/early.py).

    The settings are only read here: a damaged file is repaired (and said so) by ``Settings``
    when the window is built. A voice started from damaged or since-changed settings is one the
    speaker does not take (``early.take`` checks it): nothing is heard in a wrong voice.
    """
    from stretch_desktop.speech import early
    from stretch_desktop.speech.voice import chime_path, cue_folder

    name_application()
    early.start(read_voice(QSettings()), cue_folder(), chime_path())


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings()
        self.notice: str | None = None
        """Set when a damaged settings file was moved aside: the window says so once."""
        self._repair()

    def _repair(self) -> None:
        """A damaged file is kept aside with a timestamp and the defaults are used."""
        path = Path(self._store.fileName())
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # the first launch: nothing to check
            return
        except OSError as error:  # unreadable: QSettings reads nothing either; keep it as it is
            log.warning("settings: cannot read %s: %s", path, error)
            return
        reason = damage(content)
        self._store.allKeys()  # Qt parses on the first read: its status means nothing before
        if reason is None and self._store.status() == QSettings.Status.FormatError:
            reason = "Qt cannot read it"
        if reason is None:
            return
        log.warning("settings: %s is damaged: %s", path, reason)
        aside = _free_name(path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%dT%H%M%S}"))
        try:
            os.replace(path, aside)
        except OSError as error:
            log.warning("settings: cannot move the damaged file aside: %s", error)
            return
        self._store = QSettings(str(path), self._store.format())
        self.notice = (
            f"Your settings were damaged; they were kept as {aside.name} and defaults are used."
        )
        log.warning("settings: %s", self.notice)

    def load(self) -> UiPreferences:
        s, base = self._store, Pacing()
        pacing = Pacing(
            inhale_ms=round(
                _number(s, "pace/inhale_s", base.inhale_ms / 1000, BREATH_MIN_S, BREATH_MAX_S)
                * 1000
            ),
            exhale_ms=round(
                _number(s, "pace/exhale_s", base.exhale_ms / 1000, BREATH_MIN_S, BREATH_MAX_S)
                * 1000
            ),
            lead_in_ms=round(
                _number(s, "pace/lead_in_s", base.lead_in_ms / 1000, LEAD_IN_MIN_S, LEAD_IN_MAX_S)
                * 1000
            ),
            first_side=Side(
                _choice(s, "pace/first_side", base.first_side.value, {"left", "right"})
            ),
            breath_cues=BreathCues(
                _choice(
                    s, "voice/breath_cues", base.breath_cues.value, {b.value for b in BreathCues}
                )
            ),
        )
        return UiPreferences(
            pacing=pacing,
            reduced_motion=_flag(s, "look/reduced_motion", False),
            muted=_flag(s, "voice/muted", False),
            voice=read_voice(s),
        )

    def save(self, prefs: UiPreferences) -> None:
        s, p = self._store, prefs.pacing
        s.setValue("pace/inhale_s", p.inhale_ms / 1000)
        s.setValue("pace/exhale_s", p.exhale_ms / 1000)
        s.setValue("pace/lead_in_s", p.lead_in_ms / 1000)
        s.setValue("pace/first_side", p.first_side.value)
        s.setValue("voice/breath_cues", p.breath_cues.value)
        s.setValue("look/reduced_motion", prefs.reduced_motion)
        s.setValue("voice/muted", prefs.muted)
        s.setValue("voice/voice", prefs.voice.voice or "")
        s.setValue("voice/rate", prefs.voice.rate)
        s.setValue("voice/volume", prefs.voice.volume)
        s.setValue("voice/chime", prefs.voice.chime)
        s.setValue("voice/engine", prefs.voice.engine)
        s.sync()
        if s.status() == QSettings.Status.AccessError:  # read-only or full disk: keep going
            log.warning("settings: could not be saved to %s", s.fileName())

    def geometry(self) -> QByteArray | None:
        value = self._store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def save_geometry(self, geometry: QByteArray) -> None:
        self._store.setValue("window/geometry", geometry)
        self._store.sync()

    def last_routine(self) -> str | None:
        value = self._store.value("session/last_routine")
        return value if isinstance(value, str) else None

    def save_last_routine(self, routine_id: str) -> None:
        self._store.setValue("session/last_routine", routine_id)

    def progress_goal(self) -> int:
        """Days a week the progress page's streak asks for (a hand-edited value out of range
        is the default, never an error)."""
        days = _number(self._store, "progress/goal_days", DEFAULT_GOAL_DAYS, GOAL_MIN, GOAL_MAX)
        return round(days)

    def save_progress_goal(self, days: int) -> None:
        self._store.setValue("progress/goal_days", days)
        self._store.sync()
