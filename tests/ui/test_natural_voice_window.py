"""The natural voice in the window, driven as a person does: Preferences (Natural voice / System
voice, Test voice, saved), "Preparing the voice… 12 of 40" after clicking a routine, and a
session whose next cues are rendered first.

The voice here is the real LiveSpeaker and RenderWorker with a slow stand-in synthesiser that
renders only when the test allows it, so what is rendered in which order is seen exactly.
"""

import sys

import pytest
from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from stretch_desktop.core.engine import State
from stretch_desktop.core.timeline import compile_routine, cue_texts
from stretch_desktop.library import builtin_routines
from stretch_desktop.speech.live import LiveSpeaker
from stretch_desktop.speech.player import RecordingPlayer
from stretch_desktop.speech.renderer import CueCache, RenderWorker, VoiceSettings
from stretch_desktop.ui.preferences_dialog import PreferencesDialog
from stretch_desktop.ui.settings import Settings, UiPreferences
from stretch_desktop.ui.voice import SAMPLE
from tests.speech.test_natural_voice import Gated

# --- Preferences ----------------------------------------------------------------------------------


def in_preferences(ui, act):
    """Open Preferences with a click and run ``act(dialog)`` inside its own event loop."""
    done = []

    def run():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PreferencesDialog)
        act(dialog)
        done.append(True)

    QTimer.singleShot(0, run)
    ui.click(ui.window.choose_page.preferences_button)
    assert done


def test_choosing_the_system_voice_tries_it_and_keeps_it(ui, tmp_path):
    seen = {}

    def choose_system(dialog):
        seen["first"] = dialog.engine.currentText()
        seen["id list at first"] = dialog.voice.isEnabled()
        dialog.engine.setFocus()
        ui.qtbot.keyClick(dialog.engine, Qt.Key.Key_Down)  # Natural voice -> System voice
        seen["chosen"] = dialog.engine.currentText()
        seen["id list then"] = dialog.voice.isEnabled()
        ui.click(dialog.test_button)
        seen["tried with"] = ui.voice.voice
        ui.click(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))

    in_preferences(ui, choose_system)
    assert seen["first"] == "Natural voice", "the default"
    assert not seen["id list at first"], "espeak's voice list means nothing to the natural voice"
    assert seen["chosen"] == "System voice"
    assert seen["id list then"]
    assert seen["tried with"].engine == "system", "Test voice speaks with the voice on show"
    assert ui.speaker.said[-1][0] == SAMPLE
    assert ui.preferences.current.voice.engine == "system"
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert store.value("voice/engine") == "system"
    assert Settings(store).load().voice.engine == "system", "read back at the next launch"

    def look(dialog):
        seen["reopened"] = dialog.engine.currentText()
        dialog.reject()

    in_preferences(ui, look)
    assert seen["reopened"] == "System voice"


def test_test_voice_works_for_the_natural_voice_and_cancel_goes_back(ui):
    ui.preferences.update(
        UiPreferences(pacing=ui.pace, voice=VoiceSettings(engine="system", rate=200))
    )
    tried = []

    def try_natural(dialog):
        dialog.engine.setCurrentIndex(dialog.engine.findData("natural"))
        ui.click(dialog.test_button)
        tried.append(ui.voice.voice)
        dialog.reject()  # Cancel

    in_preferences(ui, try_natural)
    assert tried[0] == VoiceSettings(engine="natural", rate=200), "rate applies to both"
    assert ui.speaker.said[-1][0] == SAMPLE
    assert ui.voice.voice.engine == "system", "cancelled: back to the saved voice"


def test_a_natural_voice_not_installed_says_so_in_the_list(ui, monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)
    names = []
    in_preferences(
        ui,
        lambda dialog: (
            names.extend(dialog.engine.itemText(i) for i in range(dialog.engine.count())),
            dialog.reject(),
        ),
    )
    assert names == ["Natural voice (not installed)", "System voice"]


@pytest.mark.parametrize(
    ("stored", "read"),
    [("robot", "natural"), ("", "natural"), ("system", "system"), ("natural", "natural")],
)
def test_an_unknown_stored_engine_is_the_default(tmp_path, stored, read):
    path = tmp_path / "settings.ini"
    path.write_text(f"[voice]\nengine={stored}\n")
    store = QSettings(str(path), QSettings.Format.IniFormat)
    assert Settings(store).load().voice.engine == read


# --- preparing the voice ------------------------------------------------------------------------


class _Bridge(QObject):
    """The speech thread's status changes, carried to the GUI thread (as the app's is)."""

    changed = Signal(str)


@pytest.fixture
def live_voice(ui, tmp_path):
    """The window's voice becomes a real LiveSpeaker whose synthesiser is slow: as the app
    switches to its real voice after the first paint."""
    gated = Gated()
    worker = RenderWorker(
        CueCache(tmp_path / "cues", VoiceSettings(engine="system")), lambda: gated
    )
    bridge = _Bridge()
    bridge.setParent(ui.controller)
    bridge.changed.connect(lambda _status: ui.controller.check_voice())
    speaker = LiveSpeaker(worker, RecordingPlayer(), on_status=bridge.changed.emit)
    ui.controller.set_speaker(speaker)
    yield gated, worker
    gated.kill()
    speaker.close()


def click_routine(ui, routine_id):
    view = ui.window.choose_page.routine_list
    row = next(i for i, r in enumerate(ui.window.choose_page.routines) if r.id == routine_id)
    rect = view.visualItemRect(view.item(row))
    ui.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ui.window.choose_page.selected_routine().id == routine_id


def texts_of(ui, routine_id):
    routine = next(r for r in builtin_routines() if r.id == routine_id)
    return cue_texts(compile_routine(routine, ui.pace))


def test_clicking_a_routine_shows_the_voice_being_prepared_and_start_is_not_held_back(
    ui, live_voice
):
    gated, _worker = live_voice
    label = ui.window.choose_page.preparing_label
    first = ui.window.choose_page.selected_routine().id
    shown = texts_of(ui, first)
    # The new voice renders the routine already on show, without a click.
    ui.qtbot.waitUntil(lambda: label.text() == f"Preparing the voice… 0 of {len(shown)}")
    assert label.isVisible()
    click_routine(ui, "toe-touch")
    texts = texts_of(ui, "toe-touch")
    ui.qtbot.waitUntil(lambda: label.text() == f"Preparing the voice… 0 of {len(texts)}")
    gated.allow(4)
    gated.wait_rendered(4)
    assert gated.order[0] == shown[0], "the render under way when the person clicked"
    assert gated.order[1:4] == texts[:3], "then the clicked routine's, in the order said"
    done = len(set(gated.order) & set(texts))
    ui.qtbot.waitUntil(lambda: label.text() == f"Preparing the voice… {done} of {len(texts)}")
    # Start while most cues are still to render: the session starts at once.
    ui.click(ui.window.choose_page.start_button)
    assert ui.controller.engine.state is State.RUNNING
    assert ui.window.pages.currentWidget() is ui.session
    gated.allow(10_000)
    ui.qtbot.waitUntil(lambda: not label.isVisible(), timeout=10_000)


def test_going_to_a_pose_renders_its_cues_before_the_rest(ui, live_voice):
    gated, _worker = live_voice
    ui.start("seven-stretches-for-back-pain")
    timeline = ui.controller.timeline
    target = 5
    needed = [c.text for p in timeline.phases if p.step == target for c in p.cues]
    earlier = {c.text for p in timeline.phases if p.step < target for c in p.cues}
    assert needed[0] not in earlier, "a text the session would reach only at that pose"
    view = ui.session.pose_list
    rect = view.visualRect(ui.session.pose_model.index(target))
    ui.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    ui.qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ui.snapshot.step.index == target
    gated.allow(3)
    gated.wait_rendered(3)
    fresh = [t for t in needed if t not in gated.order[:1]]  # after the render under way
    assert gated.order[1:3] == fresh[:2]
