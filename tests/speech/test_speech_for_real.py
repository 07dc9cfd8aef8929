"""Real pyttsx3 and espeak-ng rendering, a real player process, and the whole live chain.

No sound card is needed: where the tests play, a stand-in `aplay` on PATH "plays" by waiting for
the WAV's length, which is what matters here: a process that runs for as long as the sound and
that can be killed.
"""

import os
import threading
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from stretch_desktop.core.clock import MonotonicClock
from stretch_desktop.core.timeline import Cue, CueKind, compile_routine, cue_texts
from stretch_desktop.library import builtin_routines
from stretch_desktop.speech.live import LiveSpeaker, create_speaker
from stretch_desktop.speech.player import (
    PlayerUnavailable,
    ProcessPlayer,
    RecordingPlayer,
    find_player,
)
from stretch_desktop.speech.renderer import (
    RESTART_FIRST_DELAY_S,
    CueCache,
    ProcessSynthesiser,
    Pyttsx3Synthesiser,
    RenderWorker,
    VoiceSettings,
    wav_duration_ms,
)
from stretch_desktop.speech.speaker import NullSpeaker
from stretch_desktop.speech.voice import RATE_MAX, RATE_MIN

SYSTEM_VOICE = VoiceSettings(engine="system")
"""pyttsx3 and espeak-ng: what these tests are about (tests/speech/test_natural_voice.py has
Piper's)."""

STAND_IN = """#!{python}
import sys, time, wave
path = [a for a in sys.argv[1:] if not a.startswith("-")][-1]
with wave.open(path) as w:
    time.sleep(w.getnframes() / w.getframerate())
"""


@pytest.fixture
def stand_in_player(tmp_path, monkeypatch):
    import sys

    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "aplay"
    script.write_text(STAND_IN.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script


@pytest.fixture(scope="module")
def synthesiser():
    return Pyttsx3Synthesiser(SYSTEM_VOICE)


def test_every_cue_of_a_routine_renders_to_a_plausible_wav(tmp_path, synthesiser):
    routine = next(r for r in builtin_routines() if r.id == "seven-stretches-for-back-pain")
    cache = CueCache(tmp_path, SYSTEM_VOICE)
    texts = cue_texts(compile_routine(routine))
    assert len(texts) > 20
    for text in texts:
        rendered = cache.store(text, synthesiser)
        with wave.open(str(rendered.path)) as wav:
            assert wav.getnframes() > 0
        words = len(text.split())
        # espeak-ng at 170 words a minute: about 350 ms a word, with pauses and a trailing gap
        assert 150 * words <= rendered.duration_ms <= 900 * words + 1200, text


def test_the_cache_serves_a_rendered_cue_without_rendering_again(tmp_path, synthesiser):
    first = CueCache(tmp_path, SYSTEM_VOICE)
    stored = first.store("Halfway.", synthesiser)
    again = CueCache(tmp_path, SYSTEM_VOICE)  # a new launch
    assert again.lookup("Halfway.") == stored
    assert CueCache(tmp_path, replace(SYSTEM_VOICE, rate=120)).lookup("Halfway.") is None


def test_a_chime_goes_before_announcements_only(tmp_path, synthesiser):
    chime = Path(__file__).parents[2] / "src/stretch_desktop/resources/sounds/chime.wav"
    cache = CueCache(tmp_path, replace(SYSTEM_VOICE, chime=True), chime)
    plain = cache.store("Lizard pose, right side.", synthesiser)
    announce = Cue(0, CueKind.ANNOUNCE, "Lizard pose, right side.")
    chimed = cache.lookup_cue(announce)
    with wave.open(str(chime)) as wav:
        chime_ms = wav.getnframes() * 1000 // wav.getframerate()
    assert chimed.duration_ms == pytest.approx(plain.duration_ms + chime_ms, abs=2)
    breath = Cue(0, CueKind.BREATH, "Lizard pose, right side.")
    assert cache.lookup_cue(breath) == plain


def test_a_real_player_process_plays_for_the_sound_length_and_stops_at_once(
    tmp_path, synthesiser, stand_in_player
):
    rendered = CueCache(tmp_path, SYSTEM_VOICE).store("Three.", synthesiser)
    player = find_player()
    assert player.name == "aplay"
    player.play(rendered.path)
    assert player.playing
    player._process.wait(timeout=5)  # the stand-in exits when the sound would have ended
    assert not player.playing
    assert player.error is None
    player.play(rendered.path)
    player.stop()  # cut off: killed at once
    assert not player.playing


def test_a_failing_player_says_why(tmp_path):
    script = tmp_path / "broken-player"
    script.write_text(
        "#!/bin/sh\necho \"ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\" >&2\n"
        "echo 'ALSA lib conf.c:5180:(_snd_config_evaluate) more noise' >&2\nexit 1\n"
    )
    script.chmod(0o755)
    player = ProcessPlayer((str(script),))
    player.play(tmp_path / "x.wav")
    player._process.wait(timeout=5)
    assert not player.playing
    assert player.error == f"{script} exited with 1: cannot find card '0'"


def test_no_player_is_a_message_naming_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PlayerUnavailable, match="alsa-utils"):
        find_player()
    speaker = create_speaker(tmp_path, VoiceSettings())
    assert isinstance(speaker, NullSpeaker)
    assert speaker.status.startswith("Voice unavailable")


def _wait_for(speaker, count):
    with speaker.recorded:
        assert speaker.recorded.wait_for(lambda: len(speaker.records) >= count, timeout=10)


@pytest.mark.parametrize(("engine", "name"), [("system", "pyttsx3"), ("natural", "Piper")])
def test_the_live_chain_speaks_then_a_pause_silences_within_100_ms(
    tmp_path, stand_in_player, engine, name
):
    log = tmp_path / "cues.jsonl"
    speaker = create_speaker(tmp_path / "cache", VoiceSettings(engine=engine), cue_log=log)
    assert isinstance(speaker, LiveSpeaker)
    try:
        texts = ["Lizard pose, right side. Ten breaths.", "Three"]
        speaker.prepare(texts)
        assert speaker.wait_rendered(texts, timeout_s=30)
        clock = MonotonicClock()
        speaker.say(Cue(0, CueKind.ANNOUNCE, "Lizard pose, right side. Ten breaths."), 0)
        speaker.say(Cue(0, CueKind.COUNTDOWN, "Three"), 0)
        _wait_for(speaker, 1)  # "Three" cannot start within 100 ms: dropped at once
        assert speaker.records[0].text == "Three"
        assert speaker.records[0].outcome == "dropped"
        asked = clock.now_ms()
        speaker.silence()
        _wait_for(speaker, 2)
        silenced = clock.now_ms() - asked
        cut = speaker.records[1]
        assert cut.outcome == "cut"
        assert cut.start_s - cut.due_s <= 0.1  # rendered ahead: on time
        assert silenced <= 100, f"silence took {silenced} ms"
        assert speaker.status.startswith(f"Voice: {name}")
    finally:
        speaker.close()
    lines = log.read_text().splitlines()
    assert len(lines) == 2


def test_a_hung_synthesiser_is_killed_and_restarted_after_a_backoff(tmp_path):
    now = [0.0]
    started = threading.Semaphore(0)
    made = []

    class Hangs:
        """Each render hangs until this synthesiser is killed (as a killed process would)."""

        name = "hangs"
        fallback = None

        def __init__(self):
            self.killed = threading.Event()
            self.rendering = []
            made.append(self)

        def render(self, text, path):
            self.rendering.append(text)
            started.release()
            self.killed.wait(10)
            raise RuntimeError("killed")

        def voices(self):
            return []

        def kill(self):
            self.killed.set()

        def died(self):
            return None

    worker = RenderWorker(CueCache(tmp_path, SYSTEM_VOICE), Hangs, timeout_ms=1000,
                          monotonic=lambda: now[0])  # fmt: skip
    try:
        worker.request(["one"])
        assert started.acquire(timeout=5)
        now[0] += 2.0
        worker.check()
        assert made[0].killed.is_set(), "the hung synthesiser was killed"
        assert worker.restart_due_at == now[0] + RESTART_FIRST_DELAY_S
        now[0] += RESTART_FIRST_DELAY_S - 0.01
        worker.check()
        assert worker.restart_due_at is not None, "not before the backoff has passed"
        now[0] += 0.01
        worker.check()
        assert started.acquire(timeout=5), "a fresh synthesiser renders the text that hung"
        assert made[1].rendering == ["one"]
        now[0] += 2.0
        worker.check()
        assert worker.failure is None, "a second hang is restarted too"
        assert made[1].killed.is_set()
        assert worker.restart_due_at == now[0] + 2 * RESTART_FIRST_DELAY_S, "backing off"
        now[0] += 2 * RESTART_FIRST_DELAY_S
        worker.check()
        worker.request(["two"])
        assert started.acquire(timeout=5)
        assert made[2].rendering == ["two"], "'one' hung twice: given up, not tried a third time"
    finally:
        for synthesiser in made:
            synthesiser.kill()
        worker.close()


def test_two_voices_at_once_do_not_crash(tmp_path):
    """Measured before the voice process: a voice change overlapping the old worker segfaulted
    inside espeak (one engine per process). Each worker now has a process of its own."""
    workers = [
        RenderWorker(CueCache(tmp_path / name, settings), lambda s=settings: ProcessSynthesiser(s))
        for name, settings in (("a", SYSTEM_VOICE), ("b", replace(SYSTEM_VOICE, rate=120)))
    ]
    texts = [f"Breath {n}." for n in range(1, 9)]
    try:
        for worker in workers:
            worker.request(texts)
        assert all(worker.wait_rendered(texts, timeout_s=60) for worker in workers)
        assert all(worker.failure is None for worker in workers)
        slow, fast = (workers[1].cache.lookup(texts[0]), workers[0].cache.lookup(texts[0]))
        assert slow.duration_ms > fast.duration_ms  # each kept its own rate
    finally:
        for worker in workers:
            worker.close()


def test_a_rate_changed_just_before_a_render_is_the_rate_it_renders_at(tmp_path):
    """Measured before the voice waited for espeak: pyttsx3's next loop cancelled espeak while it
    was still taking the new rate, so a third of slow renders came out fast (and were cached
    as slow ones)."""
    synthesiser = ProcessSynthesiser(SYSTEM_VOICE)
    lengths: dict[int, list[int]] = {RATE_MIN: [], RATE_MAX: []}
    try:
        for round_ in range(10):
            for rate, found in lengths.items():
                assert synthesiser.retune(replace(SYSTEM_VOICE, rate=rate))
                path = tmp_path / f"{rate}-{round_}.wav"
                synthesiser.render("Exhale, belly in.", path)
                found.append(wav_duration_ms(path))
    finally:
        synthesiser.kill()
    # 80 against 320 words a minute: four times as long, less the fixed silence at each end
    assert min(lengths[RATE_MIN]) > 3 * max(lengths[RATE_MAX]), lengths


def test_every_fresh_voice_process_speaks_at_the_rate_asked_for(tmp_path):
    """Before, one start in ten kept espeak's default rate for the whole process."""
    slow = replace(SYSTEM_VOICE, rate=RATE_MIN)
    lengths = []
    for start in range(12):
        synthesiser = ProcessSynthesiser(slow)
        try:
            synthesiser.render("Exhale, belly in.", tmp_path / f"{start}.wav")
        finally:
            synthesiser.kill()
        lengths.append(wav_duration_ms(tmp_path / f"{start}.wav"))
    default = tmp_path / "default.wav"
    synthesiser = ProcessSynthesiser(SYSTEM_VOICE)
    try:
        synthesiser.render("Exhale, belly in.", default)
    finally:
        synthesiser.kill()
    # 80 against the default 175 words a minute: about twice as long
    assert min(lengths) > 1.6 * wav_duration_ms(default), lengths


def test_a_voice_process_that_hangs_for_real_is_killed(tmp_path):
    import sys

    script = (
        "import json, sys\n"
        "print(json.dumps({'ready': True, 'name': 'stuck', 'voices': []}), flush=True)\n"
        "sys.stdin.readline()\n"
        "import time; time.sleep(3600)\n"
    )
    synthesiser = ProcessSynthesiser(SYSTEM_VOICE, [sys.executable, "-c", script])
    failed = []

    def render():
        try:
            synthesiser.render("x", tmp_path / "x.wav")
        except RuntimeError as error:
            failed.append(error)

    thread = threading.Thread(target=render)
    thread.start()
    synthesiser.kill()  # what the watchdog does: the blocked render returns with an error
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert failed
    assert synthesiser._process.poll() is not None


def test_a_synthesiser_that_cannot_start_is_a_message(tmp_path):
    def broken():
        raise RuntimeError("libespeak-ng.so.1: cannot open shared object file")

    worker = RenderWorker(CueCache(tmp_path, SYSTEM_VOICE), broken)
    assert worker.ready.wait(5)
    assert worker.failure.startswith("Voice unavailable — install libespeak-ng1")


def test_a_speaker_without_a_voice_sleeps_until_asked_and_still_logs_and_closes(tmp_path):
    """With no voice the speech thread waits for requests with no timeout: a cue must still wake
    it (and be logged as dropped), and close() must still end it."""

    def broken():
        raise RuntimeError("libespeak-ng.so.1: cannot open shared object file")

    silent = threading.Event()
    statuses = []

    def on_status(status):
        statuses.append(status)
        if "install libespeak-ng1" in status:
            silent.set()

    worker = RenderWorker(CueCache(tmp_path, SYSTEM_VOICE), broken)
    speaker = LiveSpeaker(worker, RecordingPlayer(), on_status=on_status)
    try:
        assert silent.wait(5), statuses
        speaker.say(Cue(0, CueKind.ANNOUNCE, "Lizard pose"), 0)
        with speaker.recorded:
            assert speaker.recorded.wait_for(lambda: speaker.records, timeout=5)
        assert speaker.records[0].outcome == "dropped"
    finally:
        speaker.close()
    assert not speaker._thread.is_alive(), "close() woke the sleeping speech thread"


def test_turning_the_chime_on_renders_chimed_twins_of_cached_cues(tmp_path, synthesiser):
    chime = Path(__file__).parents[2] / "src/stretch_desktop/resources/sounds/chime.wav"
    text = "Rest: child's pose."
    CueCache(tmp_path, SYSTEM_VOICE).store(text, synthesiser)  # cached before the chime
    chimed = CueCache(tmp_path, replace(SYSTEM_VOICE, chime=True), chime)
    assert chimed.lookup(text) is not None
    assert not chimed.complete(text), "the chimed twin is still missing"
    starting = threading.Event()

    def held_synthesiser():  # the worker waits here, so what request() queued stays visible
        starting.wait(10)
        return synthesiser

    worker = RenderWorker(chimed, held_synthesiser)
    try:
        worker.request([text])
        assert worker.jobs.snapshot() == [text]
    finally:
        starting.set()
        worker.close()
    chimed.store(text, synthesiser)
    assert chimed.complete(text)
    rest = Cue(0, CueKind.REST, text)
    assert chimed.lookup_cue(rest).path != chimed.lookup(text).path
