"""Reference point for CPU: our pose figure and our breath pacer, animated in plain Qt as a
session page would animate them, with no engine, no controller and no main window.

Two 440 px widgets side by side in one window: the FigureWidget (ui/figure_widget.py) and the
PacerWidget, fed every 16 ms from a real phase of a built-in routine (Lunge Flow for Hamstrings)
the way the session page feeds them: ``--hold`` shows the standing forward fold's hold (the figure
still, the pacer breathing with ``breath_at``), ``--flow`` the low lunge's sway, right side (the
figure moving through its keyframes with ``beat_at``, the pacer growing and shrinking with each
beat). The phase loops, so the picture never comes to rest. Set against circle_with_words.py (the
bare circle drawing the pacer's picture) it says what the figure costs on top of the pacer before
the figure is on the app's own session page.
"""

import math
import sys
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.timeline import PhaseKind, beat_at, breath_at, compile_routine
from stretch_desktop.library import load_library
from stretch_desktop.ui.figure_widget import FigureWidget, figure_for_pose
from stretch_desktop.ui.presenter import PacerView
from stretch_desktop.ui.widgets import PacerWidget

ROUTINE = "lunge-flow-for-hamstrings"
mode = "--flow" if "--flow" in sys.argv[1:] else "--hold"
kind = PhaseKind.FLOW if mode == "--flow" else PhaseKind.HOLD

app = QApplication(sys.argv[:1])
pacing = Pacing()
timeline = compile_routine(load_library().find(ROUTINE), pacing)
phase = next(p for p in timeline.phases if p.kind is kind)

window = QWidget()
layout = QHBoxLayout(window)
layout.setContentsMargins(0, 0, 0, 0)
layout.setSpacing(0)
figure = FigureWidget()
pacer = PacerWidget()
for widget in (figure, pacer):
    widget.setFixedSize(440, 440)
    layout.addWidget(widget)
figure.set_figure(figure_for_pose(phase.pose), phase.side)
started = time.monotonic()


def frame():
    elapsed = phase.start_ms + round((time.monotonic() - started) * 1000) % phase.duration_ms
    if kind is PhaseKind.FLOW:
        beat = beat_at(phase, elapsed)
        figure.set_frame(beat.beat, beat.fraction)
        eased = (1 - math.cos(math.pi * beat.fraction)) / 2
        size = eased if beat.beat % 2 == 0 else 1 - eased
        view = PacerView(size, beat.word, f"{beat.repetition} of {beat.repetitions}", "beat")
    else:
        breath = breath_at(phase, elapsed, pacing)
        title = "Inhale" if breath.inhaling else "Exhale"
        view = PacerView(breath.size, title, f"Breath {breath.number} of {breath.count}", "breath")
    pacer.set_view(view)


timer = QTimer()
timer.setTimerType(Qt.TimerType.PreciseTimer)
timer.timeout.connect(frame)
timer.start(16)
frame()
window.show()
print("first-paint", flush=True)
sys.exit(app.exec())
