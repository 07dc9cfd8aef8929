"""Sessions as the window and the command line read them, and what a person wants to know
about them (this week's minutes, the streak). No SQLite here: the window imports this before
its first paint, and the database opens after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

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


class HistoryUnavailable(Exception):
    """History cannot be read or written here (read-only or full disk, locked for too long)."""


# --- what a person wants to know: this week, and the streak -----------------------------------

PRACTICE_MIN_S: Final = 60.0
"""A day counts towards a streak with a completed session or a minute of stretching."""


def _day(record: SessionRecord) -> date:
    return datetime.fromisoformat(record.started_at).astimezone().date()


def week_minutes(records: list[SessionRecord], today: date) -> float:
    """Minutes stretched (pauses excluded) since Monday."""
    monday = today - timedelta(days=today.weekday())
    return sum(r.active_s for r in records if monday <= _day(r) <= today) / 60


def streak_days(records: list[SessionRecord], today: date) -> int:
    """Consecutive days of practice up to today (or yesterday, if today is still to come)."""
    days = {_day(r) for r in records if r.status == "completed" or r.active_s >= PRACTICE_MIN_S}
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
