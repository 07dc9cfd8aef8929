"""The composition root: build the real clock, speaker, library and window, and run Qt.

Everything the window needs is made here and handed in, so tests can build the same window with
a fake clock, a manual ticker and a recording speaker.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.clock import MonotonicClock
from stretch_desktop.core.loader import Problem, RoutineError
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.routine import Routine
from stretch_desktop.core.timeline import compile_routine, cue_texts
from stretch_desktop.library import (
    Library,
    UnknownRoutine,
    history_path,
    load_library,
    read_routine_file,
    resolve,
    user_data_dir,
)
from stretch_desktop.speech import early as early_voice
from stretch_desktop.speech.speaker import NullSpeaker, Speaker
from stretch_desktop.speech.voice import VoiceSettings, chime_path, cue_folder
from stretch_desktop.ui.instance_protocol import server_name
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.presenter import step_label
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings, name_application
from stretch_desktop.ui.voice import SpeakerFactory, VoiceSwitch

if TYPE_CHECKING:
    from stretch_desktop.storage.history import History, SessionRecord
    from stretch_desktop.ui.notifications import DesktopNotifications
    from stretch_desktop.ui.reminders import ReminderService
    from stretch_desktop.ui.tray import Tray
from stretch_desktop.ui.ticker import QtTicker

APP_ID = "org.stretchdesktop.StretchDesktop"
"""The one application id: desktop file, AppStream metainfo, D-Bus names and settings use it."""

log = logging.getLogger(__name__)
EARLY_TEXTS = 4
"""A session started at launch: its announcement and countdown are rendered before the first
paint (speech/early.py); the rest follow in the speaker's order."""


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    name_application()
    app.setDesktopFileName(APP_ID)
    return app


class _StatusBridge(QObject):
    """Carries the speech thread's status changes to the GUI thread (a queued signal)."""

    changed = Signal(str)


def resource_path(folder: str, name: str) -> Path | None:
    """A file shipped inside the package (a wheel, an editable install or a bundle alike)."""
    path = Path(str(resources.files("stretch_desktop") / "resources" / folder / name))
    return path if path.is_file() else None


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


def speaker_factory(cue_log: Path | None, bridge: _StatusBridge) -> SpeakerFactory:
    cache = cue_folder()

    def report(status: str) -> None:  # runs on the speech thread
        if shiboken6.isValid(bridge):  # the window may already be gone
            bridge.changed.emit(status)

    def make(voice: VoiceSettings) -> Speaker:
        from stretch_desktop.speech.live import create_speaker  # after the first paint

        return create_speaker(cache, voice, chime_path(), cue_log, report)

    return make


@dataclass
class Launch:
    """What the composition root made and wires after the first paint: the window, the library
    it was built from, the voice switch and what the command line asked to start."""

    window: MainWindow
    controller: SessionController
    library: Library
    voice: VoiceSwitch
    start_requested: bool


def build(args: argparse.Namespace) -> Launch:
    settings = Settings()
    initial = settings.load()
    if args.start:  # the voice starts now if cli.py has not started it yet, so the session is
        # not kept waiting for Piper to load (speech/early.py); the speaker takes it after the
        # paint. Only then: it costs the first paint a little CPU, and a window without --start
        # has seconds before Start.
        early_voice.start(initial.voice, cue_folder(), chime_path())
    if args.mute:
        initial = replace(initial, muted=True)
    preferences = LivePreferences(initial, settings)
    if args.mute:
        settings.save(initial)
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
    # The voice and the history start just after the first paint (after_show): neither is
    # needed to show the routines, and together they cost a third of the start-up time.
    controller = SessionController(MonotonicClock(), NullSpeaker("Voice starting…"), QtTicker)
    bridge.setParent(controller)
    bridge.changed.connect(lambda _status: controller.check_voice())
    voice = VoiceSwitch(controller, speaker_factory(args.cue_log, bridge))
    window = MainWindow(controller, routines, preferences, notices, voice)
    if preselect:
        window.select_routine(preselect)
    window.restore_geometry(settings.geometry())
    selected = window.choose_page.selected_routine() is not None
    start = bool(args.start and selected and (args.routine is None or preselect))
    chosen_routine = window.choose_page.selected_routine()
    if start and chosen_routine is not None:  # its first words, by the voice started above
        first = compile_routine(chosen_routine, preferences.current.pacing)
        early_voice.render_first(cue_texts(first)[:EARLY_TEXTS])
    return Launch(window, controller, library, voice, start)


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
        history = History(history_path())
    except HistoryUnavailable as error:
        log.error("history: %s", error)
        notices.append(f"History is off for this run: {error}. Sessions still work.")
        return None
    if history.notice:
        notices.append(history.notice)
    return history


def _preferences_of(record: SessionRecord, fallback: Pacing) -> Pacing:
    """The pacing a session was compiled with, so its step numbers mean the same steps."""
    try:
        return Pacing.from_json(json.loads(record.preferences))
    except ValueError:  # not JSON, or not a pacing (json.JSONDecodeError is a ValueError)
        return fallback


def _routine_of(record: SessionRecord, library: Library) -> Routine | None:
    routine = library.find(record.routine_id)
    if routine is None and record.origin and not record.origin.startswith("builtin:"):
        try:
            routine = read_routine_file(Path(record.origin))
        except RoutineError:
            return None
    return routine


def offer_resume(launch: Launch, policy: str) -> bool:
    """After a crash: offer to resume the last session where it stopped. True if resumed."""
    from stretch_desktop.storage.history import HistoryUnavailable

    window = launch.window
    history = launch.controller.history
    if history is None:
        return False
    try:
        abandoned = history.abandoned()
        if not abandoned:
            return False
        newest, *older = abandoned
        for record in older:
            history.mark_interrupted(record.id)
        routine = _routine_of(newest, launch.library)
        if routine is None:
            history.mark_interrupted(newest.id)
            return False
        preferences = _preferences_of(newest, window.preferences.current.pacing)
        steps = compile_routine(routine, preferences).steps
        step = steps[min(max(newest.current_step, 0), len(steps) - 1)]
        log.info("offering to resume session %d at step %d", newest.id, step.index)
        question = (
            f"Your last session of {routine.title} was interrupted during "
            f"“{step_label(step)}”. Resume it from the start of that pose?"
        )
        accept = policy == "yes" or (
            policy == "ask" and window.dialogs.confirm("Resume session", question)
        )
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
    history.hold(newest.id)  # ours now: `history` shows it running again, not interrupted
    window.select_routine(routine.id)
    window.show_session()
    launch.controller.resume(newest, routine, preferences)
    return True


def after_show(launch: Launch, args: argparse.Namespace) -> None:
    """Once the window is up: the voice and history, then a resume offer, else --start."""
    from stretch_desktop import __version__

    QCoreApplication.setApplicationVersion(__version__)
    window, controller = launch.window, launch.controller
    launch.voice.use(window.preferences.current.voice)
    notices: list[str] = []
    controller.set_history(open_history(notices))
    window.add_notices(notices)
    join_desktop(launch)
    resumed = offer_resume(launch, args.resume)
    history = controller.history
    if history is not None and history.closed:
        return  # the app quit while the resume question was open: start nothing
    if not resumed and launch.start_requested:
        window.start_selected()


def join_desktop(launch: Launch) -> None:
    """The tray, notifications and media keys (MPRIS), where this desktop offers them. Each
    talks to the controller and to the window's few actions, never to the window's pages."""
    from stretch_desktop.ui.notifications import DesktopNotifications, Notifier
    from stretch_desktop.ui.tray import Tray, tray_available

    window, controller = launch.window, launch.controller
    path = icon_path()
    icon = app_icon()  # after the first paint: on X11 it is sent to the window at each size
    QApplication.setWindowIcon(icon)
    tray = None
    if tray_available():
        tray = Tray(controller, window, icon, parent=window)
        window.keeps_going_in_tray = True
    else:
        log.info("no system tray: closing the window during a session asks to stop it")
    bus = DesktopNotifications() if sys.platform.startswith("linux") else None
    notifier = Notifier(tray.show_message if tray else None, str(path) if path else None, bus=bus)
    window.notify = notifier.notify
    reminders = start_reminders(launch, bus, tray, str(path) if path else None)
    QCoreApplication.instance().aboutToQuit.connect(reminders.stop)  # type: ignore[union-attr]
    QCoreApplication.instance().aboutToQuit.connect(notifier.close)  # type: ignore[union-attr]
    if sys.platform.startswith("linux"):
        from stretch_desktop.ui.mpris import MprisService, session_bus

        service = MprisService(controller, window, session_bus(), APP_ID, parent=window)
        if service.publish():
            QCoreApplication.instance().aboutToQuit.connect(service.withdraw)  # type: ignore[union-attr]


def start_reminders(
    launch: Launch, bus: DesktopNotifications | None, tray: Tray | None, icon: str | None
) -> ReminderService:
    """Reminders on the wall clock, shown through the same bus (with buttons) or the tray."""
    from stretch_desktop.core.clock import SystemWallClock
    from stretch_desktop.storage.reminders import reminders_path
    from stretch_desktop.ui.reminders import ReminderService, WakeWatcher

    window = launch.window
    settings = window.preferences.settings
    return ReminderService(
        window,
        launch.controller,
        SystemWallClock(),
        reminders_path(),
        routines=lambda: window.choose_page.routines,
        last_routine=settings.last_routine if settings is not None else lambda: None,
        pacing=lambda: window.preferences.current.pacing,
        notifications=bus,
        tray=tray,
        icon=icon,
        wake=WakeWatcher() if sys.platform.startswith("linux") else None,
        parent=window,
    )


def show_window(window: MainWindow, args: argparse.Namespace) -> bool:
    """Show the window as asked; False when it stays hidden (``--tray`` with a tray: the tray
    icon is the way in, and reminders come from there)."""
    if args.tray:
        from stretch_desktop.ui.tray import tray_available

        if tray_available():
            log.info("started in the tray")
            return False
        log.info("no system tray: started minimised")
        window.showMinimized()
    elif args.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return True


def _launch_request(args: argparse.Namespace) -> dict[str, object]:
    routine = args.routine
    if routine and (routine.endswith(".toml") or "/" in routine) and Path(routine).exists():
        routine = str(Path(routine).resolve())  # the running app has another working folder
    return {"routine": routine, "start": bool(args.start)}


def quit_on_signals(app: QApplication) -> None:
    """SIGTERM (a logout, ``kill``), SIGINT (Ctrl+C) and SIGHUP quit the app as a quit does:
    ``aboutToQuit`` runs, so the voice stops and the single-instance socket is removed, instead
    of the process dying with its socket left behind. A session in progress is left as a crash
    leaves it: offered for resume at the next launch.

    Python runs a signal handler only between bytecodes, and none run while Qt's loop waits: the
    signal also writes a byte to a socket pair (``signal.set_wakeup_fd``), whose notifier wakes
    the loop, so the handler runs at once. It quits through a zero-time timer, which also works
    for a signal that arrives before the loop has started; ``exit``, not ``quit``, since Qt 6's
    ``quit`` lets a window refuse (a session's "stop it?" question). ``exit`` emits
    ``aboutToQuit`` before an open question's loop returns (measured), so whoever asked finds the
    app already shutting down: no answer, not a "no".
    """
    import contextlib
    import signal

    from PySide6.QtCore import QSocketNotifier

    ends = socket.socketpair()  # both kept by drain(): the wake-up fd must stay open
    for end in ends:
        end.setblocking(False)
    signal.set_wakeup_fd(ends[1].fileno())
    notifier = QSocketNotifier(ends[0].fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        with contextlib.suppress(OSError):  # nothing left: an earlier wake-up read it
            ends[0].recv(64)

    notifier.activated.connect(drain)

    def handle(number: int, _frame: object) -> None:
        log.info("quitting on %s", signal.Signals(number).name)
        QTimer.singleShot(0, app, lambda: app.exit(0))

    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handle)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    quit_on_signals(app)
    if hasattr(socket, "AF_UNIX"):
        from stretch_desktop.ui.single_instance import InstanceServer, hand_over
    else:  # Windows: named pipes through QtNetwork
        from stretch_desktop.ui.single_instance_qt import (  # type: ignore[assignment]
            InstanceServer,
            hand_over,
        )
    name = server_name(APP_ID, user_data_dir())
    if hand_over(name, _launch_request(args)):
        log.info("handed over to the running Stretch Desktop")
        print("Stretch Desktop is already running: it has been brought to the front.")
        return 0
    server = InstanceServer(name)
    app.aboutToQuit.connect(server.close)  # the socket goes at a quit, SIGTERM's included
    launch = build(args)
    window = launch.window
    server.setParent(window)
    server.received.connect(lambda request: handle_launch(launch, request))
    app.aboutToQuit.connect(launch.controller.shutdown)
    if os.environ.get("STRETCH_DESKTOP_BENCH"):
        from stretch_desktop.ui import bench_hooks

        bench_hooks.install(window, launch.controller)
    if show_window(window, args) and not args.tray:
        when_painted(window, lambda: after_show(launch, args))
    else:  # hidden or minimised: no paint to wait for
        QTimer.singleShot(0, lambda: after_show(launch, args))
    return int(app.exec())


def handle_launch(launch: Launch, request: dict[str, object]) -> None:
    """Another launch of the app asked for this window (and maybe a routine)."""
    log.info("another launch asked for %s", request)
    window = launch.window
    reference = request.get("routine")
    if not isinstance(reference, str) or not reference:
        window.bring_to_front()
        return
    library = Library(routines=list(window.choose_page.routines))  # imported ones too
    try:
        routine = resolve(reference, library)
    except (RoutineError, UnknownRoutine) as error:
        problems = error.problems if isinstance(error, RoutineError) else [error.args[0]]
        window.bring_to_front()
        window.dialogs.inform("Routine not opened", "\n".join(str(p) for p in problems))
        return
    window.open_routine(routine, start=bool(request.get("start")))


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
