"""A dying voice or player, with the real app (issue 15, defects 4, 5 and the second half of 7).

The app runs with a fake `aplay` on its PATH: each player it starts writes its pid to a FIFO
that the test reads (so the test waits for players, it never sleeps), then plays for the WAV's
length, fails like a machine with no sound card, or blocks, as the test says. Processes are
awaited on pidfds, lines in the app's log with ``App.wait_for``.
"""

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

import pytest

PLAYER = """#!{python}
import os, sys, time, wave

folder = {folder!r}
with open(os.path.join(folder, "starts"), "w") as fifo:
    fifo.write(f"{{os.getpid()}}\\n")
with open(os.path.join(folder, "mode")) as file:
    mode = file.read().strip()
if mode == "fail":
    print("no sound card", file=sys.stderr)
    sys.exit(1)
if mode == "block":
    time.sleep(3600)
path = [a for a in sys.argv[1:] if not a.startswith("-")][-1]
with wave.open(path) as w:
    time.sleep(w.getnframes() / w.getframerate())
"""


class Players:
    """The fake player and the FIFO its starts are reported on."""

    def __init__(self, folder):
        folder.mkdir()
        self._folder = folder
        fifo = folder / "starts"
        os.mkfifo(fifo)
        self._read = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self._keep = os.open(fifo, os.O_WRONLY)  # so the read end never sees an end of file
        self._buffer = b""
        self.started: list[int] = []
        self.set_mode("play")
        script = folder / "aplay"
        script.write_text(PLAYER.format(python=sys.executable, folder=str(folder)))
        script.chmod(0o755)

    def set_mode(self, mode):
        """What the next players do: "play" (the WAV's length), "fail" or "block"."""
        temporary = self._folder / "mode.new"
        temporary.write_text(mode)
        os.replace(temporary, self._folder / "mode")

    def _lines(self):
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            self.started.append(int(line))

    def next_pid(self, timeout=60):
        """The pid of the next player the app starts (waits for it)."""
        seen = len(self.started)
        deadline = time.monotonic() + timeout
        while len(self.started) == seen:
            left = deadline - time.monotonic()
            readable, _, _ = select.select([self._read], [], [], max(left, 0))
            assert readable, f"no player started within {timeout} s"
            self._buffer += os.read(self._read, 4096)
            self._lines()
        return self.started[seen]

    def drain(self):
        """Take the starts already reported, without waiting."""
        with contextlib.suppress(BlockingIOError):
            self._buffer += os.read(self._read, 4096)
        self._lines()

    def close(self):
        """Kill whatever player is left (only a broken build leaves any) and close the FIFO."""
        self.drain()
        for pid in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.close(self._read)
        os.close(self._keep)


@pytest.fixture
def players(tmp_path, env):
    """Ask for it before ``launch``: the apps are killed first, then stray players."""
    players = Players(tmp_path / "player")
    env["PATH"] = str(tmp_path / "player")  # the only player the app finds
    yield players
    players.close()


VOICE_READY = re.compile(r"speech: voice process (\d+) ready")


def voice_pid(app):
    return int(VOICE_READY.search(app.wait_for("speech: voice process")).group(1))


def alive(*pids):
    """Open pidfds while the processes run: a pidfd turns readable when its process ends."""
    return [os.pidfd_open(pid) for pid in pids]


def wait_all_gone(fds, timeout=10):
    left = list(fds)
    deadline = time.monotonic() + timeout
    while left:
        readable, _, _ = select.select(left, [], [], max(deadline - time.monotonic(), 0))
        if not readable:
            return False
        left = [fd for fd in left if fd not in readable]
    return True


def outcomes(cue_log):
    return [json.loads(line)["outcome"] for line in cue_log.read_text().splitlines()]


def test_a_killed_player_fails_one_cue_and_the_next_cue_starts_a_new_player(
    players, launch, tmp_path
):
    """Defect 4: one killed player used to switch the voice off for good."""
    cue_log = tmp_path / "cues.jsonl"
    app = launch("--routine", "e2e", "--start", "--cue-log", str(cue_log))
    first = players.next_pid()
    os.kill(first, signal.SIGKILL)
    app.wait_for("speech: aplay was killed by SIGKILL; the cue is dropped")
    assert players.next_pid() != first, "the next cue starts a new player"
    for _ in range(6):  # each start follows the end of the cue before: its line is written
        if "spoken" in outcomes(cue_log):
            break
        players.next_pid()
    assert "dropped" in outcomes(cue_log)
    assert "spoken" in outcomes(cue_log)
    assert not [line for line in app.seen if "Voice off" in line]


def dbus_send(address, method):
    result = subprocess.run(
        ["dbus-send", f"--bus={address}", "--print-reply", "--reply-timeout=5000",
         "--dest=org.mpris.MediaPlayer2.StretchDesktop", "/org/mpris/MediaPlayer2",
         f"org.mpris.MediaPlayer2.Player.{method}"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_voice_off_after_failures_in_a_row_is_tried_again_at_the_next_session(
    players, launch, env, bus_address
):
    """Defect 4: a voice turned off stayed off in later sessions too. Three failed cues in a
    row turn it off for the session; the next session (another launch's --start, handed over to
    this window) tries again, and its cues play."""
    env["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    players.set_mode("fail")
    app = launch("--routine", "e2e", "--start")
    app.wait_for(
        "speech: Voice off: sound failed to play 3 times in a row (aplay exited with 1: no sound"
        " card)"
    )
    players.drain()
    assert len(players.started) == 3, "no player is started once the voice is off"
    dbus_send(bus_address, "Stop")
    app.wait_for("journal: session 1 stopped")
    players.set_mode("play")
    launch("--routine", "e2e", "--start")  # handed to the running app: a new session
    app.wait_for("speech: a new session: trying the voice again")
    players.next_pid()  # a cue of the new session plays


def test_the_voice_process_killed_again_and_again_is_restarted_each_time(players, launch):
    """Defect 5: the voice process had one restart per app lifetime (and a death while idle
    went unseen until a cue needed it)."""
    app = launch("--routine", "e2e")
    pids = [voice_pid(app)]
    for _ in range(3):
        os.kill(pids[-1], signal.SIGKILL)
        line = app.wait_for("restarting the voice in")
        # killed idle, or (the routine's cues render as soon as the voice is up) mid-render
        assert "the voice process was killed by SIGKILL; restarting" in line
        pids.append(voice_pid(app))
    assert len(set(pids)) == 4
    assert not [line for line in app.seen if "Voice off" in line]


DIES_AT_START = """
import os, sys
if "stretch_desktop.speech.render_process" in sys.orig_argv:
    print("boom: the voices folder is unreadable", file=sys.stderr, flush=True)
    os._exit(3)
"""

NO_ESPEAK = """
import ctypes
_load = ctypes.cdll.LoadLibrary
def _no_espeak(name, *args, **kwargs):
    if "espeak" in str(name).lower():
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    return _load(name, *args, **kwargs)
ctypes.cdll.LoadLibrary = _no_espeak
"""


def with_sitecustomize(env, tmp_path, code):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(code)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), env.get("PYTHONPATH")) if p)


def test_a_voice_process_dying_at_start_is_told_as_seen_not_as_a_missing_library(
    players, launch, env, tmp_path
):
    """Defect 5: a crash during the voice's start-up was reported as "install libespeak-ng1"."""
    with_sitecustomize(env, tmp_path, DIES_AT_START)
    app = launch("--routine", "e2e")
    line = app.wait_for("speech: Voice off: the voice failed to start")
    assert line.endswith(
        "3 times in a row (the voice process exited with 3: boom: the voices folder is unreadable"
        " while starting)"
    )
    assert not [line for line in app.seen if "libespeak" in line]


def test_a_missing_libespeak_is_still_told_to_install_it(players, launch, env, tmp_path):
    with_sitecustomize(env, tmp_path, NO_ESPEAK)
    app = launch("--routine", "e2e")
    line = app.wait_for("speech: Voice unavailable")
    assert "install libespeak-ng1 (This means you probably do not have eSpeak" in line


def test_players_and_the_voice_process_die_with_a_killed_app(players, launch):
    """Defect 7: a player left by an app killed with kill -9 played on."""
    players.set_mode("block")
    app = launch("--routine", "e2e", "--start")
    voice = voice_pid(app)
    fds = alive(voice, players.next_pid())
    try:
        app.process.send_signal(signal.SIGSTOP)  # frozen: it can no longer stop them itself
        readable, _, _ = select.select(fds, [], [], 0)
        assert not readable, "both run while the app does"
        app.process.send_signal(signal.SIGKILL)
        app.process.wait(timeout=10)
        assert wait_all_gone(fds, timeout=10), "a child outlived the app killed with SIGKILL"
    finally:
        for fd in fds:
            os.close(fd)
