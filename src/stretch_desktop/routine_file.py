"""A routine file as a document that can be edited and written back without losing its style.

The editor and ``stretch-desktop export/import`` change routine files that people (and the
built-in routines) wrote by hand, with comments (``# chosen: ...``) and a key order that carry
meaning. A parse-to-dict-and-dump writer would drop both, so the file is held as a tomlkit
document: an unchanged document writes back byte for byte, and an edit changes only the value
it touches. Validation is never done here: the text is handed to the loader
(:func:`stretch_desktop.core.loader.load_routine`), so the editor's messages are ``check``'s.

Writes go to a temporary file in the target's folder, are flushed to disk, then renamed over
the target, so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array

from stretch_desktop.core.loader import Problem, RoutineError, load_routine
from stretch_desktop.core.routine import Routine
from stretch_desktop.library import (
    builtin_figure_names,
    load_library,
    read_file_bytes,
    user_routines_dir,
)

StepPath = tuple[int, ...]
"""A step's place: ``(3,)`` is ``steps[3]``, ``(3, 1)`` is ``steps[3].steps[1]`` (in a block)."""

STEP_KINDS = ("hold", "rest", "flow", "contract_relax", "sides")
_AMOUNT_KEYS = {
    "hold": ("seconds", "breaths"),
    "rest": ("seconds", "breaths"),
    "flow": ("beat_seconds", "beat_breaths"),
}
_ID_CHARS = re.compile(r"[^a-z0-9-]+")


class DocumentError(ValueError):
    """Text that tomlkit cannot hold as a document (the loader says why, line by line)."""


def parse_text(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as error:
        raise DocumentError(str(error)) from None


def slug(text: str) -> str:
    """An id (lower-case letters, digits, dashes) made from a title, as the loader accepts."""
    made = _ID_CHARS.sub("-", text.lower()).strip("-")[:64].strip("-")
    return made or "my-routine"


def new_routine_text(routine_id: str = "my-routine", title: str = "My routine") -> str:
    """The file a new routine starts from. It does not validate yet (no pose, no step): the
    editor shows what is missing, in ``check``'s words."""
    doc = tomlkit.document()
    doc.add("format", 1)
    doc.add("id", routine_id)
    doc.add("title", title)
    doc.add("source", "My own routine")
    doc.add(tomlkit.nl())
    return tomlkit.dumps(doc)


def validate(text: str, name: str) -> tuple[Routine | None, list[Problem]]:
    """The routine in ``text`` or every problem with it, exactly as ``check`` reports them."""
    try:
        return load_routine(text, name, builtin_figure_names()), []
    except RoutineError as error:
        return None, list(error.problems)


def write_atomically(path: Path, text: str) -> None:
    """``text`` at ``path``, replacing what was there in one step (temporary file, fsync,
    rename), so a crash mid-write leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".saving", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def source_text(routine: Routine) -> str:
    """The text of the file ``routine`` was loaded from (a built-in one inside the package)."""
    if routine.origin.startswith("builtin:"):
        name = routine.origin.removeprefix("builtin:")
        entry = resources.files("stretch_desktop") / "resources" / "routines" / name
        return entry.read_bytes().decode("utf-8")
    return read_text(Path(routine.origin))


def is_builtin(routine: Routine) -> bool:
    return routine.origin.startswith("builtin:")


def read_text(path: Path) -> str:
    """A routine file's text as written (no newline translation: saving it back is identical).
    Raises RoutineError for what is not a readable UTF-8 regular file."""
    content = read_file_bytes(path)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise RoutineError([Problem(str(path), 1, "file", "not UTF-8 text")]) from None


class RoutineDocument:
    """One routine file being edited: a tomlkit document and the edits the editor makes.

    Every edit changes only the value it names; everything else keeps its bytes. Lists of text
    (instructions, cautions...) are given whole; an empty one removes the key, as an empty
    optional text does, so the file stays as small as a hand-written one.
    """

    def __init__(self, text: str) -> None:
        self.doc = parse_text(text)

    def text(self) -> str:
        return tomlkit.dumps(self.doc)

    # --- reading ------------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        return _plain(self.doc.get(key))

    def poses(self) -> list[Any]:
        found = self.doc.get("poses")
        return list(found) if isinstance(found, list) else []

    def pose(self, index: int) -> Any:
        return self.poses()[index]

    def steps(self, block: int | None = None) -> list[Any]:
        container = self.doc if block is None else self.steps()[block]
        found = container.get("steps")
        return list(found) if isinstance(found, list) else []

    def step(self, path: StepPath) -> Any:
        if len(path) == 1:
            return self.steps()[path[0]]
        return self.steps(path[0])[path[1]]

    # --- editing ------------------------------------------------------------------------------

    def set_value(self, table: Any, key: str, value: object) -> None:
        """``value`` under ``key`` in ``table`` (the document itself, a pose or a step); None,
        an empty text or an empty list removes the key. A value equal to the one there is left
        as written (its comment, its number style)."""
        empty = value is None or value == "" or (isinstance(value, list) and not value)
        if empty:
            if key in table:
                del table[key]
            return
        if key in table and _plain(table[key]) == value:
            return
        old = table.get(key)
        if isinstance(old, Array) and isinstance(value, list):
            _update_array(old, value)
            return
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            # tomlkit would write a list of tables as [[pose.key]] tables; a routine file
            # writes them as a list of inline tables (spoken cautions, breath beats).
            inline = tomlkit.array()
            for item in value:
                inline.append(_inline(item))
            value = inline
        table[key] = value
        if old is not None:
            _keep_trivia(old, table[key])

    def set_routine(self, key: str, value: object) -> None:
        self.set_value(self.doc, key, value)

    def add_pose(self, pose_id: str, name: str) -> int:
        pose = tomlkit.table()
        pose.add("id", pose_id)
        pose.add("name", name)
        pose.add("instructions", [f"Come into {name}."])
        pose.add(tomlkit.nl())  # a blank line before the next header, as people write them
        self._array("poses").append(pose)
        return len(self.poses()) - 1

    def remove_pose(self, index: int) -> None:
        del self._array("poses")[index]
        self._tidy("poses")

    def move_pose(self, index: int, to: int) -> None:
        _move(self._array("poses"), index, to)

    def add_step(self, kind: str, pose: str, block: int | None = None) -> StepPath:
        """A new step of ``kind`` with amounts that validate, at the end (of ``block``)."""
        step = tomlkit.table()
        step.add("kind", kind)
        if kind == "sides":
            step.add("name", "Each side")
        else:
            step.add("pose", pose)
        if kind in ("hold", "rest"):
            step.add("breaths", 5)
        elif kind == "flow":
            step.add("repetitions", 5)
            step.add("beats", ["Inhale", "Exhale"])
            step.add("beat_seconds", 3)
        elif kind == "contract_relax":
            step.add("cycles", 3)
            step.add("contract_seconds", 5)
            step.add("relax_seconds", 5)
        step.add(tomlkit.nl())
        if block is None:
            self._array("steps").append(step)
            return (len(self.steps()) - 1,)
        self._array("steps", self.steps()[block]).append(step)
        return (block, len(self.steps(block)) - 1)

    def remove_step(self, path: StepPath) -> None:
        if len(path) == 1:
            del self._array("steps")[path[0]]
            self._tidy("steps")
        else:
            block = self.steps()[path[0]]
            del block["steps"][path[1]]
            if not block["steps"]:
                del block["steps"]

    def move_step(self, path: StepPath, to: int) -> None:
        if len(path) == 1:
            _move(self._array("steps"), path[0], to)
        else:
            _move(self._array("steps", self.steps()[path[0]]), path[1], to)

    def arrange_poses(self, order: list[int]) -> None:
        """The poses in ``order`` (their old places), as drag and drop leaves them."""
        poses = self.poses()
        if sorted(order) != list(range(len(poses))):
            return
        array = self._array("poses")
        while len(array):
            del array[0]
        for index in order:
            array.append(poses[index])

    def arrange_steps(self, order: list[tuple[StepPath, list[StepPath]]]) -> None:
        """Put the steps in ``order``: each top-level step by its old place, with the old places
        of the steps inside it (a sides block's). What drag and drop produces; every table
        keeps its own keys and comments, wherever it lands."""
        tables: dict[StepPath, Any] = {}
        for index, step in enumerate(self.steps()):
            tables[(index,)] = step
            for inner, child in enumerate(self.steps(index)):
                tables[(index, inner)] = child
        placed = [path for top, children in order for path in (top, *children)]
        if sorted(placed) != sorted(tables):
            return  # not a rearrangement of these steps: left as it is
        top_level = self._array("steps")
        while len(top_level):
            del top_level[0]
        for top, children in order:
            table = tables[top]
            if str(table.get("kind")) == "sides":
                inner_steps = self._array("steps", table)
                while len(inner_steps):
                    del inner_steps[0]
                for path in children:
                    inner_steps.append(tables[path])
                top_level.append(table)
            else:  # a step cannot hold steps: what was dropped on it follows it
                top_level.append(table)
                for path in children:
                    top_level.append(tables[path])

    def set_amount(self, path: StepPath, amount: float, unit: str) -> None:
        """A hold's or rest's length (``seconds`` or ``breaths``), or a flow beat's; the other
        unit's key goes, so the step says one thing."""
        step = self.step(path)
        keys = _AMOUNT_KEYS[str(step["kind"])]
        key = keys[0] if unit == "seconds" else keys[1]
        other = keys[1] if key == keys[0] else keys[0]
        if other in step:
            old = step[other]
            # The key changes name where it stands (tomlkit's own rename), comment and all.
            step.value._replace(other, key, tomlkit.item(_number(amount)))
            _keep_trivia(old, step[key])
        else:
            self.set_value(step, key, _number(amount))

    def replace_id(self, routine_id: str, title: str | None = None) -> None:
        self.set_routine("id", routine_id)
        if title is not None:
            self.set_routine("title", title)

    # --- helpers ------------------------------------------------------------------------------

    def _array(self, key: str, table: Any = None) -> Any:
        container = self.doc if table is None else table
        if key not in container:
            container.append(key, tomlkit.aot())
        return container[key]

    def _tidy(self, key: str) -> None:
        if key in self.doc and not self.doc[key]:
            del self.doc[key]


def _plain(value: Any) -> Any:
    """A tomlkit value as plain Python (str, int, float, bool, list, dict)."""
    if value is None:
        return None
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def _update_array(array: Array, values: list[Any]) -> None:
    """``array`` made equal to ``values`` in place: items that did not change keep the way they
    are written (a multi-line list, an inline table's spacing); only changed items are new."""
    for index, value in enumerate(values):
        if index >= len(array):
            array.append(_inline(value))
        elif _plain(array[index]) != value:
            array[index] = _inline(value)
    while len(array) > len(values):
        del array[len(values)]


def _inline(value: Any) -> Any:
    """A dict as an inline table written ``{text = "…", when = "once"}``: tomlkit's own
    conversion drops the space after each comma."""
    if not isinstance(value, dict):
        return value
    table = tomlkit.inline_table()
    table.update(value)
    return table


def _keep_trivia(old: Any, new: Any) -> None:
    """The replaced value's comment and the spaces around it, on the value that replaces it
    (``breaths = 8  # chosen: ...`` stays a chosen number with its reason)."""
    before, after = getattr(old, "trivia", None), getattr(new, "trivia", None)
    if before is None or after is None:
        return
    after.indent = before.indent
    after.comment_ws = before.comment_ws
    after.comment = before.comment
    after.trail = before.trail
    if isinstance(old, Array) and isinstance(new, Array) and "\n" in old.as_string():
        new.multiline(True)  # a list written one item a line stays one item a line


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _move(array: AoT, index: int, to: int) -> None:
    """Move a table within an array of tables; each table keeps its own comments and spacing."""
    items = list(array)
    if not (0 <= index < len(items) and 0 <= to < len(items)) or index == to:
        return
    items.insert(to, items.pop(index))
    while len(array):
        del array[0]
    for table in items:
        array.append(table)


class ImportRefused(Exception):
    """An import that would replace another routine, or names an id that cannot be used."""


def import_text(text: str, name: str, new_id: str | None, folder: Path | None = None) -> Path:
    """Check ``text`` and write it into the user's routines folder as ``ID.toml``.

    Raises RoutineError (``check``'s problems) for a bad file and ImportRefused for an id clash,
    so the window's drop and Import… say the same as the command line.
    """
    routine, problems = validate(text, name)
    if routine is None:
        raise RoutineError(problems)
    if new_id is not None and new_id != routine.id:
        try:
            document = RoutineDocument(text)
        except DocumentError as error:  # pragma: no cover - the loader accepted it
            raise ImportRefused(str(error)) from None
        document.set_routine("id", new_id)
        text = document.text()
        routine, problems = validate(text, name)
        if routine is None:
            raise RoutineError(problems)
    library = load_library(folder)
    if library.find(routine.id) is not None:
        hint = "" if new_id is not None else "; import it with --id NEW"
        raise ImportRefused(f"a routine with the id {routine.id!r} already exists{hint}")
    target = (user_routines_dir() if folder is None else folder) / f"{routine.id}.toml"
    write_atomically(target, text)
    return target
