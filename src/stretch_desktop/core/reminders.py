"""When a reminder to stretch falls due, on the wall clock, without Qt, timers or a disk.

A reminder says "07:30 on weekdays": 07:30 on the clock on the wall, wherever the machine is and
whatever daylight-saving rule is in force, so this reads an injected :class:`WallClock` and never
the monotonic session clock. The window (or the tray) calls :meth:`ReminderSchedule.check` every
half minute or so and on wake; the schedule decides, from the clock alone, what to show:

- **An occurrence belongs to a reminder and a local date.** Each (reminder, date) is shown at most
  once, which is what keeps a fall-back hour (01:30 happens twice) and a zone change to the west
  (07:30 comes round again in New York after it passed in Berlin) from showing it twice.
- **Due means passed since the last look**, on either reading: the instant (time ran on) or the
  local wall time (a zone change to the east moved the clock over it). A nonexistent local time
  (spring forward, 02:30 in a 02:00→03:00 gap) falls due at the first instant after the gap.
- **Late is shown only if recent.** After a sleep or a long gap, an occurrence within
  :data:`MISSED_GRACE` is shown once on wake; older ones are dropped silently. A check returns
  at most one :class:`Due`, the newest: a machine that slept through three reminders shows one.
- **Never during a session.** What falls due while the person is stretching is dropped.

The schedule starts at its construction, or at the last look of the schedule before it when
given its :class:`ScheduleState` (saved by the window beside the reminders): a reminder that
fell due while the app was not running (the machine was off at 07:30 and is switched on at 07:50)
is then shown once, like one missed in a sleep, and restarting the app never repeats one already
shown, skipped or snoozed past. A reminder added or changed since that last look (on the
command line while the app was not running) begins when the reminders were changed (the file's
time, or else when the schedule begins): 07:30 added at 07:45 is not one missed at 07:30.
Without a saved state, what fell due before the schedule began is not shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final

from stretch_desktop.core.clock import WallClock

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names as stored and typed, in ``datetime.weekday()`` order."""

MISSED_GRACE: Final = timedelta(hours=1)
"""How late a reminder may still be shown (after a sleep): later than this, it is stale."""

SNOOZE_MINUTES: Final = 10

_FULL_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "daily": DAYS,
    "everyday": DAYS,
    "all": DAYS,
    "weekdays": DAYS[:5],
    "weekends": DAYS[5:],
    "weekend": DAYS[5:],
}
_TIME: Final = re.compile(r"(\d{1,2}):(\d{2})")
_KEEP_DAYS: Final = 3
"""Shown occurrences are remembered this many days back: enough for any zone change."""


class ReminderError(ValueError):
    """Input a person typed (a time, days) that is not understood; the message is one line."""


@dataclass(frozen=True)
class Reminder:
    id: str
    time: str
    """"HH:MM", 24-hour, local wall time (see :func:`parse_time`)."""
    days: tuple[str, ...]
    """A subset of :data:`DAYS`, in :data:`DAYS` order. Empty: never falls due."""
    routine: str | None
    """A routine id to suggest; None means "my last routine"."""


@dataclass(frozen=True)
class Due:
    reminder: Reminder
    at: datetime
    """The occurrence (aware): the reminder's time that day, or when a snooze ends."""


def parse_time(text: str) -> str:
    """``"7:30"`` → ``"07:30"``. Anything else is a :class:`ReminderError` saying what is wrong."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ReminderError(f'bad time "{text}": use HH:MM on a 24-hour clock, such as 07:30')
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23:
        raise ReminderError(f'bad time "{text}": hours go from 00 to 23')
    if minutes > 59:
        raise ReminderError(f'bad time "{text}": minutes go from 00 to 59')
    return f"{hours:02d}:{minutes:02d}"


def parse_days(text: str) -> tuple[str, ...]:
    """``"tue,Mon"`` → ``("mon", "tue")``. Also full names and ``weekdays``, ``weekends``,
    ``daily``. An unknown name is a :class:`ReminderError` with the nearest known one."""
    chosen: set[str] = set()
    words = [word.strip().lower() for word in re.split(r"[,\s]+", text) if word.strip()]
    if not words:
        raise ReminderError("no days given: use mon, tue, wed, thu, fri, sat, sun")
    for word in words:
        if word in DAYS:
            chosen.add(word)
        elif word in _FULL_NAMES:
            chosen.add(DAYS[_FULL_NAMES.index(word)])
        elif word in _GROUPS:
            chosen.update(_GROUPS[word])
        else:
            raise ReminderError(f'unknown day "{word}"{_day_suggestion(word)}')
    return tuple(day for day in DAYS if day in chosen)


def _day_suggestion(word: str) -> str:
    import difflib  # only for a mistyped day

    known = [*DAYS, *_FULL_NAMES, *_GROUPS]
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    if not close:
        return ": use mon, tue, wed, thu, fri, sat, sun, weekdays, weekends or daily"
    name = close[0]
    short = DAYS[_FULL_NAMES.index(name)] if name in _FULL_NAMES else name
    return f' (did you mean "{short}"?)'


def make_reminder(
    reminder_id: str, time: str, days: str | Iterable[str], routine: str | None
) -> Reminder:
    """A checked, normalised :class:`Reminder` from what a person or a file gave."""
    text = days if isinstance(days, str) else ",".join(days)
    if not reminder_id or not reminder_id.strip():
        raise ReminderError("a reminder needs an id")
    return Reminder(reminder_id, parse_time(time), parse_days(text), routine or None)


def days_text(days: Sequence[str]) -> str:
    """How a list and the window name the days: "every day", "weekdays", "mon, wed"."""
    chosen = tuple(days)
    if chosen == DAYS:
        return "every day"
    if chosen == DAYS[:5]:
        return "weekdays"
    if chosen == DAYS[5:]:
        return "weekends"
    if not chosen:
        return "never"
    return ", ".join(chosen)


def local_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The instant the naive local time ``wall`` happens in ``zone``: the first of two in a
    fall-back hour; in a spring-forward gap (it never happens), the first instant after it."""
    earlier = wall.replace(tzinfo=zone, fold=0)
    instant = earlier.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant.astimezone(zone)
    # In a gap, fold=1 reads the time with the offset after the change (the earlier instant),
    # fold=0 with the one before it (the later): the change lies between them. Find the first
    # second whose local time is at least ``wall``, which is the moment the clocks jumped.
    low = math.floor(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = math.ceil(instant.timestamp())
    if low >= high:  # not a gap after all (an odd zone): the plain reading will do
        return instant.astimezone(zone)
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, zone)


Known = tuple[str, str, tuple[str, ...]]
"""A reminder as a schedule knew it: (id, time, days)."""


def _known(reminder: Reminder) -> Known:
    return (reminder.id, reminder.time, reminder.days)


@dataclass(frozen=True)
class ScheduleState:
    """What a schedule has seen, to carry over to the next run of the app."""

    last_look: datetime
    """The last check (aware): occurrences after it are new to the next schedule."""
    shown: frozenset[tuple[str, str, date]] = frozenset()
    """(reminder id, time, local date) shown or passed over: never again."""
    skipped: frozenset[tuple[str, date]] = frozenset()
    """(reminder id, local date) the person skipped for the day."""
    known: frozenset[Known] | None = None
    """Each reminder as it stood at the last look: one added or changed since (on the command
    line, while the app was not running) begins when it was changed (``ReminderSchedule``'s
    ``edited``). None: not recorded (a state from before this was kept), and every reminder
    counts as known."""


def _wall(day: date, time: str) -> datetime:
    hours, minutes = (int(part) for part in time.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes)


class ReminderSchedule:
    """What falls due when, for a list of reminders, read from ``clock`` (see the module)."""

    def __init__(
        self,
        reminders: Sequence[Reminder],
        clock: WallClock,
        state: ScheduleState | None = None,
        edited: datetime | None = None,
    ) -> None:
        """``edited``: when the reminders were last changed (the file's time), if known. A
        reminder added or changed since ``state``'s last look begins then; without it, now."""
        self._clock = clock
        self._reminders: tuple[Reminder, ...] = ()
        now = clock.now()
        since = now
        if state is not None and state.last_look.astimezone(UTC) < now.astimezone(UTC):
            since = state.last_look.astimezone(now.tzinfo)  # its wall time in today's zone
        self._last = since.astimezone(UTC)
        self._last_wall = since.replace(tzinfo=None)
        self._shown: set[tuple[str, str, date]] = set(state.shown if state else ())
        """(reminder id, time, local date) already shown or dropped: never again."""
        self._skipped: set[tuple[str, date]] = set(state.skipped if state else ())
        self._snoozed: dict[str, datetime] = {}
        self._began = now.astimezone(UTC)
        if edited is not None:  # between the last look and now
            self._began = min(self._began, max(edited.astimezone(UTC), self._last))
        known = state.known if state is not None else None
        self._new: frozenset[str] = frozenset(
            reminder.id
            for reminder in reminders
            if known is not None and _known(reminder) not in known
        )
        """Reminders added or changed since the last look: nothing before ``_began`` (when they
        were edited) is theirs: 07:30 added at 07:45 by the command line is not a reminder
        missed at 07:30, while one moved to 07:30 at 07:20 is."""
        self.set_reminders(reminders)

    def state(self) -> ScheduleState:
        """What to save for the next run of the app (a snooze is not carried over: the app
        that offered it is gone, and the reminder's next time comes as usual)."""
        return ScheduleState(
            self._last,
            frozenset(self._shown),
            frozenset(self._skipped),
            frozenset(_known(reminder) for reminder in self._reminders),
        )

    @property
    def reminders(self) -> tuple[Reminder, ...]:
        return self._reminders

    def set_reminders(self, reminders: Sequence[Reminder]) -> None:
        """Replace the list (the person edited it). What was shown stays shown; a reminder
        whose time changed may fall due again today, at its new time."""
        self._reminders = tuple(reminders)
        ids = {reminder.id for reminder in self._reminders}
        self._snoozed = {key: at for key, at in self._snoozed.items() if key in ids}

    def check(self, *, in_session: bool = False) -> list[Due]:
        """At most one :class:`Due`, the newest of what fell due since the last check (and is
        not older than :data:`MISSED_GRACE`); an empty list otherwise, and always while
        ``in_session``. Everything passed over is forgotten, so nothing comes back later."""
        # Instants are compared in UTC: Python compares and subtracts two datetimes of the same
        # zone by their wall times, which is wrong by an hour across a daylight-saving change.
        reading = self._clock.now()
        zone = reading.tzinfo
        assert zone is not None  # a WallClock's readings are aware
        now = reading.astimezone(UTC)
        wall = reading.replace(tzinfo=None)
        today = wall.date()
        found: list[Due] = []
        for reminder in self._reminders:
            for day in (today - timedelta(days=1), today):
                key = (reminder.id, reminder.time, day)
                if DAYS[day.weekday()] not in reminder.days or key in self._shown:
                    continue
                local = _wall(day, reminder.time)
                at = local_instant(local, zone).astimezone(UTC)
                if at > now:
                    continue
                if at <= self._last and local <= self._last_wall:
                    continue  # passed before the last look (or before the schedule began)
                if reminder.id in self._new and at <= self._began:
                    continue  # passed before this reminder (or its time or days) existed
                self._shown.add(key)
                if (reminder.id, day) in self._skipped or now - at > MISSED_GRACE:
                    continue
                found.append(Due(reminder, at.astimezone(zone)))
        by_id = {reminder.id: reminder for reminder in self._reminders}
        for reminder_id, at in list(self._snoozed.items()):
            if at > now:
                continue
            del self._snoozed[reminder_id]
            if now - at <= MISSED_GRACE and (reminder_id, at.astimezone(zone).date()) not in (
                self._skipped
            ):
                found.append(Due(by_id[reminder_id], at.astimezone(zone)))
        self._last, self._last_wall = now, wall
        self._forget_before(today - timedelta(days=_KEEP_DAYS))
        if in_session or not found:
            return []
        return [max(found, key=lambda due: due.at.astimezone(UTC))]

    def snooze(self, due: Due, minutes: int = SNOOZE_MINUTES) -> None:
        """``due``'s reminder comes back once, ``minutes`` from now (real minutes, whatever
        the clock on the wall does meanwhile). A second snooze replaces the first."""
        if minutes <= 0:
            raise ReminderError("a snooze lasts at least a minute")
        if due.reminder.id not in {reminder.id for reminder in self._reminders}:
            return  # removed meanwhile: nothing to bring back
        now = self._clock.now().astimezone(UTC)
        self._snoozed[due.reminder.id] = now + timedelta(minutes=minutes)

    def skip_today(self, reminder_id: str) -> None:
        """No more from this reminder today (local date), its snooze included; tomorrow it
        falls due as usual."""
        self._skipped.add((reminder_id, self._clock.now().date()))
        self._snoozed.pop(reminder_id, None)

    def next_due(self) -> datetime | None:
        """When the next reminder will be shown (aware, in the current zone), for "Next: Tue
        07:30"; None when there is none (no reminders, or none with days)."""
        reading = self._clock.now()
        zone = reading.tzinfo
        assert zone is not None
        now = reading.astimezone(UTC)
        today = reading.date()
        times: list[datetime] = []
        for reminder_id, at in self._snoozed.items():
            if (reminder_id, at.astimezone(zone).date()) not in self._skipped:
                times.append(at.astimezone(zone))
        for reminder in self._reminders:
            for offset in range(8):  # today and the same weekday next week
                day = today + timedelta(days=offset)
                if DAYS[day.weekday()] not in reminder.days:
                    continue
                if (reminder.id, reminder.time, day) in self._shown:
                    continue
                if (reminder.id, day) in self._skipped:
                    continue
                at = local_instant(_wall(day, reminder.time), zone)
                if at.astimezone(UTC) > now:
                    times.append(at)
                    break
        return min(times, key=lambda at: at.astimezone(UTC), default=None)

    def _forget_before(self, oldest: date) -> None:
        self._shown = {key for key in self._shown if key[2] >= oldest}
        self._skipped = {key for key in self._skipped if key[1] >= oldest}
