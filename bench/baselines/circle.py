"""Baseline: a bare 400 px antialiased circle, repainted at 60 fps, growing and shrinking like a
breath. The cheapest honest version of our pacer animation."""

import math
import sys
import time

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget


class Circle(QWidget):
    def __init__(self):
        super().__init__()
        self.resize(440, 440)
        self.started = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.update)
        self.timer.start(16)

    def paintEvent(self, event):
        size = (1 - math.cos((time.monotonic() - self.started) * math.pi / 3)) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(70, 140, 200))
        radius = 200 * (0.35 + 0.65 * size)
        painter.drawEllipse(QPointF(220, 220), radius, radius)


app = QApplication(sys.argv[:1])
circle = Circle()
circle.show()
print("first-paint", flush=True)
sys.exit(app.exec())
