"""A whole guided session as one audio file: every cue where the app would play it, silence between.

For a phone or a speaker away from the desk (``stretch-desktop export-audio``). The file must be
what the app plays, not what the timeline hopes for, so the placement runs the app's own
``SpeechScheduler`` on a fake clock, with a player that "plays" each rendered cue for its measured
length: a cue that would be dropped or cut in the app is dropped or cut here too, and the plan
says so. Only then are the WAV files joined, in order, streamed to disk (one cue in memory at a
time): a 15-minute routine is 40 MB of samples that never need to be held at once.
"""

from __future__ import annotations

import wave
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.timeline import Cue, Timeline
from stretch_desktop.speech.scheduler import CueRecord, Rendered, SpeechScheduler

FRAME_RATE: Final = 22_050
"""The export's sample rate: what both voices and the chime are rendered at."""
_CHUNK_FRAMES: Final = FRAME_RATE * 10
"""Silence is written ten seconds at a time."""


@dataclass(frozen=True, slots=True)
class Placed:
    """One sound in the export: ``path`` starts at ``start_ms`` and plays for ``played_ms``
    (its whole length, or less if the app would cut it short)."""

    path: Path
    start_ms: int
    played_ms: int


@dataclass(frozen=True, slots=True)
class Plan:
    placed: tuple[Placed, ...]
    records: tuple[CueRecord, ...]
    """What became of every cue (``spoken``, ``cut`` or ``dropped``), as the cue log says it."""
    length_ms: int

    @property
    def dropped(self) -> tuple[CueRecord, ...]:
        return tuple(r for r in self.records if r.outcome != "spoken")


class _VirtualPlayer:
    """Plays on the fake clock: busy for the sound's measured length, then done."""

    name = "export"
    error: str | None = None

    def __init__(self, clock: FakeClock, lengths: dict[Path, int]) -> None:
        self._clock = clock
        self._lengths = lengths
        self._current: tuple[Path, int] | None = None
        self._until_ms = 0
        self.placed: list[Placed] = []

    def play(self, path: Path) -> None:
        now = self._clock.now_ms()
        self._current = (path, now)
        self._until_ms = now + self._lengths[path]

    def stop(self) -> None:
        self._close(min(self._clock.now_ms(), self._until_ms))

    def _close(self, end_ms: int) -> None:
        if self._current is not None:
            path, start = self._current
            self.placed.append(Placed(path, start, end_ms - start))
            self._current = None

    @property
    def playing(self) -> bool:
        if self._current is not None and self._clock.now_ms() >= self._until_ms:
            self._close(self._until_ms)
        return self._current is not None

    @property
    def ends_at_ms(self) -> int | None:
        return self._until_ms if self._current is not None else None


def plan(timeline: Timeline, lookup: Callable[[Cue], Rendered | None]) -> Plan:
    """Where each cue of ``timeline`` would sound in the app, given its rendered audio.

    Every cue is handed to the scheduler at its due time, and the clock stops at every moment
    something can change (a cue due, a sound ending), so the result is exact to the millisecond
    rather than to the app's 10 ms tick.
    """
    clock = FakeClock()
    lengths: dict[Path, int] = {}

    def measured(cue: Cue) -> Rendered | None:
        rendered = lookup(cue)
        if rendered is not None:
            lengths[rendered.path] = rendered.duration_ms
        return rendered

    records: list[CueRecord] = []
    player = _VirtualPlayer(clock, lengths)
    scheduler = SpeechScheduler(clock, player, measured, records.append)

    def run_until(limit_ms: int | None) -> None:
        while (end := player.ends_at_ms) is not None and (limit_ms is None or end <= limit_ms):
            clock.set(max(end, clock.now_ms()))
            scheduler.tick()

    cues = sorted((cue for phase in timeline.phases for cue in phase.cues), key=lambda c: c.at_ms)
    for cue in cues:
        run_until(cue.at_ms)
        clock.set(max(cue.at_ms, clock.now_ms()))
        scheduler.say(cue, clock.now_ms() - cue.at_ms)
    run_until(None)
    scheduler.tick()
    placed = tuple(sorted(player.placed, key=lambda p: p.start_ms))
    last_sound = max((p.start_ms + p.played_ms for p in placed), default=0)
    return Plan(placed, tuple(records), max(timeline.total_ms, last_sound))


class ExportFailed(RuntimeError):
    """A rendered cue could not be read back; the message names the file."""


def _mono_frames(path: Path) -> array[int]:
    """The file's samples as 16-bit mono at ``FRAME_RATE`` (first channel; nearest sample)."""
    try:
        with wave.open(str(path)) as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            data = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise ExportFailed(f"{path}: not a readable WAV file ({error or 'cut short'})") from None
    if width != 2:
        raise ExportFailed(f"{path}: {8 * width}-bit audio; 16-bit expected")
    samples = array("h", data)
    if channels > 1:
        samples = samples[::channels]
    if rate != FRAME_RATE:
        count = len(samples) * FRAME_RATE // rate
        samples = array("h", (samples[i * rate // FRAME_RATE] for i in range(count)))
    return samples


def write_wav(placement: Plan, out: Path) -> int:
    """Write the planned session to ``out`` (16-bit mono WAV); returns its length in frames.

    Written to a temporary file beside ``out`` and renamed, so a failed export never leaves half
    a file under the name asked for. The length is ``placement.length_ms`` exactly. Raises
    ``ExportFailed`` for a cue that cannot be read, ``OSError`` for a folder that cannot be written.
    """
    total_frames = placement.length_ms * FRAME_RATE // 1000
    temporary = out.with_name(f".{out.name}.partial")
    written = 0
    try:
        with wave.open(str(temporary), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(FRAME_RATE)

            def silence_until(frame: int) -> None:
                nonlocal written
                while written < frame:
                    count = min(frame - written, _CHUNK_FRAMES)
                    wav.writeframes(bytes(2 * count))
                    written += count

            for sound in placement.placed:
                silence_until(sound.start_ms * FRAME_RATE // 1000)
                frames = _mono_frames(sound.path)[: sound.played_ms * FRAME_RATE // 1000]
                frames = frames[: max(total_frames - written, 0)]
                wav.writeframes(frames.tobytes())
                written += len(frames)
            silence_until(total_frames)
        temporary.replace(out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return written
