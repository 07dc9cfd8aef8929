"""The reminder service: asks the schedule what fell due, and turns it into a notification.

The schedule (``core/reminders.ReminderSchedule``) decides everything about time: the wall clock,
daylight-saving changes, a changed zone, a machine that slept through the time, snoozes and
"skip today". This object only asks it, every ``CHECK_MS`` and at once on ``check()``, and says
what it answered the way this desktop allows:

- a notification over the session bus with three buttons, Start, In 10 minutes, Skip today
  (``DesktopNotifications``; the chosen button comes back as an ``ActionInvoked`` signal, read
  as soon as the bus's socket has something, through a ``QSocketNotifier``);
- else the tray's message, which has no buttons: clicking it opens the window on the routine;
- else nothing but a line in the log (there is no way to reach the person).

Why a 30-second poll and not a timer set for the next reminder: a timer set for 07:30 counts
monotonic time, which stands still while the machine sleeps and knows nothing of a changed zone
or a clock set by NTP; the schedule reads the wall clock each time and settles those cases. Qt's
timers also count monotonic time, so without more the first check after a wake would come up to
``CHECK_MS`` late: :class:`WakeWatcher` hears logind say the machine woke and checks at once.

"Start" never starts a session by itself (the person may not be ready on the mat): it brings the
window up on the routine, selected, with Start focused, and never over a running session.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from stretch_desktop.core.clock import WallClock
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.reminders import Due, Reminder, ReminderSchedule
from stretch_desktop.core.routine import Routine
from stretch_desktop.core.timeline import measure
from stretch_desktop.storage.reminders import (
    ReminderStoreError,
    load_reminders,
    load_state,
    merge_edits,
    save_reminders,
    save_state,
    state_path,
)
from stretch_desktop.ui.notifications import ActionInvoked, Notifications
from stretch_desktop.ui.session_controller import SessionController

if TYPE_CHECKING:
    from stretch_desktop.ui.preferences_dialog import PreferencesTab
    from stretch_desktop.ui.tray import Tray

log = logging.getLogger(__name__)

CHECK_MS = 30_000
"""How often the schedule is asked. It returns at most one reminder a call, the newest, so a
short interval costs nothing but a wake-up; a long one would make a reminder late."""
SNOOZE_MINUTES = 10
START, SNOOZE, SKIP = "start", "snooze", "skip"
ACTIONS = ((START, "Start"), (SNOOZE, f"In {SNOOZE_MINUTES} minutes"), (SKIP, "Skip today"))
REMINDER_EXPIRE_MS = 0
"""A reminder stays until the person answers it (0: never expires): one that vanished in eight
seconds while they fetched a coffee would be a reminder missed."""
_KEPT = 16
"""Notifications whose buttons are still answered: the newest few (older ones are stale)."""


class ReminderWindow(Protocol):
    """What the service asks of the window (it never imports it, as the tray does not)."""

    preferences_tabs: list[Callable[[QWidget], PreferencesTab]]

    def show_routine_ready(self, routine_id: str) -> bool:
        """Up front, on the choose page, the routine selected and Start focused; False (and a
        message) when a session is running."""
        ...

    def add_notices(self, lines: list[str]) -> None: ...


def reminder_title(routine: Routine, pacing: Pacing) -> str:
    """ "Time to stretch: Lunge Flow for Hamstrings, 10 min": the routine and its length, the
    two things that decide whether now is a good time."""
    minutes = max(1, round(measure(routine, pacing).total_ms / 60_000))
    return f"Time to stretch: {routine.title}, {minutes} min"


LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
WAKE_TIMEOUT_S = 1.0


class WakeWatcher(QObject):
    """Says when the machine wakes from sleep, from logind's ``PrepareForSleep(false)`` on the
    system bus, so a reminder missed in the sleep is shown at once rather than at the next tick.

    Where there is no system bus or no logind (a container, not Linux), it says so once at
    DEBUG and the 30-second tick is all there is. ``bus`` is ``"SYSTEM"`` or an address (tests).
    """

    woke = Signal()

    def __init__(self, bus: str = "SYSTEM", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection: Any = None
        self._signals: deque[Any] = deque(maxlen=8)
        self._notifier: QSocketNotifier | None = None
        try:
            from jeepney.bus_messages import MatchRule, message_bus
            from jeepney.io.blocking import open_dbus_connection
            from jeepney.wrappers import unwrap_msg

            connection = open_dbus_connection(bus=bus, auth_timeout=WAKE_TIMEOUT_S)
        except Exception as error:  # no bus, no jeepney, refused: the tick still runs
            log.debug("no system bus to hear the machine wake: %r", error)
            return

        def rule(sender: str | None) -> Any:
            return MatchRule(
                type="signal",
                sender=sender,
                interface=LOGIND_MANAGER,
                path=LOGIND_PATH,
                member="PrepareForSleep",
            )

        try:
            reply = connection.send_and_get_reply(
                message_bus.AddMatch(rule(LOGIND)), timeout=WAKE_TIMEOUT_S
            )
            unwrap_msg(reply)
        except Exception as error:
            log.debug("cannot listen for the machine waking: %r", error)
            connection.close()
            return
        connection.filter(rule(None), queue=self._signals)
        self._connection = connection
        self._notifier = QSocketNotifier(connection.sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._read)

    @property
    def listening(self) -> bool:
        return self._connection is not None

    def _read(self) -> None:
        try:
            while True:
                self._connection.recv_messages(timeout=0)
        except TimeoutError:
            pass  # all read
        except Exception as error:  # the bus went away: stop watching, the tick goes on
            log.debug("stopped listening for the machine waking: %r", error)
            self.close()
        while self._signals:
            (going_to_sleep,) = self._signals.popleft().body
            if not going_to_sleep:
                log.info("the machine woke: reminders checked now")
                self.woke.emit()

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class ReminderService(QObject):
    reminded = Signal(object)  # Due, once it was shown (or could not be): for logs and tests
    changed = Signal()  # the reminders were replaced (Preferences, or the file changed)

    def __init__(
        self,
        window: ReminderWindow,
        controller: SessionController,
        clock: WallClock,
        path: Path,
        *,
        routines: Callable[[], Sequence[Routine]],
        last_routine: Callable[[], str | None],
        pacing: Callable[[], Pacing],
        notifications: Notifications | None,
        tray: Tray | None = None,
        icon: str | None = None,
        interval_ms: int = CHECK_MS,
        wake: WakeWatcher | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._controller = controller
        self.clock = clock
        self.path = path
        self._routines = routines
        self._last_routine = last_routine
        self._pacing = pacing
        self._bus = notifications
        self._tray = tray
        self._icon = icon
        self._file_stamp: tuple[int, int] | None = None
        self._current: list[Reminder] = []
        reminders, notice = self._read()
        if notice:
            window.add_notices([notice])
        self._state_path = state_path(path)
        stamp = self._file_stamp
        edited = None if stamp is None else datetime.fromtimestamp(stamp[0] / 1e9, UTC)
        self.schedule = ReminderSchedule(reminders, clock, load_state(self._state_path), edited)
        self._saved_state = self.schedule.state()
        self._shown: OrderedDict[int, tuple[Due, str]] = OrderedDict()
        self._tray_due: tuple[Due, str] | None = None
        self._socket: QSocketNotifier | None = None
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.VeryCoarseTimer)  # a second early or late is fine
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self._wake = wake
        if wake is not None:
            wake.setParent(self)
            wake.woke.connect(self.check)
        if tray is not None:
            tray.icon.messageClicked.connect(self._tray_clicked)
        controller.state_changed.connect(self._session_changed)
        window.preferences_tabs.append(self._make_tab)
        upcoming = self.schedule.next_due()
        log.info(
            "reminders: %d reminder(s), next %s",
            len(reminders),
            f"{upcoming:%a %H:%M}" if upcoming else "none",
        )
        # A first look now: a reminder missed while the app was not running (within the hour)
        # is shown as the app starts (at login, from the tray), not half a minute later.
        self.check()

    # --- the reminders themselves ---------------------------------------------------------------

    @property
    def reminders(self) -> list[Reminder]:
        return list(self._current)

    def set_reminders(
        self, reminders: Sequence[Reminder], base: Sequence[Reminder] | None = None
    ) -> None:
        """Save them (Preferences' OK) and remind by them from now on. With ``base`` (the list
        the edits were made from), what the ``reminders`` command changed in the file since is
        kept (``merge_edits``). Raises ``ReminderStoreError`` (one line) when the file cannot
        be written; nothing changes then."""
        if base is not None:  # read now: the timer may have taken the command's change already
            on_disk, notice = load_reminders(self.path)
            if notice:  # unreadable now: it was moved aside and said; nothing to merge with
                self._window.add_notices([notice])
                on_disk = list(base)
            reminders = merge_edits(base, reminders, on_disk)
        save_reminders(self.path, list(reminders))
        self._file_stamp = self._stamp()
        self._use(list(reminders))

    def _use(self, reminders: list[Reminder]) -> None:
        self._current = reminders
        self.schedule.set_reminders(reminders)
        self.changed.emit()

    def _read(self) -> tuple[list[Reminder], str | None]:
        self._file_stamp = self._stamp()
        reminders, notice = load_reminders(self.path)
        self._current = list(reminders)
        return self._current, notice

    def _stamp(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return (status.st_mtime_ns, status.st_size)

    def _reread_if_changed(self) -> None:
        """``stretch-desktop reminders add`` while the app runs: the file changed, use it."""
        if self._stamp() == self._file_stamp:
            return
        reminders, notice = self._read()
        if notice:
            self._window.add_notices([notice])
        log.info("reminders: %s changed, %d reminder(s) now", self.path.name, len(reminders))
        self._use(reminders)

    def routine_choices(self) -> list[Routine]:
        """The routines a reminder may suggest: the window's list, imported ones included."""
        return list(self._routines())

    def tell(self, lines: list[str]) -> None:
        """Something the person should know (a file that could not be saved): above the page."""
        self._window.add_notices(lines)

    def routine_for(self, reminder: Reminder) -> Routine | None:
        """Its routine; for "my last routine" (or one since deleted) the last one started, else
        the first in the list; None only when there are no routines at all."""
        routines = list(self._routines())
        by_id = {routine.id: routine for routine in routines}
        for wanted in (reminder.routine, self._last_routine()):
            if wanted is not None and wanted in by_id:
                return by_id[wanted]
        return routines[0] if routines else None

    # --- falling due ------------------------------------------------------------------------------

    def check(self) -> None:
        """The tick (and a wake): whatever the schedule says fell due now, shown."""
        self._reread_if_changed()
        self.take_actions()  # where the bus's socket cannot be watched, clicks come in here
        for due in self.schedule.check(in_session=self._controller.in_session):
            self._remind(due)
        self._save_state(only_if_seen=True)

    def _save_state(self, only_if_seen: bool = False) -> None:
        """Keep what the schedule has seen for the next run of the app: whenever an occurrence
        was shown, passed over or skipped (``only_if_seen``: not for a look that found nothing,
        every 30 s), and at quit. A disk that refuses is logged: the cost is at most a reminder
        shown once more, or one missed while the app was not running."""
        state = self.schedule.state()
        previous = self._saved_state
        if only_if_seen and (state.shown, state.skipped) == (previous.shown, previous.skipped):
            return
        try:
            save_state(self._state_path, state)
        except ReminderStoreError as error:
            log.warning("reminders: %s", error)
            return
        self._saved_state = state

    def _remind(self, due: Due) -> None:
        routine = self.routine_for(due.reminder)
        if routine is None:
            log.info("reminder %s fell due, but there is no routine to suggest", due.reminder.id)
            return
        title = reminder_title(routine, self._pacing())
        log.info("reminder %s: %s", due.reminder.id, title)
        shown = self._by_bus(due, routine, title) or self._by_tray(due, routine, title)
        if not shown:
            log.info("reminder %s: no notification service and no tray to show it", due.reminder.id)
        self.reminded.emit(due)

    def _by_bus(self, due: Due, routine: Routine, title: str) -> bool:
        if self._bus is None:
            return False
        body = f"Your {due.reminder.time} reminder."
        notification_id = self._bus.notify(
            title, body, icon=self._icon, actions=ACTIONS, expire_ms=REMINDER_EXPIRE_MS
        )
        if notification_id is None:
            return False
        self._shown[notification_id] = (due, routine.id)
        while len(self._shown) > _KEPT:
            self._shown.popitem(last=False)
        self._watch_bus()
        self.take_actions()  # a click may have come in while notify() waited for its reply
        return True

    def _by_tray(self, due: Due, routine: Routine, title: str) -> bool:
        if self._tray is None or not self._tray.show_message(title, "Click here to get ready."):
            return False
        self._tray_due = (due, routine.id)
        return True

    # --- the person's answer ------------------------------------------------------------------

    def _watch_bus(self) -> None:
        """Hear a click as soon as the bus sends it: watch the connection's socket (a new one
        after the connection was dropped and opened again)."""
        fileno = getattr(self._bus, "fileno", None)
        descriptor = fileno() if callable(fileno) else None
        if descriptor is None:
            return
        socket = self._socket
        if socket is not None and socket.socket() == descriptor and socket.isEnabled():
            return
        if self._socket is not None:
            self._socket.setEnabled(False)
            self._socket.deleteLater()
        self._socket = QSocketNotifier(descriptor, QSocketNotifier.Type.Read, self)
        self._socket.activated.connect(self.take_actions)

    def take_actions(self) -> None:
        """Whatever buttons were chosen since the last look, acted on."""
        if self._bus is None:
            return
        for invoked in self._bus.take_actions():
            self._act(invoked)
        fileno = getattr(self._bus, "fileno", None)
        if self._socket is not None and callable(fileno) and fileno() is None:
            self._socket.setEnabled(False)  # the connection is gone: its descriptor may be reused

    def _act(self, invoked: ActionInvoked) -> None:
        shown = self._shown.pop(invoked.notification_id, None)
        if shown is None:
            return  # an old notification, or one answered already
        due, routine_id = shown
        log.info("reminder %s: %s", due.reminder.id, invoked.action_key)
        if invoked.action_key == START:
            self._window.show_routine_ready(routine_id)
        elif invoked.action_key == SNOOZE:
            self.schedule.snooze(due, minutes=SNOOZE_MINUTES)
        elif invoked.action_key == SKIP:
            self.schedule.skip_today(due.reminder.id)
            self._save_state()
        self.changed.emit()  # "Next reminder" may have moved

    def _tray_clicked(self) -> None:
        if self._tray_due is not None:
            _due, routine_id = self._tray_due
            self._tray_due = None
            self._window.show_routine_ready(routine_id)

    def _session_changed(self, _snapshot: object) -> None:
        """A session started: a tray message about stretching is answered already (and the tray
        shows other messages later, which must not open a reminder's routine)."""
        if self._controller.in_session:
            self._tray_due = None

    def stop(self) -> None:
        """No more checks, and the bus's socket no longer watched: call it before the bus
        connection is closed (at quit), or Qt would poll a closed descriptor. What the schedule
        saw is saved for the next run."""
        self.timer.stop()
        self._save_state()  # as of the last look: what falls due after it is the next run's
        if self._wake is not None:
            self._wake.close()
        if self._socket is not None:
            self._socket.setEnabled(False)
            self._socket.deleteLater()
            self._socket = None

    # --- Preferences ------------------------------------------------------------------------------

    def _make_tab(self, parent: QWidget) -> PreferencesTab:
        from stretch_desktop.ui.reminders_page import RemindersTab  # made when Preferences opens

        return RemindersTab(self, parent)
