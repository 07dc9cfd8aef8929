"""What the window does when things go wrong: damaged files, a broken import, no history, sleep."""

import random
import sqlite3
from datetime import datetime

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt

import stretch_desktop.ui.settings as settings_module
from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.engine import MAX_POLL_GAP_MS, State
from stretch_desktop.library import builtin_routines, user_routines_dir
from stretch_desktop.speech.speaker import RecordingSpeaker
from stretch_desktop.storage.history import History
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.pages.history import summary_text
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings, UiPreferences, damage
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


def test_a_settings_file_of_random_bytes_is_kept_aside_said_once_and_not_rewritten(tmp_path):
    """Issue 15, defect 6: Qt read random bytes as junk keys without complaint, and the next
    save rewrote the file in place: no copy kept, nothing said."""
    path = tmp_path / "settings.ini"
    junk = random.Random(15).randbytes(4096)  # the audit's case: a few KB of random bytes
    path.write_bytes(junk)
    settings = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert settings.notice is not None
    (kept,) = tmp_path.glob("settings.ini.corrupt-*")
    assert kept.name in settings.notice
    assert kept.read_bytes() == junk
    assert settings.load() == UiPreferences()
    settings.save(UiPreferences(muted=True))  # a fresh file; the copy is left as it was
    assert kept.read_bytes() == junk
    assert damage(path.read_bytes()) is None
    again = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert again.notice is None  # said once
    assert again.load().muted


def test_a_second_damaged_file_in_the_same_second_does_not_overwrite_the_first_copy(
    tmp_path, monkeypatch
):
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 2, 3, 4, 5)

    monkeypatch.setattr(settings_module, "datetime", Frozen)
    path = tmp_path / "settings.ini"
    for content in (b"\x00first", b"\x00second"):
        path.write_bytes(content)
        Settings(QSettings(str(path), QSettings.Format.IniFormat))
    kept = sorted(tmp_path.glob("settings.ini.corrupt-*"))
    assert [k.name for k in kept] == [
        "settings.ini.corrupt-20260102T030405",
        "settings.ini.corrupt-20260102T030405-2",
    ]
    assert [k.read_bytes() for k in kept] == [b"\x00first", b"\x00second"]


def test_whatever_qt_writes_is_never_taken_for_damage(tmp_path):
    path = tmp_path / "settings.ini"
    store = QSettings(str(path), QSettings.Format.IniFormat)
    every = "".join(chr(c) for c in range(0x800)) + "\u2028\x85\U0001f600"
    store.setValue("window/geometry", QByteArray(bytes(range(256))))
    store.setValue("voice/voice", every)
    store.setValue("ünï/kéy\x01 =[x]", "a\nb")
    store.setValue("a/list", ["a", 1, 2.5, True])
    store.setValue("a/long", "word " * 2000)
    store.sync()
    assert damage(path.read_bytes()) is None
    settings = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert settings.notice is None
    assert settings._store.value("voice/voice") == every


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", None),
        (b"\xef\xbb\xbf[pace]\r\ninhale_s=3\r\n", None),  # an editor's BOM and CRLF
        (b"; a comment\n# another\n\n[General]\nlong=a\\\n  continued\n", None),
        (b"caf\xc3\xa9=ol\xc3\xa9\n", None),
        (b"[pace]\ninhale_s=3\ncaf\xe9=1\n", "line 3: not UTF-8 text"),
        (b"[pace]\ninhale_s=3\x00\n", "line 2: a control character"),
        (b"[pace]\n\x0c\n", "line 2: a control character"),
        (b"[pace]\ninhale_s=3\nhello\n", "line 3: not a [section] or a key=value"),
        (b"[pace\n", "line 1: not a [section] or a key=value"),
    ],
)
def test_what_counts_as_damage(content, expected):
    assert damage(content) == expected


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
    assert window.history_page.summary.text() == (
        "This week: 1 min of stretching on 1 of 3 days  ·  Streak: none yet"
    )
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
        "This week: 0 min of stretching on 0 of 3 days  ·  Streak: none yet"
    )
