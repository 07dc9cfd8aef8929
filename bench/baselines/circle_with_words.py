"""Reference point for CPU: the bare circle drawing what our pacer draws, in plain Qt.

circle.py plus the two things our pacer shows that the bare circle does not: a faint full-size
track behind the breath, and two lines of words inside it ("Inhale", "Breath 3 of 10"), laid out
once. The same window, timer and breath curve as circle.py. Set against the circle it shows what
that picture costs with no Python of ours at all; set against our pacer, what our widget adds.
"""

import math
import sys
import time

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QStaticText
from PySide6.QtWidgets import QApplication, QWidget


class CircleWithWords(QWidget):
    def __init__(self):
        super().__init__()
        self.resize(440, 440)
        self.started = time.monotonic()
        self.title_font = QFont(self.font())
        self.title_font.setBold(True)
        self.title_font.setPixelSize(56)
        self.detail_font = QFont(self.font())
        self.detail_font.setPixelSize(32)
        self.words = []
        for text, font, middle in (
            ("Inhale", self.title_font, 190),
            ("Breath 3 of 10", self.detail_font, 260),
        ):
            static = QStaticText(text)
            static.prepare(font=font)
            size = static.size()
            where = QPointF(220 - size.width() / 2, middle - size.height() / 2)
            self.words.append((static, font, where))
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.update)
        self.timer.start(16)

    def paintEvent(self, event):
        size = (1 - math.cos((time.monotonic() - self.started) * math.pi / 3)) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(220, 228, 236))
        painter.drawEllipse(QPointF(220, 220), 216, 216)
        painter.setBrush(QColor(70, 140, 200))
        radius = 216 * (0.35 + 0.65 * size)
        painter.drawEllipse(QPointF(220, 220), radius, radius)
        painter.setPen(QColor(0, 0, 0))
        for static, font, where in self.words:
            painter.setFont(font)
            painter.drawStaticText(where, static)


app = QApplication(sys.argv[:1])
circle = CircleWithWords()
circle.show()
print("first-paint", flush=True)
sys.exit(app.exec())
