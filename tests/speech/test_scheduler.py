"""The speech rules, each on a fake clock with a recording player."""

from pathlib import Path

import pytest

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.timeline import Cue, CueKind
from stretch_desktop.speech.player import RecordingPlayer
from stretch_desktop.speech.scheduler import (
    LATE_WINDOW_MS,
    OVERRUN_GRACE_MS,
    PLAYER_FAILURES_TO_GIVE_UP,
    RENDER_WAIT_MS,
    Rendered,
    SpeechScheduler,
)

LENGTH_MS = 1500


class Rig:
    def __init__(self):
        self.clock = FakeClock(10_000)
        self.player = RecordingPlayer()
        self.records = []
        self.missing = set()
        self.scheduler = SpeechScheduler(self.clock, self.player, self.lookup, self.records.append)

    def lookup(self, cue):
        if cue.text in self.missing:
            return None
        return Rendered(Path(f"/cues/{cue.text}.wav"), LENGTH_MS)

    def say(self, text, kind=CueKind.ANNOUNCE, lateness=0, at_ms=0):
        self.scheduler.say(Cue(at_ms, kind, text), lateness)

    def advance(self, ms):
        self.clock.advance(ms)
        self.scheduler.tick()

    def end_sound(self):
        self.player.finish()
        self.scheduler.tick()

    @property
    def played(self):
        return [p.stem for p in self.player.played]

    def outcome(self, text):
        return next(r.outcome for r in self.records if r.text == text)


@pytest.fixture
def rig():
    return Rig()


def test_a_cue_due_now_starts_at_once(rig):
    rig.say("Lizard", at_ms=5000)
    assert rig.played == ["Lizard"]
    rig.end_sound()
    (record,) = rig.records
    assert (record.due_s, record.start_s, record.outcome) == (5.0, 5.0, "spoken")
    assert record.duration_s == LENGTH_MS / 1000


def test_rule_1_never_two_at_once_an_important_cue_waits_for_another(rig):
    rig.say("Lizard, right side")
    rig.say("Switch sides", CueKind.SWITCH_SIDES)
    assert rig.played == ["Lizard, right side"]
    assert rig.player.stopped == 0, "an important cue must not cut another important cue"
    rig.advance(800)
    rig.end_sound()
    assert rig.played == ["Lizard, right side", "Switch sides"]
    assert rig.outcome("Lizard, right side") == "spoken"


def test_rule_2_a_small_cue_that_cannot_start_in_time_is_dropped(rig):
    rig.say("Lizard")
    rig.say("Three", CueKind.COUNTDOWN)
    rig.advance(LATE_WINDOW_MS + 1)
    rig.end_sound()
    assert rig.played == ["Lizard"]
    assert rig.outcome("Three") == "dropped"


def test_rule_2_a_small_cue_still_in_its_window_is_said_when_the_voice_frees(rig):
    rig.say("Lizard")
    rig.advance(1450)
    rig.say("Three", CueKind.COUNTDOWN)
    rig.advance(60)
    rig.end_sound()
    assert rig.played == ["Lizard", "Three"]
    start = next(r for r in rig.records if r.text == "Lizard")
    assert start.outcome == "spoken"


def test_rule_2_an_important_cue_cuts_a_small_one_short(rig):
    rig.say("Breathe in", CueKind.BREATH)
    rig.advance(300)
    rig.say("Rest: child's pose", CueKind.REST)
    assert rig.played == ["Breathe in", "Rest: child's pose"]
    assert rig.outcome("Breathe in") == "cut"
    cut = next(r for r in rig.records if r.text == "Breathe in")
    assert cut.duration_s == 0.3


def test_rule_2_a_late_small_cue_is_dropped_but_a_late_important_one_is_said(rig):
    rig.say("Halfway", CueKind.HALFWAY, lateness=LATE_WINDOW_MS + 50)
    rig.say("Session complete", CueKind.COMPLETE, lateness=2000)
    assert rig.outcome("Halfway") == "dropped"
    assert rig.played == ["Session complete"]


def test_rule_3_silence_stops_the_sound_at_once_and_forgets_what_waited(rig):
    rig.say("Lizard")
    rig.say("Switch sides", CueKind.SWITCH_SIDES)
    rig.advance(200)
    rig.scheduler.silence()
    assert rig.player.stopped == 1
    assert not rig.player.playing
    assert rig.outcome("Lizard") == "cut"
    assert rig.outcome("Switch sides") == "dropped"
    rig.advance(5000)
    assert rig.played == ["Lizard"]


def test_muted_cues_are_dropped_and_never_played(rig):
    rig.scheduler.set_muted(True)
    rig.say("Lizard")
    assert rig.played == []
    assert rig.outcome("Lizard") == "dropped"


def test_rule_4_a_hung_player_is_stopped_after_its_sound_should_have_ended(rig):
    rig.say("Lizard")
    rig.advance(LENGTH_MS + OVERRUN_GRACE_MS)
    assert rig.player.stopped == 1
    assert rig.outcome("Lizard") == "cut"
    (record,) = rig.records
    assert record.duration_s == (LENGTH_MS + OVERRUN_GRACE_MS) / 1000


def test_an_important_cue_waits_for_its_render_then_gives_up(rig):
    rig.missing.add("Lizard")
    rig.say("Lizard")
    assert rig.played == []
    rig.advance(100)
    rig.missing.clear()  # the render arrived
    rig.advance(10)
    assert rig.played == ["Lizard"]
    rig.end_sound()
    rig.missing.add("Pyramid")
    rig.say("Pyramid")
    rig.advance(RENDER_WAIT_MS + 1)
    assert rig.outcome("Pyramid") == "dropped"


def test_a_first_announcement_rendered_seconds_late_is_said_late_not_dropped(rig):
    """A session started at launch on a cold cache: the voice process starts, loads Piper and
    renders; on a busy machine that took over the old 3 s wait and the announcement was lost."""
    rig.missing.add("Lizard")
    rig.say("Lizard")
    rig.advance(4_000)
    assert rig.played == []
    rig.missing.clear()
    rig.advance(10)
    assert rig.played == ["Lizard"]


def test_a_failing_player_is_reported_not_logged_as_spoken(rig):
    rig.say("Lizard")
    rig.player.fail("aplay exited with 1: no sound card")
    rig.scheduler.tick()
    assert rig.outcome("Lizard") == "dropped"


def test_a_killed_player_fails_its_cue_and_the_next_cue_starts_a_new_player(rig):
    """Issue 15, defect 4: one killed player used to switch the voice off for good."""
    rig.say("Lizard")
    rig.player.fail("aplay was killed by SIGKILL")
    rig.scheduler.tick()
    assert rig.outcome("Lizard") == "dropped"
    assert rig.scheduler.failure is None, "one failed cue is not a dead voice"
    rig.say("Pyramid")
    assert rig.played == ["Lizard", "Pyramid"]
    rig.end_sound()
    assert rig.outcome("Pyramid") == "spoken"


def fail_cues(rig, texts, error="aplay exited with 1: no sound card"):
    for text in texts:
        rig.say(text)
        rig.player.fail(error)
        rig.scheduler.tick()


def test_only_failures_in_a_row_turn_the_voice_off_until_a_retry(rig):
    fail_cues(rig, [f"cue {n}" for n in range(1, PLAYER_FAILURES_TO_GIVE_UP)])
    assert rig.scheduler.failure is None
    fail_cues(rig, ["the last straw"])
    assert rig.scheduler.failure == (
        f"Voice off: sound failed to play {PLAYER_FAILURES_TO_GIVE_UP} times in a row "
        "(aplay exited with 1: no sound card)"
    )
    rig.scheduler.retry()  # a new session
    assert rig.scheduler.failure is None
    fail_cues(rig, ["one more"])
    assert rig.scheduler.failure is None, "the retry starts a fresh run of tries"


def test_a_cue_played_between_failures_starts_the_count_again(rig):
    for n in range(3 * PLAYER_FAILURES_TO_GIVE_UP):
        fail_cues(rig, [f"failed {n}"] * (PLAYER_FAILURES_TO_GIVE_UP - 1))
        rig.say(f"heard {n}")
        rig.end_sound()
    assert rig.scheduler.failure is None


def test_a_player_that_cannot_start_fails_its_cue_only(rig):
    class CannotStart(RecordingPlayer):
        broken = True

        def play(self, path):
            if self.broken:
                raise FileNotFoundError(2, "No such file or directory", "aplay")
            super().play(path)

    rig.player = CannotStart()
    rig.scheduler = SpeechScheduler(rig.clock, rig.player, rig.lookup, rig.records.append)
    rig.say("Lizard")
    assert rig.outcome("Lizard") == "dropped"
    assert rig.scheduler.failure is None
    rig.player.broken = False
    rig.say("Pyramid")
    assert rig.played == ["Pyramid"]
    rig.end_sound()
    rig.player.broken = True
    for n in range(PLAYER_FAILURES_TO_GIVE_UP):
        rig.say(f"cue {n}")
    assert "could not start recording" in rig.scheduler.failure


def test_cue_log_times_are_session_seconds_including_lateness(rig):
    rig.say("Lizard", at_ms=12_000, lateness=40)
    rig.end_sound()
    (record,) = rig.records
    assert record.due_s == 12.0
    assert record.start_s == 12.04
    assert set(record.as_json()) == {"text", "kind", "due_s", "start_s", "duration_s", "outcome"}


def test_busy_while_a_cue_plays_or_waits_and_idle_once_all_are_done(rig):
    assert not rig.scheduler.busy
    rig.missing.add("Lizard")
    rig.say("Lizard")
    assert rig.scheduler.busy, "waiting for its render"
    rig.missing.clear()
    rig.advance(10)
    assert rig.played == ["Lizard"] and rig.scheduler.busy
    rig.end_sound()
    assert not rig.scheduler.busy
    rig.say("Breathe in", CueKind.BREATH)
    rig.scheduler.silence()
    assert not rig.scheduler.busy
