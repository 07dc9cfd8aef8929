"""History: written at every step, survives crashes, repairs itself, shares the file safely."""

import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime

import pytest

from stretch_desktop.storage.history import (
    SCHEMA_VERSION,
    History,
    HistoryNewer,
    HistoryUnavailable,
    SessionRecord,
    week_minutes,
)


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "history.sqlite3")
    yield h
    h.close()


def test_a_session_is_journalled_then_ended(history):
    sid = history.begin("toe-touch", "Toe Touch", "builtin:toe-touch.toml", 2, {"inhale_ms": 2500})
    history.progress(sid, steps_done=1, steps_skipped=0, active_s=40.5, current_step=1)
    record = history.get(sid)
    assert (record.status, record.steps_done, record.current_step) == ("running", 1, 1)
    history.end(sid, "completed", steps_done=2, steps_skipped=0, active_s=68.0)
    (only,) = history.sessions()
    public = only.public()
    assert set(public) == {"id", "routine_id", "title", "started_at", "ended_at", "status",
                           "steps_done", "steps_skipped", "active_s"}  # fmt: skip
    assert public["status"] == "completed"
    assert datetime.fromisoformat(public["started_at"]).utcoffset() is not None  # local, offset


def test_wal_mode(history):
    mode = sqlite3.connect(history.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


BEGIN_AND_EXIT = """
import sys
from pathlib import Path
from stretch_desktop.storage.history import History
print(History(Path(sys.argv[1])).begin("b", "B", "", 3, {}))  # exits mid-session: no end()
"""


def test_a_running_session_no_live_process_holds_is_abandoned_whatever_its_pid(history):
    """The session's lock tells, not its pid: pids are reused, so the ghost's row names a live
    process (this one) and is abandoned all the same; this process's own session is not."""
    mine = history.begin("a", "A", "", 3, {})
    ghost = int(
        subprocess.run([sys.executable, "-c", BEGIN_AND_EXIT, str(history.path)],
                       capture_output=True, text=True, check=True).stdout
    )  # fmt: skip
    history._run("UPDATE sessions SET pid=? WHERE id=?", (os.getpid(), ghost))
    assert [r.id for r in history.abandoned()] == [ghost]
    shown = {r.id: r for r in history.sessions()}
    assert (shown[ghost].status, shown[mine].status) == ("interrupted", "running")
    assert history.get(ghost).status == "running"  # shown interrupted, nothing written
    history.mark_interrupted(ghost)
    assert history.get(ghost).status == "interrupted"
    assert history.get(ghost).ended_at == history.get(ghost).updated_at
    assert history.get(mine).status == "running"


def test_a_second_history_in_the_same_process_sees_the_first_ones_session_as_running(tmp_path):
    path = tmp_path / "history.sqlite3"
    writer = History(path)
    sid = writer.begin("a", "A", "", 3, {})
    reader = History(path, read_only=True)
    assert [r.status for r in reader.sessions()] == ["running"]
    assert reader.abandoned() == []
    writer.end(sid, "stopped", 1, 0, 1.0)
    assert [r.status for r in reader.sessions()] == ["stopped"]
    assert not list(writer.locks.folder.iterdir())  # an ended session leaves no lock file
    reader.close()
    writer.close()


def test_a_session_left_running_at_close_is_shown_interrupted_and_offered_again(tmp_path):
    path = tmp_path / "history.sqlite3"
    writer = History(path)
    sid = writer.begin("a", "A", "", 3, {})
    writer.close()  # quitting mid-session: the row stays running, its lock goes
    again = History(path)
    assert [r.id for r in again.abandoned()] == [sid]
    assert again.sessions()[0].status == "interrupted"
    again.close()


def test_a_file_that_is_not_a_database_is_moved_aside_and_replaced(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    history = History(path)
    assert history.sessions() == []
    assert "damaged" in history.notice
    kept = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes().startswith(b"this is not sqlite")
    history.close()


def test_a_truncated_database_is_moved_aside(tmp_path):
    path = tmp_path / "history.sqlite3"
    h = History(path)
    for i in range(50):
        h.begin(f"r{i}", "R", "", 1, {})
    h.close()
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    again = History(path)
    assert again.notice is not None
    again.close()


def test_a_read_only_database_file_fails_writes_with_a_clear_error(tmp_path):
    """Works as root too: SQLite honours a read-only open even when the OS would not."""
    path = tmp_path / "history.sqlite3"
    History(path).close()
    history = History(path)
    history._connection.close()
    history._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    with pytest.raises(HistoryUnavailable, match="read-only"):
        history.begin("x", "X", "", 1, {})


def test_a_full_disk_fails_writes_with_a_clear_error(history):
    history._connection.execute("PRAGMA max_page_count = 8")  # a real SQLITE_FULL, quickly

    def fill():
        for i in range(1000):
            history.begin(f"routine-{i}", "x" * 500, "", 1, {})

    with pytest.raises(HistoryUnavailable, match="disk is full"):
        fill()


WRITER = """
import sys
from pathlib import Path
from stretch_desktop.storage.history import History
h = History(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    sid = h.begin(sys.argv[3], "T", "", 2, {})
    h.progress(sid, 1, 0, 1.0, 1)
    h.end(sid, "completed", 2, 0, 2.0)
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "history.sqlite3"
    History(path).close()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), "150", name])
        for name in ("one", "two")
    ]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    history = History(path)
    sessions = history.sessions()
    assert len(sessions) == 300
    assert {r.routine_id for r in sessions} == {"one", "two"}
    assert all(r.status == "completed" for r in sessions)
    history.close()


def _record(day, active_s=120.0, status="completed"):
    started = datetime.combine(day, datetime.min.time()).astimezone().isoformat()
    return SessionRecord(
        0, "r", "R", "", started, None, started, status, 1, 0, 1, active_s, 0, 0, "{}"
    )


def test_week_minutes_count_from_monday():
    today = date(2026, 11, 19)  # a Thursday
    records = [_record(today), _record(date(2026, 11, 16), 300), _record(date(2026, 11, 15), 600)]
    assert week_minutes(records, today) == pytest.approx(7.0)


# --- rows read by the columns we know; unreadable rows; a newer version's file -----------------


def _execute(path, *statements):
    db = sqlite3.connect(path)
    db.execute("PRAGMA ignore_check_constraints = ON")
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def test_rows_are_read_by_the_columns_this_version_knows(tmp_path):
    """An added column (by a newer version, or a hand) is left alone, and writing still works."""
    path = tmp_path / "history.sqlite3"
    History(path).close()
    _execute(path, "ALTER TABLE sessions ADD COLUMN mood TEXT NOT NULL DEFAULT 'calm'")
    history = History(path)
    sid = history.begin("a", "A", "", 1, {})
    history.end(sid, "completed", 1, 0, 60.0)
    assert [(r.id, r.status) for r in history.sessions()] == [(sid, "completed")]
    assert history.notice is None
    history.close()


BAD_ROWS = {
    "started_at": "UPDATE sessions SET started_at='last tuesday'",
    "ended_at": "UPDATE sessions SET ended_at='2026-13-45T99:00'",
    "updated_at": "UPDATE sessions SET updated_at=3",
    "status": "UPDATE sessions SET status='paused'",
    "steps_done": "UPDATE sessions SET steps_done='many'",
    "steps_skipped": "UPDATE sessions SET steps_skipped=-1",
    "active_s": "UPDATE sessions SET active_s=9e999",
    "title": "UPDATE sessions SET title=x'41'",  # a blob, not text
    "preferences": "UPDATE sessions SET preferences=x'00ff'",
}


@pytest.mark.parametrize("field", BAD_ROWS)
def test_an_unreadable_row_is_counted_left_out_and_named_by_its_field(tmp_path, field):
    path = tmp_path / "history.sqlite3"
    history = History(path)
    bad = history.begin("bad", "Bad", "", 1, {})
    history.end(bad, "completed", 1, 0, 60.0)
    good = history.begin("good", "Good", "", 1, {})
    history.end(good, "completed", 1, 0, 60.0)
    history.close()
    _execute(path, f"{BAD_ROWS[field]} WHERE id={bad}")
    before = path.read_bytes()
    for again in (History(path), History(path, read_only=True)):
        assert [r.id for r in again.sessions()] == [good]
        assert again.damaged == 1
        assert again.notice.startswith("1 session in history.sqlite3 could not be read")
        assert f"session {bad}: {field}: " in again.notice
        again.close()
    assert not list(tmp_path.glob("history.sqlite3.corrupt-*"))  # the file is kept, not replaced
    History(path, read_only=True).close()
    assert path.read_bytes() == before


def test_a_newer_versions_file_is_left_exactly_as_it_is(tmp_path):
    """Not damaged: never moved aside, and not even switched to WAL before being refused."""
    path = tmp_path / "history.sqlite3"
    newer = SCHEMA_VERSION + 1
    _execute(
        path, "CREATE TABLE sessions (id INTEGER PRIMARY KEY)", f"PRAGMA user_version = {newer}"
    )
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(HistoryNewer, match=rf"written by a newer version .*schema {newer}"):
            History(path, read_only=read_only)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_a_sessions_table_without_a_column_this_version_needs_is_moved_aside(tmp_path):
    path = tmp_path / "history.sqlite3"
    _execute(path, "CREATE TABLE sessions (id INTEGER PRIMARY KEY, started_at TEXT)")
    history = History(path)
    assert "no routine_id" in history.notice
    assert len(list(tmp_path.glob("history.sqlite3.corrupt-*"))) == 1
    history.close()


# --- reading only ---------------------------------------------------------------------------------


def test_reading_a_history_that_does_not_exist_creates_nothing(tmp_path):
    path = tmp_path / "nowhere" / "history.sqlite3"
    history = History(path, read_only=True)
    assert history.sessions() == [] and history.notice is None
    history.close()
    assert not (tmp_path / "nowhere").exists()


def test_a_history_opened_for_reading_never_writes(tmp_path):
    path = tmp_path / "history.sqlite3"
    writer = History(path)
    sid = writer.begin("a", "A", "", 1, {})
    writer.close()  # left running, its process gone
    reader = History(path, read_only=True)
    assert reader.sessions()[0].status == "interrupted"
    with pytest.raises(HistoryUnavailable, match="reading only"):
        reader.begin("b", "B", "", 1, {})
    with pytest.raises(HistoryUnavailable, match="reading only"):
        reader.mark_interrupted(sid)
    reader.close()
    assert History(path).get(sid).status == "running"
