"""``stretch-desktop export ROUTINE FILE`` and ``stretch-desktop import FILE [--id NEW]``.

Sharing moves routine files as they are written: export copies the file's bytes (comments and
all), import checks the file with the loader (so a bad file gets ``check``'s lines) and writes it
into the user's routines folder atomically. An id that another routine already has is never
overwritten: without ``--id`` that is one line and exit 1; with it, the copy gets the new id
(and only that key changes in the file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from stretch_desktop.cli_common import PROG, report, routine_or_report
from stretch_desktop.core.loader import RoutineError


def cmd_export(args: argparse.Namespace) -> int:
    # tomlkit (behind routine_file) is imported by these commands only, not by every CLI start.
    from stretch_desktop.routine_file import source_text, write_atomically

    routine = routine_or_report(args.routine)
    if routine is None:
        return 1
    try:
        text = source_text(routine)
    except RoutineError as error:
        report(error.problems)
        return 1
    try:
        write_atomically(Path(args.file), text)
    except OSError as error:
        print(f"{PROG}: cannot write {args.file}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"exported {routine.id} to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from stretch_desktop.routine_file import ImportRefused, import_text, read_text

    try:
        text = read_text(Path(args.file))
        target = import_text(text, str(args.file), args.id)
    except RoutineError as error:
        report(error.problems)
        return 1
    except ImportRefused as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(
            f"{PROG}: cannot write the routines folder: {error.strerror or error}", file=sys.stderr
        )
        return 1
    print(f"imported {target.stem} to {target}")
    return 0


def add_share_commands(commands: Any) -> None:
    """Register ``export`` and ``import`` on the main parser's subcommands."""
    export = commands.add_parser("export", help="save a routine's file anywhere, to share it")
    export.add_argument("routine", metavar="ROUTINE", help="a routine id or a .toml file")
    export.add_argument("file", metavar="FILE", help="where to write the .toml file")
    export.set_defaults(handler=cmd_export)

    imported = commands.add_parser("import", help="add a routine file to your routines")
    imported.add_argument("file", metavar="FILE", help="a routine .toml file")
    imported.add_argument("--id", metavar="NEW", help="give the routine a new id (on a clash)")
    imported.set_defaults(handler=cmd_import)
