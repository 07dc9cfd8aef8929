"""A voice that fails is restarted, and a player that fails fails one cue (issue 15, 4 and 5).

The backoff runs on an injected clock: the tests move it and call the watchdog (``check``)
themselves, so nothing waits for real time. Real processes where the fault is about processes: a
real voice process killed with SIGKILL, voice processes that die while starting, a real player
killed mid-cue.
"""

import os
import select
import signal
import sys
import threading
import wave

import pytest

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.timeline import Cue, CueKind
from stretch_desktop.speech.live import LiveSpeaker
from stretch_desktop.speech.player import ProcessPlayer, RecordingPlayer
from stretch_desktop.speech.renderer import (
    RESTART_FIRST_DELAY_S,
    RESTART_MAX_DELAY_S,
    START_FAILURES_TO_GIVE_UP,
    CueCache,
    ProcessSynthesiser,
    RenderWorker,
    VoiceProcessDied,
    VoiceSettings,
    VoiceUnavailable,
    explain,
    restart_delay_s,
)
from stretch_desktop.speech.scheduler import PLAYER_FAILURES_TO_GIVE_UP


def write_wav(path, ms=200):
    with wave.open(str(path), "wb") as wav:
        wav.setparams((1, 2, 16_000, 0, "NONE", "not compressed"))
        wav.writeframes(b"\0\0" * (16 * ms))


class Fake:
    """A synthesiser that renders silence at once, and dies when a test says so."""

    made: list["Fake"]
    ready: threading.Semaphore

    fallback = None

    def __init__(self):
        self.name = "fake"
        self.dead = None
        self.killed = False
        self.made.append(self)

    def render(self, text, path):
        write_wav(path)

    def voices(self):
        self.ready.release()  # the worker has taken this one into service
        return []

    def died(self):
        return self.dead

    def kill(self):
        self.killed = True


@pytest.fixture
def fakes():
    """A fresh Fake class per test: its own list of what was made."""

    class Made(Fake):
        pass

    Made.made = []
    Made.ready = threading.Semaphore(0)
    return Made


def test_the_backoff_doubles_from_half_a_second_and_is_capped():
    delays = [restart_delay_s(n) for n in range(1, 9)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert RESTART_MAX_DELAY_S == 30.0


def test_restarts_back_off_while_failures_follow_and_start_over_after_a_render(tmp_path, fakes):
    now = [100.0]
    worker = RenderWorker(CueCache(tmp_path, VoiceSettings()), fakes, monotonic=lambda: now[0])
    try:
        assert fakes.ready.acquire(timeout=10)
        for failures in range(1, 6):
            fakes.made[-1].dead = "the voice process was killed by SIGKILL"
            worker.check()
            assert fakes.made[-1].killed
            delay = restart_delay_s(failures)
            assert worker.restart_due_at == now[0] + delay
            now[0] += delay - 0.001
            worker.check()
            assert worker.restart_due_at is not None, "not before the backoff has passed"
            now[0] += 0.001
            worker.check()
            assert worker.restart_due_at is None
            assert fakes.ready.acquire(timeout=10), "restarted"
            assert worker.failure is None
        worker.request(["Breathe in."])
        assert worker.wait_rendered(["Breathe in."], timeout_s=10)
        fakes.made[-1].dead = "the voice process was killed by SIGKILL"
        worker.check()
        assert worker.restart_due_at == now[0] + RESTART_FIRST_DELAY_S, "a render reset it"
    finally:
        worker.close()


def wait_exit(pid, timeout=10):
    """Until the process ``pid`` has ended (a pidfd becomes readable): no polling, no sleep."""
    fd = os.pidfd_open(pid)
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        assert readable, f"process {pid} still runs"
    finally:
        os.close(fd)


def test_a_real_voice_process_killed_twice_far_apart_is_restarted_each_time(tmp_path, caplog):
    """Issue 15, defect 5: the voice used to get one restart per app lifetime, so a second
    crash, however much later, silenced the app for good."""
    now = [0.0]
    settings = VoiceSettings(engine="system")
    worker = RenderWorker(
        CueCache(tmp_path, settings),
        lambda: ProcessSynthesiser(settings),
        monotonic=lambda: now[0],
    )
    pids = []
    try:
        for text in ("One.", "Two.", "Three."):
            worker.request([text])
            assert worker.wait_rendered([text], timeout_s=60)
            assert worker.failure is None
            if text == "Three.":
                break
            pid = worker._synthesiser.pid
            pids.append(pid)
            os.kill(pid, signal.SIGKILL)
            wait_exit(pid)
            worker.check()  # the watchdog sees it dead, before any cue needs it
            assert worker.restart_due_at == now[0] + RESTART_FIRST_DELAY_S
            now[0] += RESTART_FIRST_DELAY_S
            worker.check()
            now[0] += 3600  # an hour later
        assert len(set(pids)) == 2
        assert worker._synthesiser.pid not in pids
    finally:
        worker.close()
    restarts = [r.message for r in caplog.records if "restarting the voice" in r.message]
    assert (
        restarts
        == ["speech: the voice process was killed by SIGKILL; restarting the voice in 0.5 s"] * 2
    )


@pytest.mark.parametrize(
    ("script", "seen"),
    [
        (
            "import sys; print('boom: no voices folder', file=sys.stderr); sys.exit(3)",
            "the voice process exited with 3: boom: no voices folder while starting",
        ),
        (
            "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
            "the voice process was killed by SIGKILL while starting",
        ),
        (
            "import stretch_desktop_no_such_module",
            "the voice process exited with 1: ModuleNotFoundError: "
            "No module named 'stretch_desktop_no_such_module' while starting",
        ),
    ],
    ids=["exit-code-and-stderr", "signal", "import-error"],
)
def test_a_voice_process_that_dies_while_starting_says_what_was_seen(script, seen):
    """Issue 15, defect 5: any start-up crash used to be "install libespeak-ng1"."""
    with pytest.raises(VoiceProcessDied) as raised:
        ProcessSynthesiser(VoiceSettings(), [sys.executable, "-c", script])
    assert str(raised.value) == seen


def test_a_voice_that_keeps_dying_at_start_is_given_up_with_its_cause_then_retried(tmp_path):
    now = [0.0]
    command = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    worker = RenderWorker(
        CueCache(tmp_path, VoiceSettings()),
        lambda: ProcessSynthesiser(VoiceSettings(), command),
        monotonic=lambda: now[0],
    )
    try:
        for _ in range(START_FAILURES_TO_GIVE_UP - 1):
            assert worker.wait_for(lambda: worker.restart_due_at is not None, timeout_s=30)
            now[0] = worker.restart_due_at
            worker.check()
        assert worker.wait_for(lambda: worker.failure is not None, timeout_s=30)
        assert worker.failure == (
            f"Voice off: the voice failed to start {START_FAILURES_TO_GIVE_UP} times in a row "
            "(the voice process was killed by SIGKILL while starting)"
        )
        assert worker.restart_due_at is None, "given up: no more restarts this session"
        worker.retry()  # the next session
        assert worker.failure is None
        assert worker.wait_for(lambda: worker.restart_due_at is not None, timeout_s=30)
        assert worker.restart_due_at == now[0] + RESTART_FIRST_DELAY_S, "a fresh run of tries"
    finally:
        worker.close()


SITECUSTOMIZE = """
import ctypes

_load = ctypes.cdll.LoadLibrary


def _no_espeak(name, *args, **kwargs):
    if "espeak" in str(name).lower():
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    return _load(name, *args, **kwargs)


ctypes.cdll.LoadLibrary = _no_espeak
"""


def test_a_machine_without_libespeak_is_told_to_install_it(tmp_path, monkeypatch):
    """The one case where that advice is right: the real voice process, with the library
    made unloadable (a sitecustomize in the child's path)."""
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    with pytest.raises(VoiceUnavailable) as raised:
        ProcessSynthesiser(VoiceSettings())
    assert str(raised.value).startswith("Voice unavailable — install libespeak-ng1 (")


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!"), True),
        (OSError("libespeak-ng.so.1: cannot open shared object file: No such file"), True),
        (ModuleNotFoundError("No module named 'pyttsx3'"), False),
        (RuntimeError("the voice process stopped at start"), False),
        (OSError(2, "No such file or directory", "/usr/bin/python3"), False),
        (RuntimeError("espeak: segmentation fault in ListVoices"), False),
    ],
)
def test_only_a_missing_espeak_is_answered_with_install_libespeak(error, advice):
    assert ("install libespeak-ng1" in explain(error)) is advice


STAND_IN_BLOCKS = "#!{python}\nimport time\ntime.sleep(3600)\n"


def test_a_real_player_killed_mid_cue_says_so(tmp_path):
    script = tmp_path / "aplay"
    script.write_text(STAND_IN_BLOCKS.format(python=sys.executable))
    script.chmod(0o755)
    player = ProcessPlayer((str(script),))
    write_wav(tmp_path / "cue.wav")
    player.play(tmp_path / "cue.wav")
    try:
        assert player.playing
        os.kill(player._process.pid, signal.SIGKILL)
        player._process.wait(timeout=10)
        assert not player.playing
        assert player.error == f"{script} was killed by SIGKILL"
    finally:
        player.stop()


class SignallingPlayer(RecordingPlayer):
    """A recording player that lets a test wait until it is asked to play."""

    def __init__(self):
        super().__init__()
        self.asked = threading.Condition()

    def play(self, path):
        with self.asked:
            super().play(path)
            self.asked.notify_all()

    def wait_played(self, count):
        with self.asked:
            assert self.asked.wait_for(lambda: len(self.played) >= count, timeout=10)


def test_a_voice_off_after_failures_in_a_row_is_tried_again_at_the_next_session(tmp_path, fakes):
    """Issue 15, defect 4: the voice, once off, used to stay off in later sessions too."""
    statuses = []
    changed = threading.Condition()

    def on_status(status):
        with changed:
            statuses.append(status)
            changed.notify_all()

    def wait_status(prefix):
        with changed:
            assert changed.wait_for(lambda: statuses and statuses[-1].startswith(prefix), 10), (
                statuses
            )

    worker = RenderWorker(CueCache(tmp_path, VoiceSettings()), fakes)
    player = SignallingPlayer()
    clock = FakeClock(0)  # the scheduler's: cues are never late here
    speaker = LiveSpeaker(worker, player, clock=clock, on_status=on_status)
    texts = [f"Pose {n}." for n in range(PLAYER_FAILURES_TO_GIVE_UP + 2)]
    try:
        speaker.prepare(texts)
        assert speaker.wait_rendered(texts)
        wait_status("Voice: fake")
        for n, text in enumerate(texts[:PLAYER_FAILURES_TO_GIVE_UP]):
            speaker.say(Cue(0, CueKind.ANNOUNCE, text), 0)
            player.wait_played(n + 1)
            player.fail("aplay exited with 1: no sound card")
        wait_status("Voice off: sound failed to play 3 times in a row")
        speaker.say(Cue(0, CueKind.ANNOUNCE, texts[-2]), 0)
        with speaker.recorded:
            assert speaker.recorded.wait_for(lambda: len(speaker.records) == 4, timeout=10)
        assert [r.outcome for r in speaker.records] == ["dropped"] * 4
        assert len(player.played) == PLAYER_FAILURES_TO_GIVE_UP, "off for this session"
        speaker.new_session()
        wait_status("Voice: fake")
        speaker.say(Cue(0, CueKind.ANNOUNCE, texts[-1]), 0)
        player.wait_played(PLAYER_FAILURES_TO_GIVE_UP + 1)
        player.finish()
        with speaker.recorded:
            assert speaker.recorded.wait_for(lambda: len(speaker.records) == 5, timeout=10)
        assert speaker.records[-1].outcome == "spoken"
    finally:
        speaker.close()
