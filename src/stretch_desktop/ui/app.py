"""The composition root: build the real clock, speaker, library and window, and run Qt.

Everything the window needs is made here and handed in, so tests can build the same window with
a fake clock, a manual ticker and a recording speaker.
"""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from stretch_desktop import __version__
from stretch_desktop.core.clock import MonotonicClock
from stretch_desktop.core.loader import RoutineError
from stretch_desktop.library import UnknownRoutine, load_library, resolve
from stretch_desktop.speech.speaker import NullSpeaker
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings
from stretch_desktop.ui.ticker import QtTicker

APP_ID = "org.stretchdesktop.StretchDesktop"
"""The one application id: desktop file, AppStream metainfo, D-Bus names and settings use it."""

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    QCoreApplication.setOrganizationName("StretchDesktop")
    QCoreApplication.setOrganizationDomain("stretchdesktop.org")
    QCoreApplication.setApplicationName("Stretch Desktop")
    QCoreApplication.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    return app


def build_window(args: argparse.Namespace) -> MainWindow:
    settings = Settings()
    preferences = settings.load()
    library = load_library()
    notices = [f"Skipped {p}" for p in library.problems]
    routines = list(library.routines)
    preselect = args.routine or settings.last_routine()
    if args.routine:
        try:
            chosen = resolve(args.routine, library)
        except RoutineError as error:
            notices.extend(f"Could not open {p}" for p in error.problems)
            chosen = None
        except UnknownRoutine as error:
            notices.append(f"Could not open routine: {error.args[0]}")
            chosen = None
        if chosen is not None and all(r.id != chosen.id for r in routines):
            routines.append(chosen)
        preselect = chosen.id if chosen else None
    speaker = NullSpeaker("Voice not set up yet: captions only")
    controller = SessionController(MonotonicClock(), speaker, QtTicker)
    window = MainWindow(controller, routines, preferences, settings, notices)
    if args.mute:
        window.mute_button.setChecked(True)
    if preselect:
        window.select_routine(preselect)
    window.restore_geometry(settings.geometry())
    if args.start and window.selected_routine() is not None and (args.routine is None or preselect):
        window.start_selected()
    return window


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    window = build_window(args)
    if args.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return int(app.exec())
