"""The pose figure on screen and in PNGs: one painter for the window and ``figures``.

The picture is worked out by the pure core (``core/figures``); this module only paints it. The
widget repaints when its picture changes and not otherwise, so a hold costs nothing after its
first frame, and a flow costs a paint only when some point has moved a pixel. Colours come from the
widget's palette, so a light and a dark desktop both read; the offscreen renderer takes a
palette too (``light_palette``/``dark_palette`` when there is no desktop to ask).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from stretch_desktop.core.figures import (
    Figure,
    Picture,
    Stroke,
    figure_at,
    figure_name_for,
    load_figures,
    still_picture,
)
from stretch_desktop.core.routine import Pose, Side

OUTLINE = 0.022
"""The gap (× H) drawn in the background colour around each limb, so a near arm in front of
the trunk or a near leg across the far one stays readable in one colour."""
FLOOR_WIDTH = 0.008
MIN_MOVE_PX = 1.0
"""A flow's new frame is painted only once some point has moved this far on screen: at the
slow ends of an eased beat many ticks move the figure by less than a pixel, and each paint of
a large figure costs about 2-4 ms (measured offscreen at 400-600 px)."""


@functools.cache
def builtin_figures() -> Mapping[str, Figure]:
    """The figure library shipped in the package, read once (``importlib.resources``, so it
    is found in a wheel or a bundle alike); about 40 ms, so call it when a figure is first
    wanted, not before the window's first paint. A broken built-in figure is a bug the tests
    catch: it raises ``FigureError``."""
    folder = resources.files("stretch_desktop") / "resources" / "figures"
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    return load_figures((f"builtin:{entry.name}", entry.read_bytes()) for entry in entries)


def figure_for_pose(pose: Pose) -> Figure | None:
    """The library figure a routine's pose shows (its ``figure`` key, else its id), or None
    for a pose the library has no figure for (a user's own pose): show nothing then."""
    return builtin_figures().get(figure_name_for(pose.id, getattr(pose, "figure", None)))


def _blend(below: QColor, above: QColor, amount: float) -> QColor:
    """``above`` at ``amount`` over ``below``, opaque: no alpha blending at paint time."""
    return QColor.fromRgbF(
        below.redF() + (above.redF() - below.redF()) * amount,
        below.greenF() + (above.greenF() - below.greenF()) * amount,
        below.blueF() + (above.blueF() - below.blueF()) * amount,
    )


@dataclass(frozen=True, slots=True)
class FigureColours:
    background: QColor
    body: QColor
    far: QColor
    highlight: QColor
    far_highlight: QColor
    glow: QColor
    prop: QColor
    prop_edge: QColor
    mat: QColor
    floor: QColor


def figure_colours(palette: QPalette) -> FigureColours:
    """The figure's colours from a palette: the body in the text colour, the far limbs paler,
    the working limb in the accent, the target area a soft warm tint, props in greys."""
    background = QColor(palette.color(QPalette.ColorRole.Window))
    text = QColor(palette.color(QPalette.ColorRole.WindowText))
    accent = QColor(palette.color(QPalette.ColorRole.Highlight))
    dark = background.lightnessF() < 0.5
    warm = QColor.fromHsv(18, 190, 255)
    return FigureColours(
        background=background,
        body=_blend(background, text, 0.78),
        far=_blend(background, text, 0.42),
        highlight=accent if not dark else _blend(accent, QColor("white"), 0.15),
        far_highlight=_blend(background, accent, 0.55),
        glow=_blend(background, warm, 0.55 if dark else 0.5),
        prop=_blend(background, text, 0.12),
        prop_edge=_blend(background, text, 0.45),
        mat=_blend(background, accent, 0.4),
        floor=_blend(background, text, 0.35),
    )


def light_palette() -> QPalette:
    """A fixed light palette, for PNGs that must not depend on the desktop they are made on."""
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f6f6f4"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1d232b"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2a72c9"))
    return palette


def dark_palette() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#23262b"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#e8e8e6"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#4c9be8"))
    return palette


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _draw_stroke(painter: QPainter, stroke: Stroke, colour: QColor, extra: float) -> None:
    width = stroke.width + extra
    points = [QPointF(x, y) for x, y in stroke.points]
    if len(points) == 1:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(points[0], width / 2, width / 2)
        return
    painter.setPen(_pen(colour, width))
    if stroke.closed:
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF(points))
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(points[0])
    for point in points[1:]:
        path.lineTo(point)
    painter.drawPath(path)


def paint_picture(
    painter: QPainter, rect: QRectF, picture: Picture, colours: FigureColours
) -> None:
    """Paint ``picture`` into ``rect``, scaled to fit its view box and centred (the aspect is
    kept); the floor line runs across the whole rect. The painter's state is restored."""
    x0, y0, x1, y1 = picture.view
    scale = min(rect.width() / (x1 - x0), rect.height() / (y1 - y0))
    if scale <= 0:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    left = rect.x() + (rect.width() - (x1 - x0) * scale) / 2
    top = rect.y() + (rect.height() - (y1 - y0) * scale) / 2
    painter.translate(left - x0 * scale, top + y1 * scale)
    painter.scale(scale, -scale)  # from here on: × H, y up, floor at 0
    reach = (rect.x() - left) / scale + x0, (rect.right() - left) / scale + x0
    painter.setPen(_pen(colours.floor, FLOOR_WIDTH))
    painter.drawLine(QPointF(reach[0], -FLOOR_WIDTH / 2), QPointF(reach[1], -FLOOR_WIDTH / 2))
    for prop in picture.props:
        if prop.kind == "mat":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colours.mat)
            for r in prop.rects:
                painter.drawRect(QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]))
    edge = QPen(colours.prop_edge, 0.006)
    edge.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    for prop in picture.props:
        if prop.kind == "mat":
            continue
        painter.setPen(edge)
        painter.setBrush(QBrush(colours.prop))
        for r in prop.rects:
            painter.drawRoundedRect(QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]), 0.008, 0.008)
    for limb in picture.limbs:
        far = limb.name.startswith("far_")
        if limb.highlighted:
            colour = colours.far_highlight if far else colours.highlight
        else:
            colour = colours.far if far else colours.body
        for glow in limb.glows:
            _draw_stroke(painter, glow, colours.glow, 0.0)
        if not far:  # nothing of the body lies behind the far limbs: no gap to draw
            for stroke in limb.strokes:
                _draw_stroke(painter, stroke, colours.background, OUTLINE)
        for stroke in limb.strokes:
            _draw_stroke(painter, stroke, colour, 0.0)
    painter.restore()


def render_picture(picture: Picture, size: QSize, palette: QPalette | None = None) -> QImage:
    """``picture`` painted offscreen into an image of ``size`` (the window's painter, so a PNG
    shows what the window would). Needs a QGuiApplication."""
    colours = figure_colours(palette if palette is not None else light_palette())
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(colours.background)
    painter = QPainter(image)
    paint_picture(painter, QRectF(0, 0, size.width(), size.height()), picture, colours)
    painter.end()
    return image


class FigureWidget(QWidget):
    """A pose figure that paints what it is given: a figure on a side, and for a flow the
    moment of its beat. It keeps no time and knows no session.

    ``set_figure(figure, side)`` shows the still shape (a hold, a rest, a pose list's row);
    ``set_frame(beat, fraction)`` moves a flow, fed from ``timeline.beat_at(phase, elapsed)``
    (its ``beat`` and ``fraction``); ``set_frame(0, 0.0)`` shows where a flow's first beat
    starts, for its lead-in. With reduced motion the figure stays on its still shape. Each
    setter repaints only if the picture it makes differs, so calling them on every tick is
    cheap.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figure: Figure | None = None
        self._side: Side | None = None
        self._picture: Picture | None = None
        self._reduced_motion = False
        self._colours: tuple[int, FigureColours] | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(48, 48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Pose figure")

    @property
    def figure(self) -> Figure | None:
        return self._figure

    @property
    def side(self) -> Side | None:
        return self._side

    @property
    def picture(self) -> Picture | None:
        """What is painted now (None: nothing, the background only)."""
        return self._picture

    def set_figure(self, figure: Figure | None, side: Side | None = None) -> None:
        """Show ``figure`` (None: nothing) on ``side`` (None for a two-sided pose), still."""
        self._figure, self._side = figure, side
        title = figure.title if figure is not None else ""
        if side is not None and title:
            title += f", {side.value} side"
        self.setAccessibleDescription(title)
        self._show(None if figure is None else still_picture(figure, side))

    def set_frame(self, beat_index: int, fraction: float) -> None:
        """A flow ``fraction`` (0-1) of the way through beat ``beat_index``: the body moves
        from the previous beat's keyframe to this one's. Still figures and reduced motion
        ignore it."""
        figure = self._figure
        if figure is None or not figure.flow or self._reduced_motion:
            return
        picture = figure_at(figure, beat_index, fraction, self._side)
        if 0.0 < fraction < 1.0 and self._moved_px(picture) < MIN_MOVE_PX:
            return  # not a visible step yet: a paint costs milliseconds, a skipped one nothing
        self._show(picture)

    def _moved_px(self, picture: Picture) -> float:
        """How far, in device pixels, the point that moves most would move on screen."""
        old = self._picture
        if old is None or len(old.points) != len(picture.points):
            return math.inf
        x0, y0, x1, y1 = picture.view
        scale = min(self.width() / (x1 - x0), self.height() / (y1 - y0))
        scale *= self.devicePixelRatioF()
        most = max(
            max(abs(a[0] - b[0]), abs(a[1] - b[1]))
            for (_, a), (_, b) in zip(old.points, picture.points, strict=True)
        )
        return most * scale

    def set_reduced_motion(self, reduced: bool) -> None:
        """With reduced motion the figure keeps its still shape; a flow stops where it is
        and returns to that shape."""
        if reduced == self._reduced_motion:
            return
        self._reduced_motion = reduced
        if reduced and self._figure is not None:
            self._show(still_picture(self._figure, self._side))

    def _show(self, picture: Picture | None) -> None:
        if picture != self._picture:
            self._picture = picture
            self.update()

    def _colours_now(self) -> FigureColours:
        key = self.palette().cacheKey()
        if self._colours is None or self._colours[0] != key:
            self._colours = (key, figure_colours(self.palette()))
        return self._colours[1]

    def sizeHint(self) -> QSize:
        return QSize(240, 240)

    def paintEvent(self, event: QPaintEvent) -> None:
        colours = self._colours_now()
        painter = QPainter(self)
        painter.fillRect(self.rect(), colours.background)
        if self._picture is not None:
            paint_picture(painter, QRectF(self.rect()), self._picture, colours)
        painter.end()
