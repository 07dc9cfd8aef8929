"""A routine file brought into the window (dropped on it): checked, given a new id if its own is
taken, and written into the user's routines folder.

The window calls this with the ids it lists and its ``Dialogs``; the checks are the loader's and
the writing is ``routine_file.import_text``'s, so the window and ``stretch-desktop import`` say
the same things. Kept apart from the window so tomlkit is imported only when a file arrives.
"""

from __future__ import annotations

from pathlib import Path

from stretch_desktop.core.loader import RoutineError
from stretch_desktop.core.routine import Routine
from stretch_desktop.library import read_routine_file
from stretch_desktop.routine_file import ImportRefused, import_text, read_text, validate
from stretch_desktop.ui.dialogs import Dialogs

MOST_LINES_SHOWN = 10
"""A broken file's first problems are shown; ``stretch-desktop check`` lists them all."""


def free_id(routine_id: str, taken: set[str]) -> str:
    """``routine_id`` with the first free number after it: ``toe-touch-2``, ``toe-touch-3``…"""
    number = 2
    while f"{routine_id}-{number}" in taken:
        number += 1
    return f"{routine_id}-{number}"


def import_routine_file(path: Path, taken: set[str], dialogs: Dialogs) -> Routine | None:
    """Import ``path``; None (after saying why, or after the person said no) if nothing was."""
    try:
        text = read_text(path)
        routine, problems = validate(text, str(path))
        if routine is None:
            raise RoutineError(problems)
        new_id = None
        if routine.id in taken:
            new_id = free_id(routine.id, taken)
            if not dialogs.confirm(
                "Id in use",
                f"A routine with the id {routine.id!r} is already in your list. "
                f"Import this one as {new_id!r}?",
            ):
                return None
        return read_routine_file(import_text(text, str(path), new_id))
    except RoutineError as error:
        lines = "\n".join(str(problem) for problem in error.problems[:MOST_LINES_SHOWN])
        more = len(error.problems) - MOST_LINES_SHOWN
        if more > 0:
            lines += f"\n… and {more} more (stretch-desktop check lists them all)"
        dialogs.inform("Routine not imported", lines)  # each line names the file and line
    except (ImportRefused, OSError) as error:
        dialogs.inform("Routine not imported", f"{path.name}: {error}")
    return None
