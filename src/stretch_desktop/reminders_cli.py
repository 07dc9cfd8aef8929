"""``stretch-desktop reminders [--json]``, ``reminders add HH:MM [--days …] [--routine ID]``,
``reminders remove ID``: the same list the window's Preferences → Reminders edits.

Everything a person may get wrong (a time like 25:00, a day like "funday", a routine id that is
not there, an id to remove that is not there, a folder that cannot be written) is one line on
stderr and exit 1, checked here rather than by argparse (whose errors are a usage block and
exit 2). The ``--json`` form is a public interface: ``[{"id", "time", "days", "routine"}]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from stretch_desktop.cli_common import PROG
from stretch_desktop.core.reminders import Reminder, ReminderError, days_text, make_reminder
from stretch_desktop.storage.reminders import (
    ReminderStoreError,
    load_reminders,
    new_id,
    public,
    reminders_path,
    save_reminders,
)


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def _line(reminder: Reminder) -> str:
    routine = reminder.routine or "(my last routine)"
    return f"{reminder.id:<4} {reminder.time}  {days_text(reminder.days):<28} {routine}"


def _load_for_change() -> tuple[list[Reminder], int | None]:
    """The saved list to change, or an exit code when it must not be written over: a file we
    could not read, or one from a newer version, is still there and would be lost."""
    path = reminders_path()
    reminders, notice = load_reminders(path)
    if notice is None:
        return reminders, None
    if path.exists():
        return [], _fail(f"{notice} Nothing was changed.")
    print(f"{PROG}: {notice}", file=sys.stderr)  # moved aside: a fresh list starts here
    return reminders, None


def cmd_list(args: argparse.Namespace) -> int:
    reminders, notice = load_reminders(reminders_path())
    if notice:
        print(f"{PROG}: {notice}", file=sys.stderr)
    if args.json:
        print(json.dumps([public(r) for r in reminders], indent=2, ensure_ascii=False))
    elif not reminders:
        print(f"no reminders (add one with: {PROG} reminders add 07:30 --days weekdays)")
    else:
        for reminder in reminders:
            print(_line(reminder))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    reminders, failed = _load_for_change()
    if failed is not None:
        return failed
    try:
        reminder = make_reminder(new_id(reminders), args.time, args.days, args.routine)
    except ReminderError as error:
        return _fail(str(error))
    if reminder.routine is not None:
        from stretch_desktop.library import load_library  # only when a routine is named

        library = load_library()
        if library.find(reminder.routine) is None:
            return _fail(f"no routine {reminder.routine!r}{library.suggestion(reminder.routine)}")
    try:
        save_reminders(reminders_path(), [*reminders, reminder])
    except ReminderStoreError as error:
        return _fail(str(error))
    print(f"added {_line(reminder)}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    reminders, failed = _load_for_change()
    if failed is not None:
        return failed
    kept = [reminder for reminder in reminders if reminder.id != args.id]
    if len(kept) == len(reminders):
        ids = ", ".join(reminder.id for reminder in reminders)
        return _fail(f"no reminder {args.id!r}" + (f" (the reminders are {ids})" if ids else ""))
    try:
        save_reminders(reminders_path(), kept)
    except ReminderStoreError as error:
        return _fail(str(error))
    print(f"removed {args.id}")
    return 0


def add_reminders_command(commands: Any) -> None:
    """Register ``reminders`` (list, ``add``, ``remove``) on the main parser's subcommands."""
    reminders = commands.add_parser(
        "reminders",
        help="list, add and remove reminders to stretch",
        # argparse would print "ACTION ..." as if an action were required; listing needs none
        usage=f"{PROG} reminders [--json] | add HH:MM [--days mon,…] [--routine ID] | remove ID",
    )
    reminders.add_argument("--json", action="store_true", help="machine-readable output")
    reminders.set_defaults(handler=cmd_list)
    actions = reminders.add_subparsers(title="actions", metavar="ACTION")

    add = actions.add_parser("add", help="remind at HH:MM (local time) on the days given")
    add.add_argument("time", metavar="HH:MM", help="24-hour local time, such as 07:30")
    add.add_argument(
        "--days",
        default="daily",
        metavar="mon,tue,…",
        help="days of the week, or weekdays, weekends, daily (default: daily)",
    )
    add.add_argument(
        "--routine", metavar="ID", help="the routine to suggest (default: my last routine)"
    )
    add.set_defaults(handler=cmd_add)

    remove = actions.add_parser("remove", help="remove the reminder with this id")
    remove.add_argument("id", metavar="ID", help="an id from the list, such as r1")
    remove.set_defaults(handler=cmd_remove)
