"""The pose list: every pose and side of the session, its figure, its length, and how it went.

Each row shows its pose's figure small, on the row's side (mirrored for the left). The figures
are pixmaps drawn once (``figure_widget.figure_pixmap``), so painting a row stays a few copies
and a line of text however often the list repaints.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from stretch_desktop.core.events import StepOutcome
from stretch_desktop.core.figures import Figure
from stretch_desktop.core.timeline import Timeline
from stretch_desktop.ui.figure_widget import figure_pixmap, on_base
from stretch_desktop.ui.presenter import length_text, outcome_mark, step_label

OUTCOME_ROLE = Qt.ItemDataRole.UserRole + 1
CURRENT_ROLE = Qt.ItemDataRole.UserRole + 2
REST_ROLE = Qt.ItemDataRole.UserRole + 3
LENGTH_ROLE = Qt.ItemDataRole.UserRole + 4
FIGURE_ROLE = Qt.ItemDataRole.UserRole + 5
"""The row's figure and side, ``(Figure, Side | None)``, or None for a pose with no figure."""
ICON_ASPECT = 1.5
"""A row's figure is this much wider than high: most poses are wider than tall (a lunge, a
dog), the tall ones (standing) still read at this width."""

_Index = QModelIndex | QPersistentModelIndex


class PoseListModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline: Timeline | None = None
        self._figures: tuple[Figure | None, ...] = ()
        self._outcomes: tuple[StepOutcome | None, ...] = ()
        self._current = -1

    def set_timeline(self, timeline: Timeline, figures: Sequence[Figure | None] = ()) -> None:
        """Show ``timeline``'s steps; ``figures`` holds each step's figure (None: none)."""
        self.beginResetModel()
        self._timeline = timeline
        self._figures = tuple(figures)
        self._outcomes = (None,) * len(timeline.steps)
        self._current = -1
        self.endResetModel()

    def set_progress(self, current: int, outcomes: tuple[StepOutcome | None, ...]) -> None:
        """Mark the current step and the outcomes; only changed rows are redrawn."""
        changed = {
            i for i, (a, b) in enumerate(zip(outcomes, self._outcomes, strict=False)) if a != b
        }
        if current != self._current:
            changed |= {current, self._current}
        self._current, self._outcomes = current, outcomes
        for row in changed:
            if 0 <= row < self.rowCount():
                self.dataChanged.emit(self.index(row), self.index(row))

    @property
    def current(self) -> int:
        return self._current

    @property
    def has_figures(self) -> bool:
        """Whether any row has a figure (if none has, the rows keep their text's room)."""
        return any(figure is not None for figure in self._figures)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self._timeline is None else len(self._timeline.steps)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if self._timeline is None or not index.isValid():
            return None
        step = self._timeline.steps[index.row()]
        outcome = self._outcomes[index.row()] if index.row() < len(self._outcomes) else None
        current = index.row() == self._current
        if role == Qt.ItemDataRole.DisplayRole:
            return step_label(step)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = "current" if current else (outcome.value if outcome else "to do")
            return f"{step_label(step)}, {length_text(step.duration_ms)}, {state}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{step.amount_text}; double-click or Enter to go here"
        if role == OUTCOME_ROLE:
            return outcome
        if role == CURRENT_ROLE:
            return current
        if role == REST_ROLE:
            return step.is_rest
        if role == LENGTH_ROLE:
            return length_text(step.duration_ms)
        if role == FIGURE_ROLE:
            figure = self._figures[index.row()] if index.row() < len(self._figures) else None
            return None if figure is None else (figure, step.side)
        return None


class PoseListDelegate(QStyledItemDelegate):
    """A row: status mark, the pose's figure, pose and side, length on the right; rests in
    italics, done ones dim."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        current = bool(index.data(CURRENT_ROLE))
        outcome = index.data(OUTCOME_ROLE)
        palette = option.palette
        rect: QRect = option.rect
        painter.save()
        if current:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        role = QPalette.ColorRole.HighlightedText if current else QPalette.ColorRole.Text
        colour = palette.color(role)
        if outcome is not None and not current:
            colour.setAlphaF(0.55)
        font = QFont(option.font)
        font.setItalic(bool(index.data(REST_ROLE)))
        font.setBold(current)
        font.setStrikeOut(outcome is StepOutcome.SKIPPED and not current)
        painter.setFont(font)
        painter.setPen(colour)
        pad = rect.height() // 4
        mark_width = rect.height()
        inner = rect.adjusted(pad, 0, -pad, 0)
        mark = outcome_mark(outcome, current)
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            QRect(inner.left(), inner.top(), mark_width, inner.height()),
            int(align | Qt.AlignmentFlag.AlignHCenter),
            mark,
        )
        length = str(index.data(LENGTH_ROLE))
        length_width = painter.fontMetrics().horizontalAdvance(length) + pad
        painter.drawText(inner, int(align | Qt.AlignmentFlag.AlignRight), length)
        text_rect = inner.adjusted(mark_width + pad, 0, -length_width, 0)
        if getattr(index.model(), "has_figures", False):
            dim = outcome is not None and not current
            self._paint_figure(painter, index, text_rect, palette, dim)
            text_rect.setLeft(text_rect.left() + self._icon_size(rect).width() + pad)
        text = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            Qt.TextElideMode.ElideRight,
            text_rect.width(),
        )
        painter.drawText(text_rect, int(align | Qt.AlignmentFlag.AlignLeft), text)
        painter.restore()

    @staticmethod
    def _icon_size(row: QRect) -> QSize:
        high = row.height() - 2 * max(2, row.height() // 14)
        return QSize(round(high * ICON_ASPECT), high)

    def _paint_figure(
        self, painter: QPainter, index: _Index, at: QRect, palette: QPalette, dim: bool
    ) -> None:
        """The row's figure, at the start of ``at`` (a done row's dimmed like its text)."""
        shown = index.data(FIGURE_ROLE)
        size = self._icon_size(at)
        if shown is None or size.height() < 12:
            return
        figure, side = shown
        ratio = painter.device().devicePixelRatioF()
        pixmap = figure_pixmap(figure, side, size, on_base(palette), ratio)
        if dim:
            painter.setOpacity(0.55)
        painter.drawPixmap(at.left(), at.top() + (at.height() - size.height()) // 2, pixmap)
        painter.setOpacity(1.0)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index):  # type: ignore[no-untyped-def]  # noqa: ANN201
        hint = super().sizeHint(option, index)
        hint.setHeight(max(hint.height(), round(option.fontMetrics.height() * 2.0)))
        return hint
