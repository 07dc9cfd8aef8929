"""The tray icon: a session can go on with the window closed, and the tray is the way back.

The voice keeps guiding while the window is away; the icon's menu (Pause/Resume, Skip, Show,
Quit) drives the session through the controller and asks the window only for what is the
window's (show, hide, quit), through :class:`~stretch_desktop.ui.actions.WindowActions`. The tray
exists only where the desktop has one (``QSystemTrayIcon.isSystemTrayAvailable()``); without
it, closing the window during a session asks to stop instead, so a session is never left running
out of reach.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from stretch_desktop.core.engine import Snapshot, State
from stretch_desktop.ui.actions import WindowActions
from stretch_desktop.ui.session_controller import SessionController

NOTIFY_MS = 8_000


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QObject):
    """The tray icon of a window: its menu follows the session, a click shows the window."""

    def __init__(
        self,
        controller: SessionController,
        window: WindowActions,
        icon: QIcon,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._controller = controller
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("Stretch Desktop")
        self.menu = QMenu()  # no parent widget: a tray menu is a window of its own
        self.pause_action = self._action("Pause", controller.toggle)
        self.skip_action = self._action("Skip pose", controller.skip)
        self.menu.addSeparator()
        self.show_action = self._action("Show window", window.bring_to_front)
        self._action("Quit", window.quit_app)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        controller.state_changed.connect(self.follow)
        self.destroyed.connect(self.menu.deleteLater)
        self.follow(controller.snapshot())
        self.icon.show()

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def follow(self, snapshot: Snapshot | None) -> None:
        state = snapshot.state if snapshot else State.IDLE
        active = self._controller.in_session
        self.pause_action.setText("Resume" if state is State.PAUSED else "Pause")
        self.pause_action.setEnabled(active)
        self.skip_action.setEnabled(active)
        pose = snapshot.step.pose.name if snapshot and active else ""
        paused = "Paused: " if state is State.PAUSED else ""
        self.icon.setToolTip(f"Stretch Desktop — {paused}{pose}" if pose else "Stretch Desktop")

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            if self._window.is_on_screen():
                self._window.hide_to_tray()
            else:
                self._window.bring_to_front()

    def show_message(self, title: str, text: str) -> bool:
        """A notification through the tray (Qt asks the desktop); False when the icon is gone."""
        if not self.icon.isVisible():
            return False
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, NOTIFY_MS)
        return True
