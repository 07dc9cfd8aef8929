"""Widgets that paint what they are given: scaled text and the breath pacer. No timers here."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QStaticText,
    QTextOption,
    QTransform,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from stretch_desktop.ui.presenter import PacerView

WIDTH_SHARE = 0.9
"""The share of its width that big text may fill: a heading that ran edge to edge (x=22 to 1077
of 1100) read as cut off; 5 % each side keeps it clear of the frame."""


def largest_that_fits(low: int, high: int, fits: Callable[[int], bool]) -> int:
    """The largest size from ``high`` down to ``low`` for which ``fits`` holds, found by halving
    (``low`` if none does): the text fitting of labels and buttons, a handful of layouts each."""
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


class FitText(QWidget):
    """Text drawn as large as its box allows (up to ``max_height_ratio`` of the box's height).

    The countdown and the pose name use it so they grow with the window: a maximised window on a
    TV reads from across the room without a font setting.
    """

    def __init__(
        self,
        text: str = "",
        *,
        bold: bool = False,
        max_height_ratio: float = 0.9,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
        role: QPalette.ColorRole = QPalette.ColorRole.WindowText,
        minimum_height: int = 24,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._text = text
        self._bold = bold
        self._ratio = max_height_ratio
        self._align = align
        self._role = role
        self.setMinimumHeight(minimum_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(text)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text != self._text:  # repaint only on change: this is called on every tick
            self._text = text
            self.setAccessibleName(text)
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, self.minimumHeight())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = QFont(self.font())
        font.setBold(self._bold)
        box = QRectF(self.rect())
        size = max(6.0, box.height() * self._ratio)
        font.setPixelSize(round(size))
        width = QFontMetricsF(font).horizontalAdvance(self._text)
        room = box.width() * WIDTH_SHARE
        if width > room:  # too wide: shrink to fit the width instead
            font.setPixelSize(max(6, int(size * room / width)))
        painter.setFont(font)
        painter.setPen(self.palette().color(self._role))
        painter.drawText(box, int(self._align), self._text)


def _over(below: QColor, above: QColor, alpha: float) -> QColor:
    """``above`` at ``alpha`` laid over the opaque ``below``: the colour a blend would give."""
    return QColor.fromRgbF(
        below.redF() + (above.redF() - below.redF()) * alpha,
        below.greenF() + (above.greenF() - below.greenF()) * alpha,
        below.blueF() + (above.blueF() - below.blueF()) * alpha,
    )


def _device(event: QPaintEvent, widget: QWidget) -> QRectF:
    """The part of the backdrop pixmap (in device pixels) that lies under the repainted rect."""
    ratio = widget.devicePixelRatioF()
    rect = QRectF(event.rect())
    return QRectF(rect.x() * ratio, rect.y() * ratio, rect.width() * ratio, rect.height() * ratio)


def _breath_radius(full: float, size: float) -> float:
    """35 % of the track's radius at the bottom of a breath, all of it at the top."""
    return full * (0.35 + 0.65 * size)


def tone_colour(tone: str, palette: QPalette) -> QColor:
    """The pacer's colour: the system accent for effort, a calm teal for rests and releases,
    grey while waiting. Laid over the window at low strength (blended ahead of time, see
    ``_over``), so the window's text colour reads on top of it in a light or a dark palette
    alike."""
    if tone in ("ready", "paused"):
        return QColor(palette.color(QPalette.ColorRole.Mid))
    accent = QColor(palette.color(QPalette.ColorRole.Highlight))
    if tone in ("rest", "release"):
        hue = (accent.hsvHue() - 40) % 360 if accent.hsvHue() >= 0 else 170
        return QColor.fromHsv(hue, min(accent.hsvSaturation(), 150), max(accent.value(), 170))
    return accent


_TEXT_ROOM = 0.96
"""The share of the pacer's width its words may take."""
_SMALLEST_PX = 9


class PacerWidget(QWidget):
    """A circle that grows on the inhale and shrinks on the exhale, with words inside.

    With reduced motion the circle keeps its size and fills from the bottom instead.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = PacerView(0.0, "", "", "ready")
        self._reduced_motion = False
        self._font_side = -1
        self._font_cache: tuple[QFont, QFont] = (QFont(), QFont())
        self._texts: dict[tuple[str, int, bool, int], QStaticText] = {}
        self._fitted: dict[tuple[str, int, bool, int], tuple[QStaticText, QFont]] = {}
        self._colours: tuple[tuple[str, int], tuple[QColor, QColor, QColor, QColor]] | None = None
        self._backdrop_pixmap: QPixmap | None = None
        self._backdrop_key: tuple[int, int, int, int, float] | None = None
        self._geometry: tuple[QRectF, QRect, int, int] | None = None
        """The circle's box, the box to repaint when the words change, and the centre in whole
        pixels, at this size (None: work them out again): asked for on every one of sixty
        frames a second, changed only by a resize."""
        # Opaque: each frame repaints only this widget, not the page behind it as well.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Breath pacer")

    @property
    def view(self) -> PacerView:
        return self._view

    def set_reduced_motion(self, reduced: bool) -> None:
        self._reduced_motion = reduced
        self.update()

    def set_view(self, view: PacerView) -> None:
        if view != self._view:
            old, self._view = self._view, view
            if (view.title, view.detail) != (old.title, old.detail):
                self.setAccessibleDescription(f"{view.title}. {view.detail}")
            self.update(self._changed(old, view))

    def _changed(self, old: PacerView, new: PacerView) -> QRect:
        """The part of the widget a new view changes, so each frame repaints only that.

        Everything that moves lies in the circle's box: the margins never change. Most frames
        only the breath's size moves, and then nothing beyond its larger edge changes (the words
        stay put, the track behind them is still): the square around that edge, with 2 px for
        its antialiasing, is enough. One rectangle, because Qt paints a many-part region more
        slowly than the larger rectangle (measured in-process: a ring-shaped region, twice as long).
        """
        box, whole, x, y = self._layout()
        if self._reduced_motion or (old.title, old.detail, old.tone) != (
            new.title,
            new.detail,
            new.tone,
        ):
            return whole
        reach = math.ceil(_breath_radius(box.width() / 2, max(old.size, new.size))) + 2
        return QRect(x - reach, y - reach, 2 * reach, 2 * reach).intersected(whole)

    def _layout(self) -> tuple[QRectF, QRect, int, int]:
        if self._geometry is None:
            box = self._circle_box()
            centre = box.center()
            whole = box.toAlignedRect().adjusted(-1, -1, 1, 1)
            self._geometry = (box, whole, round(centre.x()), round(centre.y()))
        return self._geometry

    def _fonts(self, side: int) -> tuple[QFont, QFont]:
        """The title and detail fonts for this size, made once per size, not once per frame."""
        if self._font_side != side:
            title = QFont(self.font())
            title.setBold(True)
            title.setPixelSize(max(10, round(side * 0.13)))
            detail = QFont(self.font())
            detail.setPixelSize(max(9, round(side * 0.075)))
            self._font_cache = (title, detail)
            self._font_side = side
            self._texts.clear()
            self._fitted.clear()
        return self._font_cache

    def fitted(self, text: str, font: QFont, room: float) -> tuple[QStaticText, QFont]:
        """``text`` laid out in ``font``, or in a smaller size if it would be wider than ``room``:
        a flow's beat words ("Round down, hands on the box") must never run off both sides.
        Too wide even at the smallest size, they wrap onto two lines, shortened with "…" if
        two are not enough (the title's place has room for two above the detail)."""
        static = self._static(text, font)
        width = static.size().width()
        if width <= room:
            return static, font
        key = (text, font.pixelSize(), font.bold(), math.floor(room))
        known = self._fitted.get(key)
        if known is not None:  # worked out once per text and size, not on every frame
            return known
        smaller = QFont(font)
        smaller.setPixelSize(max(_SMALLEST_PX, int(font.pixelSize() * room / width)))
        static = self._static(text, smaller)
        while static.size().width() > room and smaller.pixelSize() > _SMALLEST_PX:
            smaller.setPixelSize(smaller.pixelSize() - 1)  # the estimate was a pixel too big
            static = self._static(text, smaller)
        if static.size().width() > room:
            wrap_at = math.floor(room)
            metrics = QFontMetricsF(smaller)
            two_lines = 2.5 * metrics.lineSpacing()  # two lines and a rounding, not three
            shown, allowed = text, 2 * room
            static = self._static(shown, smaller, wrap_at)
            while static.size().height() > two_lines and allowed > room:
                allowed -= room / 8
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, allowed)
                static = self._static(shown, smaller, wrap_at)
        if len(self._fitted) > 64:
            self._fitted.clear()
        self._fitted[key] = (static, smaller)
        return static, smaller

    def _static(self, text: str, font: QFont, wrap_at: int = -1) -> QStaticText:
        """Laid out once per text: the words change a few times a breath, the frame 60 times a
        second (measured: text layout was a tenth of a running session's CPU). ``wrap_at``: a
        width to wrap the words at (centred lines), or -1 for one line."""
        key = (text, font.pixelSize(), font.bold(), wrap_at)
        static = self._texts.get(key)
        if static is None:
            if len(self._texts) > 64:
                self._texts.clear()
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            if wrap_at > 0:
                static.setTextWidth(wrap_at)
                option = QTextOption(Qt.AlignmentFlag.AlignHCenter)
                option.setWrapMode(QTextOption.WrapMode.WordWrap)
                static.setTextOption(option)
            static.prepare(QTransform(), font)
            self._texts[key] = static
        return static

    def _backdrop(self, background: QColor, track: QColor) -> QPixmap:
        """The window colour and the faint full-size circle, drawn once per size and colour.

        Opaque, so each frame starts with a plain copy instead of a blend. Measured in three short
        A/B pairs against the bare circle: the offscreen CPU ratio went from about 1.2× to 1.0×.
        """
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), background.rgba(), track.rgba(), ratio)
        if self._backdrop_key != key or self._backdrop_pixmap is None:
            pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(background)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawEllipse(self._circle_box())
            painter.end()
            self._backdrop_pixmap, self._backdrop_key = pixmap, key
        return self._backdrop_pixmap

    def _circle_box(self) -> QRectF:
        side = min(self.width(), self.height()) - 8
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._geometry = None
        super().resizeEvent(event)

    def _colours_for(self, tone: str) -> tuple[QColor, QColor, QColor, QColor]:
        """The window, track, breath and text colours for a tone, worked out when the tone or the
        palette changes instead of on each of sixty frames a second."""
        palette = self.palette()
        key = (tone, palette.cacheKey())
        if self._colours is None or self._colours[0] != key:
            background = QColor(palette.color(QPalette.ColorRole.Window))
            colour = tone_colour(tone, palette)
            track = _over(background, colour, 0.16)
            # The breath lies inside the track, so its colour over the track is known: opaque.
            breath = _over(track, colour, 0.55)
            text = QColor(palette.color(QPalette.ColorRole.WindowText))
            self._colours = (key, (background, track, breath, text))
        return self._colours[1]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        background, track, breath, text_colour = self._colours_for(self._view.tone)
        painter.drawPixmap(
            QRectF(event.rect()), self._backdrop(background, track), _device(event, self)
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = self._layout()[0]
        side, centre, full = box.width(), box.center(), box.width() / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(breath)
        if self._reduced_motion:
            circle = QPainterPath()
            circle.addEllipse(centre, full, full)
            level = QPainterPath()
            top = centre.y() + full - 2 * full * self._view.size
            level.addRect(QRectF(centre.x() - full, top, 2 * full, 2 * full))
            painter.drawPath(circle.intersected(level))
        else:
            radius = _breath_radius(full, self._view.size)
            painter.drawEllipse(centre, radius, radius)
        title_font, detail_font = self._fonts(round(side))
        painter.setPen(text_colour)
        for text, font, middle in (
            (self._view.title, title_font, centre.y() - side * 0.07),
            (self._view.detail, detail_font, centre.y() + side * 0.09),
        ):
            if not text:
                continue
            static, font = self.fitted(text, font, self.width() * _TEXT_ROOM)
            size = static.size()
            painter.setFont(font)
            painter.drawStaticText(
                QPointF(centre.x() - size.width() / 2, middle - size.height() / 2), static
            )


class FitLabel(QLabel):
    """Wrapped text that is always shown whole: at its preferred size when it fits, else at the
    largest smaller size that does (down to ``minimum_px``).

    Nobody on a mat scrolls, so the pose's instructions, the caption and the notices must never
    sit in a scroll box or be cut off. With ``lines`` the label keeps the height of that many
    lines at its preferred size, whatever it shows, so the widgets around it never move when a
    two-line caption gives way to a one-line one.
    """

    def __init__(self, *, lines: int | None = None, minimum_px: int = 11) -> None:
        super().__init__()
        self._lines = lines
        self._minimum_px = minimum_px
        self._preferred_px = 14
        self._fitting = False
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # With ``lines`` the height is fixed (set with the font); without, the layout decides
        # the height and the text fits itself into it.
        vertical = QSizePolicy.Policy.Ignored if lines is None else QSizePolicy.Policy.Fixed
        self.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        self.setMinimumHeight(1)
        self._height = 1
        self._full = ""
        self._shortened = False
        self._named = False

    def hasHeightForWidth(self) -> bool:
        """The layout gives the height; asking the text how tall it wants to be would let a
        longer text push its neighbours (the layout jump this widget exists to prevent)."""
        return False

    def set_lines(self, lines: int) -> None:
        """Keep the height of ``lines`` lines (a notice bar grows with its notices)."""
        if lines == self._lines:
            return
        self._lines = lines
        self.set_preferred_px(self._preferred_px, self.font().bold())

    def set_preferred_px(self, pixels: int, bold: bool = False) -> None:
        """The size the text has when there is room (the window's scale for this label)."""
        self._preferred_px = pixels
        font = QFont(self.font())
        font.setPixelSize(pixels)
        font.setBold(bold)
        QLabel.setFont(self, font)
        if self._lines is not None:
            margins = self.contentsMargins()
            spacing = QFontMetricsF(font).lineSpacing()
            self._height = math.ceil(spacing * self._lines) + 2 + margins.top() + margins.bottom()
            self.setFixedHeight(self._height)
            self.updateGeometry()
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._height)

    def setText(self, text: str) -> None:
        if text != self._full:
            self._full = text
            if self._shortened:
                self._unshorten()
            super().setText(text)
            self._fit()

    def full_text(self) -> str:
        """The text as given, even while a one-line label shows it shortened (``_fit``)."""
        return self._full

    def shortened(self) -> bool:
        """Whether the label shows its text cut short with "…" (the whole is in its tooltip
        and, unless it has a name of its own, in its accessible name)."""
        return self._shortened

    def wrapped_lines(self) -> int:
        """How many lines the whole text takes at the preferred size in the current width (a
        notice bar grows to show a long notice whole)."""
        width = self.contentsRect().width()
        if not self._full or width <= 0:
            return 1
        font = QFont(self.font())
        font.setPixelSize(self._preferred_px)
        metrics = QFontMetricsF(font)
        flags = int(Qt.TextFlag.TextWordWrap)
        needed = metrics.boundingRect(QRectF(0, 0, width, 1e6), flags, self._full).height()
        return max(1, round(needed / metrics.lineSpacing()))

    def fits(self) -> bool:
        """Whether the text shown fits at the current size (what the tests check); a one-line
        label may show its text shortened to fit (``shortened``)."""
        return self._needed_height() <= self.contentsRect().height()

    def _needed_height(self) -> int:
        margins = self.contentsMargins()
        width = self.contentsRect().width()
        return self.heightForWidth(width + margins.left() + margins.right()) - (
            margins.top() + margins.bottom()
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The largest pixel size from preferred down to the minimum at which the text fits; a
        one-line label whose text does not fit even at the minimum shows it shortened with "…"
        (its whole text in the tooltip) rather than a second line cut in half."""
        if self._fitting or not self._full or self.contentsRect().height() <= 1:
            return
        self._fitting = True
        try:
            if self._shortened:  # measured whole, at every size
                QLabel.setText(self, self._full)
                self._unshorten()
            if not self._fit_font() and self._lines == 1:
                metrics = QFontMetricsF(self.font())
                width = self.contentsRect().width()
                QLabel.setText(
                    self, metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, width)
                )
                self.setToolTip(self._full)
                if not self.accessibleName():  # a screen reader reads the whole text
                    self.setAccessibleName(self._full)
                    self._named = True
                self._shortened = True
        finally:
            self._fitting = False

    def _unshorten(self) -> None:
        self.setToolTip("")
        if self._named:
            self.setAccessibleName("")
            self._named = False
        self._shortened = False

    def _fit_font(self) -> bool:
        """The largest pixel size from preferred down to the minimum at which the text fits;
        whether it fits at that size (the label's text changes up to once a second, so each
        measurement is asked once)."""
        font = QFont(self.font())

        def fits(pixels: int) -> bool:
            font.setPixelSize(pixels)
            QLabel.setFont(self, font)
            return self.fits()

        if fits(self._preferred_px):
            return True
        return fits(largest_that_fits(self._minimum_px, self._preferred_px - 1, fits))
