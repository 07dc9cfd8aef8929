"""What the progress page and the ``progress`` and ``history --csv`` commands show, worked out
from records already read: minutes week by week, the weekly streak, the reach before and after
each assessed session, and the history as CSV.

No Qt and no SQLite here (as in ``records.py``): the command line uses it without loading Qt,
and the tests build records by hand, in any time zone, without a database.

Weeks start on Monday and days are local calendar days (the zone a session is read in, by
default the machine's), so a session at 23:50 on Sunday belongs to the week it was done in,
whatever the offset it was written with; a week that spans New Year is one week.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Final

from stretch_desktop.core.assessment import REACH, reach_label, reach_rank
from stretch_desktop.storage.records import AssessmentRecord, SessionRecord

GOAL_MIN: Final = 1
GOAL_MAX: Final = 7
DEFAULT_GOAL_DAYS: Final = 3
"""Days a week with a completed session that make a week count for the streak: three is
a habit most people keep, and rest days stay allowed."""
WEEKS_SHOWN: Final = 16
"""Weeks in the minutes chart: about four months, each bar still wide enough to read."""
REACH_SHOWN: Final = 24
"""Assessed sessions in the reach chart, the newest: more would crowd its dots together."""
ASSESSING_ROUTINE: Final = "Lunge Flow for Hamstrings"
"""Named in the empty state: the built-in routine whose folds ask where the hands reached."""

CSV_COLUMNS: Final = (
    "id",
    "routine_id",
    "title",
    "started_at",
    "ended_at",
    "status",
    "steps_done",
    "steps_skipped",
    "active_s",
    "before",
    "after",
)
"""``history --json``'s fields in its order, then the reach before and after (empty when the
session was not assessed or the question was skipped)."""


def local_day(moment: str, zone: tzinfo | None = None) -> date:
    """The calendar day a stored time falls on where the person is (``zone``; None: here)."""
    when = datetime.fromisoformat(moment)
    return (when.astimezone(zone) if zone is not None else when.astimezone()).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week: weeks are counted by their Monday, never by ISO year."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekMinutes:
    monday: date
    minutes: float


def minutes_per_week(
    records: Iterable[SessionRecord],
    today: date,
    weeks: int = WEEKS_SHOWN,
    zone: tzinfo | None = None,
) -> list[WeekMinutes]:
    """Minutes stretched (pauses excluded) in each of the last ``weeks`` weeks, oldest first,
    the current week last; a week without a session is there with 0, so the chart's gaps
    show the weeks that were missed. Every session counts its minutes, completed or not, as
    the history page's "this week" does."""
    current = week_start(today)
    mondays = [current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    totals = dict.fromkeys(mondays, 0.0)
    for record in records:
        monday = week_start(local_day(record.started_at, zone))
        if monday in totals:
            totals[monday] += record.active_s / 60
    return [WeekMinutes(monday, totals[monday]) for monday in mondays]


def days_in_week(records: Iterable[SessionRecord], monday: date, zone: tzinfo | None = None) -> int:
    """Distinct days of the week starting ``monday`` with at least one completed session."""
    return len(_active_days(records, zone).get(monday, set()))


def _active_days(records: Iterable[SessionRecord], zone: tzinfo | None) -> dict[date, set[date]]:
    """Monday → the days of that week with a completed session (a stopped one earns none)."""
    weeks: dict[date, set[date]] = {}
    for record in records:
        if record.status == "completed":
            day = local_day(record.started_at, zone)
            weeks.setdefault(week_start(day), set()).add(day)
    return weeks


def check_goal(goal: int) -> int:
    if not GOAL_MIN <= goal <= GOAL_MAX:
        raise ValueError(f"the goal is {GOAL_MIN} to {GOAL_MAX} days a week, not {goal}")
    return goal


def weekly_streak(
    records: Iterable[SessionRecord],
    today: date,
    goal: int = DEFAULT_GOAL_DAYS,
    zone: tzinfo | None = None,
) -> int:
    """Weeks in a row in which completed sessions fell on at least ``goal`` different days.

    Counted back from the current week if it already meets the goal, else from last week: a
    week still under way cannot break the streak before it is over. A missed day never breaks
    it either, as long as its week still reaches the goal (rest days are part of the plan).
    """
    check_goal(goal)
    weeks = _active_days(records, zone)
    monday = week_start(today)
    if len(weeks.get(monday, ())) < goal:
        monday -= timedelta(weeks=1)
    count = 0
    while len(weeks.get(monday, ())) >= goal:
        count += 1
        monday -= timedelta(weeks=1)
    return count


def days_text(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def streak_text(
    records: Sequence[SessionRecord],
    today: date,
    goal: int = DEFAULT_GOAL_DAYS,
    zone: tzinfo | None = None,
) -> str:
    """The streak as the page says it, with where this week stands, so a person with no streak
    yet reads what is left to do rather than a zero."""
    streak = weekly_streak(records, today, goal, zone)
    this_week = days_in_week(records, week_start(today), zone)
    at = f"at {days_text(goal)} a week"
    if streak == 0:
        head = f"No week yet {at}"
    elif streak == 1:
        head = f"1 week {at}"
    else:
        head = f"{streak} weeks in a row {at}"
    return f"{head}  ·  This week: {this_week} of {days_text(goal)}"


# --- the reach before and after -----------------------------------------------------------------


@dataclass(frozen=True)
class ReachPoint:
    """One assessed session: ranks on the reach scale (0 knees … 5 palms flat), None when that
    question was skipped or not asked."""

    session_id: int
    when: datetime
    routine_id: str
    before: int | None
    after: int | None


def _rank(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return reach_rank(value)
    except (ValueError, KeyError):  # a value a newer version wrote: shown as not answered
        return None


def reach_series(
    assessments: Iterable[AssessmentRecord], zone: tzinfo | None = None
) -> list[ReachPoint]:
    """The assessed sessions, oldest first (the chart reads left to right); a session where
    both questions were skipped has nothing to draw and is left out."""
    points = []
    for record in assessments:
        before, after = _rank(record.before), _rank(record.after)
        if before is None and after is None:
            continue
        when = datetime.fromisoformat(record.date)
        when = when.astimezone(zone) if zone is not None else when.astimezone()
        points.append(ReachPoint(record.session_id, when, record.routine_id, before, after))
    points.sort(key=lambda point: (point.when, point.session_id))
    return points


def reach_labels() -> list[str]:
    """The scale's steps as a person reads them, lowest first (Knees … Palms flat)."""
    return [reach_label(value) for value in REACH]


def _label(value: str | None) -> str:
    if value is None:
        return "—"
    try:
        return reach_label(value)
    except ValueError:  # a value a newer version wrote: shown as it is stored
        return value


def change_text(before: str | None, after: str | None) -> str:
    """``Ankles → Toes (+1)``: how far the session moved the reach, or what was not said."""
    text = f"{_label(before)} → {_label(after)}"
    rank_before, rank_after = _rank(before), _rank(after)
    if rank_before is not None and rank_after is not None:
        text += f" ({rank_after - rank_before:+d})"
    return text


# --- the history as CSV -------------------------------------------------------------------------


def history_csv(records: Iterable[SessionRecord], assessments: Iterable[AssessmentRecord]) -> str:
    """One row per session, newest first as ``history`` lists them, with a header; RFC 4180
    (CRLF line ends, quotes where a title needs them) so a spreadsheet opens it as it is."""
    reach = {record.session_id: record for record in assessments}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = record.public()
        found = reach.get(record.id)
        row["before"] = found.before if found is not None else None
        row["after"] = found.after if found is not None else None
        writer.writerow(["" if row[name] is None else row[name] for name in CSV_COLUMNS])
    return out.getvalue()
