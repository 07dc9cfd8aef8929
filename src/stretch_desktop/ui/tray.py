"""The tray icon and the "session complete" notification.

A session can go on with the window closed: the voice keeps guiding, and the tray icon's menu
(Pause/Resume, Skip, Show) is the way back. The tray exists only where the desktop has one
(``QSystemTrayIcon.isSystemTrayAvailable()``); without it, closing the window during a session
asks to stop instead, so a session is never left running out of reach.

Notifications go through the tray where there is one (Qt talks to the desktop's notification
service itself). Without a tray, Linux desktops still have a notification service: we ask it
through ``notify-send`` in a detached child process, so a slow or missing service can never hold
up the GUI thread. (Calling the service over QtDBus from Python is not possible here: its
``Notify`` method takes an unsigned 32-bit id, a type PySide6 cannot marshal.)
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from stretch_desktop.core.engine import Snapshot, State

if TYPE_CHECKING:
    from stretch_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

NOTIFY_MS = 8_000


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QObject):
    """The tray icon of a window: its menu follows the session, a click shows the window."""

    def __init__(self, window: MainWindow, icon: QIcon) -> None:
        super().__init__(window)
        self._window = window
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("Stretch Desktop")
        self.menu = QMenu()  # no parent widget: a tray menu is a window of its own
        self.pause_action = self._action("Pause", window.controller.toggle)
        self.skip_action = self._action("Skip pose", window.controller.skip)
        self.menu.addSeparator()
        self.show_action = self._action("Show window", window.bring_to_front)
        self._action("Quit", window.quit_app)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        window.controller.state_changed.connect(self.follow)
        window.destroyed.connect(self.menu.deleteLater)
        self.follow(window.controller.snapshot())
        self.icon.show()

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def follow(self, snapshot: Snapshot | None) -> None:
        state = snapshot.state if snapshot else State.IDLE
        active = state in (State.RUNNING, State.PAUSED)
        self.pause_action.setText("Resume" if state is State.PAUSED else "Pause")
        self.pause_action.setEnabled(active)
        self.skip_action.setEnabled(active)
        pose = snapshot.step.pose.name if snapshot and active else ""
        paused = "Paused: " if state is State.PAUSED else ""
        self.icon.setToolTip(f"Stretch Desktop — {paused}{pose}" if pose else "Stretch Desktop")

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            if self._window.isVisible() and not self._window.isMinimized():
                self._window.hide()
            else:
                self._window.bring_to_front()


class Notifier:
    """Tells the desktop something happened, by whatever way this desktop offers."""

    def __init__(self, tray: Tray | None, icon_path: str | None) -> None:
        self._tray = tray
        self._icon_path = icon_path

    def notify(self, title: str, text: str) -> bool:
        """True if a notification was handed to the desktop."""
        if self._tray is not None and self._tray.icon.isVisible():
            self._tray.icon.showMessage(
                title, text, QSystemTrayIcon.MessageIcon.Information, NOTIFY_MS
            )
            return True
        program = shutil.which("notify-send") if sys.platform.startswith("linux") else None
        if program is None:
            log.info("no tray and no notify-send: not notified (%s)", title)
            return False
        arguments = ["--app-name=Stretch Desktop", f"--expire-time={NOTIFY_MS}"]
        if self._icon_path:
            arguments.append(f"--icon={self._icon_path}")
        started, _pid = QProcess.startDetached(program, [*arguments, title, text])
        if not started:
            log.warning("notify-send could not be started")
        return bool(started)
