"""One rounding rule for times: a stopwatch for what has passed, a countdown for what is left."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stretch_desktop.core.timetext import (
    clock_text,
    completed_seconds,
    countdown_text,
    left_text,
    seconds_left,
    tenths_text,
)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0:00"),
        (999, "0:00"),
        (1000, "0:01"),
        (7_500, "0:07"),  # halves are not rounded (to even or otherwise)
        (8_500, "0:08"),
        (18_600, "0:18"),
        (42_000, "0:42"),
        (3_599_999, "59:59"),
        (3_900_000, "1:05:00"),
        (-5, "0:00"),
    ],
)
def test_a_moment_or_a_duration_shows_the_seconds_it_has_completed(ms, text):
    assert clock_text(ms) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0:00"), (1, "0:01"), (400, "0:01"), (1000, "0:01"), (1001, "0:02"), (-5, "0:00")],
)
def test_time_left_is_rounded_up(ms, text):
    assert left_text(ms) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(400, "1"), (1000, "1"), (1001, "2"), (0, "0"), (60_000, "60"), (60_001, "1:01")],
)
def test_the_countdown_shows_one_until_it_reaches_zero(ms, text):
    assert countdown_text(ms) == text


@given(st.integers(0, 10_000), st.integers(0, 10_000_000))
def test_done_and_left_add_up_to_a_whole_second_total(total_s, elapsed_ms):
    total_ms = total_s * 1000
    elapsed_ms = min(elapsed_ms, total_ms)
    assert completed_seconds(elapsed_ms) + seconds_left(total_ms - elapsed_ms) == total_s


@given(st.integers(0, 10_000_000), st.integers(0, 10_000_000))
def test_a_later_moment_never_shows_an_earlier_second(a, b):
    early, late = sorted((a, b))
    assert completed_seconds(early) <= completed_seconds(late)
    if late - early >= 1000:
        assert completed_seconds(early) < completed_seconds(late)


@pytest.mark.parametrize(("ms", "text"), [(0, "0.0"), (6_590, "6.5"), (6_600, "6.6"), (35, "0.0")])
def test_tenths_are_completed_tenths(ms, text):
    assert tenths_text(ms) == text
