"""The pose figure on screen and in PNGs: one painter for the window and ``figures``.

The picture is worked out by the pure core (``core/figures``); this module only paints it. The
widget repaints when its picture changes and not otherwise, so a hold costs nothing after its
first frame, and a flow moves in steps of a few pixels, each worked out once and then kept (see
``MIN_MOVE_PX``). Colours come from the widget's palette, so a light and a
dark desktop both read; the offscreen renderer takes a palette too (``light_palette``/
``dark_palette`` when there is no desktop to ask). Small figures (a list's rows, "Up next",
the routine preview) are pixmaps drawn once per figure, side, size and colours
(:func:`figure_pixmap`), so painting a list costs a copy per row.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from stretch_desktop.core.figure_files import load_figures
from stretch_desktop.core.figures import (
    Figure,
    Limb,
    Picture,
    Rect,
    Stroke,
    beat_travel,
    body_bounds,
    ease,
    figure_at,
    pose_figure,
    press_picture,
    still_picture,
    unease,
)
from stretch_desktop.core.routine import Pose, Side

OUTLINE = 0.022
"""The gap (× H) drawn in the background colour around each limb, so a near arm in front of
the trunk or a near leg across the far one stays readable in one colour."""
FLOOR_WIDTH = 0.008
MIN_MOVE_PX = 3.0
"""The largest step (logical pixels, by the point that moves most) a flow's body takes from one
frame to the next. Each frame costs a paint of the box the body moves in (about 1 ms offscreen
at 440 px, 1.5 ms in a running session) and, the first time, its picture (0.3-0.8 ms), so the
number of steps is what a flow costs: 1 px steps gave 9-10 paints a second in the low lunge's
sway, 2 px half that, 3 px a third. Three pixels are under a millimetre, which from a mat two
metres away is about the least an eye can tell apart (one minute of arc is 0.6 mm there), and
the flows here are slow."""
PRESS_HALO = 0.045
"""How far (× H) the halo of a pressing limb reaches beyond its flesh."""
FRAME_CACHE_SIZE = 96
"""How many of a flow's frames are kept worked out (picture and repaint box, about 12 KiB
each, so about 1 MiB at most). A flow passes the same steps in every round, so a short movement
(the low lunge's sway: some 30 steps at a session's size) is worked out once. A longer one
keeps its first steps and works the others out each round: in a cycle, keeping the oldest hits
that many steps a round where dropping the oldest would hit none."""
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
    """The figure a routine's pose shows: its own inline one, else the library's (its
    ``figure`` key, else its id), or None for a pose that has neither (show nothing then)."""
    return pose_figure(pose, builtin_figures())


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
    ghost: QColor


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
        ghost=_blend(background, text, 0.16),
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


@functools.lru_cache(maxsize=64)
def _pen_of(rgba: int, width: float) -> QPen:
    pen = QPen(QColor.fromRgba(rgba), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _pen(colour: QColor, width: float) -> QPen:
    """A round pen, made once per colour and width: a flow's frame draws some thirty strokes
    with a handful of pens, and making a pen each time was a tenth of the paint."""
    return _pen_of(colour.rgba(), width)


@dataclass(frozen=True, slots=True)
class _Device:
    """Figure units (× H, y up) to device pixels (y down): ``x * scale + x0``, ``y0 - y *
    scale``. The painter strokes in pixels, with no scale of its own: Qt strokes a wide line
    about three times faster in pixels than under a scaling transform (measured 10-12 µs
    against 28-32 µs a stroke at 440 px), and the strokes are a frame's whole cost."""

    scale: float
    x0: float
    y0: float

    def point(self, x: float, y: float) -> QPointF:
        return QPointF(self.x0 + x * self.scale, self.y0 - y * self.scale)

    def rect(self, r: Rect) -> QRectF:
        return QRectF(
            self.x0 + r[0] * self.scale,
            self.y0 - r[3] * self.scale,
            (r[2] - r[0]) * self.scale,
            (r[3] - r[1]) * self.scale,
        )


def _draw_stroke(
    painter: QPainter,
    stroke: Stroke,
    colour: QColor,
    extra: float,
    device: _Device,
    points: list[QPointF] | None = None,
) -> None:
    """``stroke`` in ``colour``, ``extra`` (× H) wider; ``points`` are its points on the device
    when the caller has them already (a limb's gap and the limb itself share them)."""
    width = (stroke.width + extra) * device.scale
    if points is None:
        points = [device.point(x, y) for x, y in stroke.points]
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
    if len(points) == 2:  # a line or a polyline never fills: the brush left set does no harm
        painter.drawLine(points[0], points[1])
        return
    painter.drawPolyline(points)


def paint_picture(
    painter: QPainter, rect: QRectF, picture: Picture, colours: FigureColours
) -> None:
    """Paint ``picture`` into ``rect``, scaled to fit its view box and centred (the aspect is
    kept); the floor line runs across the whole rect. The painter's state is restored."""
    x0, _, _, y1 = picture.view
    scale, left, top = _placement(rect, picture.view)
    if scale <= 0:
        return
    device = _Device(scale, left - x0 * scale, top + y1 * scale)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    floor = device.point(0.0, -FLOOR_WIDTH / 2).y()
    painter.setPen(_pen(colours.floor, FLOOR_WIDTH * scale))
    painter.drawLine(QPointF(rect.x(), floor), QPointF(rect.right(), floor))
    for prop in picture.props:
        if prop.kind in ("mat", "floor"):  # the floor: under the view from behind
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colours.mat if prop.kind == "mat" else colours.floor)
            for r in prop.rects:
                painter.drawRect(device.rect(r))
    edge = QPen(colours.prop_edge, 0.006 * scale)
    edge.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    corner = 0.008 * scale
    for prop in picture.props:
        if prop.kind in ("mat", "floor"):
            continue
        painter.setPen(edge)
        painter.setBrush(QBrush(colours.prop))
        for r in prop.rects:
            painter.drawRoundedRect(device.rect(r), corner, corner)
    _paint_limbs(painter, picture.limbs, colours, device)
    for mark in picture.marks:
        _draw_stroke(painter, mark, colours.background, OUTLINE, device)
    for mark in picture.marks:
        _draw_stroke(painter, mark, colours.highlight, 0.0, device)
    if picture.behind:
        _paint_behind(painter, picture, colours, device)
    painter.restore()


def _paint_behind(
    painter: QPainter, picture: Picture, colours: FigureColours, device: _Device
) -> None:
    """The small view from behind: where the move starts, faint; the body as it is now, in
    the figure's own colours (the working leg highlighted); the arrow of the move."""
    for stroke in picture.behind_ghost:
        _draw_stroke(painter, stroke, colours.ghost, 0.0, device)
    # No gaps: at this size the few crossings read without them, and each is a stroke a frame.
    _paint_limbs(painter, picture.behind, colours, device, gaps=False)
    for mark in picture.behind_marks:
        _draw_stroke(painter, mark, colours.highlight, 0.0, device)


def _paint_limbs(
    painter: QPainter,
    limbs: tuple[Limb, ...],
    colours: FigureColours,
    device: _Device,
    gaps: bool = True,
) -> None:
    """Each group in its colour, back to front, the near ones with a gap around them."""
    for limb in limbs:
        far = limb.name.startswith("far_")
        if limb.highlighted:
            colour = colours.far_highlight if far else colours.highlight
        else:
            colour = colours.far if far else colours.body
        if limb.pressing:  # a halo of effort around the limb (its target area stays on it)
            for stroke in limb.strokes:
                _draw_stroke(painter, stroke, colours.press, OUTLINE + 2 * PRESS_HALO, device)
        for glow in limb.glows:
            _draw_stroke(painter, glow, colours.glow, 0.0, device)
        mapped = [[device.point(x, y) for x, y in stroke.points] for stroke in limb.strokes]
        if gaps and (not far or limb.pressing):  # nothing lies behind the far limbs
            for stroke, points in zip(limb.strokes, mapped, strict=True):
                _draw_stroke(painter, stroke, colours.background, OUTLINE, device, points)
        for stroke, points in zip(limb.strokes, mapped, strict=True):
            _draw_stroke(painter, stroke, colour, 0.0, device, points)


def _placement(rect: QRectF, view: Rect) -> tuple[float, float, float]:
    """How a picture with ``view`` sits in ``rect``: its scale (pixels per H) and the left and
    top of the view box, centred. The painter and the widget's repaint box both use it."""
    x0, y0, x1, y1 = view
    scale = min(rect.width() / (x1 - x0), rect.height() / (y1 - y0))
    left = rect.x() + (rect.width() - (x1 - x0) * scale) / 2
    top = rect.y() + (rect.height() - (y1 - y0) * scale) / 2
    return scale, left, top


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
    only if the picture it makes differs, and ``set_frame`` does anything only when the body has
    reached its next step, so calling them on every tick is cheap.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figure: Figure | None = None
        self._side: Side | None = None
        self._picture: Picture | None = None
        self._reduced_motion = False
        self._pressing = False
        self._travel: tuple[float, ...] = ()
        self._frame: tuple[int, int] | None = None
        """The beat and step of the flow's picture on show (None: not a frame)."""
        self._frames: dict[tuple[int, int], tuple[Picture, QRect]] = {}
        """The flow's frames worked out at this size, by beat and step."""
        self._colours: tuple[int, FigureColours] | None = None
        self._scale: float | None = None
        """Pixels per unit of the figure as laid out now (None: work it out again)."""
        self._box: QRect | None = None
        """Where the picture on show is drawn (None: work it out when next needed)."""
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
            self._scale = None
        if figure is not self._figure or side != self._side:
            self._frames.clear()
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
        motion ignore it.

        The body moves in equal steps along its beat, each as far as ``MIN_MOVE_PX`` on screen
        at most (by the point that moves most), and is drawn where the step nearest the
        engine's moment has it: a frame is worked out and painted only when the step changes,
        and the steps are the same in every round, so their pictures are kept."""
        figure = self._figure
        if figure is None or not figure.flow or self._reduced_motion or self._pressing:
            return
        beat = beat_index % len(figure.beats)
        steps = max(1, math.ceil(self._travel[beat] * self._scale_px() / MIN_MOVE_PX))
        step = round(ease(fraction) * steps)
        if self._frame == (beat, step):
            return  # the frame on show (a flow's lead-in asks for its start on every tick)
        self._frame = (beat, step)
        frame = self._frames.get((beat, step))
        if frame is None:
            picture = figure_at(figure, beat, unease(step / steps), self._side)
            frame = (picture, self._box_of(picture))
            if len(self._frames) < FRAME_CACHE_SIZE:
                self._frames[(beat, step)] = frame
        self._show(*frame)

    def _scale_px(self) -> float:
        """Pixels per unit of the figure (its height H) as laid out now: logical pixels, which
        are about the same size on any screen (a HiDPI screen's device pixels are smaller), so
        a flow's step (``MIN_MOVE_PX``) stays under a millimetre. Kept until the widget is
        resized or shows another figure: this runs on every tick of a flow."""
        if self._scale is None:
            figure = self._figure
            if figure is None:
                return 0.0
            x0, y0, x1, y1 = figure.view
            self._scale = min(self.width() / (x1 - x0), self.height() / (y1 - y0))
        return self._scale

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._scale, self._box, self._frame = None, None, None
        self._frames.clear()
        super().resizeEvent(event)

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

    def _show(self, picture: Picture | None, box: QRect | None = None) -> None:
        """Paint ``picture`` (whose repaint box is ``box``, when known) instead of the one on
        show, if it differs."""
        old, old_box = self._picture, self._box
        if picture == old:
            return
        self._picture, self._box = picture, box
        if old is None or picture is None or old.view != picture.view:
            self.update()
            return
        # The same figure moving, pressing or letting go: only where either frame's body is
        # drawn changes (the floor and the props stay put), so only that is painted and
        # flushed; the gap drawn around a limb over a prop is within the body's box too.
        # Each box is worked out once: kept with the picture on show, and with a flow's steps.
        if self._box is None:
            self._box = self._box_of(picture)
        self.update((old_box or self._box_of(old)).united(self._box))

    def _box_of(self, picture: Picture) -> QRect:
        """Where on the widget ``picture`` is drawn, halo and antialiasing included."""
        scale, left, top = _placement(QRectF(self.rect()), picture.view)
        x0, y0, x1, y1 = body_bounds(picture)
        vx0, _, _, vy1 = picture.view
        grow = (OUTLINE / 2 + PRESS_HALO) * scale + 2
        return QRectF(
            left + (x0 - vx0) * scale - grow,
            top + (vy1 - y1) * scale - grow,
            (x1 - x0) * scale + 2 * grow,
            (y1 - y0) * scale + 2 * grow,
        ).toAlignedRect()

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
        painter.fillRect(event.rect(), colours.background)
        if self._picture is not None:
            paint_picture(painter, QRectF(self.rect()), self._picture, colours)
        painter.end()
