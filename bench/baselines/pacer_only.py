"""Reference point for CPU: our breath pacer widget alone, animated like the bare circle.

The same 440 px window, the same 16 ms timer and the same breath curve as circle.py, but drawn
by our PacerWidget with its words inside. No session engine, no main window: set against the
circle it shows what our painting costs; set against the app, what the rest of a running session
(the engine's tick, the window around the pacer) adds.
"""

import math
import sys
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from stretch_desktop.ui.presenter import PacerView
from stretch_desktop.ui.widgets import PacerWidget

app = QApplication(sys.argv[:1])
pacer = PacerWidget()
pacer.resize(440, 440)
started = time.monotonic()


def frame():
    size = (1 - math.cos((time.monotonic() - started) * math.pi / 3)) / 2
    pacer.set_view(PacerView(size, "Inhale", "Breath 3 of 10", "breath"))


timer = QTimer()
timer.setTimerType(Qt.TimerType.PreciseTimer)
timer.timeout.connect(frame)
timer.start(16)
pacer.show()
print("first-paint", flush=True)
sys.exit(app.exec())
