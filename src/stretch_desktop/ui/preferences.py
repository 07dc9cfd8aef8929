"""The preferences in force, as one object that says when they change.

The mute button, the M key, the MPRIS volume, the Preferences dialog and the tray all change
preferences; the voice, the pacer, the routine list and the saved settings all follow them. With
one owner that saves and signals, none of them needs to know the others.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from stretch_desktop.ui.settings import Settings, UiPreferences


class LivePreferences(QObject):
    changed = Signal(object)  # UiPreferences, after they were saved

    def __init__(
        self,
        initial: UiPreferences,
        settings: Settings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._current = initial
        self._settings = settings

    @property
    def current(self) -> UiPreferences:
        return self._current

    @property
    def settings(self) -> Settings | None:
        return self._settings

    def update(self, preferences: UiPreferences) -> None:
        """Save and announce new preferences; the same ones again change nothing."""
        if preferences == self._current:
            return
        self._current = preferences
        if self._settings is not None:
            self._settings.save(preferences)
        self.changed.emit(preferences)

    def set_muted(self, muted: bool) -> None:
        self.update(replace(self._current, muted=muted))
