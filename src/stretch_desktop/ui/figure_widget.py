"""The pose figure on screen and in PNGs: one painter for the window and ``figures``.

The picture is worked out by the pure core (``core/figures``); this module only paints it. The
widget repaints when its picture changes and not otherwise, so a hold costs nothing after its
first frame, and a flow costs a paint only when some point has moved a pixel (and works a
picture out only when one can have). Colours come from the widget's palette, so a light and a
dark desktop both read; the offscreen renderer takes a palette too (``light_palette``/
``dark_palette`` when there is no desktop to ask). Small figures (a list's rows, "Up next",
the routine preview) are pixmaps drawn once per figure, side, size and colours
(:func:`figure_pixmap`), so painting a list costs a copy per row.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
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
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from stretch_desktop.core.figures import (
    Figure,
    Picture,
    Stroke,
    beat_travel,
    ease,
    figure_at,
    figure_name_for,
    load_figures,
    press_picture,
    still_picture,
)
from stretch_desktop.core.routine import Pose, Side

OUTLINE = 0.022
"""The gap (× H) drawn in the background colour around each limb, so a near arm in front of
the trunk or a near leg across the far one stays readable in one colour."""
FLOOR_WIDTH = 0.008
MIN_MOVE_PX = 2.0
"""A flow's new frame is worked out and painted only once the point that moves most can have
moved this far on screen. Working a picture out costs about 0.25 ms and painting a large one
1.7-3 ms (measured offscreen at 380-450 px; antialiased filling is most of it), so the paint
rate is what a flow costs: in the window at 1280x800, 1 px steps gave 9-10 paints a second
(2.6-3.4 % of a core), 2 px steps half that. Two pixels (about half a millimetre) are too
small a step to see as a jump from the mat, and the flows here are slow."""
PRESS_HALO = 0.045
"""How far (× H) the halo of a pressing limb reaches beyond its flesh."""
ICON_CACHE_SIZE = 256
"""Small figures kept drawn: a session's rows at two sizes and palettes fit many times over."""


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
    return builtin_figures().get(figure_name_for(pose.id, pose.figure))


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
    press: QColor
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
        press=_blend(background, accent, 0.45 if dark else 0.35),
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
        if limb.pressing:  # a halo of effort around the limb (its target area stays on it)
            for stroke in limb.strokes:
                _draw_stroke(painter, stroke, colours.press, OUTLINE + 2 * PRESS_HALO)
        for glow in limb.glows:
            _draw_stroke(painter, glow, colours.glow, 0.0)
        if not far or limb.pressing:  # nothing lies behind the far limbs: no gap to draw
            for stroke in limb.strokes:
                _draw_stroke(painter, stroke, colours.background, OUTLINE)
        for stroke in limb.strokes:
            _draw_stroke(painter, stroke, colour, 0.0)
    for mark in picture.marks:
        _draw_stroke(painter, mark, colours.background, OUTLINE)
    for mark in picture.marks:
        _draw_stroke(painter, mark, colours.highlight, 0.0)
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


def _colour_key(palette: QPalette) -> tuple[int, int, int]:
    """What of a palette a figure is drawn from (see :func:`figure_colours`)."""
    roles = (
        QPalette.ColorRole.Window,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Highlight,
    )
    return (
        palette.color(roles[0]).rgba(),
        palette.color(roles[1]).rgba(),
        palette.color(roles[2]).rgba(),
    )


def on_base(palette: QPalette) -> QPalette:
    """``palette`` for a figure drawn inside a list or a text view: on their base colour, in
    their text colour, not the window's, so the figure sits on its row like the words do."""
    inside = QPalette(palette)
    inside.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Base))
    inside.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.Text))
    return inside


_icons: OrderedDict[tuple[object, ...], tuple[Figure, QPixmap]] = OrderedDict()


def figure_pixmap(
    figure: Figure,
    side: Side | None,
    size: QSize,
    palette: QPalette,
    ratio: float = 1.0,
) -> QPixmap:
    """``figure``'s still picture on ``side`` as a pixmap of ``size`` (logical pixels, at
    device pixel ratio ``ratio``), drawn on the palette's window colour. Drawn once per figure,
    side, size, ratio and colours and then reused, so a list painting its rows, "Up next" and
    the routine preview cost a copy each, not a drawing."""
    key = (figure.name, side, size.width(), size.height(), round(ratio * 100), _colour_key(palette))
    hit = _icons.get(key)
    if hit is not None and hit[0] is figure:
        _icons.move_to_end(key)
        return hit[1]
    device = QSize(max(1, round(size.width() * ratio)), max(1, round(size.height() * ratio)))
    pixmap = QPixmap.fromImage(render_picture(still_picture(figure, side), device, palette))
    pixmap.setDevicePixelRatio(ratio)
    _icons[key] = (figure, pixmap)
    while len(_icons) > ICON_CACHE_SIZE:
        _icons.popitem(last=False)
    return pixmap


def figure_pixmaps_cached() -> int:
    """How many small figures are drawn and kept (for tests: a repaint draws none anew)."""
    return len(_icons)


class FigureWidget(QWidget):
    """A pose figure that paints what it is given: a figure on a side, and for a flow the
    moment of its beat. It keeps no time and knows no session.

    ``set_figure(figure, side)`` shows the still shape (a hold, a rest);
    ``set_frame(beat, fraction)`` moves a flow, fed from ``timeline.beat_at(phase, elapsed)``
    (its ``beat`` and ``fraction``); ``set_frame(0, 0.0)`` shows where a flow's first beat
    starts, for its lead-in; ``set_pressing(True)`` shows a contract-relax press, ``False`` its
    release. With reduced motion the figure stays on its still shape. Each setter repaints
    only if the picture it makes differs, and ``set_frame`` works a picture out only once a
    pixel's movement is possible, so calling them on every tick is cheap.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figure: Figure | None = None
        self._side: Side | None = None
        self._picture: Picture | None = None
        self._reduced_motion = False
        self._pressing = False
        self._travel: tuple[float, ...] = ()
        self._frame: tuple[int, float] | None = None
        """The beat and eased fraction of the flow's picture on show (None: not a frame)."""
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

    @property
    def pressing(self) -> bool:
        return self._pressing

    def set_figure(self, figure: Figure | None, side: Side | None = None) -> None:
        """Show ``figure`` (None: nothing) on ``side`` (None for a two-sided pose), still."""
        if figure is not self._figure:
            self._travel = beat_travel(figure) if figure is not None else ()
        self._figure, self._side = figure, side
        self._pressing, self._frame = False, None
        title = figure.title if figure is not None else ""
        if side is not None and title:
            title += f", {side.value} side"
        self.setAccessibleDescription(title)
        self._show(None if figure is None else still_picture(figure, side))

    def set_frame(self, beat_index: int, fraction: float) -> None:
        """A flow ``fraction`` (0-1) of the way through beat ``beat_index``: the body moves
        from the previous beat's keyframe to this one's. Still figures, a press and reduced
        motion ignore it."""
        figure = self._figure
        if figure is None or not figure.flow or self._reduced_motion or self._pressing:
            return
        beat = beat_index % len(figure.beats)
        eased = ease(fraction)
        shown = self._frame
        # The beat's path, scaled to the screen: while no point can have moved a pixel yet,
        # neither a picture nor a paint is worth its milliseconds.
        if shown == (beat, eased):
            return  # the frame on show (a flow's lead-in asks for its start on every tick)
        if (
            shown is not None
            and shown[0] == beat
            and 0.0 < fraction < 1.0
            and abs(eased - shown[1]) * self._travel[beat] * self._scale_px() < MIN_MOVE_PX
        ):
            return
        self._frame = (beat, eased)
        self._show(figure_at(figure, beat, fraction, self._side))

    def _scale_px(self) -> float:
        """Device pixels per unit of the figure (its height H) as painted now."""
        figure = self._figure
        if figure is None:
            return 0.0
        x0, y0, x1, y1 = figure.view
        scale = min(self.width() / (x1 - x0), self.height() / (y1 - y0))
        return scale * self.devicePixelRatioF()

    def set_pressing(self, pressing: bool) -> None:
        """A contract-relax press (True) or its release (False). The body does not move in an
        isometric press: the pressing limb is marked, with an arrow the way it pushes."""
        if pressing == self._pressing:
            return
        self._pressing, self._frame = pressing, None
        figure = self._figure
        if figure is not None:
            side = self._side
            self._show(press_picture(figure, side) if pressing else still_picture(figure, side))

    def set_reduced_motion(self, reduced: bool) -> None:
        """With reduced motion the figure keeps its still shape; a flow stops where it is
        and returns to that shape. (A press is still shown: it is a state, not a movement.)"""
        if reduced == self._reduced_motion:
            return
        self._reduced_motion = reduced
        if reduced and self._figure is not None and not self._pressing:
            self._frame = None
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
