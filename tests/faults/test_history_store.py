"""The history store under faults: foreign columns, unreadable rows, a newer version's file, a
session whose process was killed, and a folder that may be read but not written.

Each case names the defect of issue 15 it guards. The killed session is a real app process
killed with SIGKILL (the ``launch`` fixture), followed by its log lines, never by sleeps.

A read-only folder is made for real, for the process that reads it. CI runs as root, and root
ignores a folder's mode (``CAP_DAC_OVERRIDE``), so the reading process starts through
``NO_WRITE_OVERRIDE``: it drops that capability (and ``CAP_DAC_READ_SEARCH``) from its bounding
set and execs the command, which then runs without them, as root or not; for anyone else
the folder's mode is already enough and the drop is refused, harmlessly. Every such test first
checks the premise with the same wrapper: creating a file in the folder must fail.
"""

import json
import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from stretch_desktop.core.engine import State
from stretch_desktop.library import history_path
from stretch_desktop.storage.history import SCHEMA_VERSION, History

NO_WRITE_OVERRIDE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP: refused (harmless) unless root
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


def data_folder(env):
    return os.path.join(env["XDG_DATA_HOME"], "stretch-desktop")


def history_path_in(env):
    """The history file of the app processes started with ``env``."""
    return Path(data_folder(env)) / "history.sqlite3"


def run_history(env, *args, without_write_access=False):
    """``stretch-desktop history ARGS`` in a process of its own: (exit code, stdout, stderr)."""
    command = [sys.executable, "-m", "stretch_desktop", "history", *args]
    if without_write_access:
        command = [sys.executable, "-c", NO_WRITE_OVERRIDE, *command[1:]]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout, result.stderr


@contextmanager
def read_only(folder, env, files_too=False):
    """The folder made read-only (its files too, as on a read-only disk, if ``files_too``),
    and proven so for a process started like ``run_history``'s."""
    files = [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]
    modes = {path: stat.S_IMODE(os.stat(path).st_mode) for path in files}
    if files_too:
        for path in files:
            os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    try:
        probe = subprocess.run(
            [sys.executable, "-c", NO_WRITE_OVERRIDE, "-c",
             f"open({os.path.join(folder, 'probe')!r}, 'w')"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert probe.returncode != 0 and "PermissionError" in probe.stderr, (
            "the premise failed: a process started without write override could still write "
            f"to {folder} (stderr: {probe.stderr!r})"
        )
        yield
    finally:
        os.chmod(folder, 0o755)
        for path, mode in modes.items():
            os.chmod(path, mode)


def folder_state(folder):
    """Every file under the folder with its size, mode and modification time: what "nothing
    was written" means."""
    found = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            info = os.stat(path)
            found[os.path.relpath(path, folder)] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return found


def stored_statuses(path):
    """The statuses on disk, read without the app's code (and read-only)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT status FROM sessions ORDER BY id")]
    finally:
        db.close()


def finished_session(path):
    history = History(path)
    session = history.begin("toe-touch", "Toe Touch", "builtin:toe-touch.toml", 3, {})
    history.end(session, "completed", 3, 0, 90.0)
    history.close()
    return session


def crashed_session(path):
    """A session whose process is gone: running on disk, nobody holding it."""
    history = History(path)
    session = history.begin("toe-touch", "Toe Touch", "builtin:toe-touch.toml", 3, {})
    history.close()  # the lock goes with the process, as it does with a kill
    return session


def add_foreign_column(path):
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE sessions ADD COLUMN mood TEXT NOT NULL DEFAULT 'calm'")
    db.commit()
    db.close()


def add_unreadable_rows(path):
    """Three rows a hand or another program could leave: what SQLite lets a column hold."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA ignore_check_constraints = ON")
    columns = "routine_id, title, started_at, updated_at, status, steps_done, active_s"
    for values in (
        ("bad-date", "Bad date", "last tuesday", "last tuesday", "completed", 1, 60.0),
        ("bad-count", "Bad count", "2026-01-02T10:00:00+01:00", "2026-01-02T10:00:00+01:00",
         "completed", "many", 60.0),
        ("bad-status", "Bad status", "2026-01-03T10:00:00+01:00", "2026-01-03T10:00:00+01:00",
         "paused", 1, 60.0),
    ):  # fmt: skip
        db.execute(f"INSERT INTO sessions ({columns}) VALUES (?,?,?,?,?,?,?)", values)
    db.commit()
    db.close()


def set_schema_version(path, version):
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


# --- defect 3: a foreign column, unreadable rows, a newer version's file -----------------------


def test_history_json_reads_past_a_column_it_does_not_know(env):
    """Defect 3: an extra column was `SessionRecord.__init__() got an unexpected keyword
    argument` in `history --json`."""
    path = history_path_in(env)
    session = finished_session(path)
    add_foreign_column(path)
    code, out, err = run_history(env, "--json")
    assert (code, err) == (0, "")
    (row,) = json.loads(out)
    assert (row["id"], row["status"]) == (session, "completed")


def test_a_column_it_does_not_know_does_not_stop_start(window_for):
    """Defect 3: in the app the same error, raised while looking for a session to resume,
    silently stopped `--start`. The crashed session is marked, the new one starts, and a
    session written now fills the foreign column with its default."""
    path = history_path()
    crashed = crashed_session(path)
    add_foreign_column(path)
    window = window_for("--routine", "toe-touch", "--start", "--mute", "--resume", "no")
    assert window.controller.engine.state is State.RUNNING
    assert stored_statuses(path) == ["interrupted", "running"]
    assert window.controller.history.get(crashed).status == "interrupted"
    window.controller.stop()


def test_unreadable_rows_are_left_out_and_said_on_one_line(env):
    """Defect 3: a malformed date (or count, or status) is one damaged row, not a failure:
    the readable sessions are listed, the others counted in one line, the file unchanged."""
    path = history_path_in(env)
    session = finished_session(path)
    add_unreadable_rows(path)
    before = path.read_bytes()
    code, out, err = run_history(env, "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == [session]
    (line,) = err.splitlines()
    assert line.startswith("stretch-desktop: 3 sessions in history.sqlite3 could not be read")
    assert "started_at: not a date and time ('last tuesday')" in line
    assert path.read_bytes() == before
    code, out, err = run_history(env)  # the plain form too
    assert code == 0 and "Toe Touch" in out and len(err.splitlines()) == 1


def test_the_history_page_shows_the_readable_sessions_and_one_notice(window_for):
    """Defect 3: a row with a malformed date broke the History page (`Invalid isoformat
    string`). It is left out, and the window says so once."""
    path = history_path()
    finished_session(path)
    add_unreadable_rows(path)
    window = window_for("--routine", "toe-touch")
    notices = window.notices.text()
    assert notices.count("could not be read") == 1
    assert "3 sessions" in notices
    window.show_history()
    assert window.pages.currentWidget() is window.history_page
    assert window.history_page.table.rowCount() == 1
    assert window.history_page.table.item(0, 1).text() == "Toe Touch"


def test_a_newer_versions_history_is_kept_and_history_is_off(window_for):
    """Defect 3: a file of a newer schema was called damaged and moved aside. It is left as it
    is; the app says why history is off, and the session goes on."""
    path = history_path()
    finished_session(path)
    set_schema_version(path, SCHEMA_VERSION + 1)
    before = path.read_bytes()
    window = window_for("--routine", "toe-touch", "--start", "--mute")
    assert window.controller.history is None
    assert "newer version" in window.notices.text()
    assert "damaged" not in window.notices.text()
    assert window.controller.engine.state is State.RUNNING
    window.controller.stop()
    window.close()
    assert path.read_bytes() == before
    assert not list(path.parent.glob("history.sqlite3.corrupt-*"))


def test_history_says_in_one_line_that_a_newer_version_wrote_the_file(env):
    """Defect 3: `history` on a newer version's file exits non-zero with one line."""
    path = history_path_in(env)
    finished_session(path)
    set_schema_version(path, SCHEMA_VERSION + 1)
    code, out, err = run_history(env, "--json")
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert "written by a newer version" in line
    assert not list(path.parent.glob("history.sqlite3.corrupt-*"))


# --- defect 7: a session killed with kill -9 -----------------------------------------------------


def test_a_killed_session_is_shown_interrupted_and_still_offered_for_resume(env, launch):
    """Defect 7: a session killed with `kill -9` stayed `running` in `history` until the app
    next started. No live process holds it now, so it is shown `interrupted`; nothing is
    written, so the next launch still offers to resume it."""
    app = launch("--routine", "e2e", "--start", "--mute")
    app.wait_for("journal: session 1, step 1 done")
    code, out, _ = run_history(env, "--json")
    assert code == 0
    assert json.loads(out)[0]["status"] == "running"  # its process is alive and holds it
    app.kill()
    code, out, _ = run_history(env, "--json")
    (session,) = json.loads(out)
    assert (code, session["status"], session["steps_done"]) == (0, "interrupted", 2)
    assert session["ended_at"] is not None
    assert stored_statuses(history_path_in(env)) == ["running"]  # shown, not written
    again = launch("--resume", "no")
    again.wait_for("offering to resume session 1 at step 2")
    again.wait_for("session 1 marked interrupted")


def test_a_resumed_session_is_shown_running_again(env, launch):
    """Defect 7: once a new launch resumes it, the session is held again: `running`."""
    app = launch("--routine", "e2e", "--start", "--mute")
    app.wait_for("journal: session 1, step 1 done")
    app.kill()
    again = launch("--resume", "yes", "--mute")
    again.wait_for("resumed session 1 at step 2")
    code, out, _ = run_history(env, "--json")
    assert (code, json.loads(out)[0]["status"]) == (0, "running")


# --- defect 11: reading needs no write access ---------------------------------------------------


def test_history_reads_a_history_in_a_read_only_folder(env):
    """Defect 11: `history --json` exited 1 when the file was readable but its folder was not
    writable (SQLite's WAL wants to create its -shm index). A cleanly closed file has no
    pending log, so it is read as it is (``immutable``), and nothing is created."""
    path = history_path_in(env)
    session = finished_session(path)
    folder = data_folder(env)
    before = folder_state(folder)
    with read_only(folder, env):
        code, out, err = run_history(env, "--json", without_write_access=True)
        plain = run_history(env, without_write_access=True)
    assert (code, err) == (0, ""), err
    assert [row["id"] for row in json.loads(out)] == [session]
    assert plain[0] == 0 and "Toe Touch" in plain[1]
    assert folder_state(folder) == before


@pytest.mark.parametrize("files_too", [False, True], ids=["folder", "folder-and-files"])
def test_history_reads_a_killed_apps_history_in_a_read_only_folder(env, launch, files_too):
    """Defect 11 with defect 7: a killed app leaves its log and index (-wal, -shm) beside the
    file; read-only SQLite reads both, so the last step is there. Nothing is created and the
    history and its log are unchanged; where the -shm index may be written, a reader keeps its
    place in it (it is SQLite's shared memory, not the history), else SQLite reads the log into
    memory of its own."""
    app = launch("--routine", "e2e", "--start", "--mute")
    app.wait_for("journal: session 1, step 1 done")
    app.kill()
    folder = data_folder(env)
    assert os.path.exists(os.path.join(folder, "history.sqlite3-wal"))
    before = folder_state(folder)
    with read_only(folder, env, files_too):
        code, out, err = run_history(env, "--json", without_write_access=True)
    assert (code, err) == (0, ""), err
    (session,) = json.loads(out)
    assert (session["status"], session["steps_done"]) == ("interrupted", 2)
    after = folder_state(folder)
    if not files_too:
        before.pop("history.sqlite3-shm")
        after.pop("history.sqlite3-shm")
    assert after == before


def test_a_pending_log_without_its_index_in_a_read_only_folder_is_one_line(env):
    """Defect 11: the one case SQLite cannot read without writing (a -wal log whose -shm index
    is gone, in a folder where it may not be made again) is said in one line, exit 1; it is
    never read as if the log were not there."""
    path = history_path_in(env)
    finished_session(path)
    subprocess.run([sys.executable, "-c", LEAVE_A_LOG, str(path)], env=env, check=True, timeout=60)
    os.remove(f"{path}-shm")
    assert os.path.getsize(f"{path}-wal") > 0
    folder = data_folder(env)
    with read_only(folder, env):
        code, out, err = run_history(env, "--json", without_write_access=True)
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert "history.sqlite3-wal" in line and "read-only" in line


def test_no_history_yet_in_a_read_only_folder_is_an_empty_list(env):
    """Defect 11: nothing to read is an empty answer, and no file is created to say so."""
    folder = data_folder(env)
    before = folder_state(folder)
    with read_only(folder, env):
        code, out, err = run_history(env, "--json", without_write_access=True)
    assert (code, json.loads(out), err) == (0, [], "")
    assert folder_state(folder) == before
    assert not os.path.exists(os.path.join(folder, "history.sqlite3"))


def test_reading_leaves_a_damaged_file_where_it_is(env):
    """Reading commands never repair: a damaged file is one line and exit 1, and the app keeps
    it aside at its next launch, as before."""
    path = history_path_in(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database" * 100)
    code, out, err = run_history(env, "--json")
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert "damaged" in line
    assert path.read_bytes() == b"not a database" * 100
    assert stat.S_ISREG(os.stat(path).st_mode)
    assert not list(path.parent.glob("history.sqlite3.corrupt-*"))


LEAVE_A_LOG = """
import os, sys
from pathlib import Path
from stretch_desktop.storage.history import History
History(Path(sys.argv[1])).begin("toe-touch", "Toe Touch", "", 3, {})
os._exit(0)  # as a kill leaves it: the log not yet checkpointed into the file
"""
