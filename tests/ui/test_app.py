"""The composition root: command-line options reach the window; bad ones become notices."""

import logging
import sqlite3

from stretch_desktop.cli import build_parser
from stretch_desktop.core.engine import State
from stretch_desktop.library import user_data_dir, user_routines_dir
from stretch_desktop.storage.history import History
from stretch_desktop.ui.app import APP_ID, after_show, app_icon, build, make_application
from tests.core.routines import SMALL


def test_closing_the_window_stops_the_voice_threads(window_for):
    window = window_for("--routine", "toe-touch")
    speaker = window.controller.speaker
    window.close()
    thread = getattr(speaker, "_thread", None)
    assert thread is None or not thread.is_alive()


def test_routine_and_start_begin_a_session_at_once(window_for):
    window = window_for("--routine", "toe-touch", "--start", "--mute")
    assert window.controller.engine.state is State.RUNNING
    assert window.controller.engine.timeline.routine.id == "toe-touch"
    assert window.session_page.mute_button.isChecked()
    # The reported case: a muted start named the voice as if it would speak.
    assert window.session_page.voice_label.text().startswith("Muted (M to unmute)")
    assert window.session_page.mute_button.text() == "Unmute"
    window.controller.stop()


def test_a_routine_file_is_added_to_the_list(window_for, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(SMALL)
    window = window_for("--routine", str(path))
    assert window.choose_page.selected_routine().id == "small"
    assert window.controller.engine is None  # chosen, not started


def test_an_unknown_or_broken_routine_is_a_notice_not_a_crash(window_for, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("id = 3\n")
    window = window_for("--routine", str(broken), "--start")
    assert window.controller.engine is None
    notice = window.notices
    assert f"{broken}:1: id: must be text" in notice.text()


def test_the_application_id_is_set(qtbot):
    app = make_application()
    assert app.desktopFileName() == APP_ID


def test_an_unusable_data_folder_turns_history_off_with_a_notice(window_for, tmp_path, monkeypatch):
    """As root a chmod does not stop writes; a data 'folder' that is a file fails for anyone."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    window = window_for("--routine", "toe-touch", "--start", "--mute")
    assert window.controller.history is None
    notice = window.notices
    assert "History is off for this run" in notice.text()
    assert window.controller.engine.state is State.RUNNING  # the session goes on
    window.controller.stop()


def test_the_window_icon_comes_in_every_packaged_size(qapp):
    icon = app_icon()
    sizes = {(size.width(), size.height()) for size in icon.availableSizes()}
    assert {(32, 32), (48, 48), (64, 64), (128, 128), (256, 256), (512, 512)} <= sizes
    assert not icon.pixmap(48, 48).toImage().isNull()


def test_quitting_while_the_resume_question_is_open_offers_it_again_next_time(qtbot, caplog):
    """No answer is not a "no": the session stays resumable, and nothing is logged as an error."""
    path = user_data_dir() / "history.sqlite3"
    history = History(path)
    crashed = history.begin("toe-touch", "Toe Touch", "builtin:toe-touch.toml", 3, {})
    history.close()
    with sqlite3.connect(path) as db:  # as a crash leaves it: running, its process gone
        db.execute("UPDATE sessions SET pid=? WHERE id=?", (2**31 - 1, crashed))
    db.close()
    make_application()
    args = build_parser().parse_args(["--routine", "toe-touch", "--start", "--mute"])
    launch = build(args)
    window = launch.window

    def quit_while_asking(title, question):
        window.controller.shutdown()  # what the app's aboutToQuit does meanwhile
        return False

    window.dialogs.confirm = quit_while_asking
    with caplog.at_level(logging.INFO):
        after_show(launch, args)
    assert window.controller.engine is None  # --start waits for an app that is not quitting
    window.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.id for r in History(path).abandoned()] == [crashed]


def test_notices_show_above_the_session_page_when_start_skips_the_choose_page(window_for):
    """A broken routine file is a notice on whatever page is current, not only the first one."""
    folder = user_routines_dir()
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text("id = 3\n")
    window = window_for("--routine", "toe-touch", "--start", "--mute")
    assert window.pages.currentWidget() is window.session_page
    assert not window.notices.isHidden()
    assert "Skipped" in window.notices.text()
    assert "broken.toml:1: id: must be text" in window.notices.text()
    window.controller.stop()
