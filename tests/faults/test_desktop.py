"""The desktop side under faults: a settings file of random bytes, a real suspend, another local
user at the single-instance socket, SIGTERM, SIGINT and SIGHUP, and notices that ``--start``
would have hidden.

Each case names the defect of issue 15 it guards. Faults about processes use real app processes
(the ``launch`` fixture), followed by their log lines and exits, never by sleeps. "Another user"
is a process that drops to ``nobody`` once its interpreter is loaded: root can do that, and CI
runs as root (``foreign_server`` in ``tests/conftest.py``).
"""

import os
import random
import signal
import tempfile
from pathlib import Path

import pytest

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import State
from stretch_desktop.library import builtin_routines, history_path, user_data_dir
from stretch_desktop.speech.speaker import RecordingSpeaker
from stretch_desktop.ui import single_instance
from stretch_desktop.ui.app import APP_ID
from stretch_desktop.ui.instance_protocol import server_name
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import UiPreferences, damage
from stretch_desktop.ui.ticker import ManualTicker
from tests.conftest import NOBODY, foreign_server

STARTED = "no system tray"
"""Logged by ``after_show`` (offscreen there is no tray): the launch's start-up is over."""


@pytest.fixture
def shared_tmp(env, monkeypatch):
    """As the audit found it: no XDG_RUNTIME_DIR and a temp folder everyone shares (1777), for
    the app processes and for this test alike. Short: pytest's folders are too deep for a
    socket's path."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="sd-") as shared:
        os.chmod(shared, 0o1777)
        env.pop("XDG_RUNTIME_DIR", None)
        env["TMPDIR"] = shared
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
        monkeypatch.setenv("TMPDIR", shared)
        yield Path(shared)


# --- defect 6: a settings file of random bytes ------------------------------------------------


def test_a_settings_file_of_random_bytes_is_kept_aside_said_once_and_not_rewritten(
    env, launch, tmp_path
):
    """Issue 15, defect 6: Qt read random bytes as junk keys and the app saved over them: no
    copy kept, nothing said. ``--mute`` saves the settings at once, as the audit's run did."""
    conf = tmp_path / "config" / "StretchDesktop" / "Stretch Desktop.conf"
    conf.parent.mkdir(parents=True)
    junk = random.Random(15).randbytes(4096)
    conf.write_bytes(junk)
    app = launch("--mute")
    line = app.wait_for("settings: Your settings were damaged")
    app.wait_for(STARTED)
    (kept,) = conf.parent.glob("Stretch Desktop.conf.corrupt-*")
    assert kept.name in line
    assert kept.read_bytes() == junk
    assert conf.read_bytes() != junk
    assert damage(conf.read_bytes()) is None  # a fresh file of the app's own
    app.kill()
    again = launch("--mute")
    again.wait_for(STARTED)
    assert not [seen for seen in again.seen if "damaged" in seen]  # said once
    assert kept.read_bytes() == junk


# --- defect 8: a real suspend ------------------------------------------------------------------


def test_a_suspend_pauses_the_session_and_the_window_says_the_computer_slept(qtbot):
    """Issue 15, defect 8: on Linux the monotonic clock stands still while suspended, so a
    sleep was never noticed; the clock that counts sleep (``CLOCK_BOOTTIME``) tells."""
    clock = FakeClock(1_000)
    controller = SessionController(clock, RecordingSpeaker(), ManualTicker)
    window = MainWindow(controller, builtin_routines(), LivePreferences(UiPreferences()))
    window.dialogs.confirm = lambda title, question: True  # closing mid-session asks
    qtbot.addWidget(window)
    window.select_routine("toe-touch")
    window.start_selected()
    for _ in range(20):
        clock.advance(100)
        controller.ticker.tick()
    clock.suspend(45 * 60_000)  # the lid closed for 45 minutes
    clock.advance(100)  # the first tick after waking
    controller.ticker.tick()
    assert controller.engine.state is State.PAUSED
    assert controller.engine.snapshot().elapsed_ms == 2000  # where the person was
    assert "slept" in window.session_page.pause_label.text()
    controller.stop()


# --- defect 9: the single-instance socket -----------------------------------------------------


@pytest.mark.parametrize("where", ["the old shared path", "our own socket's path"])
def test_another_user_s_server_does_not_stop_a_launch(shared_tmp, launch, where):
    """Issue 15, defect 9: another local user listened at the predictable socket in /tmp, and
    the real user's launch said "already running" and quit. Now the socket is in a folder only
    the user can enter, and a server of another uid, even at our own path, is not handed to."""
    name = server_name(APP_ID, user_data_dir())
    ours = single_instance.socket_path(name)
    path = shared_tmp / name if where == "the old shared path" else ours
    with foreign_server(path) as received:
        app = launch("--routine", "e2e")
        if path == ours:
            app.wait_for(f"answered by another user (uid {NOBODY})")
        line = app.wait_for("listening for other launches on ")
        assert line.endswith(f" on {ours}")
        if path == ours:
            assert received() == "b''"  # the request was not handed to the other user
    app.kill()


@pytest.mark.parametrize(
    "quit_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name
)
def test_a_quit_signal_removes_the_socket_and_the_next_launch_starts_normally(
    shared_tmp, launch, quit_signal
):
    """Issue 15, defect 9: SIGTERM killed the app with its socket left behind. Now it quits as
    a quit does: the socket is removed, the exit is clean, and the session in progress is left
    as a crash leaves it: offered for resume. The README promises the same for SIGINT (Ctrl+C
    in a terminal) and SIGHUP (the terminal closed)."""
    app = launch("--routine", "e2e", "--start", "--mute")
    line = app.wait_for("listening for other launches on ")
    path = Path(line.split(" on ", 1)[1])
    assert path.parent == shared_tmp / f"stretch-desktop-{os.getuid()}"
    assert path.exists()
    app.wait_for("journal: session 1, step 1 done")
    app.process.send_signal(quit_signal)
    assert app.process.wait(timeout=30) == 0
    assert not path.exists()
    assert any(f"quitting on {quit_signal.name}" in seen for seen in app.seen + _rest(app))
    again = launch("--resume", "yes", "--mute")
    assert again.wait_for("listening for other launches on ").endswith(f" on {path}")
    again.wait_for("resumed session 1 at step 2")
    again.kill()


def test_sigterm_while_the_resume_question_is_open_keeps_the_session_offered(
    shared_tmp, env, launch
):
    """A SIGTERM ends the question's own loop at once: that is no answer, not a "no", and the
    launch's ``--start`` must not begin a new session on its way out."""
    crashed = launch("--routine", "e2e", "--start", "--mute")
    crashed.wait_for("journal: session 1, step 1 done")
    crashed.kill()
    asking = launch("--routine", "e2e", "--start", "--mute")  # --resume ask: a question opens
    asking.wait_for("offering to resume session 1 at step 2")
    asking.process.send_signal(signal.SIGTERM)
    assert asking.process.wait(timeout=30) == 0
    lines = asking.seen + _rest(asking)
    assert any("quit before an answer: session 1 will be offered again" in line for line in lines)
    assert not any("marked interrupted" in line or "session 2" in line for line in lines)
    again = launch("--resume", "yes", "--mute")
    again.wait_for("resumed session 1 at step 2")
    again.kill()


def _rest(app):
    """The lines an exited app wrote after the last one awaited."""
    lines = []
    while (line := app.lines.get(timeout=10)) is not None:
        lines.append(line)
    return lines


# --- defect 12: notices that --start would have hidden -----------------------------------------


def test_a_history_set_aside_at_launch_is_a_notice_on_the_session_page(window_for):
    """Issue 15, defect 12: the notice was on the choose page, which ``--start`` never shows."""
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    window = window_for("--routine", "toe-touch", "--start", "--mute")
    assert window.pages.currentWidget() is window.session_page
    assert window.controller.engine.state is State.RUNNING
    assert not window.notices.isHidden()
    assert "The history file was damaged" in window.notices.text()
    (kept,) = path.parent.glob(f"{path.name}.corrupt-*")
    assert kept.name in window.notices.text()
    window.controller.stop()
