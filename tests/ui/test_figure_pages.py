"""The pose figures in the window, driven as a person drives it: a routine clicked, Start, keys,
the fake clock moved on. Large on the session page (mirrored for the left side, moving with a
flow's beat, pressing in a contract-relax step, still in a hold), small in the pose list, beside
"Up next" and in the choose page's preview; a pose without a figure shows none."""

import math

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap, QTextDocument
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.figures import figure_at, still_picture
from stretch_desktop.core.loader import load_routine
from stretch_desktop.core.routine import Side
from stretch_desktop.core.timeline import PhaseKind, beat_at
from stretch_desktop.library import builtin_figure_names, builtin_routines
from stretch_desktop.speech.speaker import RecordingSpeaker
from stretch_desktop.ui.figure_widget import (
    MIN_MOVE_PX,
    builtin_figures,
    dark_palette,
    figure_colours,
    figure_pixmap,
    figure_pixmaps_cached,
    on_base,
)
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.pose_list_model import FIGURE_ROLE
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.preferences_dialog import PreferencesDialog
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings, UiPreferences
from stretch_desktop.ui.ticker import ManualTicker
from tests.core.routines import SMALL


def go_to(ui, predicate, limit_ms=600_000):
    """Let the session run (100 ms a tick) until ``predicate(snapshot)``."""
    waited = 0
    while not predicate(ui.snapshot):
        assert waited < limit_ms, "never got there"
        ui.run(100)
        waited += 100


def skip_to(ui, pose_id, side):
    """Press Right (skip) until the session is on ``pose_id``, ``side``."""
    for _ in range(30):
        step = ui.snapshot.step
        if step.pose.id == pose_id and step.side is side:
            return
        ui.key(Qt.Key.Key_Right)
    raise AssertionError(f"no step {pose_id} {side}")


def click_routine(ui, routine_id):
    """Click a routine in the choose page's list, as a person picks one."""
    routines = ui.window.choose_page.routine_list
    for row in range(routines.count()):
        item = routines.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == routine_id:
            routines.scrollToItem(item)
            centre = routines.visualItemRect(item).center()
            ui.qtbot.mouseClick(routines.viewport(), Qt.MouseButton.LeftButton, pos=centre)
            assert routines.currentRow() == row
            return
    raise AssertionError(f"no routine {routine_id}")


def close(a: QColor, b: QColor, within=10):
    return (
        max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= within
    )


def count_like(image: QImage, colour: QColor, within=10):
    return sum(
        close(image.pixelColor(x, y), colour, within)
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
    )


def dark_desktop():
    """A dark desktop: the window's and the lists' colours dark."""
    palette = dark_palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#1b1d21"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8e8e6"))
    return palette


def furthest(a, b):
    """How far (× H) the point that differs most between two pictures is."""
    return max(math.dist(p, q) for (_, p), (_, q) in zip(a.points, b.points, strict=True))


# --- the session page -----------------------------------------------------------------------------


def test_the_current_poses_figure_is_large_and_the_left_side_is_the_right_mirrored(ui):
    ui.start("seven-stretches-for-back-pain")
    figures = builtin_figures()
    figure = ui.session.figure
    assert figure.figure is figures["calf-stretch"] and figure.side is Side.RIGHT
    # Large: the biggest thing on the page beside the words, bigger than the pacer.
    assert figure.isVisible() and figure.width() >= 350 and figure.height() >= 280
    assert (
        figure.width() * figure.height() > 2 * ui.session.pacer.width() * ui.session.pacer.height()
    )
    skip_to(ui, "lizard", Side.RIGHT)
    lizard = figures["lizard"]
    right = figure.picture
    assert right == still_picture(lizard, Side.RIGHT)
    # Facing right, the working (front, near) foot is ahead of the hip: to the right.
    assert right.point("near_ankle")[0] > right.point("hip")[0] + 0.1
    ui.click(ui.session.skip_button)
    assert ui.snapshot.step.side is Side.LEFT
    left = figure.picture
    assert figure.figure is lizard and figure.side is Side.LEFT
    for (name, (x, y)), (other, (mx, my)) in zip(right.points, left.points, strict=True):
        assert (other, mx, my) == (name, -x, y)
    assert left.point("near_ankle")[0] < left.point("hip")[0] - 0.1
    # On screen too: the accent (the working leg) sits right of the middle, then left of it.
    accent = figure_colours(figure.palette()).highlight
    image = figure.grab().toImage()
    xs = [
        x
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if close(image.pixelColor(x, y), accent)
    ]
    assert len(xs) > 100 and sum(xs) / len(xs) < image.width() / 2


def test_a_rest_shows_the_rest_poses_figure(ui):
    ui.start("lunge-flow-for-hamstrings")
    go_to(ui, lambda s: s.phase.kind is PhaseKind.REST)
    assert ui.snapshot.step.pose.id == "childs-pose"
    assert ui.session.figure.picture == still_picture(builtin_figures()["childs-pose"])


def test_a_flows_figure_moves_with_the_beat_as_the_clock_advances(ui):
    ui.start("lunge-flow-for-hamstrings")
    lunge = builtin_figures()["low-lunge-sway"]
    figure = ui.session.figure
    go_to(ui, lambda s: s.step.pose.id == "low-lunge-sway")
    assert ui.snapshot.phase.kind is PhaseKind.PREPARE
    # In its lead-in the figure waits where the first beat starts.
    assert figure.picture == figure_at(lunge, 0, 0.0, Side.RIGHT)
    go_to(ui, lambda s: s.phase.kind is PhaseKind.FLOW)
    phase = ui.snapshot.phase
    x0, y0, x1, y1 = lunge.view
    pixel = 1 / min(figure.width() / (x1 - x0), figure.height() / (y1 - y0))  # 1 px, × H
    frames = []
    for _ in range(2 * phase.beat_ms // 100):  # two beats: out, then in
        ui.run(100)
        frames.append((beat_at(phase, ui.snapshot.elapsed_ms), figure.picture))
    hips = {picture.point("hip") for _, picture in frames}
    assert len(hips) > 10  # it moves, frame after frame
    for beat, picture in frames:
        # Where the engine's beat has the body, to within what a screen can show.
        expected = figure_at(lunge, beat.beat, beat.fraction, Side.RIGHT)
        assert furthest(picture, expected) < (MIN_MOVE_PX + 1) * pixel, beat
    middle = next(p for b, p in frames if b.beat == 0 and 0.4 < b.fraction < 0.6)
    assert furthest(middle, figure_at(lunge, 0, 1.0)) > 5 * pixel  # between the keyframes,
    assert furthest(middle, figure_at(lunge, 0, 0.0)) > 5 * pixel  # not on either


def test_each_press_is_shown_and_each_release_lets_go(ui):
    ui.start("seven-stretches-for-back-pain")
    skip_to(ui, "supine-hamstring", Side.RIGHT)
    supine = builtin_figures()["supine-hamstring"]
    figure = ui.session.figure
    halo = figure_colours(figure.palette()).press
    relaxed = count_like(figure.grab().toImage(), halo, 4)  # (the mat is a shade like it)
    for _ in range(2):  # two rounds
        go_to(ui, lambda s: s.phase.kind is PhaseKind.CONTRACT)
        ui.run(500)
        assert figure.pressing and figure.picture.marks  # the arrow of the push
        assert figure.picture.points == still_picture(supine, Side.RIGHT).points  # no movement
        assert count_like(figure.grab().toImage(), halo, 4) > relaxed + 300  # the halo
        go_to(ui, lambda s: s.phase.kind is PhaseKind.RELAX)
        ui.run(500)
        assert not figure.pressing
        assert figure.picture == still_picture(supine, Side.RIGHT)
        assert count_like(figure.grab().toImage(), halo, 4) == relaxed


def test_a_hold_stays_still_and_reduced_motion_keeps_a_flow_still_too(ui):
    """A hold is still by design (the pacer beside it breathes); with Reduce motion ticked in
    Preferences, a flow's figure stays on its still shape while the beats go by."""

    def tick_reduce_motion():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PreferencesDialog)
        ui.click(dialog.reduced_motion)
        dialog.accept()

    QTimer.singleShot(0, tick_reduce_motion)
    ui.click(ui.window.choose_page.preferences_button)
    assert ui.preferences.current.reduced_motion
    ui.start("lunge-flow-for-hamstrings")
    figure = ui.session.figure
    go_to(ui, lambda s: s.phase.kind is PhaseKind.HOLD)
    held = figure.picture
    for _ in range(20):  # two breaths
        ui.run(600)
        assert figure.picture is held
    go_to(ui, lambda s: s.phase.kind is PhaseKind.FLOW)
    still = still_picture(builtin_figures()["low-lunge-sway"], Side.RIGHT)
    for _ in range(30):
        ui.run(200)
        assert figure.picture == still


# --- small figures --------------------------------------------------------------------------------


def test_every_pose_list_row_carries_its_figure_drawn_once(ui):
    ui.start("seven-stretches-for-back-pain")
    figures = builtin_figures()
    steps = ui.controller.timeline.steps
    for index, step in enumerate(steps):
        assert ui.row(index, FIGURE_ROLE) == (figures[step.pose.id], step.side)
    view = ui.session.pose_list
    image = view.viewport().grab().toImage()
    accent = figure_colours(on_base(view.palette())).highlight
    # The rows' figures (the working limbs in the accent) are drawn in the figure column.
    column = image.copy(0, 0, image.width() // 3, image.height())
    assert count_like(column, accent, 30) > 40
    drawn = figure_pixmaps_cached()
    view.viewport().repaint()
    ui.run(2000)
    view.viewport().repaint()
    assert figure_pixmaps_cached() == drawn  # a repaint copies them, it draws none anew


def test_up_next_shows_the_next_poses_figure_on_its_side(ui):
    ui.start("seven-stretches-for-back-pain")
    skip_to(ui, "lizard", Side.RIGHT)
    label = ui.session.next_figure
    expected = figure_pixmap(
        builtin_figures()["lizard"],
        Side.LEFT,
        label.size(),
        ui.session.palette(),
        ui.session.devicePixelRatioF(),
    )
    assert label.pixmap().toImage() == expected.toImage()
    assert "left side" in label.accessibleDescription()
    steps = ui.controller.timeline.steps
    ui.controller.jump(len(steps) - 1)
    QApplication.processEvents()
    assert ui.session.up_next.text() == "Up next: the end"
    assert label.pixmap().isNull()


def test_the_figures_follow_a_dark_palette(ui):
    ui.start("seven-stretches-for-back-pain")
    before = ui.session.next_figure.pixmap().toImage()
    ui.window.setPalette(dark_desktop())
    QApplication.processEvents()
    figure = ui.session.figure
    image = figure.grab().toImage()
    assert close(image.pixelColor(2, 2), dark_palette().window().color(), 2)
    assert count_like(image, figure_colours(dark_palette()).body) > 100
    after = ui.session.next_figure.pixmap().toImage()
    assert after != before
    assert close(after.pixelColor(1, 1), dark_palette().window().color(), 2)


LIZARD = "figure:lizard/left"


def test_the_choose_page_preview_shows_each_steps_figure(ui):
    page = ui.window.choose_page
    ui.qtbot.waitUntil(lambda: bool(page.preview.images), timeout=5000)
    click_routine(ui, "seven-stretches-for-back-pain")
    html = page.preview.toHtml()
    assert html.count("<img") == 12  # seven poses, five of them on each side
    for name in ("calf-stretch/right", "calf-stretch/left", "seated-forward-fold/both"):
        assert f"figure:{name}" in page.preview.images

    # Each picture is the one the preview's document shows (it asks the page for it).
    def shown():
        document = page.preview.document()
        image = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(LIZARD))
        return QPixmap(image).toImage()

    assert shown() == page.preview.images[LIZARD].toImage()
    light = shown()
    # On a dark desktop the preview's pictures are drawn again, on its dark base.
    ui.window.setPalette(dark_desktop())
    QApplication.processEvents()
    assert shown() == page.preview.images[LIZARD].toImage() != light
    assert close(shown().pixelColor(1, 1), page.preview.palette().base().color(), 2)


class FirstPaint(QObject):
    """Notes how many figure libraries had been read when the window first painted."""

    def __init__(self, window):
        super().__init__()
        self.read = None
        window.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and self.read is None:
            self.read = builtin_figures.cache_info().currsize
        return False


def test_no_figure_is_read_before_the_windows_first_paint(qtbot, tmp_path):
    builtin_figures.cache_clear()
    controller = SessionController(FakeClock(0), RecordingSpeaker(), ManualTicker)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(controller, builtin_routines(), LivePreferences(UiPreferences(), settings))
    qtbot.addWidget(window)
    assert builtin_figures.cache_info().currsize == 0  # built, routine selected: none read
    first = FirstPaint(window)
    window.show()
    qtbot.waitUntil(lambda: first.read is not None, timeout=5000)
    assert first.read == 0
    # Just after it, the choose page's preview gains its figures.
    qtbot.waitUntil(lambda: bool(window.choose_page.preview.images), timeout=5000)
    assert builtin_figures.cache_info().currsize == 1


# --- routines whose poses have no figure, and a figure that does not exist ------------------------


def test_a_routine_whose_poses_have_no_figure_runs_without_one(make_ui):
    plain = load_routine(SMALL, "small.toml", builtin_figure_names())
    ui = make_ui("plain", routines=[plain])
    ui.start("small")
    # Its room goes to the pacer and the countdown, side by side as before figures.
    assert not ui.session.figure.isVisible() and not ui.session.next_figure.isVisible()
    pacer, countdown = ui.session.pacer.geometry(), ui.session.countdown.geometry()
    assert pacer.right() < countdown.left() and pacer.top() == countdown.top()
    assert ui.row(0, FIGURE_ROLE) is None
    assert ui.session.next_figure.pixmap().isNull()
    go_to(ui, lambda s: s.state.value == "finished")
    assert ui.window.pages.currentWidget() is ui.window.done_page


def test_a_pose_without_a_figure_among_poses_with_one_shows_none_for_that_pose(make_ui):
    text = SMALL.replace('name = "Low lunge"', 'name = "Low lunge"\nfigure = "lizard"')
    mixed = load_routine(text, "mixed.toml", builtin_figure_names())
    ui = make_ui("mixed", routines=[mixed])
    ui.start("small")
    figure, lizard = ui.session.figure, builtin_figures()["lizard"]
    assert figure.isVisible() and figure.picture is None  # the fold: no figure, the place kept
    assert ui.row(0, FIGURE_ROLE) is None
    assert ui.row(1, FIGURE_ROLE) == (lizard, Side.RIGHT)
    assert not ui.session.next_figure.pixmap().isNull()  # up next: the lunge, as a lizard
    ui.key(Qt.Key.Key_Right)
    assert figure.figure is lizard and figure.picture == still_picture(lizard, Side.RIGHT)
    assert ui.session.next_figure.pixmap().isNull()  # up next: child's pose, no figure
    ui.key(Qt.Key.Key_Right)
    assert figure.picture is None


def test_importing_a_routine_with_an_unknown_figure_names_its_line(ui, tmp_path):
    text = SMALL.replace('name = "Low lunge"', 'name = "Low lunge"\nfigure = "nope"')
    path = tmp_path / "nope.toml"
    path.write_text(text)
    line = text.splitlines().index('figure = "nope"') + 1
    assert ui.window.choose_page.import_file(path) is None
    ((title, message),) = ui.told
    assert title == "Routine not imported"
    assert message.startswith(f"{path}:{line}: poses[1].figure: unknown figure 'nope' (one of: ")
    assert "lizard" in message


# --- a routine that draws its own figures -------------------------------------------------------


def test_a_routines_own_figures_are_shown_and_kept_byte_for_byte_by_the_editor(ui):
    from stretch_desktop.library import user_routines_dir
    from tests.core.test_figures_inline import INLINE

    path = user_routines_dir() / "own-figures.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(INLINE)
    editor = ui.window.editor_page
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    ctrl_a = Qt.KeyboardModifier.ControlModifier
    # Visit every pose (the figure box changes with each, which must not write), then rename
    # the lunge, whose figure is a [poses.figure] table, and retitle the routine.
    for row in (2, 0, 1):
        editor.pose_list.setCurrentRow(row)
    editor.pose_name.setFocus()
    ui.qtbot.keyClick(editor.pose_name, Qt.Key.Key_A, ctrl_a)
    ui.qtbot.keyClicks(editor.pose_name, "My lunge")
    editor.title_edit.setFocus()
    ui.qtbot.keyClick(editor.title_edit, Qt.Key.Key_A, ctrl_a)
    ui.qtbot.keyClicks(editor.title_edit, "My own figures")
    assert editor.problems == []
    ui.click(editor.save_button)
    after = path.read_text()
    changed = [
        pair
        for pair in zip(INLINE.splitlines(), after.splitlines(), strict=True)
        if pair[0] != pair[1]
    ]
    assert changed == [
        ('title = "Own figures"', 'title = "My own figures"'),
        ('name = "Low lunge"', 'name = "My lunge"'),
    ]
    saved = load_routine(after, str(path), builtin_figure_names())
    assert saved.poses[1].inline_figure == load_routine(INLINE, "own.toml").poses[1].inline_figure


def test_the_editor_previews_a_routines_own_figure_and_a_library_one_replaces_it(ui):
    from stretch_desktop.library import user_routines_dir
    from tests.core.test_figures_inline import INLINE

    path = user_routines_dir() / "own-figures.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(INLINE)
    own = load_routine(INLINE, "own.toml").poses[1].inline_figure
    editor = ui.window.editor_page
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    editor.tabs.setCurrentIndex(1)
    editor.pose_list.setCurrentRow(1)  # the lunge, drawn in the file
    assert editor.figure_preview.figure == own
    assert editor.pose_figure.currentText() == "(its own, drawn in the routine file)"
    editor.pose_list.setCurrentRow(2)  # child's pose, from the library: no such entry
    assert editor.pose_figure.findText("(its own, drawn in the routine file)") < 0
    assert editor.figure_preview.figure == builtin_figures()["childs-pose"]
    editor.pose_list.setCurrentRow(1)
    editor.pose_figure.setFocus()
    ui.qtbot.keyClick(editor.pose_figure, Qt.Key.Key_Down)  # the next: a library figure
    chosen = editor.pose_figure.currentData()
    assert editor.document.pose(1)["figure"] == chosen
    assert editor.figure_preview.figure == builtin_figures()[chosen]
    ui.qtbot.keyClick(editor.pose_figure, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.document.text() == INLINE, "Undo brings the drawing back"
    assert editor.figure_preview.figure == own
    assert editor.pose_figure.currentText() == "(its own, drawn in the routine file)"


def test_the_session_page_and_its_lists_show_a_routines_own_figures(make_ui):
    from tests.core.test_figures_inline import INLINE

    routine = load_routine(INLINE, "own.toml", builtin_figure_names())
    fold, lunge, _child = (pose.inline_figure for pose in routine.poses)
    ui = make_ui("own", routines=[routine])
    ui.start("own-figures")
    figure = ui.session.figure
    assert figure.figure is fold and figure.picture == still_picture(fold)
    assert ui.row(0, FIGURE_ROLE) == (fold, None)
    assert ui.row(1, FIGURE_ROLE) == (lunge, Side.RIGHT)
    assert ui.row(3, FIGURE_ROLE) == (builtin_figures()["childs-pose"], None)
    assert not ui.session.next_figure.pixmap().isNull()  # up next: the own lunge
    ui.key(Qt.Key.Key_Right)
    assert figure.figure is lunge and figure.side is Side.RIGHT
    go_to(ui, lambda s: s.phase.kind is PhaseKind.FLOW and s.phase_elapsed_ms > 1000)
    assert figure.picture not in (still_picture(lunge, Side.RIGHT), None)  # it moves


def test_the_sway_is_shown_from_behind_with_an_arrow_out_then_in(ui):
    ui.start("lunge-flow-for-hamstrings")
    figure = ui.session.figure
    go_to(ui, lambda s: s.phase.kind is PhaseKind.FLOW and s.step.pose.id == "low-lunge-sway")

    def arrow_way():
        (shaft, _head) = figure.picture.behind_marks
        return 1 if shaft.points[1][0] > shaft.points[0][0] else -1

    def accent_xs():
        """Where the accent is on screen, left of the figure's middle (behind its back)."""
        accent = figure_colours(figure.palette()).highlight
        image = figure.grab().toImage()
        return [
            x
            for y in range(0, image.height() // 2, 2)
            for x in range(0, image.width() // 2, 2)
            if close(image.pixelColor(x, y), accent)
        ]

    phase = ui.snapshot.phase
    go_to(ui, lambda s: 0.3 < beat_at(phase, s.elapsed_ms).fraction < 0.7)
    assert beat_at(phase, ui.snapshot.elapsed_ms).beat == 0  # "Sway out"
    assert figure.picture.behind and arrow_way() == 1  # out: toward the right foot's edge
    assert len(accent_xs()) > 20  # the arrow, up in the view from behind
    go_to(ui, lambda s: beat_at(phase, s.elapsed_ms).beat == 1)  # "Sway in"
    ui.run(500)
    assert arrow_way() == -1
    # The side stretch after it: from behind, the arm reaches over toward the front leg.
    go_to(ui, lambda s: s.step.pose.id == "lunge-side-stretch" and s.phase.kind is PhaseKind.HOLD)
    assert figure.picture.behind and arrow_way() == 1
