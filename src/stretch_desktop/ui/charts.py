"""The progress page's two charts, painted with QPainter: minutes per week as bars, and the reach
before and after each assessed session on the six-step scale.

A painter of our own rather than pyqtgraph: the two charts need bars, lines, dots and axis
labels, which are a few dozen lines here, while ``import pyqtgraph`` took 0.7–1.1 s and 62 MiB
on this machine and brings numpy into the window (README, "Dependencies"). This module is
imported only when the progress page is first opened (``MainWindow.progress_page``).

Colours come from the widget's palette (window, text, highlight), so the charts follow a light
or a dark desktop as the rest of the window does; each chart says what to do when it has
nothing to draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Final

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from stretch_desktop.storage.progress import (
    ASSESSING_ROUTINE,
    ReachPoint,
    WeekMinutes,
)

MINUTES_EMPTY: Final = "No sessions yet: finish a routine and its minutes show here, week by week."
REACH_EMPTY: Final = f"Assess your reach in {ASSESSING_ROUTINE} to see it here."
_STEPS: Final = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 1200)
"""Minutes between the value axis's lines: the first that gives at most five lines."""
_GAP: Final = 8.0


def blend(below: QColor, above: QColor, share: float) -> QColor:
    """``above`` laid over ``below`` at ``share``: a grid or a muted series that stays visible
    and quiet on a light and a dark palette alike."""
    return QColor.fromRgbF(
        below.redF() + (above.redF() - below.redF()) * share,
        below.greenF() + (above.greenF() - below.greenF()) * share,
        below.blueF() + (above.blueF() - below.blueF()) * share,
    )


def short_date(day: date) -> str:
    """``3 Nov``: a date in the few characters an axis has room for (strftime's %d pads)."""
    return f"{day.day} {day.strftime('%b')}"


def value_step(highest: float) -> int:
    """The spacing of the value axis's lines: round minutes, at most five lines."""
    for step in _STEPS:
        if highest / step <= 5:
            return step
    return math.ceil(highest / 5)


class _Chart(QWidget):
    """What both charts share: colours from the palette, the plot's frame, the empty state."""

    empty_text = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)

    @property
    def empty(self) -> bool:
        return True

    def colours(self) -> tuple[QColor, QColor, QColor, QColor]:
        """(text, grid, accent, muted): read from the palette at each paint."""
        palette = self.palette()
        window = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.WindowText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        return text, blend(window, text, 0.18), accent, blend(window, text, 0.55)

    def plot_area(self, left_labels: Sequence[str]) -> QRectF:
        """The rectangle inside the axis labels: room on the left for the widest value label,
        below for one line of dates, above for the legend."""
        metrics = QFontMetricsF(self.font())
        left = max((metrics.horizontalAdvance(text) for text in left_labels), default=0) + 2 * _GAP
        line = metrics.height()
        top, bottom = line + _GAP, self.height() - line - 1.5 * _GAP
        return QRectF(left, top, self.width() - left - _GAP * 2, bottom - top)

    def paint_empty(self, painter: QPainter, text: QColor) -> None:
        painter.setPen(text)
        box = QRectF(self.rect()).adjusted(_GAP * 2, _GAP * 2, -_GAP * 2, -_GAP * 2)
        painter.drawText(
            box, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.empty_text
        )

    def x_labels(
        self, painter: QPainter, area: QRectF, centres: Sequence[float], labels: Sequence[str]
    ) -> None:
        """Dates under the plot, as many as fit without touching, counted from the newest
        (always labelled: it is the one a person looks for)."""
        if not centres:
            return
        metrics = QFontMetricsF(self.font())
        widest = max(metrics.horizontalAdvance(label) for label in labels) + _GAP * 2
        slot = (centres[-1] - centres[0]) / (len(centres) - 1) if len(centres) > 1 else widest
        every = max(1, math.ceil(widest / max(slot, 1.0)))
        top = area.bottom() + _GAP / 2
        for index in range(len(centres) - 1, -1, -every):
            box = QRectF(centres[index] - widest / 2, top, widest, metrics.height())
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), labels[index])


class MinutesChart(_Chart):
    """Minutes stretched each week, one bar a week, the current week on the right."""

    empty_text = MINUTES_EMPTY

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.weeks: list[WeekMinutes] = []
        self.setAccessibleName("Minutes per week")

    def set_weeks(self, weeks: Sequence[WeekMinutes]) -> None:
        self.weeks = list(weeks)
        self.setAccessibleDescription(
            ", ".join(f"week of {short_date(w.monday)}: {int(w.minutes)} min" for w in weeks)
        )
        self.update()

    @property
    def empty(self) -> bool:
        return not any(week.minutes > 0 for week in self.weeks)

    def _scale(self) -> tuple[int, int]:
        """(step, top) of the value axis, in minutes."""
        highest = max((week.minutes for week in self.weeks), default=0.0)
        step = value_step(max(highest, 1.0))
        return step, step * max(1, math.ceil(highest / step))

    def _area(self) -> QRectF:
        step, top = self._scale()
        return self.plot_area([f"{value} min" for value in range(0, top + 1, step)])

    def bar_rect(self, index: int) -> QRectF:
        """Where week ``index`` (0 the oldest) is drawn; a week of 0 minutes has no height."""
        area = self._area()
        _, top = self._scale()
        slot = area.width() / max(len(self.weeks), 1)
        height = area.height() * self.weeks[index].minutes / top
        width = slot * 0.68
        left = area.left() + slot * index + (slot - width) / 2
        return QRectF(left, area.bottom() - height, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, grid, accent, _muted = self.colours()
        if self.empty:
            self.paint_empty(painter, text)
            return
        area = self._area()
        step, top = self._scale()
        metrics = QFontMetricsF(self.font())
        for value in range(0, top + 1, step):
            y = area.bottom() - area.height() * value / top
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(text)
            label = QRectF(0, y - metrics.height() / 2, area.left() - _GAP, metrics.height())
            painter.drawText(
                label,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{value} min",
            )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        for index in range(len(self.weeks)):
            bar = self.bar_rect(index)
            if bar.height() > 0:
                painter.drawRoundedRect(bar, 3, 3)
        painter.setPen(text)
        centres = [self.bar_rect(index).center().x() for index in range(len(self.weeks))]
        self.x_labels(painter, area, centres, [short_date(week.monday) for week in self.weeks])


class ReachChart(_Chart):
    """Where the hands reached before and after each assessed session, oldest on the left: the
    after line in the accent colour, the before line muted and dashed, on the scale's six
    steps (Knees at the bottom, Palms flat at the top)."""

    empty_text = REACH_EMPTY

    def __init__(self, labels: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = list(labels)
        self.points: list[ReachPoint] = []
        self.setAccessibleName("Reach before and after")

    def set_points(self, points: Sequence[ReachPoint]) -> None:
        self.points = list(points)
        self.update()

    @property
    def empty(self) -> bool:
        return not self.points

    def _area(self) -> QRectF:
        return self.plot_area(self.labels)

    def _x(self, area: QRectF, index: int) -> float:
        if len(self.points) == 1:
            return area.center().x()
        inset = min(area.width() * 0.05, 24.0)
        return area.left() + inset + (area.width() - 2 * inset) * index / (len(self.points) - 1)

    def _y(self, area: QRectF, rank: float) -> float:
        return area.bottom() - area.height() * (rank + 0.5) / len(self.labels)

    def point_at(self, index: int, moment: str) -> QPointF | None:
        """Where session ``index``'s ``"before"`` or ``"after"`` dot is (None: not answered)."""
        point = self.points[index]
        rank = point.before if moment == "before" else point.after
        if rank is None:
            return None
        area = self._area()
        return QPointF(self._x(area, index), self._y(area, rank))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, grid, accent, muted = self.colours()
        if self.empty:
            self.paint_empty(painter, text)
            return
        area = self._area()
        metrics = QFontMetricsF(self.font())
        for rank, label in enumerate(self.labels):
            y = self._y(area, rank)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(text)
            box = QRectF(0, y - metrics.height() / 2, area.left() - _GAP, metrics.height())
            painter.drawText(
                box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label
            )
        radius = max(4.0, metrics.height() / 4)
        self._series(painter, "before", muted, radius, Qt.PenStyle.DashLine, filled=False)
        self._series(painter, "after", accent, radius, Qt.PenStyle.SolidLine, filled=True)
        painter.setPen(text)
        centres = [self._x(area, index) for index in range(len(self.points))]
        self.x_labels(painter, area, centres, [short_date(p.when) for p in self.points])
        self._legend(painter, text, accent, muted, radius)

    def _series(
        self,
        painter: QPainter,
        moment: str,
        colour: QColor,
        radius: float,
        style: Qt.PenStyle,
        filled: bool,
    ) -> None:
        dots = [self.point_at(index, moment) for index in range(len(self.points))]
        path = QPainterPath()
        drawing = False
        for dot in dots:  # a skipped answer breaks the line rather than joining across it
            if dot is None:
                drawing = False
            elif drawing:
                path.lineTo(dot)
            else:
                path.moveTo(dot)
                drawing = True
        line = QPen(colour, 2.5, style)
        painter.setPen(line)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(QPen(colour, 2.5))
        painter.setBrush(colour if filled else self.palette().color(QPalette.ColorRole.Window))
        for dot in dots:
            if dot is not None:
                painter.drawEllipse(dot, radius, radius)

    def _legend(
        self, painter: QPainter, text: QColor, accent: QColor, muted: QColor, radius: float
    ) -> None:
        metrics = QFontMetricsF(self.font())
        y = _GAP / 2 + metrics.height() / 2
        right = self.width() - _GAP
        for name, colour, filled in (("After", accent, True), ("Before", muted, False)):
            width = metrics.horizontalAdvance(name)
            painter.setPen(text)
            painter.drawText(
                QRectF(right - width, y - metrics.height() / 2, width, metrics.height()),
                int(Qt.AlignmentFlag.AlignVCenter),
                name,
            )
            centre = QPointF(right - width - _GAP - radius, y)
            painter.setPen(QPen(colour, 2.5))
            painter.setBrush(colour if filled else self.palette().color(QPalette.ColorRole.Window))
            painter.drawEllipse(centre, radius, radius)
            right = centre.x() - radius - _GAP * 2
