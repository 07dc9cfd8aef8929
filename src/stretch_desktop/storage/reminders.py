"""The reminders a person set, in one small JSON file beside the history.

One file serves the window and ``stretch-desktop reminders``, so either sees what the other
saved. It is written atomically (a temporary file, fsync, rename): a crash mid-save leaves the
old list whole. Reading never raises: a file that cannot be understood is moved aside with a
timestamp (never overwritten by the next save, so nothing is lost) and the reason comes back as
one line for the window's notice bar or the command's stderr; a file that cannot be read at all
is left where it is. A file written by a newer version is left as it is too.

The form is ``{"version": 1, "reminders": [{"id", "time", "days", "routine"}]}``; each entry is
checked with the same parsers as typed input (``core/reminders``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from stretch_desktop.core.reminders import (
    DAYS,
    Reminder,
    ReminderError,
    ScheduleState,
    parse_days,
    parse_time,
)
from stretch_desktop.library import user_data_dir

VERSION: Final = 1
MAX_BYTES: Final = 256 * 1024
"""Far more than any list a person keeps (an entry is about 70 bytes); a bigger file is not
ours, and is not read whole."""
MAX_REMINDERS: Final = 1000
_ID: Final = re.compile(r"r(\d+)")


class ReminderStoreError(Exception):
    """The list could not be saved (a read-only or full disk); the message is one line."""


def reminders_path() -> Path:
    return user_data_dir() / "reminders.json"


def public(reminder: Reminder) -> dict[str, Any]:
    """The saved and ``--json`` form of one reminder (a public interface: change compatibly)."""
    return {
        "id": reminder.id,
        "time": reminder.time,
        "days": list(reminder.days),
        "routine": reminder.routine,
    }


def load_reminders(path: Path) -> tuple[list[Reminder], str | None]:
    """The saved reminders, and a one-line notice when something was wrong (then the list is
    empty). No file is no reminders and no notice."""
    try:
        with path.open("rb") as file:
            content = file.read(MAX_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):  # no folder yet, or a file in its place
        return [], None
    except OSError as error:
        return [], f"Your reminders could not be read ({error.strerror or error}); none are set."
    try:
        document = json.loads(content.decode("utf-8")) if len(content) <= MAX_BYTES else None
        if document is None:
            raise ValueError(f"larger than {MAX_BYTES // 1024} KiB")
        if isinstance(document, dict) and _newer(document.get("version")):
            return [], (
                f"Your reminders were saved by a newer version of the app; {path.name} is left "
                "as it is and none are set."
            )
        return _reminders(document), None
    except (ValueError, ReminderError) as error:  # JSON, UTF-8 and shape errors are ValueErrors
        return [], _move_aside(path, _first_line(str(error)))


def _newer(version: object) -> bool:
    return isinstance(version, int) and not isinstance(version, bool) and version > VERSION


def _reminders(document: object) -> list[Reminder]:
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise ValueError(f'not a reminders file (no "version": {VERSION})')
    entries = document.get("reminders")
    if not isinstance(entries, list):
        raise ValueError('"reminders" is not a list')
    if len(entries) > MAX_REMINDERS:
        raise ValueError(f"more than {MAX_REMINDERS} reminders")
    found: list[Reminder] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"reminder {number} is not an object")
        reminder_id, time, days, routine = (
            entry.get(key) for key in ("id", "time", "days", "routine")
        )
        if not (
            isinstance(reminder_id, str)
            and isinstance(time, str)
            and isinstance(days, list)
            and all(isinstance(day, str) for day in days)
            and (routine is None or isinstance(routine, str))
        ):
            raise ValueError(f"reminder {number} lacks an id, a time, days or a routine")
        if not reminder_id.strip():
            raise ValueError(f"reminder {number} has an empty id")
        # No days is allowed (a reminder switched off by unticking every day); others are
        # checked and put in order as typed input is.
        chosen = parse_days(",".join(days)) if days else ()
        reminder = Reminder(reminder_id, parse_time(time), chosen, routine or None)
        if any(other.id == reminder.id for other in found):
            raise ValueError(f"two reminders are called {reminder.id!r}")
        found.append(reminder)
    return found


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else "unreadable"


def _move_aside(path: Path, reason: str) -> str:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():  # one kept earlier this second is never overwritten
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    try:
        os.replace(path, aside)
    except OSError as error:
        return (
            f"Your reminders were damaged ({reason}) and could not be kept aside "
            f"({error.strerror or error}); none are set."
        )
    return (
        f"Your reminders were damaged ({reason}); they were kept as {aside.name} and none are set."
    )


def save_reminders(path: Path, reminders: Iterable[Reminder]) -> None:
    """Replace the saved list in one step. Raises :class:`ReminderStoreError` (one line)."""
    document = {"version": VERSION, "reminders": [public(reminder) for reminder in reminders]}
    _write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def state_path(reminders: Path) -> Path:
    """Where the schedule's state is kept: beside the reminders, in a file of its own (the
    reminders file is the person's and the command's; this one is the app's alone)."""
    return reminders.with_name("reminders-state.json")


def load_state(path: Path) -> ScheduleState | None:
    """The state the app saved when it last ran, or None: no file, or one that cannot be
    read or understood. Nothing is said then: the state only decides whether a reminder missed
    while the app was not running is shown; without it, none is (as on a first run)."""
    try:
        with path.open("rb") as file:
            content = file.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            return None
        document = json.loads(content.decode("utf-8"))
        last_look = datetime.fromisoformat(document["last_look"])
        if last_look.tzinfo is None:
            return None
        shown = frozenset(
            (str(rid), parse_time(str(time)), date.fromisoformat(str(day)))
            for rid, time, day in document.get("shown", [])
        )
        skipped = frozenset(
            (str(rid), date.fromisoformat(str(day))) for rid, day in document.get("skipped", [])
        )
        known = None
        if "known" in document:  # absent from a state saved before it was kept
            known = frozenset(
                (str(rid), parse_time(str(time)), _saved_days(days))
                for rid, time, days in document["known"]
            )
    except (OSError, ValueError, TypeError, KeyError, ReminderError):
        return None
    return ScheduleState(last_look, shown, skipped, known)


def _saved_days(days: object) -> tuple[str, ...]:
    """A known reminder's days as saved, in ``DAYS`` order (none is a reminder that never falls
    due). TypeError for anything but a list of day names."""
    if not isinstance(days, list) or not all(day in DAYS for day in days):
        raise TypeError("days")
    return tuple(day for day in DAYS if day in days)


def save_state(path: Path, state: ScheduleState) -> None:
    """Replace the saved state in one step. Raises :class:`ReminderStoreError` (one line)."""
    document = {
        "version": VERSION,
        "last_look": state.last_look.isoformat(),
        "shown": sorted([rid, time, day.isoformat()] for rid, time, day in state.shown),
        "skipped": sorted([rid, day.isoformat()] for rid, day in state.skipped),
    }
    if state.known is not None:
        document["known"] = sorted([rid, time, list(days)] for rid, time, days in state.known)
    _write_atomically(path, json.dumps(document, indent=1) + "\n")


def _write_atomically(path: Path, text: str) -> None:
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".saving", dir=path.parent
        )
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        where = error.filename or path
        reason = error.strerror or str(error)
        if isinstance(error, (FileExistsError, NotADirectoryError)):  # mkdir met a file
            reason = "a file is in the way of the folder"
        raise ReminderStoreError(f"cannot save reminders to {where}: {reason}") from None


def new_id(existing: Iterable[Reminder | str]) -> str:
    """The next free short id, "r1", "r2"…: one more than the highest in use, so the ids a
    person reads in ``reminders`` stay as they were when others are added."""
    highest = 0
    for item in existing:
        match = _ID.fullmatch(item if isinstance(item, str) else item.id)
        if match:
            highest = max(highest, int(match[1]))
    return f"r{highest + 1}"


def merge_edits(
    base: Sequence[Reminder], edited: Sequence[Reminder], on_disk: Sequence[Reminder]
) -> list[Reminder]:
    """The person's edits in Preferences (``edited``, made from ``base``, the list as the tab
    opened) laid over the file as it is now (``on_disk``): what ``stretch-desktop reminders``
    did meanwhile is kept, never overwritten by OK.

    Added elsewhere: kept, after the person's. Removed or changed elsewhere and left as it was
    here: removed or changed. Changed in both: the person's, who is pressing OK. A reminder
    added here that took an id added elsewhere meanwhile gets the next free one.
    """
    before = {reminder.id: reminder for reminder in base}
    now = {reminder.id: reminder for reminder in on_disk}
    merged: list[Reminder] = []
    for reminder in edited:
        untouched = before.get(reminder.id) == reminder
        if untouched and reminder.id not in now:
            continue  # removed elsewhere
        merged.append(now[reminder.id] if untouched else reminder)
    new_here = [r for r in merged if r.id not in before]
    added_elsewhere = [r for r in on_disk if r.id not in before]
    taken = {r.id for r in merged} | {r.id for r in on_disk}
    for reminder in new_here:
        if reminder.id in now:  # the same new id on both sides: ours moves
            fresh = new_id(taken)
            taken.add(fresh)
            merged[merged.index(reminder)] = replace(reminder, id=fresh)
    return merged + added_elsewhere
