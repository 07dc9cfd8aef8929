"""Preferences → Reminders: any number of reminders, and starting at login in the tray.

Each row is one reminder: a time of day, the days of the week as seven toggle buttons, and the
routine to suggest ("My last routine" follows whatever was started last). Nothing is saved until
the dialog's OK, as with every other preference; Cancel leaves the file and the schedule as they
were. "Next reminder" is worked out by the same schedule that reminds, on the rows as they stand,
so what it says is what will happen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.clock import WallClock
from stretch_desktop.core.reminders import DAYS, Reminder, ReminderSchedule
from stretch_desktop.core.routine import Routine
from stretch_desktop.storage.reminders import ReminderStoreError, new_id
from stretch_desktop.ui import autostart

log = logging.getLogger(__name__)

DAY_NAMES = dict(
    zip(
        DAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
LAST_ROUTINE = "My last routine"
DAY_STYLE = """
QToolButton#day { border: 1px solid palette(mid); border-radius: 4px; padding: 3px 7px;
                  background: palette(base); color: palette(text); }
QToolButton#day:checked { background: palette(highlight); color: palette(highlighted-text);
                          border-color: palette(highlight); }
QToolButton#day:focus { border: 2px solid palette(text); }
"""
"""A ticked day in the highlight colour: the style's own "pressed" shade is too faint to read
seven of them at a glance (seen in the screenshot)."""
DEFAULT_TIME = QTime(8, 0)


class ReminderSource(Protocol):
    """What the tab needs of the reminder service (``ui/reminders.ReminderService``, which
    makes this tab: a protocol, so neither module imports the other)."""

    clock: WallClock

    @property
    def reminders(self) -> list[Reminder]: ...

    def routine_choices(self) -> list[Routine]: ...

    def set_reminders(
        self, reminders: Sequence[Reminder], base: Sequence[Reminder] | None = None
    ) -> None: ...

    def tell(self, lines: list[str]) -> None: ...


class ReminderRow(QWidget):
    """One reminder being edited: time, days, routine, and a way to remove it."""

    changed = Signal()
    remove_requested = Signal(object)  # this row

    def __init__(
        self,
        reminder: Reminder | None,
        routines: list[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.reminder_id = reminder.id if reminder else None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.time = QTimeEdit()
        self.time.setDisplayFormat("HH:mm")
        self.time.setAccessibleName("Reminder time")
        hour, minute = (int(part) for part in reminder.time.split(":")) if reminder else (8, 0)
        self.time.setTime(QTime(hour, minute))
        self.time.timeChanged.connect(lambda _time: self.changed.emit())
        row.addWidget(self.time)
        self.day_buttons: dict[str, QToolButton] = {}
        chosen = set(reminder.days) if reminder else set(DAYS)
        for day in DAYS:
            toggle = QToolButton()
            toggle.setText(day.capitalize())
            toggle.setObjectName("day")
            toggle.setCheckable(True)
            toggle.setChecked(day in chosen)
            toggle.setAccessibleName(DAY_NAMES[day])
            toggle.setToolTip(f"Remind on {DAY_NAMES[day]}s (no day ticked: the reminder is off)")
            toggle.toggled.connect(lambda _on: self.changed.emit())
            self.day_buttons[day] = toggle
            row.addWidget(toggle)
        self.routine = QComboBox()
        self.routine.setAccessibleName("Routine to suggest")
        self.routine.addItem(LAST_ROUTINE, None)
        for routine_id, title in routines:
            self.routine.addItem(title, routine_id)
        wanted = reminder.routine if reminder else None
        if wanted is not None and self.routine.findData(wanted) < 0:
            # Its routine is gone (deleted, or a user folder not there): kept, and said.
            self.routine.addItem(f"{wanted} (not found: your last routine instead)", wanted)
        self.routine.setCurrentIndex(max(self.routine.findData(wanted), 0))
        self.routine.currentIndexChanged.connect(lambda _index: self.changed.emit())
        row.addWidget(self.routine, 1)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove reminder")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        row.addWidget(self.remove_button)

    def days(self) -> tuple[str, ...]:
        return tuple(day for day in DAYS if self.day_buttons[day].isChecked())

    def reminder(self, reminder_id: str) -> Reminder:
        time = self.time.time()
        return Reminder(
            id=reminder_id,
            time=f"{time.hour():02d}:{time.minute():02d}",
            days=self.days(),
            routine=self.routine.currentData(),
        )


class RemindersTab(QWidget):
    """The Reminders tab: the rows, Add, "Next reminder", and "Start at login, in the tray"."""

    title = "Reminders"

    def __init__(self, service: ReminderSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._routines = [(r.id, r.title) for r in service.routine_choices()]
        self.setStyleSheet(DAY_STYLE)
        column = QVBoxLayout(self)
        intro = QLabel(
            "A reminder shows a notification at its time: Start, In 10 minutes or Skip today. "
            "None comes during a session."
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.rows: list[ReminderRow] = []
        self._rows_box = QWidget()
        self._rows_layout = QVBoxLayout(self._rows_box)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel("No reminders yet: Add one.")
        self._rows_layout.addWidget(self.empty_label)
        self._rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._rows_box)
        scroll.setMinimumHeight(160)
        # As wide as a whole row (its longest routine title included): it scrolls down, not across.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        probe = ReminderRow(None, self._routines, self)  # styled as the rows will be
        probe.hide()
        for child in probe.findChildren(QWidget):
            child.ensurePolished()
        scroll.setMinimumWidth(
            probe.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 12
        )
        probe.deleteLater()
        column.addWidget(scroll, 1)
        self.add_button = QPushButton("Add reminder")
        self.add_button.setAccessibleName("Add reminder")
        self.add_button.clicked.connect(lambda: self.add_row(None))
        line = QHBoxLayout()
        line.addWidget(self.add_button)
        line.addStretch(1)
        self.next_label = QLabel()
        self.next_label.setAccessibleName("Next reminder")
        line.addWidget(self.next_label)
        column.addLayout(line)
        self.autostart = QCheckBox("Start at login, in the tray")
        self.autostart.setToolTip(
            "Reminders come only while Stretch Desktop runs: start it hidden in the tray when "
            "you log in"
        )
        self.autostart.setEnabled(autostart.supported())
        self.autostart.setChecked(autostart.is_enabled())
        column.addWidget(self.autostart)
        self._opened = service.reminders
        """The list the rows were made from: OK keeps what the command changed since."""
        for reminder in self._opened:
            self.add_row(reminder)
        self._show_next()

    def widget(self) -> QWidget:
        return self

    def add_row(self, reminder: Reminder | None) -> ReminderRow:
        row = ReminderRow(reminder, self._routines)
        row.changed.connect(self._show_next)
        row.remove_requested.connect(self._remove_row)
        self.rows.append(row)
        self._rows_layout.insertWidget(len(self.rows) - 1, row)
        self.empty_label.setVisible(False)
        self._show_next()
        if reminder is None and self.isVisible():
            row.show()  # now, not when the layout next runs: a hidden widget takes no focus
            row.time.setFocus()
        return row

    def _remove_row(self, row: ReminderRow) -> None:
        self.rows.remove(row)
        self._rows_layout.removeWidget(row)
        row.deleteLater()
        self.empty_label.setVisible(not self.rows)
        self._show_next()

    def reminders(self) -> list[Reminder]:
        """The rows as reminders: a kept row keeps its id, a new one gets the next free id."""
        reminders: list[Reminder] = []
        for row in self.rows:
            taken = [r.id for r in reminders] + [r.reminder_id for r in self.rows if r.reminder_id]
            reminders.append(row.reminder(row.reminder_id or new_id(taken)))
        return reminders

    def _show_next(self) -> None:
        upcoming = ReminderSchedule(self.reminders(), self._service.clock).next_due()
        self.next_label.setText(
            f"Next reminder: {upcoming:%a %H:%M}" if upcoming else "No reminder set"
        )

    def apply(self) -> None:
        """OK: the reminders saved and in force, and the login entry written or removed. A disk
        that refuses is said in one line above the window, and the rest still applies."""
        problems = []
        try:
            self._service.set_reminders(self.reminders(), self._opened)
        except ReminderStoreError as error:
            problems.append(f"Reminders not saved: {error}")
        wanted = self.autostart.isChecked()
        if self.autostart.isEnabled() and wanted != autostart.is_enabled():
            try:
                autostart.set_enabled(wanted)
            except OSError as error:
                problems.append(f"Start at login not changed: {error.strerror or error}")
        for problem in problems:
            log.warning("preferences: %s", problem)
        if problems:
            self._service.tell(problems)
