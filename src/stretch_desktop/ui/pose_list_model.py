"""The pose list: every pose and side of the session, its length, and how it went."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from stretch_desktop.core.events import StepOutcome
from stretch_desktop.core.timeline import Timeline
from stretch_desktop.ui.presenter import length_text, outcome_mark, step_label

OUTCOME_ROLE = Qt.ItemDataRole.UserRole + 1
CURRENT_ROLE = Qt.ItemDataRole.UserRole + 2
REST_ROLE = Qt.ItemDataRole.UserRole + 3
LENGTH_ROLE = Qt.ItemDataRole.UserRole + 4

_Index = QModelIndex | QPersistentModelIndex


class PoseListModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline: Timeline | None = None
        self._outcomes: tuple[StepOutcome | None, ...] = ()
        self._current = -1

    def set_timeline(self, timeline: Timeline) -> None:
        self.beginResetModel()
        self._timeline = timeline
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
        return None


class PoseListDelegate(QStyledItemDelegate):
    """A row: status mark, pose and side, length on the right; rests in italics, done ones dim."""

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
        text = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            Qt.TextElideMode.ElideRight,
            text_rect.width(),
        )
        painter.drawText(text_rect, int(align | Qt.AlignmentFlag.AlignLeft), text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index):  # type: ignore[no-untyped-def]  # noqa: ANN201
        hint = super().sizeHint(option, index)
        hint.setHeight(max(hint.height(), round(option.fontMetrics.height() * 2.0)))
        return hint
