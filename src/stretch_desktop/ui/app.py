"""The composition root: build the real clock, speaker, library and window, and run Qt.

Everything the window needs is made here and handed in, so tests can build the same window with
a fake clock, a manual ticker and a recording speaker.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.clock import MonotonicClock
from stretch_desktop.core.loader import Problem, RoutineError
from stretch_desktop.core.routine import Routine, Side
from stretch_desktop.core.timeline import BreathCues, Preferences, compile_routine
from stretch_desktop.library import (
    APP_NAME,
    Library,
    UnknownRoutine,
    load_library,
    read_routine_file,
    resolve,
    user_data_dir,
)
from stretch_desktop.speech.speaker import NullSpeaker, Speaker
from stretch_desktop.speech.voice import VoiceSettings
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.presenter import step_label
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings
from stretch_desktop.ui.single_instance import InstanceServer, hand_over, server_name

if TYPE_CHECKING:
    from stretch_desktop.storage.history import History, SessionRecord
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
    app.setDesktopFileName(APP_ID)
    return app


class _StatusBridge(QObject):
    """Carries the speech thread's status changes to the GUI thread (a queued signal)."""

    changed = Signal(str)


def resource_path(folder: str, name: str) -> Path | None:
    """A file shipped inside the package (a wheel, an editable install or a bundle alike)."""
    path = Path(str(resources.files("stretch_desktop") / "resources" / folder / name))
    return path if path.is_file() else None


def chime_path() -> Path | None:
    return resource_path("sounds", "chime.wav")


def icon_path() -> Path | None:
    return resource_path("icons", f"{APP_ID}.svg")


def app_icon() -> QIcon:
    """The window and tray icon, from its PNG sizes: the SVG would load QtSvg and its icon
    plugin, 1.4 MiB of a running session's memory (measured), to draw the same pictures."""
    icon = QIcon()
    folder = Path(str(resources.files("stretch_desktop") / "resources" / "icons" / "hicolor"))
    for png in sorted(folder.glob(f"*/apps/{APP_ID}.png")):
        icon.addFile(str(png))
    return icon


def speaker_factory(
    cue_log: Path | None, bridge: _StatusBridge
) -> Callable[[VoiceSettings], Speaker]:
    cache = platformdirs.user_cache_path(APP_NAME, appauthor=False) / "cues"

    def report(status: str) -> None:  # runs on the speech thread
        if shiboken6.isValid(bridge):  # the window may already be gone
            bridge.changed.emit(status)

    def make(voice: VoiceSettings) -> Speaker:
        from stretch_desktop.speech.live import create_speaker  # after the first paint

        return create_speaker(cache, voice, chime_path(), cue_log, report)

    return make


def build_window(args: argparse.Namespace) -> MainWindow:
    settings = Settings()
    preferences = settings.load()
    library = load_library()
    notices = skipped_files(library.problems)
    if settings.notice:
        notices.append(settings.notice)
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
    # The voice and the history start just after the first paint (after_show): neither is
    # needed to show the routines, and together they cost a third of the start-up time.
    controller = SessionController(MonotonicClock(), NullSpeaker("Voice starting…"), QtTicker)
    bridge.setParent(controller)
    bridge.changed.connect(lambda _status: controller.check_voice())
    window = MainWindow(controller, routines, preferences, settings, notices, make_speaker)
    if args.mute:
        window.mute_button.setChecked(True)
    if preselect:
        window.select_routine(preselect)
    window.restore_geometry(settings.geometry())
    window.library = library
    window.start_requested = bool(
        args.start and window.selected_routine() is not None and (args.routine is None or preselect)
    )
    return window


def skipped_files(problems: list[Problem]) -> list[str]:
    """One line per broken routine file: its first problem, and how to see the rest."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    lines = []
    for file, found in by_file.items():
        more = len(found) - 1
        rest = f" (and {more} more: stretch-desktop check {file})" if more else ""
        lines.append(f"Skipped {found[0]}{rest}")
    return lines


def open_history(notices: list[str]) -> History | None:
    """The history database, or None (with a notice saying why) when it cannot be used."""
    from stretch_desktop.storage.history import History, HistoryUnavailable

    try:
        history = History(user_data_dir() / "history.sqlite3")
    except HistoryUnavailable as error:
        log.error("history: %s", error)
        notices.append(f"History is off for this run: {error}. Sessions still work.")
        return None
    if history.notice:
        notices.append(history.notice)
    return history


def _preferences_of(record: SessionRecord, fallback: Preferences) -> Preferences:
    """The pacing a session was compiled with, so its step numbers mean the same steps."""
    try:
        saved = json.loads(record.preferences)
        return Preferences(
            inhale_ms=int(saved["inhale_ms"]),
            exhale_ms=int(saved["exhale_ms"]),
            lead_in_ms=int(saved["lead_in_ms"]),
            first_side=Side(saved["first_side"]),
            breath_cues=BreathCues(saved["breath_cues"]),
        )
    except (ValueError, KeyError, TypeError):
        return fallback


def _routine_of(record: SessionRecord, library: Library) -> Routine | None:
    routine = library.find(record.routine_id)
    if routine is None and record.origin and not record.origin.startswith("builtin:"):
        try:
            routine = read_routine_file(Path(record.origin))
        except RoutineError:
            return None
    return routine


def offer_resume(window: MainWindow, policy: str) -> bool:
    """After a crash: offer to resume the last session where it stopped. True if resumed."""
    from stretch_desktop.storage.history import HistoryUnavailable

    history = window.controller.history
    if history is None:
        return False
    try:
        abandoned = history.abandoned()
        if not abandoned:
            return False
        newest, *older = abandoned
        for record in older:
            history.mark_interrupted(record.id)
        routine = _routine_of(newest, window.library)
        if routine is None:
            history.mark_interrupted(newest.id)
            return False
        preferences = _preferences_of(newest, window.preferences.pacing)
        steps = compile_routine(routine, preferences).steps
        step = steps[min(max(newest.current_step, 0), len(steps) - 1)]
        log.info("offering to resume session %d at step %d", newest.id, step.index)
        question = (
            f"Your last session of {routine.title} was interrupted during "
            f"“{step_label(step)}”. Resume it from the start of that pose?"
        )
        accept = policy == "yes" or (policy == "ask" and window.confirm("Resume session", question))
        if history.closed:  # the app quit while asking: no answer, so ask again next launch
            log.info("quit before an answer: session %d will be offered again", newest.id)
            return False
        if not accept:
            history.mark_interrupted(newest.id)
            log.info("session %d marked interrupted", newest.id)
            return False
    except HistoryUnavailable as error:
        log.error("history: %s", error)
        return False
    window.select_routine(routine.id)
    window.show_session()
    window.controller.resume(newest, routine, preferences)
    return True


def after_show(window: MainWindow, args: argparse.Namespace) -> None:
    """Once the window is up: the voice and history, then a resume offer, else --start."""
    from stretch_desktop import __version__

    QCoreApplication.setApplicationVersion(__version__)
    if window.make_speaker is not None:
        window.controller.set_speaker(window.make_speaker(window.preferences.voice))
    notices: list[str] = []
    window.controller.set_history(open_history(notices))
    window.add_notices(notices)
    join_desktop(window)
    resumed = offer_resume(window, args.resume)
    history = window.controller.history
    if history is not None and history.closed:
        return  # the app quit while the resume question was open: start nothing
    if not resumed and window.start_requested:
        window.start_selected()


def join_desktop(window: MainWindow) -> None:
    """The tray, notifications and media keys (MPRIS), where this desktop offers them."""
    from stretch_desktop.ui.tray import Notifier, Tray, tray_available

    path = icon_path()
    icon = app_icon()  # after the first paint: on X11 it is sent to the window at each size
    QApplication.setWindowIcon(icon)
    if tray_available():
        window.tray = Tray(window, icon)
    else:
        log.info("no system tray: closing the window during a session asks to stop it")
    window.notify = Notifier(window.tray, str(path) if path else None).notify
    if sys.platform.startswith("linux"):
        from stretch_desktop.ui.mpris import MprisService, session_bus

        service = MprisService(window, session_bus(), APP_ID)
        if service.publish():
            QCoreApplication.instance().aboutToQuit.connect(service.withdraw)  # type: ignore[union-attr]


def _launch_request(args: argparse.Namespace) -> dict[str, object]:
    routine = args.routine
    if routine and (routine.endswith(".toml") or "/" in routine) and Path(routine).exists():
        routine = str(Path(routine).resolve())  # the running app has another working folder
    return {"routine": routine, "start": bool(args.start)}


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    name = server_name(APP_ID, user_data_dir())
    if hand_over(name, _launch_request(args)):
        log.info("handed over to the running Stretch Desktop")
        print("Stretch Desktop is already running: it has been brought to the front.")
        return 0
    server = InstanceServer(name)
    window = build_window(args)
    server.setParent(window)
    server.received.connect(window.handle_launch)
    app.aboutToQuit.connect(window.controller.shutdown)
    if os.environ.get("STRETCH_DESKTOP_BENCH"):
        from stretch_desktop.ui import bench_hooks

        bench_hooks.install(window)
    if args.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    when_painted(window, lambda: after_show(window, args))
    return int(app.exec())


class _FirstPaint(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)  # right after this paint reaches the screen
        return False


def when_painted(window: MainWindow, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the window has painted: start-up work that can wait, waits."""
    window.installEventFilter(_FirstPaint(callback, window))
