"""The progress page's numbers on hand-made records: weeks by their Monday across New Year and
daylight-saving changes, the weekly streak with rest days, the reach series and the CSV."""

import csv
import io
import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stretch_desktop.storage.progress import (
    CSV_COLUMNS,
    change_text,
    days_in_week,
    history_csv,
    minutes_per_week,
    reach_labels,
    reach_series,
    streak_text,
    week_start,
    weekly_streak,
)
from stretch_desktop.storage.records import AssessmentRecord, SessionRecord

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

_ids = iter(range(1, 10_000))


def session(started_at, minutes=10.0, status="completed", title="Morning", routine="morning"):
    return SessionRecord(
        id=next(_ids),
        routine_id=routine,
        title=title,
        origin="",
        started_at=started_at,
        ended_at=started_at,
        updated_at=started_at,
        status=status,
        steps_done=5,
        steps_skipped=0,
        steps_total=5,
        active_s=minutes * 60,
        current_step=5,
        pid=0,
        preferences="{}",
    )


def on(*days, zone=BERLIN, hour=7, **options):
    """Completed sessions at ``hour`` local time on each ISO date in ``days``."""
    records = []
    for day in days:
        local = datetime.fromisoformat(f"{day}T{hour:02d}:30").replace(tzinfo=zone)
        records.append(session(local.isoformat(), **options))
    return records


# --- weeks ----------------------------------------------------------------------------------------


def test_weeks_start_on_monday_and_a_week_spanning_new_year_is_one_week():
    assert week_start(date(2026, 1, 1)) == date(2025, 12, 29)  # a Thursday, ISO week 1 of 2026
    assert week_start(date(2026, 1, 4)) == date(2025, 12, 29)  # the Sunday after
    assert week_start(date(2025, 12, 28)) == date(2025, 12, 22)
    records = on("2025-12-29", "2026-01-01", "2026-01-04") + on("2025-12-28")
    weeks = minutes_per_week(records, date(2026, 1, 7), weeks=3, zone=BERLIN)
    assert [(w.monday, w.minutes) for w in weeks] == [
        (date(2025, 12, 22), 10.0),
        (date(2025, 12, 29), 30.0),
        (date(2026, 1, 5), 0.0),
    ]
    assert days_in_week(records, date(2025, 12, 29), BERLIN) == 3
    # Three days in the week across New Year: the goal of 3 is met, and the streak is 1.
    assert weekly_streak(records, date(2026, 1, 7), goal=3, zone=BERLIN) == 1


def test_minutes_per_week_lists_every_week_oldest_first_with_the_empty_ones():
    records = on("2026-11-02", minutes=12.5) + on("2026-11-03", minutes=7.5) + on("2026-09-29")
    weeks = minutes_per_week(records, date(2026, 11, 4), weeks=6, zone=BERLIN)
    assert len(weeks) == 6
    assert weeks[-1].monday == date(2026, 11, 2) and weeks[-1].minutes == 20.0
    assert [w.minutes for w in weeks] == [10.0, 0.0, 0.0, 0.0, 0.0, 20.0]
    assert all((b.monday - a.monday).days == 7 for a, b in itertools.pairwise(weeks))
    # Older than the chart, or later than today: not in any bar.
    late = on("2026-09-01") + on("2026-11-20")
    assert sum(w.minutes for w in minutes_per_week(late, date(2026, 11, 4), 6, BERLIN)) == 0
    # Stopped sessions count their minutes too (only the streak asks for completed ones).
    stopped = on("2026-11-04", status="stopped", minutes=3)
    assert minutes_per_week(stopped, date(2026, 11, 4), 1, BERLIN)[0].minutes == 3.0


def test_a_sunday_night_session_stays_in_its_week_across_the_spring_daylight_change():
    # Berlin springs forward on Sunday 2026-03-29 at 02:00. Stored by a machine in UTC.
    sunday_night = session("2026-03-29T21:30:00+00:00")  # 23:30 CEST, Sunday
    monday_early = session("2026-03-29T22:30:00+00:00")  # 00:30 CEST, Monday
    in_the_gap = session("2026-03-29T01:30:00+00:00")  # 03:30 CEST, the morning of the change
    records = [sunday_night, monday_early, in_the_gap]
    weeks = minutes_per_week(records, date(2026, 3, 31), weeks=2, zone=BERLIN)
    assert [(w.monday, w.minutes) for w in weeks] == [
        (date(2026, 3, 23), 20.0),
        (date(2026, 3, 30), 10.0),
    ]
    # Both Sunday sessions are one day: not two days towards the goal.
    assert days_in_week(records, date(2026, 3, 23), BERLIN) == 1


def test_the_autumn_change_and_the_zone_decide_the_day_not_the_stored_offset():
    # Berlin falls back on Sunday 2026-10-25 at 03:00: 02:30 happens twice. Both are Sunday.
    first = session("2026-10-25T02:30:00+02:00")
    second = session("2026-10-25T02:30:00+01:00")
    monday = session("2026-10-25T23:30:00+00:00")  # 00:30 CET on Monday 26 October
    records = [first, second, monday]
    assert days_in_week(records, date(2026, 10, 19), BERLIN) == 1
    assert days_in_week(records, date(2026, 10, 26), BERLIN) == 1
    # One instant, two places: Sunday evening in New York is Monday morning in Tokyo.
    moment = [session("2026-11-01T22:00:00-05:00")]
    assert minutes_per_week(moment, date(2026, 11, 2), 1, NEW_YORK)[0].minutes == 0
    assert minutes_per_week(moment, date(2026, 11, 2), 1, TOKYO)[0].minutes == 10


# --- the weekly streak ----------------------------------------------------------------------------


def test_the_streak_counts_weeks_meeting_the_goal_and_rest_days_never_break_it():
    # Four weeks in a row at three days (Mon, Wed, Sat), each with rest days between.
    days = []
    for monday in ("2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"):
        start = date.fromisoformat(monday)
        days += [(start + timedelta(days=offset)).isoformat() for offset in (0, 2, 5)]
    records = on(*days)
    today = date(2026, 11, 8)  # the Sunday of the fourth week
    assert weekly_streak(records, today, goal=3, zone=BERLIN) == 4
    assert weekly_streak(records, today, goal=4, zone=BERLIN) == 0
    assert weekly_streak(records, today, goal=1, zone=BERLIN) == 4
    assert streak_text(records, today, 3, BERLIN) == (
        "4 weeks in a row at 3 days a week  ·  This week: 3 of 3 days"
    )
    # A week under way that has not met the goal yet does not break it: last week's stands.
    tuesday = date(2026, 11, 10)
    assert weekly_streak(records + on("2026-11-09"), tuesday, 3, BERLIN) == 4
    assert streak_text(records + on("2026-11-09"), tuesday, 3, BERLIN) == (
        "4 weeks in a row at 3 days a week  ·  This week: 1 of 3 days"
    )
    # Once it meets the goal it counts at once, before it ends.
    more = records + on("2026-11-09", "2026-11-10", "2026-11-11")
    assert weekly_streak(more, date(2026, 11, 11), 3, BERLIN) == 5
    # A whole week below the goal ends it: only the weeks after that count.
    assert weekly_streak(records, date(2026, 11, 17), 3, BERLIN) == 0


def test_only_completed_sessions_on_different_days_make_a_week():
    twice_a_day = on("2026-11-02", "2026-11-03") + on("2026-11-03", hour=19)
    assert weekly_streak(twice_a_day, date(2026, 11, 8), 3, BERLIN) == 0
    stopped = twice_a_day + on("2026-11-05", status="stopped")
    assert weekly_streak(stopped, date(2026, 11, 8), 3, BERLIN) == 0
    done = twice_a_day + on("2026-11-05")
    assert weekly_streak(done, date(2026, 11, 8), 3, BERLIN) == 1
    assert streak_text(done, date(2026, 11, 8), 3, BERLIN).startswith("1 week at 3 days a week")
    assert streak_text([], date(2026, 11, 8), 1, BERLIN) == (
        "No week yet at 1 day a week  ·  This week: 0 of 1 day"
    )


def test_every_day_of_the_week_is_a_goal_of_seven_and_eight_is_refused():
    week = on(*(f"2026-11-0{d}" for d in range(2, 9)))
    assert weekly_streak(week, date(2026, 11, 8), 7, BERLIN) == 1
    assert weekly_streak(week[:-1], date(2026, 11, 8), 7, BERLIN) == 0
    for goal in (0, 8):
        with pytest.raises(ValueError, match="1 to 7 days a week"):
            weekly_streak(week, date(2026, 11, 8), goal, BERLIN)


# --- the reach before and after -------------------------------------------------------------------


def assessed(session_id, when, before, after, routine="lunge-flow-for-hamstrings"):
    return AssessmentRecord(session_id, when, routine, before, after)


def test_the_reach_series_is_oldest_first_in_ranks_and_leaves_out_what_says_nothing():
    records = [
        assessed(3, "2026-11-05T07:30:00+01:00", "toes", None),
        assessed(1, "2026-11-01T07:30:00+01:00", "knees", "ankles"),
        assessed(2, "2026-11-03T07:30:00+01:00", None, None),  # both skipped
        assessed(4, "2026-11-07T07:30:00+01:00", "floor", "palms flat"),
    ]
    series = reach_series(records, BERLIN)
    assert [(p.session_id, p.before, p.after) for p in series] == [
        (1, 0, 2),
        (3, 3, None),
        (4, 4, 5),
    ]
    assert series[0].when.tzinfo is BERLIN
    assert reach_labels() == ["Knees", "Mid-shins", "Ankles", "Toes", "Floor", "Palms flat"]
    assert change_text("ankles", "toes") == "Ankles → Toes (+1)"
    assert change_text("toes", None) == "Toes → —"


# --- the history as CSV ---------------------------------------------------------------------------


def test_the_csv_has_a_header_the_json_fields_and_the_reach_and_quotes_what_needs_it():
    plain = session("2026-11-02T07:30:00+01:00", minutes=10.25)
    odd = session("2026-11-03T07:30:00+01:00", title='Hips, "deep"\nand slow', status="stopped")
    text = history_csv([odd, plain], [assessed(plain.id, plain.started_at, "ankles", "toes")])
    assert text.endswith("\r\n") and text.count("\r\n") == 3  # header and two rows (RFC 4180)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[0][:9] == list(plain.public())  # the JSON's fields, in the JSON's order
    first, second = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert first["title"] == 'Hips, "deep"\nand slow' and first["status"] == "stopped"
    assert first["before"] == first["after"] == ""
    assert second["id"] == str(plain.id) and second["active_s"] == "615.0"
    assert (second["before"], second["after"]) == ("ankles", "toes")
    assert '"Hips, ""deep""\nand slow"' in text
