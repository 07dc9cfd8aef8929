"""Write PNGs of every state of the real window, for `make screenshots` (run under Xvfb).

The window is the app's own, built by the same code as `stretch-desktop`; only the clock is a
fake one moved to chosen moments (mid-inhale, mid-flow, in a rest), so every picture shows a
known state. Each PNG is grabbed from the X screen, as a person would see it.

The session page's figure is shot in each way it is drawn: a hold on the right side and the
same hold on the left (mirrored), a contract-relax press, two flows half way through a beat
(the body between two keyframes), a rest, and a hold under a dark palette.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import Snapshot
from stretch_desktop.core.timeline import PhaseKind, beat_at
from stretch_desktop.library import load_library
from stretch_desktop.speech.speaker import NullSpeaker
from stretch_desktop.storage.history import History
from stretch_desktop.ui.app import app_icon, make_application
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.preferences_dialog import PreferencesDialog
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import UiPreferences
from stretch_desktop.ui.ticker import ManualTicker
from stretch_desktop.ui.tray import Tray


def dark_desktop() -> QPalette:
    """A dark desktop's palette (every role the window uses), to see the app as it looks there."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#23262b"),
        (roles.WindowText, "#e8e8e6"),
        (roles.Base, "#1b1d21"),
        (roles.AlternateBase, "#2b2f35"),
        (roles.Text, "#e8e8e6"),
        (roles.Button, "#30343a"),
        (roles.ButtonText, "#e8e8e6"),
        (roles.Highlight, "#4c9be8"),
        (roles.HighlightedText, "#10141a"),
        (roles.Mid, "#4a4f57"),
        (roles.Light, "#3a3f46"),
        (roles.Dark, "#15171a"),
        (roles.Shadow, "#000000"),
        (roles.ToolTipBase, "#30343a"),
        (roles.ToolTipText, "#e8e8e6"),
        (roles.PlaceholderText, "#9a9a98"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def mid_beat(snapshot: Snapshot) -> bool:
    """Half way through a flow's beat, after its first round: the body between keyframes."""
    if snapshot.phase.kind is not PhaseKind.FLOW:
        return False
    beat = beat_at(snapshot.phase, snapshot.elapsed_ms)
    return beat.repetition >= 2 and 0.45 <= beat.fraction <= 0.55


def shoot_reminders(
    app: QApplication, window: MainWindow, controller: SessionController, scratch: Path, out: Path
) -> None:
    """Preferences → Reminders with two reminders, on a Monday evening (a fake wall clock), so
    "Next reminder" reads the same in every shot. Cancelled: nothing is saved."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from stretch_desktop.core.clock import FakeWallClock
    from stretch_desktop.core.reminders import DAYS, Reminder
    from stretch_desktop.storage.reminders import save_reminders
    from stretch_desktop.ui.reminders import ReminderService

    path = scratch / "reminders.json"
    save_reminders(
        path,
        [
            Reminder("r1", "07:30", DAYS[:5], "lunge-flow-for-hamstrings"),
            Reminder("r2", "18:00", ("mon", "wed", "sat"), None),
        ],
    )
    service = ReminderService(
        window,
        controller,
        FakeWallClock(datetime(2026, 11, 30, 20, 15, tzinfo=ZoneInfo("Europe/Berlin"))),
        path,
        routines=lambda: window.choose_page.routines,
        last_routine=lambda: None,
        pacing=lambda: window.preferences.current.pacing,
        notifications=None,
        parent=window,
    )
    window.choose_another()

    def shoot_tab() -> None:
        dialog = app.activeModalWidget()
        if isinstance(dialog, PreferencesDialog):
            dialog.pages.setCurrentIndex(dialog.pages.count() - 1)
            for _ in range(10):
                app.processEvents()
            path = out / "reminders.png"
            dialog.screen().grabWindow(dialog.winId()).save(str(path))
            print(path)
            dialog.reject()

    QTimer.singleShot(300, shoot_tab)
    window.choose_page.open_preferences()
    service.stop()


def main(out: Path, size: tuple[int, int]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    clock = FakeClock(1_000_000)
    # A history of its own, outside the repository: the shots must not show (or leave) anyone's.
    scratch = tempfile.TemporaryDirectory(prefix="stretch-screenshots-")
    history = History(Path(scratch.name) / "history.sqlite3")
    controller = SessionController(clock, NullSpeaker(), ManualTicker, history=history)
    library = load_library()
    window = MainWindow(controller, library.routines, LivePreferences(UiPreferences()))
    window.resize(*size)
    window.show()
    ticker = controller.ticker
    assert isinstance(ticker, ManualTicker)

    def shoot(name: str) -> None:
        for _ in range(10):  # the first shot also lets the choose page draw its figures
            app.processEvents()
        screen = window.screen()
        image = screen.grabWindow(window.winId())
        if image.isNull():  # no window system to grab from: fall back to Qt's own rendering
            image = window.grab()
        path = out / f"{name}.png"
        image.save(str(path))
        print(path)

    def advance_to(predicate: Callable[[Snapshot], bool], limit_ms: int = 3_600_000) -> None:
        waited = 0
        while waited < limit_ms:
            snapshot = controller.snapshot()
            if snapshot is None or predicate(snapshot):
                break
            clock.advance(100)
            waited += 100
            ticker.tick()

    def hold_of(pose: str, side: str) -> Callable[[Snapshot], bool]:
        return lambda s: (
            s.phase.kind is PhaseKind.HOLD
            and s.phase.pose.id == pose
            and s.step.side is not None
            and s.step.side.value == side
        )

    window.select_routine("seven-stretches-for-back-pain")
    app.processEvents()
    shoot("1-choosing")
    window.start_selected()
    # A hold, mid-inhale: the lizard on the right, one second into its third breath.
    advance_to(hold_of("lizard", "right"))
    start = controller.snapshot().phase.start_ms  # type: ignore[union-attr]
    advance_to(lambda s: s.elapsed_ms >= start + 2 * 6000 + 1300)
    shoot("2-hold-mid-inhale")
    controller.toggle()
    shoot("5-paused")
    controller.toggle()
    # The same hold on the left side: the figure mirrored, its front (left) leg highlighted.
    advance_to(hold_of("lizard", "left"))
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 4000)
    shoot("9-hold-left-side")
    # A contract-relax press: the lifted leg pushes into the hands (the arrow), a second in.
    advance_to(lambda s: s.phase.kind is PhaseKind.CONTRACT and s.phase.cycle == 2)
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 1000)
    shoot("10-press")
    # A dark desktop: the same window under a dark palette, in the next hold.
    advance_to(hold_of("half-split", "right"))
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 3000)
    light = app.palette()
    app.setPalette(dark_desktop())
    shoot("12-dark-hold")
    app.setPalette(light)
    controller.stop()
    window.choose_another()
    window.select_routine("lunge-flow-for-hamstrings")
    window.start_selected()
    # The reach question as the first fold ends: six answers in the figure's place.
    advance_to(lambda s: s.phase.kind is PhaseKind.ASK)
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 1000)
    shoot("13-question")
    # A flow half way through a beat: the lunge between "sway out" and "sway in".
    advance_to(mid_beat)
    shoot("3-flow")
    advance_to(lambda s: s.phase.kind is PhaseKind.REST)
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 9000)
    shoot("4-rest")
    controller.stop()
    window.choose_another()
    window.select_routine("roll-down-to-a-box")
    window.start_selected()
    # The roll down half way through "Round down, hands on the box" (its second beat).
    advance_to(lambda s: mid_beat(s) and beat_at(s.phase, s.elapsed_ms).beat == 1)
    shoot("11-flow-roll-down")
    # Closing the window mid-session on a desktop with a tray: keep going, stop, or cancel.
    Tray(controller, window, app_icon(), parent=window)
    window.keeps_going_in_tray = True

    def shoot_dialog() -> None:
        dialog = app.activeModalWidget()
        for _ in range(5):
            app.processEvents()
        path = out / "8-close-mid-session.png"
        window.screen().grabWindow(0).save(str(path))  # the whole screen: window and dialog
        print(path)
        if dialog is not None:
            dialog.reject()  # Cancel: the session goes on

    QTimer.singleShot(300, shoot_dialog)
    window.close()
    advance_to(lambda s: s.state.value == "finished")  # to the end: "Session complete"
    shoot("6-done")
    window.show_history()
    shoot("7-history")
    shoot_reminders(app, window, controller, Path(scratch.name), out)
    window.close()
    history.close()
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    # tools/screenshots.py [FOLDER] [WIDTHxHEIGHT]: the README's pictures are 1280x800.
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    width, height = (int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "1280x800").split("x"))
    sys.exit(main(folder, (width, height)))
