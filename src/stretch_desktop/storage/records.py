"""Sessions as the window and the command line read them, and what a person wants to know
about them (this week's minutes, the streak). No SQLite here: the window imports this before
its first paint, and the database opens after it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Final

from stretch_desktop.core.assessment import REACH

STATUSES: Final = ("running", "completed", "stopped", "interrupted")


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class SessionRecord:
    id: int
    routine_id: str
    title: str
    origin: str
    started_at: str
    ended_at: str | None
    updated_at: str
    status: str
    steps_done: int
    steps_skipped: int
    steps_total: int
    active_s: float
    current_step: int
    pid: int
    preferences: str

    def public(self) -> dict[str, Any]:
        """The documented JSON form of `stretch-desktop history --json`."""
        return {
            "id": self.id,
            "routine_id": self.routine_id,
            "title": self.title,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "status": self.status,
            "steps_done": self.steps_done,
            "steps_skipped": self.steps_skipped,
            "active_s": round(self.active_s, 1),
        }


COLUMNS: Final = tuple(field.name for field in fields(SessionRecord))
"""The columns this version reads, by name: a column a newer version (or a hand) added is
left alone, so one more column never stops the history being read."""


class DamagedRow(ValueError):
    """A stored session that cannot be what it claims (a date that is no date, a count that is
    text): it is left out of what is shown, counted, and the file is left as it is."""


def _text(row: Mapping[str, object], name: str) -> str:
    value = row[name]
    if not isinstance(value, str):
        raise DamagedRow(f"{name}: not text ({value!r:.40})")
    return value


def _moment(row: Mapping[str, object], name: str) -> str:
    """A local ISO 8601 time the window can turn into a day (``astimezone`` as the page does)."""
    text = _text(row, name)
    try:
        datetime.fromisoformat(text).astimezone()
    except (ValueError, OverflowError, OSError):
        raise DamagedRow(f"{name}: not a date and time ({text!r:.40})") from None
    return text


def _whole(row: Mapping[str, object], name: str, minimum: int | None = 0) -> int:
    value = row[name]
    if not isinstance(value, int) or (minimum is not None and value < minimum):
        least = "" if minimum is None else f" of at least {minimum}"
        raise DamagedRow(f"{name}: not a whole number{least} ({value!r:.40})")
    return value


def record_from_row(row: Mapping[str, object]) -> SessionRecord:
    """The record a stored row stands for, read by the columns this version knows.

    SQLite keeps whatever a hand or another program put in a column (text in a count, a date
    that is no date), so every field is checked here, once, rather than failing later in the
    page or the command that happens to use it. Raises :class:`DamagedRow` naming the field.
    """
    active = row["active_s"]
    if isinstance(active, int):
        active = float(active)
    if not isinstance(active, float) or not math.isfinite(active) or active < 0:
        raise DamagedRow(f"active_s: not a number of seconds ({active!r:.40})")
    status = _text(row, "status")
    if status not in STATUSES:
        raise DamagedRow(f"status: not one of {', '.join(STATUSES)} ({status!r:.40})")
    return SessionRecord(
        id=_whole(row, "id", minimum=None),
        routine_id=_text(row, "routine_id"),
        title=_text(row, "title"),
        origin=_text(row, "origin"),
        started_at=_moment(row, "started_at"),
        ended_at=None if row["ended_at"] is None else _moment(row, "ended_at"),
        updated_at=_moment(row, "updated_at"),
        status=status,
        steps_done=_whole(row, "steps_done"),
        steps_skipped=_whole(row, "steps_skipped"),
        steps_total=_whole(row, "steps_total"),
        active_s=active,
        current_step=_whole(row, "current_step"),
        pid=_whole(row, "pid", minimum=None),
        preferences=_text(row, "preferences"),
    )


MOMENTS: Final = ("before", "after")
"""When a session asks where the hands reached (``core.routine.Assess``'s values)."""


@dataclass(frozen=True)
class AssessmentRecord:
    """An assessed session's reaches (source 001's forward fold, before and after the work).

    ``before``/``after`` are values of ``core.assessment.REACH``, or None when that question
    was skipped or never asked (the session was stopped before it).
    """

    session_id: int
    date: str
    """The session's ``started_at``."""
    routine_id: str
    before: str | None
    after: str | None

    def public(self) -> dict[str, Any]:
        """The documented JSON form of `stretch-desktop progress --json`."""
        return {
            "session_id": self.session_id,
            "date": self.date,
            "routine_id": self.routine_id,
            "before": self.before,
            "after": self.after,
        }


def _reach(row: Mapping[str, object], name: str) -> str | None:
    value = row[name]
    if value is not None and value not in REACH:
        raise DamagedRow(f"{name}: not a reach ({value!r:.40})")
    return None if value is None else str(value)


def assessment_from_row(row: Mapping[str, object]) -> AssessmentRecord:
    """The record of a joined row (``session_id, date, routine_id, before, after``), checked
    as :func:`record_from_row` checks a session's. Raises :class:`DamagedRow`."""
    return AssessmentRecord(
        session_id=_whole(row, "session_id", minimum=None),
        date=_moment(row, "date"),
        routine_id=_text(row, "routine_id"),
        before=_reach(row, "before"),
        after=_reach(row, "after"),
    )


class HistoryUnavailable(Exception):
    """History cannot be read or written here (read-only or full disk, locked for too long)."""


# --- what a person wants to know: this week, and the streak -----------------------------------


def _day(record: SessionRecord) -> date:
    return datetime.fromisoformat(record.started_at).astimezone().date()


def week_minutes(records: list[SessionRecord], today: date) -> float:
    """Minutes stretched (pauses excluded) since Monday."""
    monday = today - timedelta(days=today.weekday())
    return sum(r.active_s for r in records if monday <= _day(r) <= today) / 60
