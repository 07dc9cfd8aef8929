"""The composition root: build the real clock, speaker, library and window, and run Qt.

Everything the window needs is made here and handed in, so tests can build the same window with
a fake clock, a manual ticker and a recording speaker.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import platformdirs
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QApplication

from stretch_desktop import __version__
from stretch_desktop.core.clock import MonotonicClock
from stretch_desktop.core.loader import RoutineError
from stretch_desktop.library import APP_NAME, UnknownRoutine, load_library, resolve
from stretch_desktop.speech.live import create_speaker
from stretch_desktop.speech.renderer import VoiceSettings
from stretch_desktop.speech.speaker import Speaker
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


class _StatusBridge(QObject):
    """Carries the speech thread's status changes to the GUI thread (a queued signal)."""

    changed = Signal(str)


def chime_path() -> Path | None:
    entry = resources.files("stretch_desktop") / "resources" / "sounds" / "chime.wav"
    path = Path(str(entry))
    return path if path.is_file() else None


def speaker_factory(
    cue_log: Path | None, bridge: _StatusBridge
) -> Callable[[VoiceSettings], Speaker]:
    cache = platformdirs.user_cache_path(APP_NAME, appauthor=False) / "cues"

    def make(voice: VoiceSettings) -> Speaker:
        return create_speaker(cache, voice, chime_path(), cue_log, bridge.changed.emit)

    return make


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
    bridge = _StatusBridge()
    make_speaker = speaker_factory(args.cue_log, bridge)
    controller = SessionController(MonotonicClock(), make_speaker(preferences.voice), QtTicker)
    bridge.setParent(controller)
    bridge.changed.connect(lambda _status: controller.check_voice())
    window = MainWindow(controller, routines, preferences, settings, notices, make_speaker)
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
    app.aboutToQuit.connect(lambda: window.controller.speaker.close())
    if args.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return int(app.exec())
