"""The command line: the window by default, and subcommands that scripts rely on.

The subcommands' output forms (``routines --json``, ``timeline --json``, ``check``'s
``FILE:LINE: field: message``) are a public interface: change them only compatibly. Whatever a
user passes, the answer is a message and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stretch_desktop import voice_cli
from stretch_desktop.cli_common import PROG, report, routine_or_report
from stretch_desktop.core.loader import RoutineError
from stretch_desktop.core.pacing import (
    BREATH_MAX_S,
    BREATH_MIN_S,
    LEAD_IN_MAX_S,
    LEAD_IN_MIN_S,
    BreathCues,
    Pacing,
)
from stretch_desktop.core.routine import Routine, Side
from stretch_desktop.core.timeline import Timeline, compile_routine
from stretch_desktop.core.timetext import clock_text, tenths_text
from stretch_desktop.figures_cli import add_figures_command
from stretch_desktop.library import (
    history_path,
    load_library,
    read_routine_file,
)
from stretch_desktop.progress_cli import add_progress_commands, cmd_history_csv
from stretch_desktop.reminders_cli import add_reminders_command
from stretch_desktop.share_cli import add_share_commands
from stretch_desktop.speech.voice import (
    DEFAULT_ENGINE,
    DEFAULT_RATE,
    RATE_MAX,
    RATE_MIN,
    VoiceSettings,
)


def _seconds(ms: int) -> float:
    """Machine-readable seconds (the JSON forms): exact to the millisecond, not for reading."""
    return round(ms / 1000, 3)


def _routine_summary(routine: Routine, timeline: Timeline) -> dict[str, Any]:
    return {
        "id": routine.id,
        "title": routine.title,
        "source": routine.source,
        "total_s": _seconds(timeline.total_ms),
    }


def timeline_json(timeline: Timeline, voice: dict[str, Any] | None = None) -> dict[str, Any]:
    """``voice`` says which voice measured the lengths (None: they are estimates)."""
    return {
        "routine": _routine_summary(timeline.routine, timeline),
        "voice": voice,
        "phases": [
            {
                "index": phase.index,
                "step": phase.step,
                "kind": phase.kind.value,
                "pose_id": phase.pose.id,
                "pose": phase.pose.name,
                "side": phase.side.value if phase.side else None,
                "start_s": _seconds(phase.start_ms),
                "duration_s": _seconds(phase.duration_ms),
                "breaths": phase.breaths,
                "cues": [voice_cli.cue_json(cue, timeline) for cue in phase.cues],
            }
            for phase in timeline.phases
        ],
    }


def timeline_text(timeline: Timeline) -> str:
    """The table a person reads; times follow the window's rule (core/timetext.py), so a cue
    listed here at 0:07 is the one the window shows at 0:07."""
    routine = timeline.routine
    lines = [
        f"{routine.title}  ({clock_text(timeline.total_ms)}, {len(timeline.steps)} steps)",
        f"Source: {routine.source}",
        "",
        f"{'#':>3} {'step':>4} {'start':>6} {'length':>7}  {'kind':<9} {'pose':<34} "
        f"{'side':<5} breaths",
    ]
    for phase in timeline.phases:
        side = phase.side.value if phase.side else ""
        breaths = "" if phase.breaths is None else str(phase.breaths)
        length = tenths_text(phase.duration_ms)
        lines.append(
            f"{phase.index:>3} {phase.step:>4} {clock_text(phase.start_ms):>6} "
            f"{length:>6}s  {phase.kind.value:<9} {phase.pose.name[:34]:<34} "
            f"{side:<5} {breaths}"
        )
        for cue in phase.cues:
            lines.append(f"{'':>15}{clock_text(cue.at_ms):>6}  {cue.kind.value:<12} {cue.text}")
    return "\n".join(lines)


def _pacing(args: argparse.Namespace) -> Pacing:
    return Pacing(
        inhale_ms=round(args.inhale * 1000),
        exhale_ms=round(args.exhale * 1000),
        lead_in_ms=round(args.lead_in * 1000),
        first_side=Side(args.first_side),
        breath_cues=BreathCues(args.breath_cues),
    )


def _positive(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high``, or a message saying what is wrong."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}")
        return value

    return parse


def cmd_routines(args: argparse.Namespace) -> int:
    library = load_library()
    report(library.problems)
    rows: list[dict[str, Any]] = []
    lengths: list[int] = []
    for routine in library.routines:
        timeline = compile_routine(routine)
        rows.append(
            {**_routine_summary(routine, timeline), "poses": [pose.name for pose in routine.poses]}
        )
        lengths.append(timeline.total_ms)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row, total_ms in zip(rows, lengths, strict=True):
            count = len(row["poses"])
            poses = f"{count} pose{'' if count == 1 else 's'}"
            length = clock_text(total_ms)
            print(f"{row['id']:<32} {length:>6}  {poses:>8}  {row['title']}")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    routine = routine_or_report(args.routine)
    if routine is None:
        return 1
    try:
        settings = voice_cli.voice_settings(args)
    except voice_cli.BadVoiceOption as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    measured = None
    if settings is None:
        timeline = compile_routine(routine, _pacing(args))
    else:
        try:
            measured = voice_cli.measure(routine, _pacing(args), settings)
        except Exception as error:  # no voice here at all: a sentence, not a traceback
            print(f"{PROG}: voice unavailable: {error}", file=sys.stderr)
            return 1
        if measured.fallback:
            print(f"{PROG}: natural voice unavailable: {measured.fallback}", file=sys.stderr)
        timeline = measured.timeline
    if args.json:
        voice = voice_cli.voice_json(settings, measured)
        print(json.dumps(timeline_json(timeline, voice), indent=2, ensure_ascii=False))
    else:
        print(timeline_text(timeline))
    return 0


def cmd_export_audio(args: argparse.Namespace) -> int:
    routine = routine_or_report(args.routine)
    if routine is None:
        return 1
    try:
        settings = voice_cli.voice_settings(args) or VoiceSettings()
    except voice_cli.BadVoiceOption as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    return voice_cli.export_audio(routine, _pacing(args), settings, args.file)


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        try:
            routine = read_routine_file(Path(name))
        except RoutineError as error:
            report(error.problems)
            failed = True
        else:
            print(f"{name}: ok ({routine.id}, {len(routine.steps)} steps)")
    return 1 if failed else 0


def cmd_say(args: argparse.Namespace) -> int:
    """Speak through the same chain as a session, and say what it used and how fast it was.
    A natural voice that is missing or broken falls back to the system voice, as in the app,
    and says why on stderr; the first line names the synthesiser that actually spoke."""
    import tempfile
    import time

    from stretch_desktop.speech.player import PlayerUnavailable, find_player
    from stretch_desktop.speech.renderer import VoiceSettings, open_local_voice
    from stretch_desktop.speech.voice import engine_named, rate_from

    text = " ".join(args.text).strip()
    try:
        engine = engine_named(args.voice)
        rate = rate_from(str(args.rate))
    except ValueError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    if not text:
        print(f"{PROG}: nothing to say", file=sys.stderr)
        return 2
    try:
        player = find_player()
    except PlayerUnavailable as error:
        print(f"{PROG}: voice unavailable: {error}", file=sys.stderr)
        return 1
    settings = VoiceSettings(voice=args.voice_id, rate=rate, engine=engine)
    with tempfile.TemporaryDirectory(prefix="stretch-say-") as folder:
        started = time.perf_counter()
        try:
            cache, synthesiser = open_local_voice(Path(folder), settings)
            ready = time.perf_counter()
            if synthesiser.fallback is not None:
                print(
                    f"{PROG}: natural voice unavailable: {synthesiser.fallback}; "
                    "the system voice speaks instead",
                    file=sys.stderr,
                )
            rendered = cache.store(text, synthesiser)
        except Exception as error:  # no libespeak-ng, a bad voice id: a message, not a trace
            print(f"{PROG}: voice unavailable: {error}", file=sys.stderr)
            return 1
        rendered_at = time.perf_counter()
        try:
            player.play(rendered.path)
        except OSError as error:
            print(f"{PROG}: the player {player.name} failed: {error}", file=sys.stderr)
            return 1
        playing_at = time.perf_counter()
        print(f"synthesiser: {synthesiser.name}")
        print(f"player: {player.name}")
        print(f"start-up: {(ready - started) * 1000:.0f} ms")
        print(
            f"rendering: {(rendered_at - ready) * 1000:.0f} ms "
            f"({rendered.duration_ms / 1000:.2f} s of speech)"
        )
        print(f"playback start: {(playing_at - rendered_at) * 1000:.0f} ms", flush=True)
        while player.playing:  # wait for the sound to end, so the files can be removed
            time.sleep(0.02)
        if player.error:
            print(f"{PROG}: {player.error}", file=sys.stderr)
            return 1
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Read-only: it needs no write access, and leaves the file (damaged or not) as it is."""
    if args.csv:  # with each session's reach: progress_cli.py
        return cmd_history_csv(args)
    from stretch_desktop.storage.history import History, HistoryUnavailable

    try:
        history = History(history_path(), read_only=True)
        try:
            records = history.sessions()
        finally:
            history.close()
    except HistoryUnavailable as error:
        print(f"{PROG}: history unavailable: {error}", file=sys.stderr)
        return 1
    if history.notice:  # rows that could not be read: said once, on one line
        print(f"{PROG}: {history.notice}", file=sys.stderr)
    if args.json:
        print(json.dumps([record.public() for record in records], indent=2, ensure_ascii=False))
        return 0
    for record in records:
        row = record.public()
        # From the stored seconds, not the JSON's (rounded to a tenth): the window does the same.
        minutes = clock_text(round(record.active_s * 1000))
        print(
            f"{row['started_at']}  {row['status']:<11} {minutes:>6}  "
            f"{row['steps_done']} done, {row['steps_skipped']} skipped  {row['title']}"
        )
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    if args.start:  # before the window's module: the first cue waits for the voice to load
        from stretch_desktop.ui.settings import start_voice_early

        start_voice_early()
    from stretch_desktop.ui.app import run  # Qt is imported only when a window is wanted

    return run(args)


class _Version(argparse.Action):
    """--version: argparse's own action would want the text before the arguments are parsed."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from stretch_desktop import __version__

        print(f"{PROG} {__version__}")
        parser.exit()


def _add_pacing_arguments(parser: argparse.ArgumentParser) -> None:
    """The pacing a person may choose, as the window's Preferences offer it."""
    defaults = Pacing()
    parser.add_argument(
        "--inhale",
        type=_positive(BREATH_MIN_S, BREATH_MAX_S),
        default=defaults.inhale_ms / 1000,
        metavar="S",
        help="seconds per inhale (default %(default)s)",
    )
    parser.add_argument(
        "--exhale",
        type=_positive(BREATH_MIN_S, BREATH_MAX_S),
        default=defaults.exhale_ms / 1000,
        metavar="S",
        help="seconds per exhale (default %(default)s)",
    )
    parser.add_argument(
        "--lead-in",
        type=_positive(LEAD_IN_MIN_S, LEAD_IN_MAX_S),
        default=defaults.lead_in_ms / 1000,
        metavar="S",
        help="seconds before each pose (default %(default)s)",
    )
    parser.add_argument(
        "--first-side", choices=[s.value for s in Side], default=defaults.first_side.value
    )
    parser.add_argument(
        "--breath-cues", choices=[b.value for b in BreathCues], default=defaults.breath_cues.value
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="A hands-free guide through stretching routines."
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    parser.add_argument("--routine", metavar="ID|FILE", help="preselect a routine in the window")
    parser.add_argument("--start", action="store_true", help="start the routine at once")
    parser.add_argument("--fullscreen", action="store_true", help="open full screen")
    parser.add_argument("--tray", action="store_true", help="start hidden in the tray, to remind")
    parser.add_argument("--mute", action="store_true", help="start with the voice muted")
    parser.add_argument(
        "--resume",
        choices=["ask", "yes", "no"],
        default="ask",
        help="after a crash, resume the interrupted session (default: ask)",
    )
    parser.add_argument(
        "--cue-log",
        type=Path,
        metavar="FILE",
        help="append one JSON line per cue: when it was due, spoken, dropped or cut",
    )
    parser.set_defaults(handler=cmd_gui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    routines = commands.add_parser("routines", help="list built-in and user routines")
    routines.add_argument("--json", action="store_true", help="machine-readable output")
    routines.set_defaults(handler=cmd_routines)

    timeline = commands.add_parser("timeline", help="show the timed phases and cues of a routine")
    timeline.add_argument("routine", metavar="ROUTINE", help="a routine id or a .toml file")
    timeline.add_argument("--json", action="store_true", help="machine-readable output")
    _add_pacing_arguments(timeline)
    voice_cli.add_voice_arguments(timeline)
    timeline.set_defaults(handler=cmd_timeline)

    export = commands.add_parser(
        "export-audio", help="the whole guided session as one WAV file, every cue at its time"
    )
    export.add_argument("routine", metavar="ROUTINE", help="a routine id or a .toml file")
    export.add_argument("file", metavar="FILE.wav", type=Path)
    _add_pacing_arguments(export)
    voice_cli.add_voice_arguments(export)
    export.set_defaults(handler=cmd_export_audio)

    say = commands.add_parser("say", help="speak TEXT with the session's voice and report timings")
    say.add_argument("text", nargs="+", metavar="TEXT")
    say.add_argument(
        "--voice",
        default=DEFAULT_ENGINE,
        metavar="system|natural",
        help="the natural voice (Piper) or the system voice (pyttsx3); default %(default)s",
    )
    say.add_argument("--voice-id", metavar="ID", help="a system voice id (default: espeak's)")
    say.add_argument(
        "--rate",
        default=DEFAULT_RATE,
        metavar="WPM",
        help=f"words a minute, {RATE_MIN} to {RATE_MAX} (default %(default)s)",
    )
    say.set_defaults(handler=cmd_say)

    history = commands.add_parser("history", help="past sessions, newest first")
    form = history.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--csv", action="store_true", help="CSV with each session's reach")
    history.set_defaults(handler=cmd_history)

    add_figures_command(commands)
    add_share_commands(commands)
    add_progress_commands(commands)
    add_reminders_command(commands)

    check = commands.add_parser("check", help="validate routine files")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=cmd_check)
    return parser


def _restore_library_path() -> None:
    """In a PyInstaller bundle: child programs (the audio player) get the user's library path.

    The bundle's launcher puts its own libraries (glib, dbus, ...) first on LD_LIBRARY_PATH and
    keeps the original in LD_LIBRARY_PATH_ORIG. A system player started with that path would
    load the bundle's copies instead of its own, and may fail on another distribution. This
    process loaded its libraries already, and the voice process (the bundle again) sets its own.
    """
    if not (getattr(sys, "frozen", False) and sys.platform.startswith("linux")):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:  # the user had none: the launcher's is all there is
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original


def main(argv: Sequence[str] | None = None) -> int:
    _restore_library_path()
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["_render-server"]:  # the voice process, when this program is a bundle
        from stretch_desktop.speech.render_process import serve

        return serve()
    args = build_parser().parse_args(arguments)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `stretch-desktop timeline x | head`
        return 0
