"""Reminder scheduling on an injected wall clock: the window checks every 30 s, so these tests do
too, walking a fake clock through daylight-saving changes, zone changes and sleeps, with real
time zones (the system's tz database) and no sleeps."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from stretch_desktop.core.clock import FakeWallClock
from stretch_desktop.core.reminders import (
    DAYS,
    MISSED_GRACE,
    Due,
    Reminder,
    ReminderError,
    ReminderSchedule,
    ScheduleState,
    days_text,
    local_instant,
    make_reminder,
    parse_days,
    parse_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HALIFAX = ZoneInfo("America/Halifax")  # an hour east of New York
TICK = timedelta(seconds=30)


def daily(time, reminder_id="r1", days=DAYS, routine=None):
    return Reminder(reminder_id, time, tuple(days), routine)


def walk(schedule, clock, until, *, in_session=False):
    """Check every 30 s until ``until`` (an aware datetime), as the window does: every Due
    returned, with the reading of the check that returned it."""
    shown = []
    while clock.now() < until:
        clock.advance(TICK)
        for due in schedule.check(in_session=in_session):
            shown.append((clock.now(), due))
    return shown


def utc(moment):
    return moment.astimezone(UTC)


class FixedOffsetClock:
    """What ``SystemWallClock`` really returns: ``datetime.now().astimezone()`` carries a fixed
    offset (``timezone(+01:00)``), not a zone with rules; the offset changes with the season."""

    def __init__(self, clock):
        self.clock = clock

    def now(self):
        reading = self.clock.now()
        return reading.astimezone(timezone(reading.utcoffset()))

    def advance(self, delta):
        self.clock.advance(delta)


# --- an ordinary day ---------------------------------------------------------------------------


def test_a_daily_reminder_is_shown_once_at_its_time_and_again_the_next_day():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30", routine="toe-touch")], clock)
    shown = walk(schedule, clock, datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    assert [due.at for _, due in shown] == [
        datetime(2026, 11, 30, 7, 30, tzinfo=BERLIN),
        datetime(2026, 12, 1, 7, 30, tzinfo=BERLIN),
    ]
    for seen_at, due in shown:  # the first check at or after the time
        assert timedelta(0) <= seen_at - due.at < TICK
        assert due.reminder.routine == "toe-touch"


def test_only_on_the_days_chosen():
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=BERLIN)
    clock = FakeWallClock(monday)
    schedule = ReminderSchedule([daily("12:00", days=("mon", "wed", "sun"))], clock)
    shown = walk(schedule, clock, monday + timedelta(days=7))
    assert [due.at.strftime("%a %H:%M") for _, due in shown] == [
        "Mon 12:00",
        "Wed 12:00",
        "Sun 12:00",
    ]


def test_a_reminder_with_no_days_never_falls_due():
    clock = FakeWallClock(datetime(2026, 11, 30, 0, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("12:00", days=())], clock)
    assert walk(schedule, clock, datetime(2026, 12, 2, 0, 0, tzinfo=BERLIN)) == []
    assert schedule.next_due() is None


def test_what_fell_due_before_the_schedule_began_is_not_shown():
    """The app started at 07:45: a restart never repeats the 07:30 reminder already seen."""
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 45, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    assert walk(schedule, clock, datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)) == []


# --- daylight saving -----------------------------------------------------------------------------


@pytest.mark.parametrize("fixed_offsets", [False, True], ids=["zoneinfo", "system-offsets"])
def test_spring_forward_a_time_in_the_gap_is_shown_once_when_the_clocks_jump(fixed_offsets):
    """Berlin, 29 March 2026: 02:00 becomes 03:00, so 02:30 never happens that day."""
    clock = FakeWallClock(datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN))
    wall = FixedOffsetClock(clock) if fixed_offsets else clock
    schedule = ReminderSchedule([daily("02:30")], wall)
    shown = walk(schedule, wall, datetime(2026, 3, 30, 6, 0, tzinfo=BERLIN))
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, the first instant after the gap
    assert len(shown) == 2
    (seen_at, due), (_, next_day) = shown
    assert utc(seen_at) == jump
    assert due.at.strftime("%Y-%m-%d") == "2026-03-29"
    if not fixed_offsets:
        assert utc(due.at) == jump
    assert utc(next_day.at) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_the_occurrence_in_a_gap_is_the_moment_the_clocks_jumped():
    at = local_instant(datetime(2026, 3, 29, 2, 30), BERLIN)
    assert at == datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN)
    assert at.utcoffset() == timedelta(hours=2)
    first = local_instant(datetime(2026, 11, 1, 1, 30), NEW_YORK)
    assert utc(first) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first one


@pytest.mark.parametrize("fixed_offsets", [False, True], ids=["zoneinfo", "system-offsets"])
def test_fall_back_an_hour_that_happens_twice_shows_its_reminder_once(fixed_offsets):
    """New York, 1 November 2026: 02:00 EDT becomes 01:00 EST, so 01:30 happens twice."""
    clock = FakeWallClock(datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK))
    wall = FixedOffsetClock(clock) if fixed_offsets else clock
    schedule = ReminderSchedule([daily("01:30")], wall)
    shown = walk(schedule, wall, datetime(2026, 11, 1, 4, 0, tzinfo=NEW_YORK))
    assert [utc(due.at) for _, due in shown] == [datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]


def test_fake_wall_clock_advances_in_real_time_across_a_change():
    clock = FakeWallClock(datetime(2026, 3, 29, 1, 59, tzinfo=BERLIN))
    clock.advance(timedelta(minutes=2))
    assert clock.now().strftime("%H:%M %z") == "03:01 +0200"
    with pytest.raises(ValueError, match="time zone"):
        clock.set(datetime(2026, 3, 29, 1, 59))


# --- a changed time zone -------------------------------------------------------------------------


def test_flying_west_after_the_reminder_does_not_show_it_again_the_same_day():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    shown = walk(schedule, clock, datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN))
    assert len(shown) == 1
    clock.set(clock.now().astimezone(NEW_YORK))  # 03:00 in New York: 07:30 comes round again
    shown = walk(schedule, clock, datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK))
    assert [due.at for _, due in shown] == [datetime(2026, 12, 1, 7, 30, tzinfo=NEW_YORK)]


def test_flying_west_before_the_reminder_shows_it_at_the_new_local_time():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    clock.set(clock.now().astimezone(NEW_YORK))  # 01:00 in New York
    assert schedule.next_due() == datetime(2026, 11, 30, 7, 30, tzinfo=NEW_YORK)
    shown = walk(schedule, clock, datetime(2026, 11, 30, 12, 0, tzinfo=NEW_YORK))
    assert [due.at for _, due in shown] == [datetime(2026, 11, 30, 7, 30, tzinfo=NEW_YORK)]


def test_a_zone_change_east_over_the_time_is_not_missed():
    """07:00 in New York becomes 08:00 in Halifax: the clock jumped over 07:30, half an hour
    ago in the new zone, so it is shown now, once."""
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=NEW_YORK))
    schedule = ReminderSchedule([daily("07:30")], clock)
    clock.set(clock.now().astimezone(HALIFAX))
    assert schedule.check() == [Due(daily("07:30"), datetime(2026, 11, 30, 7, 30, tzinfo=HALIFAX))]
    assert walk(schedule, clock, datetime(2026, 11, 30, 23, 0, tzinfo=HALIFAX)) == []


def test_a_zone_change_far_east_over_the_time_drops_it_as_stale():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=NEW_YORK))
    schedule = ReminderSchedule([daily("07:30")], clock)
    clock.set(clock.now().astimezone(BERLIN))  # 13:00 in Berlin: 07:30 was 5½ hours ago
    shown = walk(schedule, clock, datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    assert [due.at for _, due in shown] == [datetime(2026, 12, 1, 7, 30, tzinfo=BERLIN)]


# --- a machine that slept ----------------------------------------------------------------------


def test_a_reminder_missed_half_an_hour_ago_is_shown_once_on_wake():
    clock = FakeWallClock(datetime(2026, 11, 30, 5, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    assert schedule.check() == []
    clock.advance(timedelta(hours=3))  # asleep 05:00 → 08:00
    assert schedule.check() == [Due(daily("07:30"), datetime(2026, 11, 30, 7, 30, tzinfo=BERLIN))]
    assert walk(schedule, clock, datetime(2026, 11, 30, 23, 0, tzinfo=BERLIN)) == []


def test_a_reminder_missed_two_hours_ago_is_not_shown():
    clock = FakeWallClock(datetime(2026, 11, 30, 5, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("06:00")], clock)
    assert schedule.check() == []
    clock.advance(timedelta(hours=3))  # asleep 05:00 → 08:00
    assert schedule.check() == []
    assert walk(schedule, clock, datetime(2026, 11, 30, 23, 0, tzinfo=BERLIN)) == []


def test_the_grace_is_an_hour_to_the_minute():
    clock = FakeWallClock(datetime(2026, 11, 30, 5, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:00", "r1"), daily("06:59", "r2")], clock)
    clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN) + MISSED_GRACE)
    shown = schedule.check()
    assert [due.reminder.id for due in shown] == ["r1"]


def test_two_reminders_missed_in_a_sleep_show_only_the_newest_never_a_burst():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    reminders = [daily("07:15", "r1"), daily("07:40", "r2")]
    schedule = ReminderSchedule(reminders, clock)
    clock.advance(timedelta(hours=1))  # asleep 07:00 → 08:00
    shown = schedule.check()
    assert [(due.reminder.id, due.at.strftime("%H:%M")) for due in shown] == [("r2", "07:40")]
    assert walk(schedule, clock, datetime(2026, 11, 30, 23, 0, tzinfo=BERLIN)) == []


def test_a_sleep_across_midnight_shows_yesterdays_late_reminder():
    clock = FakeWallClock(datetime(2026, 11, 30, 23, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("23:50")], clock)
    clock.set(datetime(2026, 12, 1, 0, 20, tzinfo=BERLIN))
    assert [due.at for due in schedule.check()] == [datetime(2026, 11, 30, 23, 50, tzinfo=BERLIN)]


# --- the person's answers: snooze, skip today, already stretching ---------------------------------


def test_in_ten_minutes_brings_the_reminder_back_once():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    ((_, due),) = walk(schedule, clock, datetime(2026, 11, 30, 7, 31, tzinfo=BERLIN))
    schedule.snooze(due)
    assert schedule.next_due() == datetime(2026, 11, 30, 7, 41, tzinfo=BERLIN)
    shown = walk(schedule, clock, datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN))
    assert [(seen_at.strftime("%H:%M"), due.reminder.id) for seen_at, due in shown] == [
        ("07:41", "r1")
    ]
    assert shown[0][1].at == datetime(2026, 11, 30, 7, 41, tzinfo=BERLIN)


def test_skip_today_silences_the_rest_of_today_snooze_included_and_tomorrow_works():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30", "r1"), daily("12:00", "r2")], clock)
    ((_, due),) = walk(schedule, clock, datetime(2026, 11, 30, 7, 31, tzinfo=BERLIN))
    schedule.snooze(due)
    schedule.skip_today("r1")
    shown = walk(schedule, clock, datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    assert [(due.reminder.id, due.at.strftime("%d %H:%M")) for _, due in shown] == [
        ("r2", "30 12:00"),  # another reminder is not skipped
        ("r1", "01 07:30"),  # and tomorrow is another day
    ]


def test_skip_today_before_the_time_skips_todays_and_next_due_says_tomorrow():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    schedule.skip_today("r1")
    assert schedule.next_due() == datetime(2026, 12, 1, 7, 30, tzinfo=BERLIN)
    shown = walk(schedule, clock, datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN))
    assert [due.at for _, due in shown] == [datetime(2026, 12, 1, 7, 30, tzinfo=BERLIN)]


def test_a_reminder_that_falls_due_during_a_session_is_dropped_not_deferred():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 20, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    assert (
        walk(schedule, clock, datetime(2026, 11, 30, 7, 45, tzinfo=BERLIN), in_session=True) == []
    )
    assert walk(schedule, clock, datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)) == []


def test_a_snooze_that_ends_during_a_session_is_dropped():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 29, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    ((_, due),) = walk(schedule, clock, datetime(2026, 11, 30, 7, 31, tzinfo=BERLIN))
    schedule.snooze(due)
    assert (
        walk(schedule, clock, datetime(2026, 11, 30, 7, 50, tzinfo=BERLIN), in_session=True) == []
    )
    assert walk(schedule, clock, datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)) == []


# --- editing the list --------------------------------------------------------------------------


def test_a_removed_reminder_is_not_shown_and_its_snooze_is_forgotten():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 29, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30", "r1"), daily("08:00", "r2")], clock)
    ((_, due),) = walk(schedule, clock, datetime(2026, 11, 30, 7, 31, tzinfo=BERLIN))
    schedule.snooze(due)
    schedule.set_reminders([daily("09:00", "r3")])
    shown = walk(schedule, clock, datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN))
    assert [due.reminder.id for _, due in shown] == ["r3"]


def test_a_reminder_moved_to_later_today_falls_due_again_at_its_new_time():
    clock = FakeWallClock(datetime(2026, 11, 30, 7, 29, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock)
    assert len(walk(schedule, clock, datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN))) == 1
    schedule.set_reminders([daily("18:00")])
    shown = walk(schedule, clock, datetime(2026, 11, 30, 19, 0, tzinfo=BERLIN))
    assert [due.at.strftime("%H:%M") for _, due in shown] == ["18:00"]


# --- next_due, for "Next: Tue 07:30" ------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "time", "days", "expected"),
    [
        # later today
        (datetime(2026, 11, 30, 6, 0), "07:30", DAYS, datetime(2026, 11, 30, 7, 30)),
        # past today: tomorrow, across midnight
        (datetime(2026, 11, 30, 23, 59), "07:30", DAYS, datetime(2026, 12, 1, 7, 30)),
        # Friday evening, weekdays: Monday, across the week end
        (datetime(2026, 12, 4, 18, 0), "07:30", DAYS[:5], datetime(2026, 12, 7, 7, 30)),
        # Sunday night, Mondays only: tomorrow, in the next week
        (datetime(2026, 12, 6, 23, 0), "07:30", ("mon",), datetime(2026, 12, 7, 7, 30)),
        # Saturday after the time, Saturdays only: a week later
        (datetime(2026, 12, 5, 8, 0), "07:30", ("sat",), datetime(2026, 12, 12, 7, 30)),
        # the end of the year
        (datetime(2026, 12, 31, 22, 0), "00:15", DAYS, datetime(2027, 1, 1, 0, 15)),
    ],
)
def test_next_due(now, time, days, expected):
    clock = FakeWallClock(now.replace(tzinfo=BERLIN))
    schedule = ReminderSchedule([daily(time, days=days)], clock)
    assert schedule.next_due() == expected.replace(tzinfo=BERLIN)


def test_next_due_is_the_earliest_of_several_and_none_without_reminders():
    clock = FakeWallClock(datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("18:00", "r1"), daily("12:00", "r2", days=("tue",))], clock)
    assert schedule.next_due() == datetime(2026, 11, 30, 18, 0, tzinfo=BERLIN)
    schedule.set_reminders([])
    assert schedule.next_due() is None


# --- what a person types -----------------------------------------------------------------------


def test_times_are_read_and_written_as_hh_mm():
    assert parse_time("7:30") == "07:30"
    assert parse_time(" 23:59 ") == "23:59"
    assert parse_time("00:00") == "00:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", 'bad time "25:00": hours go from 00 to 23'),
        ("07:60", 'bad time "07:60": minutes go from 00 to 59'),
        ("7.30", 'bad time "7.30": use HH:MM on a 24-hour clock, such as 07:30'),
        ("", 'bad time "": use HH:MM on a 24-hour clock, such as 07:30'),
    ],
)
def test_a_bad_time_is_one_clear_line(text, message):
    with pytest.raises(ReminderError) as error:
        parse_time(text)
    assert str(error.value) == message


def test_days_are_put_in_week_order_and_groups_are_understood():
    assert parse_days("wed,Mon, mon") == ("mon", "wed")
    assert parse_days("Tuesday saturday") == ("tue", "sat")
    assert parse_days("weekdays") == DAYS[:5]
    assert parse_days("weekends,mon") == ("mon", "sat", "sun")
    assert parse_days("daily") == DAYS
    assert days_text(DAYS) == "every day" and days_text(("mon", "wed")) == "mon, wed"


def test_an_unknown_day_is_one_line_with_the_nearest_name():
    with pytest.raises(ReminderError) as error:
        parse_days("mon,funday")
    assert str(error.value) == 'unknown day "funday" (did you mean "sun"?)'
    with pytest.raises(ReminderError) as error:
        parse_days("xyz")
    assert str(error.value).startswith('unknown day "xyz": use mon, tue')
    with pytest.raises(ReminderError):
        parse_days(" , ")


def test_make_reminder_checks_and_normalises():
    assert make_reminder("r1", "7:05", ["fri", "mon"], "") == Reminder(
        "r1", "07:05", ("mon", "fri"), None
    )
    with pytest.raises(ReminderError):
        make_reminder("r1", "24:00", "mon", None)


# --- a reminder that fell due while the app was not running ----------------------------------


def test_one_missed_while_the_app_was_off_is_shown_once_at_its_next_start():
    """The machine was off at 07:30 and is switched on at 07:50: the app, started at login,
    takes over the state the last run saved and shows the reminder; a restart does not."""
    clock = FakeWallClock(datetime(2026, 12, 1, 22, 0, tzinfo=BERLIN))  # Tuesday night
    evening = ReminderSchedule([daily("07:30")], clock)
    evening.check()
    saved = evening.state()  # the app quits; the machine is off all night
    clock.set(datetime(2026, 12, 2, 7, 50, tzinfo=BERLIN))
    morning = ReminderSchedule([daily("07:30")], clock, saved)
    (due,) = morning.check()
    assert due.at == datetime(2026, 12, 2, 7, 30, tzinfo=BERLIN)
    clock.advance(timedelta(minutes=2))  # restarted: the state saved after showing it
    assert ReminderSchedule([daily("07:30")], clock, morning.state()).check() == []
    # Without a state (a first run), what passed before the start is not shown.
    assert ReminderSchedule([daily("07:30")], clock).check() == []


def test_a_reminder_added_or_changed_while_the_app_was_off_begins_with_the_next_run():
    """Added at 07:45 on the command line for 07:30, the app not running: not a reminder missed
    at 07:30. One unchanged since the last run still is."""
    clock = FakeWallClock(datetime(2026, 12, 1, 22, 0, tzinfo=BERLIN))
    evening = ReminderSchedule([daily("07:30"), daily("07:40", "r2")], clock)
    evening.check()
    saved = evening.state()
    assert saved.known == {("r1", "07:30", DAYS), ("r2", "07:40", DAYS)}
    clock.set(datetime(2026, 12, 2, 7, 50, tzinfo=BERLIN))
    moved, added = daily("07:45"), daily("07:48", "r3")  # r1 moved to 07:45; r3 new
    assert ReminderSchedule([moved, added], clock, saved).check() == []
    (due,) = ReminderSchedule([moved, added, daily("07:40", "r2")], clock, saved).check()
    assert (due.reminder.id, due.at) == ("r2", datetime(2026, 12, 2, 7, 40, tzinfo=BERLIN))
    # A change of days counts too: r2 was on weekends only; now it is every day.
    clock.set(datetime(2026, 12, 1, 22, 0, tzinfo=BERLIN))
    weekends = ReminderSchedule([daily("07:40", "r2", ("sat", "sun"))], clock).state()
    clock.set(datetime(2026, 12, 2, 7, 50, tzinfo=BERLIN))
    assert ReminderSchedule([daily("07:40", "r2")], clock, weekends).check() == []
    assert len(ReminderSchedule([daily("07:40", "r2")], clock, saved).check()) == 1
    # When the file's time is known, a reminder changed before its time fell due while the app
    # was off: moved to 07:45 at 07:43, it is one missed; moved at 07:46, it is not.
    at = datetime(2026, 12, 2, 7, 43, tzinfo=BERLIN)
    (due,) = ReminderSchedule([moved], clock, saved, edited=at).check()
    assert due.at == datetime(2026, 12, 2, 7, 45, tzinfo=BERLIN)
    at = datetime(2026, 12, 2, 7, 46, tzinfo=BERLIN)
    assert ReminderSchedule([moved], clock, saved, edited=at).check() == []
    # A state saved before reminders were recorded knows them all, as it did.
    (due,) = ReminderSchedule([moved], clock, replace(saved, known=None)).check()
    assert due.at == datetime(2026, 12, 2, 7, 45, tzinfo=BERLIN)
    # And after the next run saves its state, the new reminders fall due as any other.
    morning = ReminderSchedule([moved, added], clock, saved)
    clock.set(datetime(2026, 12, 3, 7, 44, tzinfo=BERLIN))
    shown = walk(morning, clock, datetime(2026, 12, 3, 7, 50, tzinfo=BERLIN))
    assert [due.reminder.id for _, due in shown] == ["r1", "r3"]


def test_one_missed_longer_ago_than_the_grace_is_not_shown_at_start():
    clock = FakeWallClock(datetime(2026, 12, 1, 22, 0, tzinfo=BERLIN))
    saved = ReminderSchedule([daily("07:30")], clock).state()
    clock.set(datetime(2026, 12, 2, 7, 30, tzinfo=BERLIN) + MISSED_GRACE + timedelta(minutes=1))
    schedule = ReminderSchedule([daily("07:30")], clock, saved)
    assert schedule.check() == []
    assert schedule.next_due() == datetime(2026, 12, 3, 7, 30, tzinfo=BERLIN)


def test_skipped_today_stays_skipped_after_a_restart():
    clock = FakeWallClock(datetime(2026, 12, 2, 7, 29, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30"), daily("12:00", "r2")], clock)
    schedule.skip_today("r2")
    clock.set(datetime(2026, 12, 2, 12, 5, tzinfo=BERLIN))  # the app ran until 07:29 only
    restarted = ReminderSchedule([daily("07:30"), daily("12:00", "r2")], clock, schedule.state())
    assert restarted.check() == [], "07:30 is older than the grace; 12:00 was skipped"


def test_a_saved_last_look_in_the_future_is_ignored():
    """The clock was set back (or the state came from another machine): the schedule starts
    now, as without a state, rather than waiting for that moment."""
    clock = FakeWallClock(datetime(2026, 12, 2, 7, 29, tzinfo=BERLIN))
    future = ScheduleState(datetime(2026, 12, 5, 9, 0, tzinfo=BERLIN))
    schedule = ReminderSchedule([daily("07:30")], clock, future)
    shown = walk(schedule, clock, datetime(2026, 12, 2, 7, 31, tzinfo=BERLIN))
    assert [due.at for _, due in shown] == [datetime(2026, 12, 2, 7, 30, tzinfo=BERLIN)]
