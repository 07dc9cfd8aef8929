"""The commands that need a voice but no window: ``timeline`` with measured lengths, and
``export-audio``.

Both compile exactly what the app would play with the given voice, rate and chime: every cue
is rendered (into the app's own cue cache, so the app and these commands share the work), its
length measured, and the routine compiled again with those lengths, until the script stops
changing (the compiler leaves out a lesser cue that would not fit, so lengths can change which
texts are said). Bad input is one line on stderr and exit 2; a routine that does not load is its
``check`` lines and exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from stretch_desktop.cli_common import PROG
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.routine import Routine
from stretch_desktop.core.timeline import Cue, Timeline, compile_routine, cue_texts, spoken_ms
from stretch_desktop.core.timetext import clock_text
from stretch_desktop.core.words import estimate_speech_ms
from stretch_desktop.speech.voice import (
    DEFAULT_ENGINE,
    DEFAULT_RATE,
    ENGINES,
    RATE_MAX,
    RATE_MIN,
    VoiceSettings,
    chime_path,
    cue_folder,
    engine_named,
    rate_from,
)

if TYPE_CHECKING:
    from stretch_desktop.speech.renderer import CueCache

_COMPILE_ROUNDS: Final = 4
"""Compile, render what is new, compile again: the script settles in two rounds in practice
(the second only when measured lengths leave a cue out); this bounds it."""


class BadVoiceOption(ValueError):
    """An unknown voice or a rate out of bounds: the message is the one line to print."""


def add_voice_arguments(parser: argparse.ArgumentParser) -> None:
    """``--voice``, ``--rate`` and ``--chime``. Checked by :func:`voice_settings`, not by
    argparse, whose errors are two lines (usage, then the error) where ours are one."""
    parser.add_argument(
        "--voice",
        metavar="|".join(ENGINES),
        help=f"the voice whose measured lengths to use (default {DEFAULT_ENGINE})",
    )
    parser.add_argument(
        "--rate", metavar="WPM", help=f"words a minute, {RATE_MIN} to {RATE_MAX} ({DEFAULT_RATE})"
    )
    parser.add_argument("--chime", action="store_true", help="a chime before each pose")


def voice_settings(args: argparse.Namespace) -> VoiceSettings | None:
    """The voice the options ask for, or None if none was given (then lengths are estimated).

    Raises :class:`BadVoiceOption`."""
    if args.voice is None and args.rate is None and not args.chime:
        return None
    try:
        engine = engine_named(args.voice) if args.voice is not None else DEFAULT_ENGINE
        rate = rate_from(args.rate) if args.rate is not None else DEFAULT_RATE
    except ValueError as error:
        raise BadVoiceOption(str(error)) from None
    return VoiceSettings(rate=rate, chime=args.chime, engine=engine)


@dataclass(frozen=True, slots=True)
class Measured:
    timeline: Timeline
    cache: CueCache
    synthesiser: str
    fallback: str | None
    """Why the natural voice did not speak (the system voice did), or None."""


def _wav_ms(path: Path) -> int:
    import wave

    with wave.open(str(path)) as wav:
        return int(wav.getnframes() * 1000 // wav.getframerate())


def measure(routine: Routine, pacing: Pacing, settings: VoiceSettings) -> Measured:
    """Compile ``routine`` with the lengths ``settings``' voice actually speaks it at.

    Raises whatever the synthesiser raises when it cannot start or render (the caller says so
    in one line)."""
    from stretch_desktop.speech.renderer import open_local_voice

    chime = chime_path() if settings.chime else None
    cache, synthesiser = open_local_voice(cue_folder(), settings, chime)
    slower = max(1.0, DEFAULT_RATE / settings.rate)

    def speech_ms(text: str) -> int:
        rendered = cache.lookup(text)
        return rendered.duration_ms if rendered else round(estimate_speech_ms(text) * slower)

    measured = replace(pacing, speech_ms=speech_ms, chime_ms=_wav_ms(chime) if chime else 0)
    timeline = compile_routine(routine, measured)
    for _ in range(_COMPILE_ROUNDS):
        missing = [text for text in cue_texts(timeline) if not cache.complete(text)]
        if not missing:
            break
        for text in missing:
            cache.store(text, synthesiser)
        timeline = compile_routine(routine, measured)
    return Measured(timeline, cache, synthesiser.name, getattr(synthesiser, "fallback", None))


def cue_json(cue: Cue, timeline: Timeline) -> dict[str, Any]:
    """A cue as ``timeline --json`` shows it; ``duration_s`` is how long it sounds (chime
    included), measured if the timeline was compiled with a voice, else estimated."""
    return {
        "at_s": round(cue.at_ms / 1000, 3),
        "kind": cue.kind.value,
        "text": cue.text,
        "duration_s": round(spoken_ms(cue, timeline.pacing) / 1000, 3),
    }


def voice_json(settings: VoiceSettings | None, measured: Measured | None) -> dict[str, Any] | None:
    if settings is None or measured is None:
        return None
    return {
        "engine": settings.engine,
        "synthesiser": measured.synthesiser,
        "rate": settings.rate,
        "chime": settings.chime,
        "fallback": measured.fallback,
    }


def longest_silence_ms(placed: list[tuple[int, int]], length_ms: int) -> int:
    """The longest stretch with nothing sounding, from (start, played) pairs in time order."""
    longest, heard_until = 0, 0
    for start, played in placed:
        longest = max(longest, start - heard_until)
        heard_until = max(heard_until, start + played)
    return max(longest, length_ms - heard_until)


def export_audio(
    routine: Routine,
    pacing: Pacing,
    settings: VoiceSettings,
    out: Path,
    say: Callable[[str], None] = print,
) -> int:
    """``export-audio``: the whole session as one WAV file. Returns the exit code."""
    from stretch_desktop.speech.export import ExportFailed, plan, write_wav

    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir() or not folder.is_dir():
        print(f"{PROG}: cannot write {out}: no such folder, or it is a folder", file=sys.stderr)
        return 2
    try:
        measured = measure(routine, pacing, settings)
    except Exception as error:  # no voice at all here: a sentence, not a traceback
        print(f"{PROG}: voice unavailable: {error}", file=sys.stderr)
        return 1
    if measured.fallback:
        print(f"{PROG}: natural voice unavailable: {measured.fallback}", file=sys.stderr)
    placement = plan(measured.timeline, measured.cache.lookup_cue)
    try:
        write_wav(placement, out)
    except ExportFailed as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{PROG}: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 2
    sounds = [(p.start_ms, p.played_ms) for p in placement.placed]
    silence = longest_silence_ms(sounds, placement.length_ms)
    lost = len(placement.dropped)
    say(
        f"{out}: {clock_text(placement.length_ms)} ({placement.length_ms / 1000:.3f} s), "
        f"{len(sounds)} cues, longest silence {silence / 1000:.1f} s, "
        f"{lost} dropped or cut, voice {measured.synthesiser}"
    )
    return 0
