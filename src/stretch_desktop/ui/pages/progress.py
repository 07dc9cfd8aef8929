"""The progress page: the weekly streak against a goal of days a week, minutes per week and the
reach before and after each assessed session as charts, and the history as CSV.

Reached from the history page (its Progress button); Back and Esc return there. The window
makes it the first time it is opened, so the charts' module is never loaded at start-up.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.storage.progress import (
    DEFAULT_GOAL_DAYS,
    GOAL_MAX,
    GOAL_MIN,
    REACH_SHOWN,
    WEEKS_SHOWN,
    history_csv,
    minutes_per_week,
    reach_labels,
    reach_series,
    streak_text,
)
from stretch_desktop.storage.records import AssessmentRecord, HistoryUnavailable, SessionRecord
from stretch_desktop.ui.charts import MinutesChart, ReachChart
from stretch_desktop.ui.dialogs import Dialogs
from stretch_desktop.ui.pages.common import MARGIN, scale_fonts

CSV_KINDS = "CSV files (*.csv);;All files (*)"


@dataclass(frozen=True)
class ProgressData:
    """What the page reads from the history each time it is shown."""

    sessions: list[SessionRecord] = field(default_factory=list)
    assessments: list[AssessmentRecord] = field(default_factory=list)


def write_text_atomically(target: Path, text: str) -> None:
    """The whole file or none of it: a full disk never leaves half a CSV under the chosen name."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class ProgressPage(QWidget):
    """Paints what it reads when shown (``refresh``); it writes only the goal and the export."""

    back_requested = Signal()

    def __init__(
        self,
        read: Callable[[], ProgressData | None],
        dialogs: Dialogs,
        goal: int = DEFAULT_GOAL_DAYS,
        save_goal: Callable[[int], None] | None = None,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._read = read
        self._dialogs = dialogs
        self._save_goal = save_goal
        self._today = today
        self.data = ProgressData()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.heading = QLabel("Progress")
        self.heading.setObjectName("heading")
        self.streak = QLabel()
        self.streak.setObjectName("streak")
        self.streak.setAccessibleName("Weekly streak")
        self.streak.setWordWrap(True)
        self.goal_label = QLabel("Goal:")
        self.goal = QSpinBox()
        self.goal.setRange(GOAL_MIN, GOAL_MAX)
        self.goal.setValue(min(max(goal, GOAL_MIN), GOAL_MAX))
        self.goal.setSuffix(" days a week")
        self.goal.setAccessibleName("Goal in days a week")
        self.goal.setToolTip("Weeks with sessions on at least this many days count for the streak")
        self.goal_label.setBuddy(self.goal)
        self.goal.valueChanged.connect(self._goal_changed)
        goal_row = QHBoxLayout()
        goal_row.addWidget(self.goal_label)
        goal_row.addWidget(self.goal)
        goal_row.addStretch(1)

        self.minutes_title = QLabel(f"Minutes per week, last {WEEKS_SHOWN} weeks")
        self.minutes_chart = MinutesChart()
        self.reach_title = QLabel("Reach before and after, each assessed session")
        self.reach_chart = ReachChart(reach_labels())
        charts = QGridLayout()
        charts.addWidget(self.minutes_title, 0, 0)
        charts.addWidget(self.reach_title, 0, 1)
        charts.addWidget(self.minutes_chart, 1, 0)
        charts.addWidget(self.reach_chart, 1, 1)
        charts.setColumnStretch(0, 1)
        charts.setColumnStretch(1, 1)
        charts.setRowStretch(1, 1)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("Back to the history (Esc)")
        self.back_button.setAccessibleName("Back to the history")
        self.back_button.clicked.connect(lambda _checked=False: self.back_requested.emit())
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Every session, with the reach before and after, as CSV")
        self.export_button.setAccessibleName("Export the history as CSV")
        self.export_button.clicked.connect(lambda _checked=False: self.export_csv())
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        for button in (self.back_button, self.export_button):
            button.setMinimumHeight(48)

        layout.addWidget(self.heading)
        layout.addWidget(self.streak)
        layout.addLayout(goal_row)
        layout.addLayout(charts, 1)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        """Read the history again: called each time the page is shown."""
        self.notice.setText("")
        try:
            data = self._read()
        except HistoryUnavailable as error:
            data, reason = None, str(error)
        else:
            reason = "it could not be opened; see the notice"
        if data is None:
            self.notice.setText(f"History is not available: {reason}")
            data = ProgressData()
        self.data = data
        self._show()

    def _show(self) -> None:
        today = self._today()
        sessions = self.data.sessions
        self.streak.setText(streak_text(sessions, today, self.goal.value()))
        self.minutes_chart.set_weeks(minutes_per_week(sessions, today))
        points = reach_series(self.data.assessments)
        self.reach_title.setText(
            "Reach before and after, each assessed session"
            if len(points) <= REACH_SHOWN
            else f"Reach before and after, the last {REACH_SHOWN} assessed sessions"
        )
        self.reach_chart.set_points(points[-REACH_SHOWN:])

    def _goal_changed(self, goal: int) -> None:
        self.streak.setText(streak_text(self.data.sessions, self._today(), goal))
        if self._save_goal is not None:
            self._save_goal(goal)

    def export_csv(self) -> Path | None:
        """Ask where, then write what ``stretch-desktop history --csv`` prints."""
        suggested = Path.home() / f"stretch-history-{self._today().isoformat()}.csv"
        target = self._dialogs.save_file("Export history as CSV", suggested, CSV_KINDS)
        if target is None:
            return None
        try:
            write_text_atomically(target, history_csv(self.data.sessions, self.data.assessments))
        except OSError as error:
            self._dialogs.inform(
                "Not exported", f"Could not write {target}: {error.strerror or error}"
            )
            return None
        count = len(self.data.sessions)
        self.notice.setText(f"Exported {count} session{'' if count == 1 else 's'} to {target}.")
        return target

    def scale_fonts(self, base: int) -> None:
        scale_fonts(
            base,
            [
                (self.heading, 2.0, True),
                (self.streak, 1.4, False),
                (self.goal_label, 1.05, False),
                (self.goal, 1.05, False),
                (self.minutes_title, 1.05, True),
                (self.reach_title, 1.05, True),
                (self.minutes_chart, 0.9, False),
                (self.reach_chart, 0.9, False),
                (self.notice, 1.0, False),
                (self.back_button, 1.05, False),
                (self.export_button, 1.05, False),
            ],
        )
