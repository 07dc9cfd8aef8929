"""``stretch-desktop progress [--json]`` (the reach before and after each assessed session) and
``history --csv`` (every session, with its reach, for a spreadsheet).

Both only read: the file is opened read-only, as ``history`` opens it, so they run beside the
app, on a read-only folder, and never repair or move anything. The JSON and CSV forms are a
public interface (the README documents them): change them only compatibly.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from stretch_desktop.cli_common import PROG
from stretch_desktop.library import history_path
from stretch_desktop.storage.progress import ASSESSING_ROUTINE, change_text, history_csv, local_day
from stretch_desktop.storage.records import AssessmentRecord, SessionRecord


def _read(sessions: bool) -> tuple[list[SessionRecord], list[AssessmentRecord]] | None:
    """The sessions (when wanted) and the assessments, or None once the reason is printed."""
    from stretch_desktop.storage.history import History, HistoryUnavailable

    try:
        history = History(history_path(), read_only=True)
        try:
            records = history.sessions() if sessions else []
            assessments = history.assessments()
        finally:
            history.close()
    except HistoryUnavailable as error:
        print(f"{PROG}: history unavailable: {error}", file=sys.stderr)
        return None
    if history.notice:  # rows that could not be read: said once, on one line
        print(f"{PROG}: {history.notice}", file=sys.stderr)
    return records, assessments


def cmd_progress(args: argparse.Namespace) -> int:
    read = _read(sessions=False)
    if read is None:
        return 1
    assessments = read[1]
    if args.json:
        rows: list[dict[str, Any]] = [record.public() for record in assessments]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not assessments:
        print(f"No assessed sessions yet: assess your reach in {ASSESSING_ROUTINE}.")
        return 0
    width = max(len(record.routine_id) for record in assessments)
    for record in assessments:
        day = local_day(record.date).isoformat()
        change = change_text(record.before, record.after)
        print(f"{day}  #{record.session_id:<5} {record.routine_id:<{width}}  {change}")
    return 0


def cmd_history_csv(args: argparse.Namespace) -> int:
    """``history --csv``: what the progress page's Export CSV… writes, on stdout."""
    read = _read(sessions=True)
    if read is None:
        return 1
    sys.stdout.write(history_csv(*read))
    return 0


def add_progress_commands(commands: Any) -> None:
    progress = commands.add_parser(
        "progress", help="the reach before and after each assessed session, newest first"
    )
    progress.add_argument("--json", action="store_true", help="machine-readable output")
    progress.set_defaults(handler=cmd_progress)
