"""The questions and messages the window puts to the person, in one replaceable object.

Pages and the window hold the same :class:`Dialogs`, so a test answers every question in one
place (``window.dialogs.confirm = ...``) instead of clicking through modal boxes that would block
the event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

CloseChoice = Literal["tray", "stop", "cancel"]
QUIT_QUESTION = "A session is in progress. Stop it and quit?"


class Dialogs:
    """Modal questions over ``parent``; each method may be replaced on the instance in tests."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self._parent, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def inform(self, title: str, text: str) -> None:
        QMessageBox.warning(self._parent, title, text)

    def save_file(self, title: str, suggested: Path, kinds: str) -> Path | None:
        """Where to write a file the person exports (None: they called it off)."""
        chosen, _kind = QFileDialog.getSaveFileName(self._parent, title, str(suggested), kinds)
        return Path(chosen) if chosen else None

    def ask_close(self) -> CloseChoice:
        """Closing mid-session where a tray exists: keep going out of sight, stop, or stay."""
        box = QMessageBox(QMessageBox.Icon.Question, "Session in progress", "", parent=self._parent)
        box.setText("A session is in progress.")
        box.setInformativeText(
            "Keep going with the window closed? The voice goes on guiding you, and the tray "
            "icon brings the window back."
        )
        keep = box.addButton("Keep going in the tray", QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton("Stop the session", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        return "tray" if clicked is keep else "stop" if clicked is stop else "cancel"
