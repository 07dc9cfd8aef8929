"""The reminders file: saved whole or not at all, read back the same, a damaged file kept aside
with one line saying so, a folder that cannot be written said in one line."""

import json
import os
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from stretch_desktop.core.reminders import Reminder, ScheduleState
from stretch_desktop.library import user_data_dir
from stretch_desktop.storage.reminders import (
    ReminderStoreError,
    load_reminders,
    load_state,
    merge_edits,
    new_id,
    public,
    reminders_path,
    save_reminders,
    save_state,
    state_path,
)

SOME = [
    Reminder("r1", "07:30", ("mon", "tue", "wed", "thu", "fri"), "lunge-flow-for-hamstrings"),
    Reminder("r2", "18:05", ("sat",), None),
    Reminder("r7", "12:00", (), None),  # every day unticked: kept, never falls due
]


def test_the_file_lives_beside_the_history():
    assert reminders_path() == user_data_dir() / "reminders.json"


def test_no_file_is_no_reminders_and_no_notice(tmp_path):
    assert load_reminders(tmp_path / "reminders.json") == ([], None)


def test_a_round_trip_keeps_every_field(tmp_path):
    path = tmp_path / "deeper" / "reminders.json"  # the folder is made on the first save
    save_reminders(path, SOME)
    assert load_reminders(path) == (SOME, None)
    saved = json.loads(path.read_text())
    assert saved["version"] == 1
    assert saved["reminders"][0] == public(SOME[0])
    assert set(public(SOME[0])) == {"id", "time", "days", "routine"}
    assert [p.name for p in path.parent.iterdir()] == ["reminders.json"]  # no temporary left


def test_a_save_replaces_the_whole_list(tmp_path):
    path = tmp_path / "reminders.json"
    save_reminders(path, SOME)
    save_reminders(path, SOME[1:2])
    assert load_reminders(path) == (SOME[1:2], None)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "Expecting property name"),
        (b"\xff\xfe", "utf-8"),
        (b"[]", 'no "version"'),
        (b'{"version": 1, "reminders": {}}', "not a list"),
        (b'{"version": 1, "reminders": [{"id": "r1", "time": "25:00", "days": []}]}', "25:00"),
        (
            b'{"version": 1, "reminders": [{"id": "r1", "time": "07:00", "days": ["funday"]}]}',
            "funday",
        ),
        (b'{"version": 1, "reminders": [{"id": "r1", "time": 700, "days": []}]}', "lacks"),
        (
            b'{"version": 1, "reminders": [{"id": "r1", "time": "07:00", "days": []},'
            b' {"id": "r1", "time": "08:00", "days": []}]}',
            "two reminders",
        ),
        (b" " * (300 * 1024), "larger than"),
    ],
)
def test_a_damaged_file_is_moved_aside_with_a_one_line_notice(tmp_path, content, reason):
    path = tmp_path / "reminders.json"
    path.write_bytes(content)
    reminders, notice = load_reminders(path)
    assert reminders == []
    assert notice is not None and "\n" not in notice
    assert reason in notice
    assert not path.exists()
    (aside,) = tmp_path.glob("reminders.json.corrupt-*")
    assert aside.read_bytes() == content  # kept as it was, nothing lost
    assert aside.name in notice
    save_reminders(path, SOME)  # and a fresh list can be saved
    assert load_reminders(path) == (SOME, None)


def test_a_second_damaged_file_in_the_same_second_does_not_overwrite_the_first(tmp_path):
    path = tmp_path / "reminders.json"
    for content in (b"first", b"second"):
        path.write_bytes(content)
        assert load_reminders(path)[1] is not None
    kept = sorted(p.read_bytes() for p in tmp_path.glob("reminders.json.corrupt-*"))
    assert kept == [b"first", b"second"]


def test_a_file_from_a_newer_version_is_left_as_it_is(tmp_path):
    path = tmp_path / "reminders.json"
    path.write_text('{"version": 2, "reminders": "whatever comes"}')
    reminders, notice = load_reminders(path)
    assert reminders == [] and "newer version" in notice
    assert path.read_text() == '{"version": 2, "reminders": "whatever comes"}'


def test_a_file_that_cannot_be_read_is_left_where_it_is(tmp_path):
    path = tmp_path / "reminders.json"
    path.mkdir()  # a folder in its place: open fails whoever runs the test (root included)
    reminders, notice = load_reminders(path)
    assert reminders == [] and "could not be read" in notice
    assert path.is_dir()


def test_a_folder_that_cannot_be_written_is_one_clear_error(tmp_path):
    blocker = tmp_path / "stretch-desktop"
    blocker.write_text("a file where the folder should be")  # refused even to root
    with pytest.raises(ReminderStoreError) as error:
        save_reminders(blocker / "reminders.json", SOME)
    message = str(error.value)
    assert message.startswith("cannot save reminders to ") and "\n" not in message
    assert str(blocker) in message
    assert load_reminders(blocker / "reminders.json") == ([], None)  # nothing there to read


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "reminders.json"
    save_reminders(path, SOME)

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(ReminderStoreError, match="No space left on device"):
        save_reminders(path, SOME[:1])
    assert load_reminders(path) == (SOME, None)
    assert [p.name for p in tmp_path.iterdir()] == ["reminders.json"]


def test_new_ids_are_short_and_never_reuse_a_higher_one():
    assert new_id([]) == "r1"
    assert new_id(SOME) == "r8"
    assert new_id(["r1", "r3", "mine", "r02"]) == "r4"


def test_ok_in_preferences_keeps_what_the_command_changed_meanwhile():
    a, b, c = (Reminder(f"r{n}", f"0{n}:00", ("mon",), None) for n in (1, 2, 3))
    base = [a, b, c]
    mine = Reminder("r4", "09:00", ("tue",), None)  # added in the tab
    theirs = Reminder("r4", "10:00", ("wed",), None)  # added by the command, same id
    b_there = Reminder("r2", "02:30", ("mon",), None)  # changed by the command only
    a_here = Reminder("r1", "01:15", ("mon",), None)  # changed in the tab
    a_there = Reminder("r1", "01:45", ("mon",), None)  # ... and by the command: the tab's wins
    edited = [a_here, b, c, mine]
    on_disk = [a_there, b_there, theirs]  # c removed by the command
    assert merge_edits(base, edited, on_disk) == [
        a_here,
        b_there,
        Reminder("r5", "09:00", ("tue",), None),  # the tab's new one takes the next free id
        theirs,
    ]
    assert merge_edits(base, edited, base) == edited, "nothing changed elsewhere"
    assert merge_edits(base, [b], base) == [b], "removed in the tab"


def test_the_schedules_state_is_kept_beside_the_reminders_and_read_back(tmp_path):
    path = state_path(tmp_path / "reminders.json")
    assert path == tmp_path / "reminders-state.json"
    assert load_state(path) is None  # a first run
    state = ScheduleState(
        datetime(2026, 12, 1, 7, 31, tzinfo=ZoneInfo("Europe/Berlin")),
        frozenset({("r1", "07:30", date(2026, 12, 1))}),
        frozenset({("r2", date(2026, 12, 1))}),
        frozenset({("r1", "07:30", ("mon", "fri")), ("r2", "12:00", ())}),
    )
    save_state(path, state)
    assert load_state(path) == state
    # A state saved before the reminders were recorded: read as knowing them all.
    older = json.loads(path.read_text())
    del older["known"]
    path.write_text(json.dumps(older))
    assert load_state(path) == replace(state, known=None)


@pytest.mark.parametrize(
    "content",
    [b"{", b"[]", b'{"last_look": "yesterday"}', b'{"last_look": "2026-12-01T07:31:00"}',
     b'{"last_look": "2026-12-01T07:31:00+01:00", "shown": [["r1", "25:00", "2026-12-01"]]}',
     b'{"last_look": "2026-12-01T07:31:00+01:00", "known": [["r1", "07:30", ["someday"]]]}',
     b'{"last_look": "2026-12-01T07:31:00+01:00", "known": [["r1", "07:30", "mon"]]}',
     b"\xff" * 10],
)  # fmt: skip
def test_a_damaged_state_is_no_state(tmp_path, content):
    """Nothing to say to the person: without it, a reminder missed while the app was not
    running is not shown, as on a first run; the next save replaces it."""
    path = tmp_path / "reminders-state.json"
    path.write_bytes(content)
    assert load_state(path) is None
