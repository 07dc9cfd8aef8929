"""The page after a session: how it ended, how long you stretched, where your hands reached
(an assessed routine: before and after the work), and what next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QVBoxLayout, QWidget

from stretch_desktop.core.assessment import reach_label
from stretch_desktop.ui.pages.common import MARGIN, button, scale_fonts
from stretch_desktop.ui.presenter import clock_text
from stretch_desktop.ui.session_controller import Summary
from stretch_desktop.ui.widgets import FitText


def summary_lines(summary: Summary) -> str:
    skipped = f", {summary.steps_skipped} skipped" if summary.steps_skipped else ""
    return (
        f"{summary.routine_title}\n"
        f"Time stretching: {clock_text(summary.active_ms)}\n"
        f"Poses done: {summary.steps_done} of {summary.steps_total}{skipped}"
    )


def reach_text(summary: Summary) -> str:
    """The reach line, "Before: Ankles → After: Toes": one side alone when only one was
    answered, and nothing when none was (a skipped question is no reach)."""
    parts = [
        f"{when}: {reach_label(reach)}"
        for when, reach in (("Before", summary.reach_before), ("After", summary.reach_after))
        if reach is not None
    ]
    return " → ".join(parts)


class DonePage(QWidget):
    again_requested = Signal()
    choose_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addStretch(1)
        self.title = FitText(bold=True, max_height_ratio=0.8, minimum_height=60)
        self.summary = QLabel()
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.reach = QLabel()
        self.reach.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reach.setObjectName("reach")
        self.reach.setAccessibleName("Where your hands reached")
        self.reach.setVisible(False)
        self.reach.setContentsMargins(0, 0, 0, MARGIN // 2)  # apart from the buttons below
        layout.addWidget(self.title, 2)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.reach)
        row = QHBoxLayout()
        row.addStretch(1)
        self.again_button = button(
            self,
            "Again",
            QStyle.StandardPixmap.SP_BrowserReload,
            "Do this routine again (Space)",
            self.again_requested.emit,
            "Again",
        )
        self.choose_button = button(
            self,
            "Choose another",
            QStyle.StandardPixmap.SP_ArrowBack,
            "Back to the routines",
            self.choose_requested.emit,
            "Choose another routine",
        )
        row.addWidget(self.again_button)
        row.addWidget(self.choose_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def show_summary(self, summary: Summary) -> None:
        self.title.set_text("Session complete" if summary.completed else "Session stopped")
        self.summary.setText(summary_lines(summary))
        reach = reach_text(summary)
        self.reach.setText(reach)
        self.reach.setVisible(bool(reach))
        self.again_button.setFocus()

    def scale_fonts(self, base: int) -> None:
        buttons = [(self.again_button, 1.05, False), (self.choose_button, 1.05, False)]
        scale_fonts(base, [(self.summary, 1.6, False), (self.reach, 1.8, True), *buttons])
