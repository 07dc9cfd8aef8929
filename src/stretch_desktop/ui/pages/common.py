"""What every page shares: big, keyboard-safe buttons and text that grows with the window."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPushButton, QStyle, QWidget

MARGIN = 24
"""Space between a page's content and the window's edges: nothing touches the frame."""

FontScale = Iterable[tuple[QWidget, float, bool]]
"""(widget, size as a multiple of the base, bold): a page's font table."""


def button(
    owner: QWidget,
    text: str,
    icon: QStyle.StandardPixmap,
    tip: str,
    slot: Callable[[], object],
    name: str,
) -> QPushButton:
    """A large button that Space never presses (Space belongs to pause and resume)."""
    widget = QPushButton(owner.style().standardIcon(icon), text)
    widget.setToolTip(tip)
    widget.setAccessibleName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    # clicked(bool) would hand its ``checked`` flag to a slot with an optional argument.
    widget.clicked.connect(lambda _checked=False: slot())
    widget.setMinimumHeight(48)
    return widget


def scale_fonts(base: int, table: FontScale) -> None:
    """Set each widget's font to ``base`` pixels times its scale; the window calls this on
    resize so text stays readable from the mat at any window size."""
    for widget, scale, bold in table:
        font = QFont(widget.font())
        font.setPixelSize(round(base * scale))
        font.setBold(bold)
        widget.setFont(font)


def bullets(items: tuple[str, ...]) -> str:
    """Rich-text list items, each escaped."""
    return "".join(f"<li>{html.escape(item)}</li>" for item in items)
