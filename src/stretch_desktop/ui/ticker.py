"""What makes the session move on screen: a timer that calls back, or a test's manual ticks.

The ticker only says "look at the clock now"; how much time passed is always read from the clock,
so a late or missed tick shifts nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer


class Ticker(Protocol):
    def start(self, interval_ms: int) -> None: ...
    def stop(self) -> None: ...
    @property
    def active(self) -> bool: ...
    @property
    def interval_ms(self) -> int: ...


class QtTicker(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(callback)

    def start(self, interval_ms: int) -> None:
        if not self._timer.isActive() or self._timer.interval() != interval_ms:
            self._timer.start(interval_ms)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()


class ManualTicker:
    """A ticker for tests: nothing happens until the test calls :meth:`tick`."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._interval = 0
        self._active = False

    def start(self, interval_ms: int) -> None:
        self._active, self._interval = True, interval_ms

    def stop(self) -> None:
        self._active = False

    @property
    def active(self) -> bool:
        return self._active

    @property
    def interval_ms(self) -> int:
        return self._interval

    def tick(self) -> None:
        if self._active:
            self._callback()
