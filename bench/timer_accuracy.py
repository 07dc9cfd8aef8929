"""Timer accuracy, real clock: a 60 s routine of 20 phases while the GUI thread is stalled for
250 ms every 2 s. Each phase start is compared with its schedule (session start + phase start).

Runs the real window, controller and QTimer ticker (offscreen); prints one JSON object.
"""

import json
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.clock import MonotonicClock
from stretch_desktop.core.loader import load_routine
from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.speech.speaker import NullSpeaker
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import UiPreferences
from stretch_desktop.ui.ticker import QtTicker

STALL_MS, STALL_EVERY_MS = 250, 2000
ROUTINE = (
    'format = 1\nid = "timer"\ntitle = "Timer"\nsource = "bench"\n'
    '[[poses]]\nid = "p"\nname = "Pose"\ninstructions = ["Hold."]\n'
    + '[[steps]]\nkind = "hold"\npose = "p"\nseconds = 2.5\n'
    * 10
)
# 10 steps × (3.5 s lead-in + 2.5 s hold) = 60 s in 20 phases.
PACE = Pacing(lead_in_ms=3000, breath_cues=BreathCues.OFF)


class QuickVoice(NullSpeaker):
    """Silent, but says each cue takes 200 ms: the lead-in is 200 + 300 + 3000 ms."""

    def measured_ms(self, text: str) -> int | None:
        return 200


def main() -> int:
    app = QApplication(sys.argv[:1])
    clock = MonotonicClock()
    controller = SessionController(clock, QuickVoice(), QtTicker)
    window = MainWindow(controller, [], LivePreferences(UiPreferences(pacing=PACE)))
    window.resize(1100, 720)
    window.show()
    routine = load_routine(ROUTINE, "timer.toml")
    timeline = controller.load(routine, PACE)
    assert len(timeline.phases) == 20 and timeline.total_ms == 60_000, timeline.total_ms
    starts: dict[int, int] = {}
    stalls: list[tuple[int, int]] = []
    origin = [0]

    def on_update(snapshot):  # the moment the window learns of a phase: what a person sees
        starts.setdefault(snapshot.phase.index, clock.now_ms() - origin[0])

    def stall():
        begin = clock.now_ms()
        while clock.now_ms() - begin < STALL_MS:
            pass  # a busy GUI thread: nothing else runs meanwhile
        stalls.append((begin - origin[0], clock.now_ms() - origin[0]))

    def finished(_summary):
        QTimer.singleShot(100, app.quit)

    controller.updated.connect(on_update)
    controller.finished.connect(finished)
    staller = QTimer()
    staller.setTimerType(Qt.TimerType.PreciseTimer)
    staller.timeout.connect(stall)
    origin[0] = clock.now_ms()
    controller.start()
    staller.start(STALL_EVERY_MS)
    app.exec()

    rows = []
    for phase in timeline.phases[1:]:
        actual = starts[phase.index]
        error = actual - phase.start_ms
        stalled = any(begin <= actual and end >= phase.start_ms for begin, end in stalls)
        rows.append(
            {
                "phase": phase.index,
                "scheduled_ms": phase.start_ms,
                "error_ms": error,
                "in_stall": stalled,
            }
        )
    outside = [r["error_ms"] for r in rows if not r["in_stall"]]
    inside = [r["error_ms"] for r in rows if r["in_stall"]]
    first, last = outside[:4], outside[-4:]
    print(
        json.dumps(
            {
                "max_error_outside_ms": max(outside, default=0),
                "max_error_inside_ms": max(inside, default=0),
                "phases_in_stalls": len(inside),
                "drift_ms": round(sum(last) / len(last) - sum(first) / len(first), 1)
                if outside
                else 0,
                "stalls": len(stalls),
                "rows": rows,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
