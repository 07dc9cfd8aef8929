"""The pose figure on screen: the named side's working limb in the accent, mirrored for the
left, the window's palette, fit to its box, and a repaint only when the picture changes."""

import itertools
import math

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.figures import figure_at, still_picture
from stretch_desktop.core.routine import Pose, Side
from stretch_desktop.library import builtin_routines
from stretch_desktop.ui.figure_widget import (
    MIN_MOVE_PX,
    FigureWidget,
    builtin_figures,
    dark_palette,
    figure_colours,
    figure_for_pose,
    light_palette,
    render_picture,
)


class PaintCounter(QObject):
    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


@pytest.fixture
def widget(qtbot):
    widget = FigureWidget()
    widget.setPalette(light_palette())
    qtbot.addWidget(widget)
    widget.resize(360, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def close(a: QColor, b: QColor, within=40):
    return (
        max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= within
    )


def pixels_like(image: QImage, colour: QColor):
    return [
        (x, y)
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if close(image.pixelColor(x, y), colour, 12)
    ]


def test_the_working_leg_is_drawn_in_the_accent_on_the_side_named(widget):
    accent = figure_colours(light_palette()).highlight
    lizard = builtin_figures()["lizard"]  # the named leg is the front one
    widget.set_figure(lizard, Side.RIGHT)
    right = widget.grab().toImage()
    widget.set_figure(lizard, Side.LEFT)
    left = widget.grab().toImage()
    middle = right.width() / 2
    on_right = pixels_like(right, accent)
    on_left = pixels_like(left, accent)
    assert len(on_right) > 100 and len(on_left) > 100
    # Facing right, the front leg is on the right of the picture; facing left, on the left.
    assert sum(x for x, _ in on_right) / len(on_right) > middle
    assert sum(x for x, _ in on_left) / len(on_left) < middle


def test_the_left_side_is_the_right_side_mirrored(widget):
    figure = builtin_figures()["calf-stretch"]
    widget.set_figure(figure, Side.RIGHT)
    right = widget.grab().toImage().flipped(Qt.Orientation.Horizontal)
    widget.set_figure(figure, Side.LEFT)
    left = widget.grab().toImage()
    differing = sum(
        not close(right.pixelColor(x, y), left.pixelColor(x, y), 60)
        for y in range(left.height())
        for x in range(left.width())
    )
    assert differing == 0  # antialiasing may differ by a shade, never by a shape
    widget.set_figure(figure, None)  # a two-sided drawing is the right side's
    assert widget.picture == still_picture(figure, Side.RIGHT)


def pixels_apart(widget, a, b):
    """How far apart on ``widget`` (px) the point that differs most between two pictures is."""
    x0, y0, x1, y1 = a.view
    scale = min(widget.width() / (x1 - x0), widget.height() / (y1 - y0))
    return scale * max(math.dist(p, q) for (_, p), (_, q) in zip(a.points, b.points, strict=True))


def test_it_repaints_only_when_its_picture_changes(widget, qtbot):
    counter = PaintCounter(widget)
    flow = builtin_figures()["roll-down-to-box"]
    widget.set_figure(flow, None)
    qtbot.waitUntil(lambda: counter.count >= 1)
    QApplication.processEvents()
    before = counter.count
    widget.set_figure(flow, None)  # the same picture again: nothing to paint
    widget.set_frame(1, 1.0)  # the end of beat 1 is the still shape itself
    QApplication.processEvents()
    QApplication.processEvents()
    assert counter.count == before
    widget.set_frame(1, 0.45)  # nearly half way down to the box: a new picture
    qtbot.waitUntil(lambda: counter.count > before)
    # Drawn at the nearest of the beat's steps: within half a step of the moment asked for.
    assert pixels_apart(widget, widget.picture, figure_at(flow, 1, 0.45)) <= MIN_MOVE_PX / 2 + 0.5
    QApplication.processEvents()
    before, half_way = counter.count, widget.picture
    widget.set_frame(1, 0.4501)  # moves less than a pixel: not worth a paint
    QApplication.processEvents()
    assert counter.count == before
    assert widget.picture is half_way
    widget.set_frame(1, 0.55)
    qtbot.waitUntil(lambda: counter.count > before)
    assert pixels_apart(widget, widget.picture, figure_at(flow, 1, 0.55)) <= MIN_MOVE_PX / 2 + 0.5


def test_a_flows_steps_are_the_same_in_every_round_and_worked_out_once(widget, qtbot):
    """The next round passes the same steps: their pictures are the ones worked out before."""
    flow = builtin_figures()["low-lunge-sway"]
    widget.set_figure(flow, Side.RIGHT)
    shown = {}
    for beat in (0, 1, 0, 1):
        for k in range(41):
            widget.set_frame(beat, k / 40)
            picture = widget.picture
            if (beat, k) in shown:
                assert picture is shown[(beat, k)], (beat, k)
            shown[(beat, k)] = picture
    # Steps of at most MIN_MOVE_PX on screen, and the beats' ends are the keyframes exactly.
    for beat in (0, 1):
        frames = [shown[(beat, k)] for k in range(41)]
        for a, b in itertools.pairwise(frames):
            assert pixels_apart(widget, a, b) <= MIN_MOVE_PX + 0.5
        assert frames[-1] == figure_at(flow, beat, 1.0, Side.RIGHT)
    assert len({id(p) for p in shown.values()}) > 10  # it moves
    # Another size: other steps, worked out anew (a kept picture would be a step of the old).
    widget.resize(widget.width() // 2, widget.height() // 2)
    widget.set_frame(0, 0.5)
    assert all(widget.picture is not p for p in shown.values())


class PaintRegions(QObject):
    """The region of each paint event the widget gets."""

    def __init__(self, widget):
        super().__init__()
        self.regions = []
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.regions.append(event.region())
        return False


def changed_box(a: QImage, b: QImage):
    """The smallest rectangle holding every pixel that differs between ``a`` and ``b``."""
    xs, ys = [], []
    for y in range(a.height()):
        for x in range(a.width()):
            if a.pixel(x, y) != b.pixel(x, y):
                xs.append(x)
                ys.append(y)
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def test_a_moving_figure_repaints_where_it_moves_not_the_whole_widget(widget, qtbot):
    widget.resize(500, 300)  # wider than the figure: room beside it that never changes
    flow = builtin_figures()["low-lunge-sway"]
    widget.set_figure(flow, Side.RIGHT)
    widget.set_frame(0, 0.3)
    QApplication.processEvents()
    regions = PaintRegions(widget)
    before = widget.picture
    widget.set_frame(0, 0.6)
    qtbot.waitUntil(lambda: len(regions.regions) >= 1)
    after = widget.picture
    assert after != before
    painted = regions.regions[0]
    size = widget.size()
    palette = widget.palette()
    moved = changed_box(render_picture(before, size, palette), render_picture(after, size, palette))
    # Every pixel that changes is painted; the widget's far edges, which do not, are not.
    assert painted.contains(moved)
    assert not painted.contains(QPoint(2, 150)) and not painted.contains(QPoint(497, 150))
    whole = widget.width() * widget.height()
    assert painted.boundingRect().width() * painted.boundingRect().height() < 0.8 * whole
    # A new figure (or side) is painted whole.
    regions.regions.clear()
    widget.set_figure(flow, Side.LEFT)
    qtbot.waitUntil(lambda: len(regions.regions) >= 1)
    assert regions.regions[0].contains(widget.rect())


def test_reduced_motion_keeps_a_flow_on_its_still_shape(widget):
    flow = builtin_figures()["dynamic-hamstring-stretch"]
    widget.set_figure(flow, Side.LEFT)
    still = widget.picture
    widget.set_frame(1, 0.45)
    moving = figure_at(flow, 1, 0.45, Side.LEFT)
    assert pixels_apart(widget, widget.picture, moving) <= MIN_MOVE_PX / 2 + 0.5
    assert pixels_apart(widget, widget.picture, still) > 10 * MIN_MOVE_PX
    widget.set_reduced_motion(True)
    assert widget.picture == still
    widget.set_frame(0, 0.3)
    assert widget.picture == still


def test_it_takes_its_colours_from_the_palette(widget):
    widget.set_figure(builtin_figures()["standing"], None)
    light = widget.grab().toImage()
    widget.setPalette(dark_palette())
    dark = widget.grab().toImage()
    assert close(light.pixelColor(2, 2), light_palette().window().color(), 2)
    assert close(dark.pixelColor(2, 2), dark_palette().window().color(), 2)
    body = figure_colours(dark_palette()).body
    assert len(pixels_like(dark, body)) > 100  # the body reads light on dark
    assert body.lightness() > 150


def test_the_figure_fits_its_box_keeping_its_shape():
    picture = still_picture(builtin_figures()["down-dog"])
    body = figure_colours(light_palette()).body

    def body_box(image):
        found = pixels_like(image, body)
        xs, ys = [x for x, _ in found], [y for _, y in found]
        return min(xs), min(ys), max(xs), max(ys)

    ratios = []
    for size in (QSize(240, 240), QSize(480, 200), QSize(200, 480)):
        x0, y0, x1, y1 = body_box(render_picture(picture, size))
        assert 0 < x0 < x1 < size.width() - 1 and 0 < y0 < y1 < size.height() - 1
        ratios.append((x1 - x0) / (y1 - y0))
        if size.width() > size.height():  # a wide box: the figure is centred across it
            assert abs((x0 + x1) / 2 - size.width() / 2) < size.width() * 0.1
    assert max(ratios) / min(ratios) < 1.08  # never stretched


def test_a_routine_pose_finds_its_figure_and_a_users_own_pose_finds_none():
    routine = next(r for r in builtin_routines() if r.id == "seven-stretches-for-back-pain")
    assert figure_for_pose(routine.pose("lizard")) is builtin_figures()["lizard"]
    assert figure_for_pose(Pose("my-own-pose", "Mine", "Mine", ("Stand.",))) is None
