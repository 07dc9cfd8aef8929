"""Test-wide set-up: Qt without a screen, a data folder of the test's own, a private D-Bus, and
real app processes (started, followed by their log, killed) for the end-to-end and fault tests,
and "another local user" (a process that runs as ``nobody``) for the single-instance tests."""

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading

# Before anything imports Qt: the tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path, monkeypatch):
    """Keep every test away from the real user's routines, settings and history."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def bus_address():
    """A private D-Bus session bus of the test's own (the MPRIS tests talk over it)."""
    daemon = shutil.which("dbus-daemon")
    assert daemon, "dbus-daemon is missing: `make test` installs it (Debian package dbus)"
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        address = process.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()


# --- real app processes ------------------------------------------------------------------------


def hold_routine(routine_id: str, title: str, *seconds: int) -> str:
    """A routine file of one pose held for each of ``seconds`` in turn: the smallest real
    session a process test can run to its end."""
    head = (
        f'format = 1\nid = "{routine_id}"\ntitle = "{title}"\nsource = "Tests"\n'
        '[[poses]]\nid = "a"\nname = "Pose A"\ninstructions = ["Stand."]\n'
    )
    steps = "".join(f'[[steps]]\nkind = "hold"\npose = "a"\nseconds = {n}\n' for n in seconds)
    return head + steps


ROUTINE = hold_routine("e2e", "Crash test", 1, 1, 30)


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


# --- another local user ------------------------------------------------------------------------

NOBODY = 65534
"""The uid "another local user" runs as (``nobody``)."""

FOREIGN = r"""
import os, socket, sys
role, where = sys.argv[1], sys.argv[2]
if role == "serve":  # bound by root at our socket's path; listens as nobody
    listener = socket.socket(fileno=int(where))
else:  # connects as nobody, from inside the socket's folder (no search right above it)
    os.chdir(os.path.dirname(where))
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
if role == "serve":
    listener.listen(1)
    print("listening", flush=True)
    listener.settimeout(60)
    connection, _ = listener.accept()
    connection.settimeout(10)
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    print(repr(received), flush=True)
else:
    connection.connect(os.path.basename(where))
    connection.sendall(sys.argv[3].encode())
    connection.close()
    print("sent", flush=True)
"""


def as_nobody(*args, pass_fds=()):
    """A process that drops to the user ``nobody`` once its interpreter is loaded (the
    interpreter may live where nobody cannot read), so ``SO_PEERCRED`` shows another uid.
    ``serve FD``: listen on the bound socket FD and print what one connection sent;
    ``connect PATH TEXT``: send TEXT to the socket at PATH."""
    if os.getuid() != 0:
        pytest.skip("only root can start a process of another user (setuid); CI runs as root")
    return subprocess.Popen(
        [sys.executable, "-I", "-c", FOREIGN, *args],
        pass_fds=pass_fds, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


@contextlib.contextmanager
def foreign_server(path):
    """Another user's server listening at ``path``; yields a function returning what it got."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    child = as_nobody("serve", str(listener.fileno()), pass_fds=[listener.fileno()])
    listener.close()
    try:
        assert child.stdout.readline() == "listening\n"
        yield lambda: child.stdout.readline().strip()  # the child times out on its own
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()


@pytest.fixture
def window_for(qtbot):
    """``window_for(*argv)``: the app's own window, built as ``run`` builds it and brought to
    where ``after_show`` leaves it; closed (speaker threads stopped) when the test ends."""
    from stretch_desktop.cli import build_parser
    from stretch_desktop.ui.app import after_show, build, make_application

    made = []

    def make(*argv):
        make_application()
        args = build_parser().parse_args(list(argv))
        launch = build(args)
        launch.window.dialogs.confirm = lambda title, question: True
        after_show(launch, args)  # what run() does once the window is up
        launch.controller.ticker.stop()
        made.append(launch.window)
        return launch.window

    yield make
    for window in made:
        window.close()
