"""What every command shares: the program's name in messages, and finding the routine a person
named, or saying in their own lines why not (``check``'s lines, or an unknown id with a
suggestion). Kept apart from ``cli.py`` so the command modules it imports can use it too."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Final

from stretch_desktop.core.loader import RoutineError
from stretch_desktop.core.routine import Routine
from stretch_desktop.library import UnknownRoutine, load_library, resolve

PROG: Final = "stretch-desktop"


def report(problems: Sequence[object]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def routine_or_report(reference: str) -> Routine | None:
    """The routine ``reference`` names (an id or a file), or None once the reason is printed."""
    try:
        return resolve(reference, load_library())
    except RoutineError as error:
        report(error.problems)
    except UnknownRoutine as error:
        print(f"{PROG}: {error.args[0]}", file=sys.stderr)
    return None
