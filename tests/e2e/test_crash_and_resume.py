"""A real app process killed mid-session, then launched again: nothing is lost.

The app runs offscreen with a short routine; the test follows its log on stderr (it waits for
lines, it never sleeps) and kills it with SIGKILL, as a crash or a power cut would.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading

import pytest

ROUTINE = """
format = 1
id = "e2e"
title = "Crash test"
source = "Tests"
[[poses]]
id = "a"
name = "Pose A"
instructions = ["Stand."]
[[steps]]
kind = "hold"
pose = "a"
seconds = 1
[[steps]]
kind = "hold"
pose = "a"
seconds = 1
[[steps]]
kind = "hold"
pose = "a"
seconds = 30
"""


class App:
    """A running app whose stderr lines can be awaited."""

    def __init__(self, env, *args):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stretch_desktop", *args],
            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.put(line.rstrip())
        self.lines.put(None)

    def wait_for(self, text, timeout=60):
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the app exited before {text!r}: {self.seen[-10:]}")
            self.seen.append(line)
            if text in line:
                return line

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stderr.close()


@pytest.fixture
def launch(env):
    """Start apps; every one is killed when the test ends, pass or fail (no stray processes)."""
    apps = []

    def start(*args):
        app = App(env, *args)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.kill()


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PATH=str(tmp_path / "no-player"),  # no audio player: a silent, fast voice
    )
    folder = tmp_path / "data" / "stretch-desktop" / "routines"
    folder.mkdir(parents=True)
    (folder / "e2e.toml").write_text(ROUTINE)
    return env


def history(env):
    result = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "history", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def crash_during_step_two(env, launch):
    app = launch("--routine", "e2e", "--start", "--mute")
    app.wait_for("journal: session 1, step 1 done")
    app.kill()
    (session,) = history(env)
    assert session["status"] == "running"  # as the crash left it
    assert session["steps_done"] == 2
    return session


def test_a_killed_session_is_offered_for_resume_and_declining_marks_it_interrupted(env, launch):
    crash_during_step_two(env, launch)
    app = launch("--resume", "no")
    app.wait_for("offering to resume session 1 at step 2")
    app.wait_for("session 1 marked interrupted")
    app.kill()
    (session,) = history(env)
    assert session["status"] == "interrupted"
    assert session["steps_done"] == 2
    assert session["ended_at"] is not None


def test_resuming_carries_on_the_same_session_at_the_interrupted_step(env, launch):
    crash_during_step_two(env, launch)
    app = launch("--resume", "yes", "--mute")
    app.wait_for("resumed session 1 at step 2")
    app.kill()
    (session,) = history(env)
    assert session["status"] == "running"
    assert session["steps_done"] == 2


def test_asking_shows_the_offer(env, launch):
    crash_during_step_two(env, launch)
    app = launch()  # --resume ask: the question is on screen, waiting for the person
    app.wait_for("offering to resume session 1 at step 2")
    app.kill()
