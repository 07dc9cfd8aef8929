"""Write docs/figures.png: every built-in pose figure with its caption, from the app's painter.

    python tools/contact_sheet.py [OUT.png]   # offscreen: no display needed

One cell per pose of the built-in routines, in routine order, as the window shows it still (a
one-sided pose on its right side); then every keyframe of every flow, captioned with its beat;
then a row in the dark palette. Look at the result after changing a figure or the painter.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPalette

from stretch_desktop.core.figures import (
    Figure,
    Picture,
    beat_picture,
    figure_name_for,
    still_picture,
)
from stretch_desktop.core.routine import Side
from stretch_desktop.library import builtin_routines
from stretch_desktop.ui.figure_widget import (
    builtin_figures,
    dark_palette,
    light_palette,
    render_picture,
)

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = 6
CELL = QSize(250, 210)
CAPTION = 44
MARGIN = 12
HEADING = 34


def cells() -> list[tuple[str, list[tuple[Picture, str, QPalette]]]]:
    """Sections of (picture, caption, palette): poses, flow keyframes, dark palette."""
    figures = builtin_figures()
    light, dark = light_palette(), dark_palette()
    poses: list[tuple[Picture, str, QPalette]] = []
    flows: list[tuple[Picture, str, QPalette]] = []
    seen: set[str] = set()
    shown: list[tuple[Figure, Side | None]] = []
    for routine in builtin_routines():
        for pose in routine.poses:
            name = figure_name_for(pose.id, getattr(pose, "figure", None))
            if name in seen:
                continue
            seen.add(name)
            figure = figures[name]
            side = Side.RIGHT if pose.one_sided else None
            shown.append((figure, side))
            caption = figure.title + (" (right side)" if side else "")
            poses.append((still_picture(figure, side), caption, light))
            if figure.flow:
                for beat, shape in enumerate(figure.beats):
                    text = f"{figure.title}: {beat + 1}. {shape.label}"
                    flows.append((beat_picture(figure, beat, side), text, light))
    darks = [
        (
            still_picture(figure, Side.LEFT if side else None),
            figure.title + (" (left side)" if side else ""),
            dark,
        )
        for figure, side in shown[:COLUMNS]
    ]
    return [
        ("Every pose of the built-in routines (one-sided poses on the right side)", poses),
        ("Flows: one keyframe per beat (where the body is at the end of the beat)", flows),
        ("Dark palette; one-sided poses mirrored for the left side", darks),
    ]


def main(out: Path) -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (Qt needs one to paint text)
    sections = cells()
    rows = sum((len(items) + COLUMNS - 1) // COLUMNS for _, items in sections)
    width = MARGIN + COLUMNS * (CELL.width() + MARGIN)
    height = MARGIN + len(sections) * HEADING + rows * (CELL.height() + CAPTION + MARGIN)
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    heading, caption = QFont(), QFont()
    heading.setPixelSize(18)
    heading.setBold(True)
    caption.setPixelSize(13)
    y = MARGIN
    for title, items in sections:
        painter.setFont(heading)
        painter.setPen(QColor("#1d232b"))
        painter.drawText(
            QRectF(MARGIN, y, width - 2 * MARGIN, HEADING), Qt.AlignmentFlag.AlignVCenter, title
        )
        y += HEADING
        for index, (picture, text, palette) in enumerate(items):
            column = index % COLUMNS
            if index and column == 0:
                y += CELL.height() + CAPTION + MARGIN
            x = MARGIN + column * (CELL.width() + MARGIN)
            painter.drawImage(x, y, render_picture(picture, CELL, palette))
            painter.setFont(caption)
            painter.setPen(QColor("#1d232b"))
            box = QRectF(x, y + CELL.height() + 2, CELL.width(), CAPTION - 2)
            flags = (
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            )
            painter.drawText(box, int(flags), text)
        y += CELL.height() + CAPTION + MARGIN
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not sheet.save(str(out)):
        print(f"contact_sheet: cannot write {out}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({width}x{height})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "figures.png"))
