"""Real app processes for the end-to-end tests: started, followed by their log, killed.

The app runs offscreen with a short routine; tests wait for its log lines (never sleep) and kill
it with SIGKILL, as a crash or a power cut would.
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


@pytest.fixture
def history():
    """``history(env)``: the app's own `history --json`, as a person would read it."""
    return read_history


def read_history(env):
    result = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "history", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)
