"""Hooks that let `make bench` measure the real app from outside, switched on by an environment
variable so normal runs never pay for them.

``STRETCH_DESKTOP_BENCH=first-paint``: print ``first-paint`` when the main window first paints
(the routine list is loaded by then) and quit. ``STRETCH_DESKTOP_BENCH=pause-at:MS``: pause the
running session MS milliseconds after launch (the CPU-while-paused figure).
``STRETCH_DESKTOP_BENCH=minimise-at:MS``: minimise the window MS milliseconds after launch, the
session still running (the CPU-while-minimised figure).
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.session_controller import SessionController


class _FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("first-paint", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def install(window: MainWindow, controller: SessionController) -> None:
    mode = os.environ.get("STRETCH_DESKTOP_BENCH", "")
    if mode == "first-paint":
        window.installEventFilter(_FirstPaint(window))  # parented: lives as long as the window
    elif mode.startswith("pause-at:"):
        delay = int(mode.split(":", 1)[1])
        QTimer.singleShot(delay, controller.pause)
    elif mode.startswith("minimise-at:"):
        delay = int(mode.split(":", 1)[1])
        QTimer.singleShot(delay, window.showMinimized)
    elif mode:
        print(f"unknown STRETCH_DESKTOP_BENCH={mode!r}", file=sys.stderr)
