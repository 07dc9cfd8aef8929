"""Where routines come from: the built-in ones shipped in the package, and the user's folder.

This is the I/O edge of routine loading: it reads bytes and hands them to the pure loader. A broken
user file is reported and skipped so the others still load; the built-in routines are read with
``importlib.resources`` so they are found from a wheel, a zip or a PyInstaller bundle alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import platformdirs

from stretch_desktop.core.loader import MAX_FILE_BYTES, Problem, RoutineError, load_routine
from stretch_desktop.core.routine import Routine

APP_NAME = "stretch-desktop"
MAX_USER_FILES = 500
"""More files than this in the user folder are not read: the folder is not a dumping ground."""


def user_data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def user_routines_dir() -> Path:
    return user_data_dir() / "routines"


def history_path() -> Path:
    """The session history database: one path for the window and ``stretch-desktop history``,
    so the command line always lists the sessions the window kept."""
    return user_data_dir() / "history.sqlite3"


def read_routine_file(path: Path) -> Routine:
    """Load one routine file; any failure, including I/O, is a :class:`RoutineError`."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RoutineError([Problem(name, 1, "file", f"cannot read: {reason}")]) from None
    return load_routine(content, name)


def builtin_routines() -> list[Routine]:
    folder = resources.files("stretch_desktop") / "resources" / "routines"
    found = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    return [load_routine(entry.read_bytes(), f"builtin:{entry.name}") for entry in found]


@dataclass
class Library:
    """Every routine that loaded, and a problem line for every file that did not."""

    routines: list[Routine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def find(self, routine_id: str) -> Routine | None:
        return next((r for r in self.routines if r.id == routine_id), None)

    def suggestion(self, routine_id: str) -> str:
        import difflib  # only for a mistyped id: 1.3-1.9 ms of start-up otherwise (-X importtime)

        ids = [r.id for r in self.routines]
        close = difflib.get_close_matches(routine_id, ids, n=1, cutoff=0.5)
        return f" (did you mean {close[0]!r}?)" if close else ""


def load_library(user_dir: Path | None = None) -> Library:
    """Built-in routines first, then the user's, in file-name order. Never raises for a file."""
    library = Library(routines=builtin_routines())
    folder = user_routines_dir() if user_dir is None else user_dir
    try:
        files = sorted(path for path in folder.glob("*.toml") if path.is_file())
    except OSError:
        files = []
    for path in files[:MAX_USER_FILES]:
        try:
            routine = read_routine_file(path)
        except RoutineError as error:
            library.problems.extend(error.problems)
            continue
        if library.find(routine.id) is not None:
            library.problems.append(
                Problem(str(path), 1, "id", f"{routine.id!r} is already used; file skipped")
            )
            continue
        library.routines.append(routine)
    if len(files) > MAX_USER_FILES:
        library.problems.append(
            Problem(str(folder), 1, "folder", f"only the first {MAX_USER_FILES} files were read")
        )
    return library


def import_routine(source: Path, folder: Path | None = None) -> tuple[Routine, Path]:
    """Validate ``source``, then copy it into the user's routines folder (atomically).

    Raises RoutineError for a broken file (nothing is copied) and OSError if the folder cannot
    be written. The copy is named after the routine's id, so importing again replaces it.
    """
    read_routine_file(source)  # validate first: a broken file is never copied
    folder = user_routines_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    routine_id = read_routine_file(source).id
    target = folder / f"{routine_id}.toml"
    temporary = folder / f".{routine_id}.toml.importing"
    temporary.write_bytes(source.read_bytes())
    os.replace(temporary, target)
    return read_routine_file(target), target


def resolve(reference: str, library: Library) -> Routine:
    """A routine by id, or by path when ``reference`` names a ``.toml`` file or has a slash."""
    path = Path(reference)
    if reference.endswith(".toml") or "/" in reference or path.exists():
        return read_routine_file(path)
    routine = library.find(reference)
    if routine is None:
        raise UnknownRoutine(f"no routine {reference!r}{library.suggestion(reference)}")
    return routine


class UnknownRoutine(LookupError):
    """A routine id that is neither built in nor in the user's folder."""
