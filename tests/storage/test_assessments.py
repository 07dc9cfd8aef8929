"""The flexibility check in the history database: schema 2, its migration, record and read."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from stretch_desktop.storage.history import SCHEMA_VERSION, History, HistoryNewer
from stretch_desktop.storage.records import AssessmentRecord

V1 = Path(__file__).parent / "data" / "history-v1.sqlite"
"""Written by schema 1's own code: ``storage/history.py`` and ``records.py`` as of commit 4ac1954
(``git show 4ac1954:src/stretch_desktop/storage/history.py``), loaded on their own in a temporary
package, two sessions written with ``begin``/``progress``/``end`` (a completed lunge flow, a
stopped neck routine), then checkpointed out of WAL into the one file."""


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "history.sqlite3")
    yield h
    h.close()


def _session(history, routine="lunge-flow-for-hamstrings"):
    sid = history.begin(routine, "Lunge Flow for Hamstrings", "builtin", 20, {})
    history.end(sid, "completed", 20, 0, 600.0)
    return sid


def _version(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


# --- the version-1 file written by the previous version ---------------------------------------


def test_the_fixture_is_a_version_1_file_without_assessments():
    """The test below is only worth something if the fixture is what the old code wrote."""
    db = sqlite3.connect(f"{V1.absolute().as_uri()}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert "assessments" not in tables and "sessions" in tables
        assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2
    finally:
        db.close()


def test_a_version_1_history_keeps_every_session_and_gains_an_empty_assessments_table(tmp_path):
    path = tmp_path / "history.sqlite3"
    shutil.copy(V1, path)
    history = History(path)
    sessions = history.sessions()
    assert [(s.id, s.routine_id, s.status) for s in sessions] == [
        (2, "neck-and-shoulders", "stopped"),
        (1, "lunge-flow-for-hamstrings", "completed"),
    ]
    assert (sessions[1].steps_done, sessions[1].active_s) == (20, 600.0)
    assert history.notice is None  # nothing was called damaged
    assert not list(tmp_path.glob("*.corrupt-*"))
    assert history.assessments() == []
    history.record_assessment(1, "before", "ankles")  # and the new table is written
    assert history.assessments()[0].before == "ankles"
    history.close()
    assert _version(path) == SCHEMA_VERSION == 2


def test_a_version_1_history_read_only_has_no_assessments_and_is_not_changed(tmp_path):
    path = tmp_path / "history.sqlite3"
    shutil.copy(V1, path)
    before = path.read_bytes()
    reader = History(path, read_only=True)
    assert len(reader.sessions()) == 2
    assert reader.assessments() == []
    reader.close()
    assert path.read_bytes() == before


def test_a_newer_version_than_2_is_still_left_alone(tmp_path):
    path = tmp_path / "history.sqlite3"
    shutil.copy(V1, path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(HistoryNewer, match="newer version"):
            History(path, read_only=read_only)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


# --- recording and reading --------------------------------------------------------------------


def test_before_and_after_are_read_back_as_one_record_per_session(history):
    first = _session(history)
    history.record_assessment(first, "before", "ankles")
    history.record_assessment(first, "after", "toes")
    second = _session(history)
    history.record_assessment(second, "before", "mid-shins")
    _session(history, "neck")  # not assessed: not listed
    records = history.assessments()
    assert records == [
        AssessmentRecord(second, history.get(second).started_at, "lunge-flow-for-hamstrings",
                         "mid-shins", None),
        AssessmentRecord(first, history.get(first).started_at, "lunge-flow-for-hamstrings",
                         "ankles", "toes"),
    ]  # fmt: skip
    assert records[1].public() == {
        "session_id": first,
        "date": history.get(first).started_at,
        "routine_id": "lunge-flow-for-hamstrings",
        "before": "ankles",
        "after": "toes",
    }
    assert history.assessments(limit=1) == records[:1]


def test_a_skip_is_stored_as_null_and_never_replaces_an_answer(history):
    sid = _session(history)
    history.record_assessment(sid, "before", None)
    assert _rows(history.path) == [("before", None)]
    history.record_assessment(sid, "before", "floor")  # the fold again, answered this time
    history.record_assessment(sid, "before", None)  # and again, skipped: the answer stays
    assert _rows(history.path) == [("before", "floor")]
    history.record_assessment(sid, "before", "palms flat")
    assert history.assessments()[0].before == "palms flat"


def _rows(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT moment, reach FROM assessments ORDER BY moment").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize(
    ("moment", "reach", "message"),
    [("during", "toes", "not a moment"), ("before", "shoulders", "not a reach")],
)
def test_a_moment_or_reach_that_is_not_one_is_refused(history, moment, reach, message):
    sid = _session(history)
    with pytest.raises(ValueError, match=message):
        history.record_assessment(sid, moment, reach)
    assert history.assessments() == []


def test_a_reach_a_hand_wrote_that_is_none_of_the_scale_is_left_out(history):
    good, bad = _session(history), _session(history)
    history.record_assessment(good, "before", "toes")
    history.record_assessment(bad, "before", "toes")
    db = sqlite3.connect(history.path)
    db.execute("UPDATE assessments SET reach='elbows' WHERE session_id=?", (bad,))
    db.commit()
    db.close()
    assert [r.session_id for r in history.assessments()] == [good]
