"""History: written at every step, survives crashes, repairs itself, shares the file safely."""

import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from stretch_desktop.storage.history import (
    History,
    HistoryUnavailable,
    SessionRecord,
    streak_days,
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


def test_a_running_session_of_a_dead_process_is_abandoned_not_one_of_a_live_one(history):
    mine = history.begin("a", "A", "", 3, {})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    ghost = history.begin("b", "B", "", 3, {})
    history._run("UPDATE sessions SET pid=? WHERE id=?", (int(dead.stdout), ghost))
    assert [r.id for r in history.abandoned()] == [ghost]
    history.mark_interrupted(ghost)
    assert history.get(ghost).status == "interrupted"
    assert history.get(ghost).ended_at == history.get(ghost).updated_at
    assert history.get(mine).status == "running"


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


def test_the_streak_counts_consecutive_days_up_to_today_or_yesterday():
    today = date(2026, 11, 19)
    days = [today - timedelta(days=n) for n in (1, 2, 3, 5)]
    records = [_record(d) for d in days] + [_record(today - timedelta(days=4), 10, "stopped")]
    assert streak_days(records, today) == 3  # yesterday, and the two before; day 4 was too short
    assert streak_days([*records, _record(today)], today) == 4
    assert streak_days([], today) == 0
