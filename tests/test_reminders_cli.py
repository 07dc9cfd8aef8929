"""``stretch-desktop reminders`` as a person runs it: real processes, exit codes, one line for
every mistake and never a traceback."""

import json
import subprocess
import sys

import pytest


@pytest.fixture
def home(env, tmp_path):
    """The app's environment with a home of the test's own (and its XDG data folder)."""
    return {**env, "HOME": str(tmp_path / "home")}


def cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "reminders", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def listed(env):
    result = cli(env, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(result, *words):
    """Exit 1, one line on stderr naming the problem, no traceback, nothing on stdout."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("stretch-desktop: ")
    for word in words:
        assert word in lines[0]
    assert result.stdout == ""
    return lines[0]


def test_an_empty_list_says_how_to_add_one(home):
    result = cli(home)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("no reminders")
    assert "reminders add" in result.stdout
    assert listed(home) == []


def test_add_list_and_remove(home, tmp_path):
    first = cli(home, "add", "7:30", "--days", "fri,mon", "--routine", "lunge-flow-for-hamstrings")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("added r1 ")
    second = cli(home, "add", "18:00")
    assert second.returncode == 0 and "every day" in second.stdout
    assert listed(home) == [
        {"id": "r1", "time": "07:30", "days": ["mon", "fri"],
         "routine": "lunge-flow-for-hamstrings"},
        {"id": "r2", "time": "18:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
         "routine": None},
    ]  # fmt: skip
    table = cli(home).stdout.splitlines()
    assert [line.split()[:2] for line in table] == [["r1", "07:30"], ["r2", "18:00"]]
    assert "my last routine" in table[1]
    assert (tmp_path / "data" / "stretch-desktop" / "reminders.json").is_file()

    removed = cli(home, "remove", "r1")
    assert removed.returncode == 0 and removed.stdout.strip() == "removed r1"
    assert [row["id"] for row in listed(home)] == ["r2"]
    assert cli(home, "add", "09:00").stdout.startswith("added r3 ")  # r2 keeps its name


def test_a_bad_time_is_one_line_and_nothing_is_saved(home):
    refused(cli(home, "add", "25:00"), '"25:00"', "hours go from 00 to 23")
    refused(cli(home, "add", "noon"), '"noon"', "HH:MM")
    assert listed(home) == []


def test_an_unknown_day_is_one_line_with_the_nearest(home):
    refused(cli(home, "add", "07:30", "--days", "mon,funday"), '"funday"', 'did you mean "sun"')
    assert listed(home) == []


def test_an_unknown_routine_is_one_line_with_the_nearest(home):
    line = refused(cli(home, "add", "07:30", "--routine", "lunge-flow-for-hamstring"))
    assert line == (
        "stretch-desktop: no routine 'lunge-flow-for-hamstring' "
        "(did you mean 'lunge-flow-for-hamstrings'?)"
    )
    assert listed(home) == []


def test_a_users_own_routine_may_be_suggested(home):
    """The ``env`` fixture puts a routine ``e2e`` in the user's folder."""
    assert cli(home, "add", "07:30", "--routine", "e2e").returncode == 0
    assert listed(home)[0]["routine"] == "e2e"


def test_removing_an_unknown_id_is_one_line(home):
    refused(cli(home, "remove", "r1"), "no reminder 'r1'")
    cli(home, "add", "07:30")
    refused(cli(home, "remove", "r9"), "no reminder 'r9'", "r1")
    assert len(listed(home)) == 1


def test_a_folder_that_cannot_be_written_is_one_line(home, tmp_path):
    data = tmp_path / "data"
    (data / "stretch-desktop").rename(data / "moved")  # the env fixture's routines folder
    (data / "stretch-desktop").write_text("a file where the data folder should be")
    line = refused(cli(home, "add", "07:30"), "cannot save reminders")
    assert line.endswith(f"{data / 'stretch-desktop'}: a file is in the way of the folder")


def test_a_damaged_file_is_said_once_kept_aside_and_a_new_list_begins(home, tmp_path):
    folder = tmp_path / "data" / "stretch-desktop"
    (folder / "reminders.json").write_text("{broken")
    result = cli(home, "add", "07:30")
    assert result.returncode == 0
    (notice,) = result.stderr.splitlines()
    assert "damaged" in notice and "reminders.json.corrupt-" in notice
    assert [row["time"] for row in listed(home)] == ["07:30"]
    (aside,) = folder.glob("reminders.json.corrupt-*")
    assert aside.read_text() == "{broken"


def test_a_file_from_a_newer_version_is_never_written_over(home, tmp_path):
    path = tmp_path / "data" / "stretch-desktop" / "reminders.json"
    path.write_text('{"version": 99}')
    refused(cli(home, "add", "07:30"), "newer version", "Nothing was changed")
    refused(cli(home, "remove", "r1"), "newer version")
    assert path.read_text() == '{"version": 99}'
    listing = cli(home, "--json")
    assert listing.returncode == 0 and json.loads(listing.stdout) == []
    assert "newer version" in listing.stderr
