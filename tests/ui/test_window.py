"""The window driven as a person drives it: buttons, keys, double-clicks; time on a fake clock."""

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from stretch_desktop.core.engine import State
from stretch_desktop.core.events import StepOutcome
from stretch_desktop.core.timeline import PhaseKind
from stretch_desktop.speech.voice import chime_ms
from stretch_desktop.ui.pose_list_model import CURRENT_ROLE, OUTCOME_ROLE
from stretch_desktop.ui.presenter import left_text
from stretch_desktop.ui.session_controller import HIDDEN_TICK_MS, VISIBLE_TICK_MS


def test_start_by_button_shows_the_first_pose_and_runs(ui):
    ui.start("toe-touch")
    assert ui.window.pages.currentWidget() is ui.window.session_page
    assert ui.controller.engine.state is State.RUNNING
    assert ui.session.pose_name.text() == "Standing Toe Touch"
    assert ui.ticker.active
    assert ui.ticker.interval_ms == VISIBLE_TICK_MS
    assert ui.session.caption.text().startswith("Toe touch. Thirty seconds.")
    assert ui.speaker.said[0][0].startswith("Toe touch. Thirty seconds.")


def test_space_pauses_and_resumes_and_the_title_says_so(ui):
    ui.start("toe-touch")
    ui.run(2000)
    ui.key(Qt.Key.Key_Space)
    assert ui.controller.engine.state is State.PAUSED
    assert not ui.ticker.active, "a paused session must not tick"
    assert ui.window.windowTitle().startswith("Paused · Standing Toe Touch")
    assert ui.session.play_button.text() == "Resume"
    assert ui.session.pacer.view.title == "Paused"
    ui.clock.advance(30_000)
    ui.key(Qt.Key.Key_Space)
    assert ui.controller.engine.state is State.RUNNING
    assert ui.snapshot.elapsed_ms == 2000
    assert ui.window.windowTitle().startswith("Standing Toe Touch · ")
    assert ui.session.play_button.text() == "Pause"


def test_the_title_follows_the_pose_and_the_time_left_in_it(ui):
    ui.start("toe-touch")
    ui.run(1000)
    left = -(-ui.snapshot.step_remaining_ms // 1000)  # whole seconds, rounded up
    assert ui.window.windowTitle() == (f"Standing Toe Touch · 0:{left:02d} left — Stretch Desktop")


def test_skip_by_button_and_by_keys_moves_on_and_marks_skipped(ui):
    ui.start("seven-stretches-for-back-pain")
    ui.qtbot.mouseClick(ui.session.skip_button, Qt.MouseButton.LeftButton)
    assert ui.snapshot.step.index == 1
    ui.key(Qt.Key.Key_Right)
    assert ui.snapshot.step.index == 2
    ui.key(Qt.Key.Key_N)
    assert ui.snapshot.step.index == 3
    assert [ui.row(i, OUTCOME_ROLE) for i in range(3)] == [StepOutcome.SKIPPED] * 3
    assert ui.row(3, CURRENT_ROLE)
    assert ui.session.pose_name.text() == "Lizard Pose"


def test_previous_by_button_and_by_keys(ui):
    ui.start("seven-stretches-for-back-pain")
    ui.key(Qt.Key.Key_Right)
    ui.key(Qt.Key.Key_Right)
    ui.run(4000)  # well into step 2: Left restarts it
    ui.key(Qt.Key.Key_Left)
    assert ui.snapshot.step.index == 2
    assert ui.snapshot.elapsed_ms == ui.snapshot.step.start_ms
    ui.key(Qt.Key.Key_P)  # at its start: P goes to the one before
    assert ui.snapshot.step.index == 1
    ui.qtbot.mouseClick(ui.session.previous_button, Qt.MouseButton.LeftButton)
    assert ui.snapshot.step.index == 0


def test_media_keys_control_the_session(ui):
    ui.start("seven-stretches-for-back-pain")
    ui.key(Qt.Key.Key_MediaTogglePlayPause)
    assert ui.controller.engine.state is State.PAUSED
    ui.key(Qt.Key.Key_MediaPlay)
    assert ui.controller.engine.state is State.RUNNING
    ui.key(Qt.Key.Key_MediaNext)
    assert ui.snapshot.step.index == 1
    ui.key(Qt.Key.Key_MediaPrevious)
    assert ui.snapshot.step.index == 0
    ui.key(Qt.Key.Key_MediaStop)
    assert ui.controller.engine.state is State.FINISHED


def test_pose_list_ticks_finished_steps_and_highlights_the_current_one(ui):
    ui.start("seven-stretches-for-back-pain")
    first = ui.controller.engine.timeline.steps[0]
    ui.run(first.duration_ms + 100)
    assert ui.row(0, OUTCOME_ROLE) is StepOutcome.DONE
    assert not ui.row(0, CURRENT_ROLE)
    assert ui.row(1, CURRENT_ROLE)
    assert ui.row(2, OUTCOME_ROLE) is None


def test_double_click_or_enter_in_the_pose_list_jumps_there(ui):
    ui.start("seven-stretches-for-back-pain")
    view = ui.session.pose_list
    rect = view.visualRect(ui.session.pose_model.index(5))
    # A real double-click: press and release, then the double-click press and its release.
    ui.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    ui.qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ui.snapshot.step.index == 5
    view.setFocus()
    view.setCurrentIndex(ui.session.pose_model.index(7))
    ui.qtbot.keyClick(view, Qt.Key.Key_Return)
    assert ui.snapshot.step.index == 7
    assert ui.row(6, OUTCOME_ROLE) is StepOutcome.SKIPPED


def test_the_pacer_breathes_with_the_engine(ui):
    ui.start("seven-stretches-for-back-pain")
    while ui.snapshot.phase.kind is not PhaseKind.HOLD:
        ui.run(100)
    start = ui.snapshot.phase.start_ms
    ui.run(start + 1200 - ui.snapshot.elapsed_ms)  # 1.2 s into the first 2.5 s inhale
    view = ui.session.pacer.view
    assert (view.title, view.detail) == ("Inhale", "Breath 1 of 10")
    assert 0.3 < view.size < 0.7
    ui.run(1300)  # 2.5 s: the inhale is complete, the shape at its largest
    assert ui.session.pacer.view.size == pytest.approx(1.0)
    ui.run(1200)  # 3.7 s: exhaling, the shape shrinking
    view = ui.session.pacer.view
    assert view.title == "Exhale"
    assert 0.5 < view.size < 0.9
    ui.run(2300)  # 6.0 s: the second breath begins
    assert ui.session.pacer.view.detail == "Breath 2 of 10"


def test_flows_show_the_beat_and_contract_relax_shows_press_and_release(ui):
    ui.start("seven-stretches-for-back-pain")
    supine = next(s for s in ui.controller.engine.timeline.steps if s.pose.id == "supine-hamstring")
    ui.controller.jump(supine.index)
    titles = set()
    while ui.snapshot.step.index == supine.index:
        titles.add(ui.session.pacer.view.title)
        ui.run(500)
    assert {"Press", "Release"} <= titles
    ui.controller.stop()
    ui.window.choose_another()
    ui.start("lunge-flow-for-hamstrings")
    while ui.snapshot.phase.kind is not PhaseKind.FLOW:
        ui.run(100)
    ui.run(3100)
    assert (ui.session.pacer.view.title, ui.session.pacer.view.detail) == ("Sway in", "1 of 10")


def test_esc_asks_before_stopping_and_no_keeps_going(ui):
    ui.start("toe-touch")
    ui.run(1000)
    ui.answer = False
    ui.key(Qt.Key.Key_Escape)
    assert ui.controller.engine.state is State.RUNNING
    ui.answer = True
    ui.key(Qt.Key.Key_Escape)
    assert ui.controller.engine.state is State.FINISHED
    assert ui.window.pages.currentWidget() is ui.window.done_page
    assert ui.window.done_page.title.text() == "Session stopped"


def test_the_done_screen_sums_up_and_again_restarts(ui):
    ui.start("toe-touch")
    ui.run(3000)
    ui.key(Qt.Key.Key_Space)
    ui.clock.advance(60_000)  # a pause is not stretching time
    ui.key(Qt.Key.Key_Space)
    second = ui.controller.engine.timeline.steps[1]
    ui.run(second.start_ms - ui.snapshot.elapsed_ms + 100)
    ui.key(Qt.Key.Key_Right)  # skip the closing stand: more than half was done
    ui.run(1000)
    assert ui.window.pages.currentWidget() is ui.window.done_page
    assert ui.window.done_page.title.text() == "Session complete"
    summary = ui.window.done_page.summary.text()
    assert "Poses done: 1 of 2, 1 skipped" in summary
    assert not ui.ticker.active
    assert ui.speaker.said[-1][0] == "Session complete. Well done."
    ui.qtbot.mouseClick(ui.window.done_page.again_button, Qt.MouseButton.LeftButton)
    assert ui.controller.engine.state is State.RUNNING
    assert ui.snapshot.elapsed_ms == 0


def test_mute_key_mutes_the_speaker_and_captions_carry_on(ui):
    ui.start("toe-touch")
    ui.key(Qt.Key.Key_M)
    assert ui.speaker.muted
    assert ui.session.mute_button.isChecked()
    said = len(ui.speaker.said)
    three = ui.controller.engine.timeline.phases[0].cues[1]
    assert three.text == "Three"
    ui.run(three.at_ms + 100)
    assert len(ui.speaker.said) == said
    assert ui.session.caption.text() == "Three"


def test_a_minimised_window_ticks_slowly_and_does_not_repaint_the_pacer(ui):
    ui.start("toe-touch")
    ui.window.showMinimized()
    ui.controller.set_on_screen(False)  # offscreen has no window manager to minimise for real
    assert 0 < ui.ticker.interval_ms <= HIDDEN_TICK_MS
    ui.controller.set_on_screen(True)
    assert ui.ticker.interval_ms == VISIBLE_TICK_MS


def test_hidden_it_wakes_when_each_cue_falls_due_so_none_is_late(ui):
    """Off screen the ticker waits for the next cue or step end (at most HIDDEN_TICK_MS), so
    a minimised session still speaks on time while ticking a few times a second."""
    ui.start("toe-touch")
    ui.clock.advance(7)  # off any round grid the cues lie on
    ui.ticker.tick()
    ui.controller.set_on_screen(False)
    timeline = ui.controller.engine.timeline
    ticks = 0
    while ui.controller.engine.state is State.RUNNING:
        wait = ui.ticker.interval_ms
        assert 1 <= wait <= HIDDEN_TICK_MS
        ui.clock.advance(wait)  # what the real timer does: fire after its interval
        ui.ticker.tick()
        ticks += 1
    cues = [cue.text for phase in timeline.phases for cue in phase.cues]
    assert [text for text, _ in ui.speaker.said] == cues
    assert all(late == 0 for _, late in ui.speaker.said)
    assert ticks / (timeline.total_ms / 1000) < 5  # fewer than five wake-ups a second


def test_every_control_has_an_accessible_name_and_a_tooltip_naming_its_key(ui):
    for button, key in (
        (ui.session.play_button, "Space"),
        (ui.session.skip_button, "Right"),
        (ui.session.previous_button, "Left"),
        (ui.session.stop_button, "Esc"),
        (ui.session.mute_button, "(M)"),
        (ui.window.choose_page.start_button, "Space"),
    ):
        assert button.accessibleName()
        assert key in button.toolTip()


def test_shortcuts_cover_the_documented_keys(ui):
    bound = {s.key().toString() for s in ui.window.shortcuts}
    for key in ("Space", "Right", "N", "Left", "P", "Esc", "M", "F11"):
        assert QKeySequence(key).toString() in bound


def test_pause_silences_and_resume_briefly_reannounces_the_pose(ui):
    ui.start("seven-stretches-for-back-pain")
    ui.run(8000)
    silenced = ui.speaker.silenced
    ui.key(Qt.Key.Key_Space)
    assert ui.speaker.silenced == silenced + 1
    ui.key(Qt.Key.Key_Space)
    assert ui.speaker.said[-1] == ("Calf stretch, right side.", 0)
    assert ui.session.caption.text() == "Calf stretch, right side."


def test_skip_cuts_the_voice_and_announces_the_new_pose(ui):
    ui.start("seven-stretches-for-back-pain")
    ui.run(1000)
    silenced = ui.speaker.silenced
    ui.key(Qt.Key.Key_Right)
    assert ui.speaker.silenced == silenced + 1
    assert ui.speaker.said[-1][0].startswith("Switch sides. Calf stretch, left side.")


def test_resuming_onto_a_fresh_announcement_does_not_say_the_pose_twice(ui):
    ui.start("seven-stretches-for-back-pain")
    ui.key(Qt.Key.Key_Space)
    ui.key(Qt.Key.Key_Right)  # while paused: the new pose is announced on resume
    ui.key(Qt.Key.Key_Space)
    announcements = [t for t, _ in ui.speaker.said if "Calf stretch, left side" in t]
    assert len(announcements) == 1


def test_loading_prerenders_every_cue_and_measured_lengths_set_the_lead_in(ui):
    routine = next(r for r in ui.window.choose_page.routines if r.id == "toe-touch")
    ui.window.select_routine("toe-touch")
    announcement = "Toe touch. Thirty seconds. Fold from your hips and hold still. No bouncing."
    assert announcement in ui.speaker.prepared  # selecting a routine starts rendering
    ui.speaker.lengths[announcement] = 9000  # this voice is slow
    timeline = ui.controller.load(routine, ui.pace)
    assert timeline.phases[0].duration_ms == 9000 + 300 + 3000
    assert timeline.phases[0].cues[1].at_ms == 9300


def test_with_the_chime_on_the_lead_in_makes_room_for_it(ui):
    """Issue 16: with the chime, every pose's "Three" was dropped (lead-ins were sized without
    the chime's 0.72 s)."""
    routine = next(r for r in ui.window.choose_page.routines if r.id == "toe-touch")
    announcement = "Toe touch. Thirty seconds. Fold from your hips and hold still. No bouncing."
    ui.speaker.lengths[announcement] = 9000
    current = ui.preferences.current
    ui.preferences.update(replace(current, voice=replace(current.voice, chime=True)))
    timeline = ui.controller.load(routine, ui.pace)
    assert chime_ms() == 720
    assert timeline.phases[0].duration_ms == 720 + 9000 + 300 + 3000
    assert timeline.phases[0].cues[1].at_ms == 720 + 9300  # "Three" after the chimed words
    ui.preferences.update(current)  # chime off again: the lead-in shrinks back
    assert ui.controller.load(routine, ui.pace).phases[0].duration_ms == 9000 + 300 + 3000


def test_space_right_after_a_cue_fell_due_still_says_it(ui):
    """Found in review: toggling polled the engine and threw the events away."""
    ui.start("toe-touch")
    three = ui.controller.engine.timeline.phases[0].cues[1]
    ui.run(three.at_ms - 5 - ui.snapshot.elapsed_ms, step=1)
    ui.clock.advance(10)  # "Three" falls due; no tick comes before the key
    ui.key(Qt.Key.Key_Space)
    assert "Three" in [text for text, _ in ui.speaker.said]


def test_space_after_the_end_shows_the_done_screen_and_stops_ticking(ui):
    ui.start("toe-touch")
    ui.run(ui.controller.engine.timeline.total_ms - 100)
    ui.clock.advance(200)  # the end passes between ticks
    ui.key(Qt.Key.Key_Space)
    assert ui.window.pages.currentWidget() is ui.window.done_page
    assert not ui.ticker.active


def test_minimised_only_the_title_moves_and_the_window_catches_up_when_restored(ui):
    ui.start("toe-touch")
    ui.window.showMinimized()
    ui.controller.set_on_screen(False)  # offscreen has no window manager to minimise for real
    first = ui.controller.engine.timeline.steps[0]
    shown = ui.session.pose_name.text(), ui.session.countdown.text()
    title = ui.window.windowTitle()
    ui.run(first.end_ms + 1000)  # into the second pose
    assert (ui.session.pose_name.text(), ui.session.countdown.text()) == shown  # not repainted
    assert ui.window.windowTitle() != title  # the taskbar still counts down
    assert ui.snapshot.step.pose.name in ui.window.windowTitle()
    ui.window.showNormal()
    assert ui.session.pose_name.text() == ui.snapshot.step.pose.name  # before any tick
    assert ui.session.time_left.text().startswith(left_text(ui.snapshot.remaining_ms))
