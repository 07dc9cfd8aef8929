"""Notices above every page: things a person should know once, whatever page is on show.

A routine file that was skipped, a history kept aside, settings repaired: each is said once. The
bar sits above the page stack rather than on the choose page, because a session started with
``--start`` (or resumed after a crash) never shows the choose page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from stretch_desktop.ui.pages.common import MARGIN
from stretch_desktop.ui.widgets import FitLabel

MAX_LINES = 4
"""More than this and the text shrinks to fit: the page below keeps most of the window."""


class NoticeBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice-bar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(
            "QWidget#notice-bar { background: palette(alternate-base);"
            " border-bottom: 1px solid palette(mid); }"
        )
        self.label = FitLabel(lines=1, minimum_px=11)
        self.label.setAccessibleName("Notices")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss the notices")
        self.dismiss_button.clicked.connect(lambda _checked=False: self.clear())
        row = QHBoxLayout(self)
        row.setContentsMargins(MARGIN, 6, MARGIN, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def text(self) -> str:
        return self.label.full_text()

    def add(self, lines: list[str]) -> None:
        text = "\n".join(filter(None, [self.label.full_text(), *lines]))
        self.label.setText(text)
        self.setVisible(bool(text))
        self._fit()

    def clear(self) -> None:
        self.label.setText("")
        self.hide()

    def set_preferred_px(self, pixels: int) -> None:
        self.label.set_preferred_px(pixels)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """As many lines as the notices take when wrapped at this width, up to ``MAX_LINES``:
        a long one (a routine file's path, line and field) is shown whole, not cut off."""
        self.label.set_lines(min(self.label.wrapped_lines(), MAX_LINES))
