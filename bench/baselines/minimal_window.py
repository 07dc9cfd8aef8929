"""Baseline: the least a PySide6 window can cost. Prints `first-paint` on its first paint; with
--stay it stays open (for memory), otherwise it quits right after."""

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("first-paint", flush=True)
            if "--stay" not in sys.argv:
                QTimer.singleShot(0, QApplication.quit)
        return False


app = QApplication(sys.argv[:1])
window = QLabel("Hello")
window.resize(800, 600)
hook = FirstPaint()
window.installEventFilter(hook)
window.show()
sys.exit(app.exec())
