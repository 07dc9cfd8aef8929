"""The history page: this week's minutes and days, the weekly streak, and every session, newest
first. The streak is the progress page's (weeks that reached the goal of days a week): one
streak in the app, never a daily one here and a weekly one there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.storage.progress import (
    DEFAULT_GOAL_DAYS,
    days_in_week,
    days_text,
    week_start,
    weekly_streak,
)
from stretch_desktop.storage.records import HistoryUnavailable, SessionRecord, week_minutes
from stretch_desktop.ui.pages.common import MARGIN, scale_fonts
from stretch_desktop.ui.presenter import clock_text

_STATUS = {
    "completed": "Completed",
    "stopped": "Stopped",
    "interrupted": "Interrupted",
    "running": "In progress",
}


def summary_text(records: list[SessionRecord], today: date, goal: int = DEFAULT_GOAL_DAYS) -> str:
    minutes = int(week_minutes(records, today))  # completed minutes, as every time is shown
    days = days_in_week(records, week_start(today))
    weeks = weekly_streak(records, today, goal)
    streak = "none yet" if weeks == 0 else f"{weeks} week{'' if weeks == 1 else 's'}"
    return (
        f"This week: {minutes} min of stretching on {days} of {days_text(goal)}"
        f"  ·  Streak: {streak}"
    )


class HistoryPage(QWidget):
    """Paints the records it reads when shown (``refresh``); it never writes history."""

    back_requested = Signal()
    progress_requested = Signal()

    def __init__(
        self,
        read: Callable[[], list[SessionRecord] | None],
        today: Callable[[], date] = date.today,
        goal: Callable[[], int] = lambda: DEFAULT_GOAL_DAYS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._read = read
        self._today = today
        self._goal = goal
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.heading = QLabel("History")
        self.heading.setObjectName("heading")
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setAccessibleName("This week and streak")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["When", "Routine", "How it ended", "Time", "Poses"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Past sessions")
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("Back to the routines (Esc)")
        self.back_button.setAccessibleName("Back to the routines")
        self.back_button.clicked.connect(lambda _checked=False: self.back_requested.emit())
        self.progress_button = QPushButton("Progress")
        self.progress_button.setToolTip("Minutes per week, the weekly streak and your reach")
        self.progress_button.setAccessibleName("Progress")
        self.progress_button.clicked.connect(lambda _checked=False: self.progress_requested.emit())
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.progress_button)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def refresh(self) -> None:
        """Read the history again: called each time the page is shown."""
        try:
            records = self._read()
        except HistoryUnavailable as error:
            self.show_unavailable(str(error))
            return
        if records is None:
            self.show_unavailable("it could not be opened; see the notice")
        else:
            self.show_records(records, self._today())

    def scale_fonts(self, base: int) -> None:
        scale_fonts(
            base,
            [
                (self.heading, 2.0, True),
                (self.summary, 1.4, False),
                (self.table, 1.05, False),
                (self.notice, 1.0, False),
                (self.back_button, 1.05, False),
                (self.progress_button, 1.05, False),
            ],
        )

    def show_records(self, records: list[SessionRecord], today: date) -> None:
        self.summary.setText(summary_text(records, today, self._goal()))
        self.notice.setText("" if records else "No sessions yet: your first one will appear here.")
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            when = datetime.fromisoformat(record.started_at).astimezone()
            poses = f"{record.steps_done} done"
            if record.steps_skipped:
                poses += f", {record.steps_skipped} skipped"
            for column, text in enumerate(
                (
                    when.strftime("%a %d %b %Y, %H:%M"),
                    record.title,
                    _STATUS.get(record.status, record.status),
                    clock_text(round(record.active_s * 1000)),
                    poses,
                )
            ):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def show_unavailable(self, reason: str) -> None:
        self.summary.setText("")
        self.table.setRowCount(0)
        self.notice.setText(f"History is not available: {reason}")
