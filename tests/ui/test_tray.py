"""Closing the window mid-session, the tray menu, and the "session complete" notification."""

import pytest

from stretch_desktop.core.engine import State
from stretch_desktop.ui.app import app_icon
from stretch_desktop.ui.presenter import clock_text
from stretch_desktop.ui.session_controller import HIDDEN_TICK_MS, VISIBLE_TICK_MS
from stretch_desktop.ui.tray import Tray


@pytest.fixture
def ui(ui):
    ui.choices = []
    ui.window.dialogs.ask_close = lambda: ui.choices.pop(0) if ui.choices else "stop"
    ui.notified = []
    ui.window.notify = lambda title, text: ui.notified.append((title, text)) or True
    return ui


@pytest.fixture
def tray_ui(ui):
    """As on a desktop with a tray (offscreen Qt has none, but the icon and menu still work)."""
    ui.tray = Tray(ui.controller, ui.window, app_icon(), parent=ui.window)
    ui.window.keeps_going_in_tray = True
    return ui


def test_closing_mid_session_can_keep_going_in_the_tray(tray_ui):
    ui = tray_ui
    ui.start("toe-touch")
    ui.run(1000)
    ui.choices.append("tray")
    assert not ui.window.close()
    assert not ui.window.isVisible()
    assert ui.controller.engine.state is State.RUNNING
    assert 0 < ui.ticker.interval_ms <= HIDDEN_TICK_MS  # only the voice needs it now
    ui.run(1000)
    assert ui.snapshot.elapsed_ms == 2000
    ui.tray.show_action.trigger()
    assert ui.window.isVisible()
    assert ui.ticker.interval_ms == VISIBLE_TICK_MS


def test_closing_mid_session_can_stop_it_or_be_cancelled(tray_ui):
    ui = tray_ui
    ui.start("toe-touch")
    ui.choices.append("cancel")
    assert not ui.window.close()
    assert ui.window.isVisible()
    assert ui.controller.engine.state is State.RUNNING
    ui.choices.append("stop")
    assert ui.window.close()
    assert ui.controller.engine.state is State.FINISHED


def test_without_a_tray_closing_mid_session_only_offers_to_stop(ui):
    ui.start("toe-touch")
    ui.answer = False
    assert not ui.window.close()
    assert ui.controller.engine.state is State.RUNNING
    assert ui.choices == []  # the three-way question needs a tray to keep going in
    ui.answer = True
    assert ui.window.close()
    assert ui.controller.engine.state is State.FINISHED


def test_the_tray_menu_follows_the_session_and_drives_it(tray_ui):
    ui = tray_ui
    tray = ui.tray
    assert not tray.pause_action.isEnabled()  # nothing to pause yet
    ui.start("seven-stretches-for-back-pain")
    assert tray.pause_action.isEnabled()
    assert tray.pause_action.text() == "Pause"
    assert ui.snapshot.step.pose.name in tray.icon.toolTip()
    tray.pause_action.trigger()
    assert ui.controller.engine.state is State.PAUSED
    assert tray.pause_action.text() == "Resume"
    assert tray.icon.toolTip().startswith("Stretch Desktop — Paused: ")
    tray.pause_action.trigger()
    assert ui.controller.engine.state is State.RUNNING
    tray.skip_action.trigger()
    assert ui.snapshot.step.index == 1


def test_quit_from_the_tray_asks_then_stops_the_session(tray_ui, monkeypatch):
    ui = tray_ui
    quits = []
    monkeypatch.setattr(
        "stretch_desktop.ui.main_window.QCoreApplication.quit", lambda: quits.append(1)
    )
    ui.start("toe-touch")
    ui.choices.append("tray")
    ui.window.close()
    ui.answer = False
    ui.window.quit_app()
    assert ui.controller.engine.state is State.RUNNING
    assert ui.window.isVisible()  # brought back to ask
    ui.answer = True
    ui.window.quit_app()
    assert ui.controller.engine.state is State.FINISHED
    assert not ui.window.isVisible()
    assert len(quits) == 1


def test_a_session_completed_out_of_sight_is_notified(tray_ui):
    ui = tray_ui
    ui.start("toe-touch")
    ui.choices.append("tray")
    ui.window.close()
    ui.run(ui.snapshot.total_ms + 1000, step=500)
    assert ui.controller.engine.state is State.FINISHED
    ((title, text),) = ui.notified
    assert title == "Session complete"
    routine = ui.controller.engine.timeline.routine.title
    steps = len(ui.controller.engine.timeline.steps)
    active = clock_text(ui.snapshot.active_ms)
    assert text == f"{routine}: {active} of stretching, {steps} of {steps} poses."


def test_a_stopped_session_is_not_notified(ui):
    ui.start("toe-touch")
    ui.controller.stop()
    assert ui.notified == []
