"""Reference point for start-up: our first page (the routine chooser) rebuilt in bare PySide6.

The same widgets as the app's first page at the app's first size: a heading, a notice strip, the
routine list beside a preview, four buttons with the style's standard icons. With no argument the
rows are placeholders and none of our code is imported: this is what the page costs in Qt alone.
With ``--routines`` the rows come from our routine library, loaded and compiled as the app does.

It prints ``first-paint`` on its first paint and quits, like minimal_window.py. `make bench`
reports both against the minimal window, so the start-up ratio can be read against what the page
itself and our routine loading cost before any of the app's own start-up work.
"""

import sys

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("first-paint", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def rows():
    if "--routines" not in sys.argv:
        row = "Routine {}\n12 min · 8 poses · No equipment\nSource: an article"
        return [row.format(n) for n in range(6)]
    from stretch_desktop.core.timeline import compile_routine
    from stretch_desktop.library import load_library

    return [
        f"{r.title}\n{compile_routine(r).total_ms // 60000} min · {len(r.poses)} poses\n"
        f"Source: {r.source}"
        for r in load_library().routines
    ]


app = QApplication(sys.argv[:1])
window = QMainWindow()
page = QWidget()
layout = QVBoxLayout(page)
layout.addWidget(QLabel("Choose a routine"))
notice = QLabel()
notice.setWordWrap(True)
layout.addWidget(notice)
split = QSplitter()
routines = QListWidget()
routines.setWordWrap(True)
routines.setSpacing(4)
routines.addItems(rows())
preview = QTextBrowser()
split.addWidget(routines)
split.addWidget(preview)
split.setSizes([380, 520])
layout.addWidget(split, 1)
buttons = QHBoxLayout()
for text, icon in (
    ("Preferences…", QStyle.StandardPixmap.SP_FileDialogDetailedView),
    ("Import routine…", QStyle.StandardPixmap.SP_DialogOpenButton),
    ("History", QStyle.StandardPixmap.SP_FileDialogContentsView),
    ("Start", QStyle.StandardPixmap.SP_MediaPlay),
):
    button = QPushButton(window.style().standardIcon(icon), text)
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    button.setMinimumHeight(48)
    buttons.addWidget(button)
layout.addLayout(buttons)
routines.setCurrentRow(0)
preview.setHtml("<h2>A routine</h2><p>What it is for.</p><ol><li>A pose — 30 s</li></ol>")
window.setCentralWidget(page)
window.resize(1100, 720)
hook = FirstPaint()
window.installEventFilter(hook)
window.show()
sys.exit(app.exec())
