"""Write PNGs of every state of the real window, for `make screenshots` (run under Xvfb).

The window is the app's own, built by the same code as `stretch-desktop`; only the clock is a
fake one moved to chosen moments (mid-inhale, mid-flow, in a rest), so every picture shows a
known state. Each PNG is grabbed from the X screen, as a person would see it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import Snapshot
from stretch_desktop.core.timeline import PhaseKind
from stretch_desktop.library import load_library
from stretch_desktop.speech.speaker import NullSpeaker
from stretch_desktop.storage.history import History
from stretch_desktop.ui.app import app_icon, make_application
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import UiPreferences
from stretch_desktop.ui.ticker import ManualTicker
from stretch_desktop.ui.tray import Tray


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
        for _ in range(5):
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

    window.select_routine("seven-stretches-for-back-pain")
    shoot("1-choosing")
    window.start_selected()
    # A hold, mid-inhale: the lizard on the right, one second into its third breath.
    advance_to(lambda s: s.phase.kind is PhaseKind.HOLD and s.phase.pose.id == "lizard")
    start = controller.snapshot().phase.start_ms  # type: ignore[union-attr]
    advance_to(lambda s: s.elapsed_ms >= start + 2 * 6000 + 1300)
    shoot("2-hold-mid-inhale")
    controller.toggle()
    shoot("5-paused")
    controller.toggle()
    controller.stop()
    window.choose_another()
    window.select_routine("lunge-flow-for-hamstrings")
    window.start_selected()
    advance_to(lambda s: s.phase.kind is PhaseKind.FLOW)
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 7600)
    shoot("3-flow")
    advance_to(lambda s: s.phase.kind is PhaseKind.REST)
    advance_to(lambda s: s.elapsed_ms >= s.phase.start_ms + 9000)
    shoot("4-rest")
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
    window.close()
    history.close()
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    # tools/screenshots.py [FOLDER] [WIDTHxHEIGHT]: the README's pictures are 1280x800.
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    width, height = (int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "1280x800").split("x"))
    sys.exit(main(folder, (width, height)))
