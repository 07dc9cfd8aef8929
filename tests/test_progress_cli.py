"""`stretch-desktop progress [--json]` and `history --csv`, run as a person or a script runs
them (a process of their own), on a history made in the test's folder."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stretch_desktop.library import history_path
from stretch_desktop.storage.history import History

V1 = Path(__file__).parent / "storage" / "data" / "history-v1.sqlite"


def command(*args):
    """The command's exit code, stdout and stderr (the data folder is the test's own)."""
    result = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", *args],
        capture_output=True, timeout=60,
    )  # fmt: skip
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.fixture
def journal():
    """Three sessions: one assessed both times, one whose after question was skipped, one not
    assessed at all (and a title a CSV must quote)."""
    history = History(history_path())
    first = history.begin("lunge-flow-for-hamstrings", "Lunge Flow for Hamstrings", "", 7, {})
    history.record_assessment(first, "before", "ankles")
    history.record_assessment(first, "after", "toes")
    history.end(first, "completed", 7, 0, 612.34)
    second = history.begin("lunge-flow-for-hamstrings", "Lunge Flow for Hamstrings", "", 7, {})
    history.record_assessment(second, "before", "mid-shins")
    history.record_assessment(second, "after", None)
    history.end(second, "stopped", 3, 1, 200.0)
    third = history.begin("mine", 'Hips, "deep"', "", 2, {})
    history.end(third, "completed", 2, 0, 90.0)
    history.close()
    return first, second, third


def test_progress_json_lists_each_assessed_session_with_the_documented_keys(journal):
    first, second, _ = journal
    code, out, err = command("progress", "--json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [list(row) for row in rows] == [
        ["session_id", "date", "routine_id", "before", "after"]
    ] * 2
    assert [(r["session_id"], r["before"], r["after"]) for r in rows] == [
        (second, "mid-shins", None),  # newest first; the skipped question is null
        (first, "ankles", "toes"),
    ]
    sessions = {row["id"]: row for row in json.loads(command("history", "--json")[1])}
    assert rows[1]["date"] == sessions[first]["started_at"]
    assert rows[1]["routine_id"] == "lunge-flow-for-hamstrings"


def test_progress_as_text_is_one_line_a_session_with_the_change(journal):
    code, out, err = command("progress")
    assert (code, err) == (0, "")
    newest, oldest = out.splitlines()
    assert newest.endswith("lunge-flow-for-hamstrings  Mid-shins → —")
    assert oldest.endswith("lunge-flow-for-hamstrings  Ankles → Toes (+1)")
    assert oldest[:4].isdigit() and oldest[4] == "-"  # the day it was done, first


def test_progress_with_no_assessment_says_where_to_make_one():
    assert command("progress") == (
        0,
        "No assessed sessions yet: assess your reach in Lunge Flow for Hamstrings.\n",
        "",
    )
    assert command("progress", "--json") == (0, "[]\n", "")


def test_history_csv_has_the_json_columns_and_the_reach_in_rfc_4180(journal):
    first, second, third = journal
    code, out, err = command("history", "--csv")
    assert (code, err) == (0, "")
    assert out.count("\r\n") == 4 and out.endswith("\r\n")  # a header and three sessions
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    listed = json.loads(command("history", "--json")[1])
    assert list(rows[0]) == [*listed[0], "before", "after"]
    for row, session in zip(rows, listed, strict=True):  # the same sessions, in the same order
        for name, value in session.items():
            assert row[name] == ("" if value is None else str(value)), name
    assert [(r["id"], r["before"], r["after"]) for r in rows] == [
        (str(third), "", ""),
        (str(second), "mid-shins", ""),
        (str(first), "ankles", "toes"),
    ]
    assert '"Hips, ""deep"""' in out
    assert rows[2]["active_s"] == "612.3"


def test_a_version_1_history_is_read_as_it_is_and_left_unchanged():
    target = history_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(V1, target)
    before = target.read_bytes()
    code, out, err = command("history", "--csv")
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows and all(row["before"] == row["after"] == "" for row in rows)
    assert command("progress", "--json") == (0, "[]\n", "")
    assert target.read_bytes() == before


def test_a_history_that_cannot_be_read_is_one_line_and_exit_1():
    history_path().mkdir(parents=True)  # a folder where the file should be
    for args in (("progress",), ("progress", "--json"), ("history", "--csv")):
        code, out, err = command(*args)
        assert (code, out) == (1, ""), args
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("stretch-desktop: history unavailable: ") and "a folder" in err


def test_csv_and_json_together_are_refused_with_a_usage_line():
    code, out, err = command("history", "--csv", "--json")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].endswith("argument --json: not allowed with argument --csv")
