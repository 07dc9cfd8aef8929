"""``stretch-desktop figures ROUTINE --out DIR``: each pose's figure as PNGs, drawn offscreen
by the window's own painter, so what a person checks on disk is what the window shows.

Files are named ``POSE.png`` for a two-sided pose, ``POSE-right.png`` and ``POSE-left.png`` for
a one-sided one, and a flow adds one file per beat, ``POSE[-SIDE]-beatN.png`` (N from 1), each
the keyframe the body reaches at the end of that beat. A bad routine is one line and exit 1, a
folder that cannot be written one line and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from stretch_desktop.cli_common import PROG, routine_or_report
from stretch_desktop.core.figures import beat_picture, figure_name_for, pose_figure, still_picture
from stretch_desktop.core.routine import Side

SIZE_RANGE = (32, 4096)
DEFAULT_SIZE = 480


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    low, high = SIZE_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
    return value


def add_figures_command(commands: Any) -> None:
    """Register ``figures`` on the main parser's subcommands (``cli.build_parser``)."""
    figures = commands.add_parser(
        "figures", help="draw each pose's figure of a routine as PNG files"
    )
    figures.add_argument("routine", metavar="ROUTINE", help="a routine id or a .toml file")
    figures.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write")
    figures.add_argument(
        "--size",
        type=_size,
        default=DEFAULT_SIZE,
        metavar="PX",
        help="width and height of each picture in pixels (default %(default)s)",
    )
    figures.set_defaults(handler=cmd_figures)


def _folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot take the pictures (made if missing), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "not a folder"
    except OSError as error:
        return error.strerror or type(error).__name__
    if not folder.is_dir():
        return "not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "not writable"
    return None


def cmd_figures(args: argparse.Namespace) -> int:
    routine = routine_or_report(args.routine)
    if routine is None:
        return 1
    folder: Path = args.out
    reason = _folder_problem(folder)
    if reason:
        print(f"{PROG}: cannot write figures to {folder}: {reason}", file=sys.stderr)
        return 2
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication

    from stretch_desktop.ui.figure_widget import builtin_figures, render_picture

    app = QGuiApplication.instance() or QGuiApplication([PROG])  # noqa: F841 (Qt needs one)
    library = builtin_figures()
    size = QSize(args.size, args.size)
    written, missing = 0, 0
    for pose in routine.poses:
        figure = pose_figure(pose, library)
        if figure is None:
            name = figure_name_for(pose.id, pose.figure)
            print(f"{PROG}: pose {pose.id!r} has no figure {name!r}", file=sys.stderr)
            missing += 1
            continue
        sides: tuple[Side | None, ...] = (Side.RIGHT, Side.LEFT) if pose.one_sided else (None,)
        for side in sides:
            stem = pose.id if side is None else f"{pose.id}-{side.value}"
            pictures = [(f"{stem}.png", still_picture(figure, side))]
            if figure.flow:
                pictures += [
                    (f"{stem}-beat{beat + 1}.png", beat_picture(figure, beat, side))
                    for beat in range(len(figure.beats))
                ]
            for file, picture in pictures:
                path = folder / file
                if not render_picture(picture, size).save(str(path)):
                    print(f"{PROG}: cannot write {path}", file=sys.stderr)
                    return 2
                written += 1
    print(f"{written} figure{'' if written == 1 else 's'} written to {folder}")
    return 1 if missing else 0
