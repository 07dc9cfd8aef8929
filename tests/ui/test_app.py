"""The composition root: command-line options reach the window; bad ones become notices."""

from stretch_desktop.cli import build_parser
from stretch_desktop.core.engine import State
from stretch_desktop.ui.app import APP_ID, build_window, make_application
from tests.core.routines import SMALL


def window_for(qtbot, *argv):
    make_application()
    window = build_window(build_parser().parse_args(list(argv)))
    qtbot.addWidget(window)
    window.controller.ticker.stop()
    return window


def test_routine_and_start_begin_a_session_at_once(qtbot):
    window = window_for(qtbot, "--routine", "toe-touch", "--start", "--mute")
    assert window.controller.engine.state is State.RUNNING
    assert window.controller.engine.timeline.routine.id == "toe-touch"
    assert window.mute_button.isChecked()
    window.controller.stop()


def test_a_routine_file_is_added_to_the_list(qtbot, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(SMALL)
    window = window_for(qtbot, "--routine", str(path))
    assert window.selected_routine().id == "small"
    assert window.controller.engine is None  # chosen, not started


def test_an_unknown_or_broken_routine_is_a_notice_not_a_crash(qtbot, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("id = 3\n")
    window = window_for(qtbot, "--routine", str(broken), "--start")
    assert window.controller.engine is None
    notice = window.choose_page.findChild(type(window.pose_meta), "notice")
    assert f"{broken}:1: id: must be text" in notice.text()


def test_the_application_id_is_set(qtbot):
    app = make_application()
    assert app.desktopFileName() == APP_ID
