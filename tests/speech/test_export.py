"""The exported session: every cue at the moment the app would play it, and nothing else."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

import pytest

from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.timeline import Cue, CueKind, compile_routine
from stretch_desktop.speech.export import FRAME_RATE, ExportFailed, plan, write_wav
from stretch_desktop.speech.scheduler import Rendered
from tests.core.routines import small

_LEVEL = 1000


def _tone(path: Path, ms: int, rate: int = FRAME_RATE, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(array("h", [_LEVEL] * (ms * rate // 1000 * channels)).tobytes())
    return path


class _Sounds:
    """Each distinct text rendered once, as a constant tone of the given length."""

    def __init__(self, folder: Path, length_ms: int) -> None:
        self.folder, self.length_ms = folder, length_ms
        self.made: dict[str, Rendered] = {}

    def __call__(self, cue: Cue) -> Rendered:
        if cue.text not in self.made:
            path = _tone(self.folder / f"{len(self.made)}.wav", self.length_ms)
            self.made[cue.text] = Rendered(path, self.length_ms)
        return self.made[cue.text]


def _samples(path: Path) -> array[int]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, FRAME_RATE)
        return array("h", wav.readframes(wav.getnframes()))


def _sounding_ms(samples: array[int]) -> list[tuple[int, int]]:
    """(start, end) in ms of each run of sound."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, sample in enumerate([*samples, 0]):
        if sample and start is None:
            start = i
        elif not sample and start is not None:
            runs.append((start * 1000 // FRAME_RATE, i * 1000 // FRAME_RATE))
            start = None
    return runs


def test_short_cues_sound_exactly_at_their_times_and_the_file_lasts_the_session(tmp_path):
    timeline = compile_routine(small(), Pacing(inhale_ms=2000, exhale_ms=2000))
    sounds = _Sounds(tmp_path, 200)
    placement = plan(timeline, sounds)
    out = tmp_path / "session.wav"
    frames = write_wav(placement, out)

    samples = _samples(out)
    assert len(samples) == frames == placement.length_ms * FRAME_RATE // 1000
    cues = sorted(c.at_ms for phase in timeline.phases for c in phase.cues)
    assert placement.length_ms == cues[-1] + 200  # "Session complete" is the last thing heard
    heard = [start for start, _ in _sounding_ms(samples)]
    spoken = [r.due_s for r in placement.records if r.outcome == "spoken"]
    # cues closer than 200 ms run together into one sound; every sound starts on a cue
    assert heard and all(any(abs(h - round(s * 1000)) <= 1 for s in spoken) for h in heard)
    assert not placement.dropped


def test_a_cue_the_app_would_drop_is_not_in_the_file(tmp_path):
    timeline = compile_routine(small(), Pacing(inhale_ms=2000, exhale_ms=2000))
    sounds = _Sounds(tmp_path, 1500)  # longer than the 1 s countdown slots: "two" cannot start
    placement = plan(timeline, sounds)
    dropped = {(r.text, r.kind) for r in placement.dropped}
    assert ("Two", CueKind.COUNTDOWN.value) in dropped
    out = tmp_path / "session.wav"
    write_wav(placement, out)
    runs = _sounding_ms(_samples(out))
    spoken = [r for r in placement.records if r.outcome != "dropped"]
    assert sum(end - start for start, end in runs) == pytest.approx(
        sum(r.duration_s * 1000 for r in spoken), abs=len(spoken) * 2
    )


def test_stereo_and_other_rates_come_out_mono_at_the_export_rate(tmp_path):
    timeline = compile_routine(small())
    odd = _tone(tmp_path / "odd.wav", 300, rate=16_000, channels=2)
    placement = plan(timeline, lambda cue: Rendered(odd, 300))
    out = tmp_path / "session.wav"
    write_wav(placement, out)
    first_start, first_end = _sounding_ms(_samples(out))[0]
    assert first_start == 0
    assert first_end == pytest.approx(300, abs=2)


def test_a_failed_export_leaves_no_file_behind(tmp_path):
    timeline = compile_routine(small())
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt nonsense")
    placement = plan(timeline, lambda cue: Rendered(broken, 300))
    out = tmp_path / "session.wav"
    with pytest.raises(ExportFailed, match=r"broken\.wav: not a readable WAV"):
        write_wav(placement, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.wav"]
