"""Faults the audit of issue 15 found handled, kept handled: a stall (SIGSTOP), ``kill -9`` and
resume, a disk that fills mid-session, history files of every damaged or foreign kind, a socket
left by a killed app, and a routines folder past its cap.

These are the issue's "standing checks" for what already worked. Faults about processes use real
app processes (the ``launch`` fixture in ``tests/conftest.py``), followed by their log lines,
exits and files; nothing waits with a sleep. The one clock-bounded wait is the stall itself,
which is the fault being simulated, not a way to find out that something happened.
"""

import errno
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from stretch_desktop.core.engine import MAX_POLL_GAP_MS
from stretch_desktop.library import MAX_USER_FILES
from stretch_desktop.storage.history import History

PAUSED_FOR_SLEEP = "paused: no poll for too long"
"""What ``SessionController`` logs when the engine pauses a session for a sleep or a stall."""

SESSION_ENDED = "session ended:"
"""What the window logs when a session reaches its end (``MainWindow``)."""


def add_routine(env, routine_id, holds):
    """A routine of ``holds`` one-second holds of one pose (each about 6.4 s with its lead-in),
    in the user folder of the app processes started with ``env``."""
    steps = '[[steps]]\nkind = "hold"\npose = "a"\nseconds = 1\n' * holds
    text = (
        f'format = 1\nid = "{routine_id}"\ntitle = "{routine_id}"\nsource = "Tests"\n'
        '[[poses]]\nid = "a"\nname = "Pose A"\ninstructions = ["Stand."]\n'
    )
    (data_folder(env) / "routines" / f"{routine_id}.toml").write_text(text + steps)


def data_folder(env):
    return Path(env["XDG_DATA_HOME"]) / "stretch-desktop"


def run_cli(env, *args):
    """``stretch-desktop ARGS`` in a process of its own; a hang fails after 60 s, not never."""
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def history_json(env):
    result = run_cli(env, "history", "--json")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return json.loads(result.stdout)


# --- a stall: SIGSTOP for longer than the engine's poll gap ---------------------------------------

STALL_S = MAX_POLL_GAP_MS / 1000 + 1


def wait_stopped(process, timeout=10):
    """Return once the kernel has stopped ``process`` (our child): ``waitid`` reports it, and
    ``WNOWAIT`` leaves the report for anyone else who waits."""
    stopped = threading.Event()

    def wait():
        os.waitid(os.P_PID, process.pid, os.WSTOPPED | os.WNOWAIT)
        stopped.set()

    threading.Thread(target=wait, daemon=True).start()
    assert stopped.wait(timeout), "the app was not stopped"


def test_a_stopped_app_pauses_its_session_once_continued_and_keeps_its_progress(env, launch):
    """SIGSTOP for longer than ``MAX_POLL_GAP_MS`` is what a hung app (or a debugger) does to
    the session: when it runs again, the engine sees the gap, pauses where it was instead of
    racing through the poses it missed, and the history still holds the session, running,
    with the steps done before the stall."""
    app = launch("--routine", "e2e", "--start", "--mute")
    app.wait_for("journal: session 1 started (e2e)")
    app.wait_for("journal: session 1, step 0 done")
    app.process.send_signal(signal.SIGSTOP)
    wait_stopped(app.process)
    # The stall itself: the fault simulated is "the app did not run for longer than
    # MAX_POLL_GAP_MS", so the test holds it stopped for that long by the clock. This wait is
    # the fault's length, not synchronisation (what follows waits for the app's own log line);
    # meanwhile it checks that a stopped app does not exit.
    with pytest.raises(subprocess.TimeoutExpired):
        app.process.wait(timeout=STALL_S)
    app.process.send_signal(signal.SIGCONT)
    app.wait_for(PAUSED_FOR_SLEEP)
    (session,) = history_json(env)
    assert (session["id"], session["status"], session["steps_done"]) == (1, "running", 1)
    assert session["ended_at"] is None
    assert not [line for line in app.seen if "step 1 done" in line]  # nothing raced through


# --- kill -9 and resume, to the end ---------------------------------------------------------------


def test_a_killed_session_resumed_runs_to_its_end_as_one_session(env, launch):
    """``kill -9`` mid-session, then a launch that resumes it: the same session carries on at
    the step it was in, to its end, and is kept as one completed session counting the steps and
    the time run before the kill. (``tests/e2e/test_crash_and_resume.py`` and
    ``test_history_store.py`` cover the offer, declining it, and the resumed session running.)"""
    add_routine(env, "resume", holds=2)
    app = launch("--routine", "resume", "--start", "--mute")
    app.wait_for("journal: session 1, step 0 done")
    app.kill()
    (crashed,) = history_json(env)
    assert (crashed["status"], crashed["steps_done"]) == ("interrupted", 1)
    again = launch("--resume", "yes", "--mute")
    again.wait_for("resumed session 1 at step 1")
    again.wait_for("journal: session 1, step 1 done")
    again.wait_for("journal: session 1 completed")
    (session,) = history_json(env)
    assert (session["id"], session["status"], session["steps_done"]) == (1, "completed", 2)
    assert session["active_s"] > crashed["active_s"] + 6  # the step after the kill, added on


# --- a disk that fills mid-session ----------------------------------------------------------------


@pytest.fixture
def small_disk(env):
    """The app's data folder on a tmpfs of 1 MiB of the test's own, its routines copied in;
    unmounted when the test ends. Mounting needs root, as ``make test`` runs in CI."""
    folder = data_folder(env)
    routines = {path.name: path.read_bytes() for path in (folder / "routines").iterdir()}
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "stretch-desktop-test", str(folder)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert mounted.returncode == 0, (
        f"this test mounts a small tmpfs and needs root (CI runs as root): {mounted.stderr}"
    )
    try:
        (folder / "routines").mkdir()
        for name, content in routines.items():
            (folder / "routines" / name).write_bytes(content)
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True, timeout=60)


def fill(folder):
    """Write a file into ``folder`` until its disk refuses a byte more."""
    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)

    def write_on():
        while True:
            os.write(descriptor, b"\0" * 4096)

    try:
        with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
            write_on()
    finally:
        os.close(descriptor)


def test_a_disk_that_fills_mid_session_turns_history_off_once_and_the_session_goes_on(
    env, small_disk, launch
):
    """The history's disk fills after the session started: the next journal write fails, that
    is said once, and the session runs on to its end without history; what was written before
    is still there, and `history` reads it on the full disk."""
    add_routine(env, "full", holds=2)
    app = launch("--routine", "full", "--start", "--mute")
    app.wait_for("journal: session 1 started (full)")
    fill(small_disk)
    line = app.wait_for("history: ")
    assert "the disk is full" in line
    app.wait_for(SESSION_ENDED)
    assert sum("history: " in seen for seen in app.seen) == 1  # said once
    assert not [seen for seen in app.seen if "journal: session 1, step" in seen]
    app.kill()
    (session,) = history_json(env)  # the disk still full: reading writes nothing
    assert (session["id"], session["status"], session["steps_done"]) == (1, "interrupted", 0)


# --- damaged and foreign history files ------------------------------------------------------------


def finished_history(path):
    """A history of a few finished sessions, written by the app's own store, all in the file
    itself (no pending log), as a clean close leaves it."""
    history = History(path)
    for _ in range(50):
        session = history.begin("toe-touch", "Toe Touch", "", 3, {})
        history.end(session, "completed", 3, 0, 90.0)
    history.close()
    sqlite3.connect(path).close()  # the last connection to close folds the log into the file
    assert not Path(f"{path}-wal").exists()


def truncated(path):
    finished_history(path)
    content = path.read_bytes()
    # the sessions and assessments tables with their indexes: half of it cuts into them
    assert len(content) == 7 * 4096
    path.write_bytes(content[: len(content) // 2])  # a copy or a disk cut off half-way


def random_bytes(path):
    path.write_bytes(random.Random(15).randbytes(8192))


def zero_length(path):
    path.write_bytes(b"")


def foreign(path):
    """A good SQLite file of someone else's, without our table."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.execute("INSERT INTO notes VALUES ('mine')")
    db.commit()
    db.close()


def folder(path):
    path.mkdir()
    (path / "inside").write_text("kept")


def named_pipe(path):
    os.mkfifo(path)


# (make it, what `history` says on stderr and its exit code, what the app does with it)
KINDS = {
    "truncated": (truncated, "is damaged (database disk image is malformed)", 1, "kept aside"),
    "random bytes": (random_bytes, "is damaged (file is not a database)", 1, "kept aside"),
    "zero length": (zero_length, None, 0, "used"),
    "no table of ours": (foreign, None, 0, "used"),
    "a folder": (folder, "is a folder, not a history file", 1, "left, history off"),
    "a named pipe": (named_pipe, "is a named pipe, not a history file", 1, "left, history off"),
}


def snapshot(path):
    """What is at ``path``, to show it was left as it was."""
    info = os.lstat(path)
    if stat.S_ISDIR(info.st_mode):
        return ("folder", sorted((p.name, p.read_bytes()) for p in path.iterdir()))
    if stat.S_ISFIFO(info.st_mode):
        return ("pipe",)
    return ("file", path.read_bytes())


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_or_foreign_history_is_kept_aside_or_reported_and_the_app_runs_on(
    env, launch, kind
):
    """Every kind of file the audit put where the history lives. `history` (which only reads)
    says what it is in one line, or lists nothing, and changes nothing; the app keeps a damaged
    file aside and starts a new one, uses an empty or foreign SQLite file (adding its own table,
    the other tables untouched), and runs without history, saying why, when the path is no file
    at all. Either way the session runs. Before this suite, a named pipe hung `history` (a
    read-only open waits for a writer) and a folder or a pipe was "disk I/O error" or "unable to
    open database file", naming nothing (``storage/history._not_a_file`` now tells)."""
    make, said, code, app_does = KINDS[kind]
    path = data_folder(env) / "history.sqlite3"
    make(path)
    before = snapshot(path)

    result = run_cli(env, "history", "--json")
    assert result.returncode == code, result.stderr
    if said:
        (line,) = result.stderr.splitlines()
        assert said in line and "history.sqlite3" in line
    else:
        assert (json.loads(result.stdout), result.stderr) == ([], "")
    assert snapshot(path) == before
    assert not list(path.parent.glob("history.sqlite3.corrupt-*"))

    add_routine(env, "quick", holds=1)
    app = launch("--routine", "quick", "--start", "--mute")
    if app_does == "kept aside":
        line = app.wait_for("history: The history file was damaged")
        app.wait_for("journal: session 1 started (quick)")
        (kept,) = path.parent.glob("history.sqlite3.corrupt-*")
        assert kept.name in line
        assert ("file", kept.read_bytes()) == before
        assert [s["status"] for s in history_json(env)] == ["running"]
    elif app_does == "used":
        app.wait_for("journal: session 1 started (quick)")
        assert not [seen for seen in app.seen if "history:" in seen]
        assert [s["status"] for s in history_json(env)] == ["running"]
        if make is foreign:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            assert db.execute("SELECT text FROM notes").fetchall() == [("mine",)]
            db.close()
    else:
        line = app.wait_for("history: ")
        assert said in line
        app.wait_for(SESSION_ENDED)  # the session ran to its end without history
        assert snapshot(path) == before
        assert not list(path.parent.glob("history.sqlite3.corrupt-*"))


# --- a socket left by a killed app ----------------------------------------------------------------


def test_a_socket_left_by_a_killed_app_is_replaced_by_the_next_launch(env, launch):
    """A killed app cannot remove its single-instance socket. The next launch must not take
    the file for a running app ("already running", and quit): nobody answers, so it listens
    there itself, and later launches hand over to it. (``tests/e2e/test_single_instance.py``
    has the short form; this one checks the premise and the replacement.)"""
    crashed = launch("--mute")
    path = Path(crashed.wait_for("listening for other launches on ").split(" on ", 1)[1])
    crashed.kill()
    assert stat.S_ISSOCK(os.lstat(path).st_mode), "the premise: a killed app leaves its socket"
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with probe, pytest.raises(ConnectionRefusedError):  # and nobody listens at it
        probe.connect(str(path))
    again = launch("--mute")
    assert again.wait_for("listening for other launches on ").endswith(f" on {path}")
    assert not [seen for seen in again.seen if "handed over" in seen]
    third = run_cli(env, "--routine", "e2e")
    assert third.returncode == 0
    assert "already running" in third.stdout
    assert "'routine': 'e2e'" in again.wait_for("another launch asked for")


# --- the routines folder's cap --------------------------------------------------------------------


def test_a_folder_of_more_routines_than_the_cap_loads_the_cap_and_reports_the_rest(env):
    """The README promises at most ``MAX_USER_FILES`` (500) files of the routines folder are
    read at start-up, and the rest reported: one file more than that, all small and valid, is
    500 routines and one line naming the folder."""
    routines = data_folder(env) / "routines"
    shutil.rmtree(routines)
    routines.mkdir()
    count = MAX_USER_FILES + 1
    for number in range(count):
        add_routine(env, f"r{number:03d}", holds=1)
    result = run_cli(env, "routines", "--json")
    assert result.returncode == 0, result.stderr
    ids = {row["id"] for row in json.loads(result.stdout)}
    mine = sorted(i for i in ids if i.startswith("r") and i[1:].isdigit())
    assert mine == [f"r{number:03d}" for number in range(MAX_USER_FILES)]  # name order: r500 out
    assert result.stderr.splitlines() == [
        f"{routines}:1: folder: only the first {MAX_USER_FILES} files were read "
        f"(at most {MAX_USER_FILES} files and 2 MiB)"
    ]
