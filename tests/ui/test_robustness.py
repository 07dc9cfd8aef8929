"""What the window does when things go wrong: damaged files, a broken import, no history, sleep."""

import sqlite3

import pytest
from PySide6.QtCore import QSettings, Qt

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import MAX_POLL_GAP_MS, State
from stretch_desktop.library import builtin_routines, user_routines_dir
from stretch_desktop.speech.speaker import RecordingSpeaker
from stretch_desktop.storage.history import History
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.pages.history import summary_text
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings, UiPreferences
from stretch_desktop.ui.ticker import ManualTicker
from tests.core.routines import SMALL


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(history=None):
        clock = FakeClock(1_000)
        controller = SessionController(clock, RecordingSpeaker(), ManualTicker, history=history)
        window = MainWindow(controller, builtin_routines(), LivePreferences(UiPreferences()))
        window.dialogs.confirm = lambda title, question: True
        window.told = []
        window.dialogs.inform = lambda title, text: window.told.append(text)
        qtbot.addWidget(window)
        window.clock = clock
        return window

    return make


def run(window, ms, step=100):
    for _ in range(ms // step):
        window.clock.advance(step)
        window.controller.ticker.tick()


@pytest.mark.parametrize(
    "content", [b"[pace]\ninhale_s=2.5\n[voice\nrate=@Variant(\x00", bytes(range(256)) * 8]
)
def test_damaged_settings_are_moved_aside_and_defaults_used(tmp_path, content):
    path = tmp_path / "settings.ini"
    path.write_bytes(content)
    settings = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert settings.notice is not None
    assert settings.load() == UiPreferences()
    (kept,) = tmp_path.glob("settings.ini.corrupt-*")
    assert kept.read_bytes() == content


def test_good_settings_are_left_alone(tmp_path):
    path = tmp_path / "settings.ini"
    path.write_text("[pace]\ninhale_s=3\n")
    settings = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert settings.notice is None
    assert settings.load().pacing.inhale_ms == 3000


def test_importing_a_broken_routine_names_file_line_and_field_and_copies_nothing(
    make_window, tmp_path
):
    window = make_window()
    broken = tmp_path / "broken.toml"
    broken.write_text(SMALL.replace("cycles = 2", "cycles = 0"))
    assert window.choose_page.import_file(broken) is None
    (message,) = window.told
    assert message.startswith(f"{broken}:")
    assert "steps[2].cycles: must be between 1 and 30, not 0" in message
    assert not user_routines_dir().exists() or not list(user_routines_dir().iterdir())


def test_importing_a_good_routine_copies_lists_and_selects_it(make_window, tmp_path):
    window = make_window()
    good = tmp_path / "mine.toml"
    good.write_text(SMALL)
    routine = window.choose_page.import_file(good)
    assert routine.id == "small"
    assert (user_routines_dir() / "small.toml").read_text() == SMALL
    assert window.choose_page.selected_routine().id == "small"
    assert window.choose_page.routine_list.count() == 6


def test_sessions_appear_in_the_history_view(make_window, tmp_path):
    history = History(tmp_path / "history.sqlite3")
    window = make_window(history)
    window.select_routine("toe-touch")
    window.start_selected()
    run(window, window.controller.engine.timeline.total_ms + 200)
    window.show_history()
    assert window.pages.currentWidget() is window.history_page
    table = window.history_page.table
    assert table.rowCount() == 1
    assert table.item(0, 1).text() == "Toe Touch"
    assert table.item(0, 2).text() == "Completed"
    assert "This week: 1 min" in window.history_page.summary.text()
    assert "Streak: 1 day" in window.history_page.summary.text()
    history.close()


def test_when_history_cannot_be_written_the_session_goes_on_and_says_so_once(
    make_window, tmp_path, qtbot
):
    path = tmp_path / "history.sqlite3"
    History(path).close()
    history = History(path)
    history._connection.close()  # the disk went read-only
    history._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    window = make_window(history)
    problems = []
    window.controller.history_problem.connect(problems.append)
    window.select_routine("toe-touch")
    window.start_selected()
    run(window, window.controller.engine.timeline.total_ms + 200)
    assert window.controller.engine.state is State.FINISHED
    assert window.pages.currentWidget() is window.done_page
    assert len(problems) == 1
    assert "History could not be saved" in problems[0]
    assert "read-only" in problems[0]


def test_a_sleep_pauses_and_the_window_says_why(make_window):
    window = make_window()
    window.select_routine("toe-touch")
    window.start_selected()
    run(window, 2000)
    window.clock.advance(MAX_POLL_GAP_MS + 1)
    window.controller.ticker.tick()
    assert window.controller.engine.state is State.PAUSED
    assert "slept" in window.session_page.pause_label.text()
    assert "Nothing was skipped" in window.session_page.pause_label.text()
    assert window.windowTitle().startswith("Paused")


def test_escape_leaves_the_history_page(make_window, qtbot):
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.show_history()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.choose_page


def test_summary_text_without_sessions():
    from datetime import date

    assert summary_text([], date(2026, 11, 21)) == (
        "This week: 0 min of stretching  ·  Streak: 0 days"
    )
