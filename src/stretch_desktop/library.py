"""Where routines come from: the built-in ones shipped in the package, and the user's folder.

This is the I/O edge of routine loading: it reads bytes and hands them to the pure loader. A broken
user file is reported and skipped so the others still load; the built-in routines are read with
``importlib.resources`` so they are found from a wheel, a zip or a PyInstaller bundle alike.

Only regular files are read, and never in a way that can wait: a named pipe, a device, a folder
named ``x.toml``, a dangling link or a link loop is reported like any broken file, as is a
routines folder that cannot be listed. Reading the user's folder therefore costs the time to
read its files and no more (the loader is linear in a file's size and bounds what a file expands
to), and at most :data:`MAX_USER_BYTES` of them are read, which is why it may run before the
window's first paint.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import platformdirs

from stretch_desktop.core.loader import MAX_FILE_BYTES, Problem, RoutineError, load_routine
from stretch_desktop.core.routine import Routine

APP_NAME = "stretch-desktop"
MAX_USER_FILES = 500
"""More files than this in the user folder are not read: the folder is not a dumping ground."""
MAX_USER_BYTES = 2 * 1024 * 1024
"""The most bytes read from the user folder at start-up (files past it are not read, and that
is said). The folder is read before the window's first paint; the loader takes at most about
1.4 s a MiB (the slowest 256 KiB files measured, on a busy machine), so this keeps the worst
folder to about 3 s, while 500 ordinary routines (the built-in ones are 3-8 KB) fit."""


def user_data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def user_routines_dir() -> Path:
    return user_data_dir() / "routines"


def history_path() -> Path:
    """The session history database: one path for the window and ``stretch-desktop history``,
    so the command line always lists the sessions the window kept."""
    return user_data_dir() / "history.sqlite3"


def _not_a_file(mode: int) -> str | None:
    """What a file of ``mode`` is, if it is not a regular file (which is all we read)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe, not a file (reading it could wait forever)"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def _cannot_open(path: Path, error: OSError) -> str:
    """The reason a path could not be opened, in a person's words where the OS's are cryptic."""
    if error.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if isinstance(error, FileNotFoundError) and path.is_symlink():
        try:
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        except OSError:  # replaced meanwhile: the general reason will do
            pass
    return f"cannot read: {error.strerror or type(error).__name__}"


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a pipe swapped in after the check must not block the open
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def read_file_bytes(path: Path) -> bytes:
    """The first ``MAX_FILE_BYTES + 1`` bytes of the regular file at ``path`` (links followed).

    Anything else (a folder, a named pipe, a device, a dangling link, a link loop, a file that
    cannot be opened) is a :class:`RoutineError` naming it, found without waiting: the type is
    checked with ``stat`` before opening, the open does not block, and the opened file's type
    is checked again, in case it was swapped in between.
    """
    name = str(path)

    def refuse(message: str) -> RoutineError:
        return RoutineError([Problem(name, 1, "file", message)])

    try:
        kind = _not_a_file(os.stat(path).st_mode)
        if kind:
            raise refuse(kind)
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise refuse(_cannot_open(path, error)) from None
    try:
        kind = _not_a_file(os.fstat(descriptor).st_mode)
        if kind:
            raise refuse(kind)
        chunks: list[bytes] = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(descriptor, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror or type(error).__name__}") from None
    finally:
        os.close(descriptor)


@functools.cache
def builtin_figure_names() -> frozenset[str]:
    """The figures shipped in the package, by name (their files' stems): what a pose's
    ``figure = "..."`` may name. Listed, not read: the figures are loaded by the window after
    its first paint, and a name's file is checked by the figure tests."""
    folder = resources.files("stretch_desktop") / "resources" / "figures"
    return frozenset(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def read_routine_file(path: Path) -> Routine:
    """Load one routine file; any failure, including I/O, is a :class:`RoutineError`."""
    return load_routine(read_file_bytes(path), str(path), builtin_figure_names())


def builtin_routines() -> list[Routine]:
    folder = resources.files("stretch_desktop") / "resources" / "routines"
    found = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    return [
        load_routine(entry.read_bytes(), f"builtin:{entry.name}", builtin_figure_names())
        for entry in found
    ]


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


def _routine_files(folder: Path) -> tuple[list[Path], Problem | None]:
    """The ``*.toml`` entries of ``folder`` in name order, whatever they are (each is checked as
    it is read), or the problem that kept the folder from being listed. No folder at all is no
    problem: it is made when the first routine is imported."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                entry.name for entry in entries if os.path.normcase(entry.name).endswith(".toml")
            )
    except FileNotFoundError:
        if not folder.is_symlink():
            return [], None
        return [], Problem(str(folder), 1, "folder", "a symbolic link to nothing")
    except NotADirectoryError:
        return [], Problem(str(folder), 1, "folder", "not a folder")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return [], Problem(str(folder), 1, "folder", f"cannot read: {reason}")
    return [folder / name for name in names], None


def load_library(user_dir: Path | None = None) -> Library:
    """Built-in routines first, then the user's, in file-name order. Never raises for a file.

    Every ``*.toml`` entry that is not a usable routine (broken, unreadable, not a regular file)
    and a folder that cannot be listed each give a problem line: nothing is skipped silently.
    """
    library = Library(routines=builtin_routines())
    folder = user_routines_dir() if user_dir is None else user_dir
    files, unlisted = _routine_files(folder)
    if unlisted:
        library.problems.append(unlisted)
    budget = MAX_USER_BYTES
    for number, path in enumerate(files):
        if number == MAX_USER_FILES or budget <= 0:
            library.problems.append(
                Problem(
                    str(folder),
                    1,
                    "folder",
                    f"only the first {number} files were read (at most {MAX_USER_FILES} files "
                    f"and {MAX_USER_BYTES // (1024 * 1024)} MiB)",
                )
            )
            break
        try:
            content = read_file_bytes(path)
            budget -= len(content)
            routine = load_routine(content, str(path), builtin_figure_names())
        except RoutineError as error:
            library.problems.extend(error.problems)
            continue
        if library.find(routine.id) is not None:
            library.problems.append(
                Problem(str(path), 1, "id", f"{routine.id!r} is already used; file skipped")
            )
            continue
        library.routines.append(routine)
    return library


def import_routine(source: Path, folder: Path | None = None) -> tuple[Routine, Path]:
    """Validate ``source``, then copy it into the user's routines folder (atomically).

    Raises RoutineError for a broken file (nothing is copied) and OSError if the folder cannot
    be written. The copy is named after the routine's id, so importing again replaces it.
    """
    content = read_file_bytes(source)  # read once: what is checked is what is copied
    # A broken file is never copied.
    routine_id = load_routine(content, str(source), builtin_figure_names()).id
    folder = user_routines_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{routine_id}.toml"
    temporary = folder / f".{routine_id}.toml.importing"
    temporary.write_bytes(content)
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
