"""Pacing: one home for its bounds and its saved form, read back exactly or refused."""

import json

import pytest
from hypothesis import given

from stretch_desktop.core.pacing import (
    BREATH_MAX_S,
    BREATH_MIN_S,
    LEAD_IN_MAX_S,
    LEAD_IN_MIN_S,
    BreathCues,
    Pacing,
)
from stretch_desktop.core.routine import Side
from tests.core.strategies import preferences as pacings


def test_the_bounds():
    assert (BREATH_MIN_S, BREATH_MAX_S) == (1, 15)
    assert (LEAD_IN_MIN_S, LEAD_IN_MAX_S) == (3, 60)


def test_the_saved_form_is_plain_json_with_the_journal_keys():
    saved = Pacing(first_side=Side.LEFT, breath_cues=BreathCues.EVERY).to_json()
    assert saved == {
        "inhale_ms": 2500,
        "exhale_ms": 3500,
        "lead_in_ms": 5000,
        "first_side": "left",
        "breath_cues": "every",
    }


@given(pacings)
def test_what_is_saved_reads_back_the_same(pacing):
    assert Pacing.from_json(json.loads(json.dumps(pacing.to_json()))) == pacing


def test_the_bounds_themselves_are_accepted():
    low = {**Pacing().to_json(), "inhale_ms": BREATH_MIN_S * 1000, "lead_in_ms": 3000}
    high = {**low, "exhale_ms": BREATH_MAX_S * 1000, "lead_in_ms": LEAD_IN_MAX_S * 1000}
    assert Pacing.from_json(low).inhale_ms == 1000
    assert Pacing.from_json(high).lead_in_ms == 60_000


@pytest.mark.parametrize(
    "change",
    [
        {"inhale_ms": BREATH_MIN_S * 1000 - 1},
        {"exhale_ms": BREATH_MAX_S * 1000 + 1},
        {"lead_in_ms": LEAD_IN_MIN_S * 1000 - 1},
        {"lead_in_ms": LEAD_IN_MAX_S * 1000 + 1},
        {"inhale_ms": "2500"},
        {"inhale_ms": True},
        {"inhale_ms": float("nan")},
        {"inhale_ms": None},
        {"first_side": "middle"},
        {"first_side": ["left"]},
        {"breath_cues": "sometimes"},
    ],
    ids=str,
)
def test_anything_else_is_refused_with_a_value_error(change):
    with pytest.raises(ValueError, match=r"^pacing "):
        Pacing.from_json({**Pacing().to_json(), **change})


@pytest.mark.parametrize("saved", [None, [], "{}", 3, {}, {"inhale_ms": 2500}])
def test_a_missing_or_shapeless_pacing_is_refused(saved):
    with pytest.raises(ValueError, match="pacing"):
        Pacing.from_json(saved)
