"""Render the app icon's PNG sizes from its SVG (the one drawing we keep by hand).

    python tools/make_icons.py   # writes src/stretch_desktop/resources/icons/hicolor/NxN/apps/*.png

The window icon is made from these PNGs (loading the SVG would pull in QtSvg: 1.4 MiB of a
running session, measured), and so are menus and docks that cannot draw SVG; re-run after
changing the SVG and commit the PNGs with it.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "org.stretchdesktop.StretchDesktop"
SVG = ROOT / "src" / "stretch_desktop" / "resources" / "icons" / f"{APP_ID}.svg"
SIZES = (32, 48, 64, 128, 256, 512)


def main(out: Path) -> None:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (Qt needs one for painting)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):
            raise SystemExit(f"could not write {target}")
        print(target.relative_to(ROOT))


if __name__ == "__main__":
    main(SVG.parent / "hicolor")
