"""The routine document: written back byte for byte, comments and order kept, written atomically."""

from importlib import resources

import pytest

from stretch_desktop import routine_file
from stretch_desktop.library import builtin_routines
from stretch_desktop.routine_file import RoutineDocument, source_text, validate, write_atomically

BUILT_INS = sorted(
    entry.name
    for entry in (resources.files("stretch_desktop") / "resources" / "routines").iterdir()
    if entry.name.endswith(".toml")
)


def builtin_bytes(name):
    return (resources.files("stretch_desktop") / "resources" / "routines" / name).read_bytes()


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_is_written_back_byte_for_byte(tmp_path, name):
    text = builtin_bytes(name).decode("utf-8")
    target = tmp_path / name
    write_atomically(target, RoutineDocument(text).text())
    assert target.read_bytes() == builtin_bytes(name)


def test_there_are_five_built_ins_and_each_has_its_source_text():
    assert len(BUILT_INS) == 5
    for routine in builtin_routines():
        assert source_text(routine).encode("utf-8") == builtin_bytes(routine.origin[8:])


def test_an_edit_changes_one_line_and_keeps_its_comment_and_every_other_line():
    text = builtin_bytes("lunge-flow-for-hamstrings.toml").decode("utf-8")
    document = RoutineDocument(text)
    document.set_amount((1, 1), 12, "breaths")  # the side block's hold
    after = document.text()
    changed = [
        (old, new)
        for old, new in zip(text.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        (
            "breaths = 8  # chosen: the article gives no length",
            "breaths = 12  # chosen: the article gives no length",
        )
    ]
    routine, problems = validate(after, "edited")
    assert problems == [] and routine is not None


def test_switching_seconds_and_breaths_renames_the_key_in_place_with_its_comment():
    text = builtin_bytes("lunge-flow-for-hamstrings.toml").decode("utf-8")
    document = RoutineDocument(text)
    document.set_amount((1, 1), 20, "seconds")
    lines = document.text().splitlines()
    index = lines.index("seconds = 20  # chosen: the article gives no length")
    assert lines[index - 1] == 'pose = "lunge-side-stretch"'
    assert "breaths = 8  # chosen: the article gives no length" not in lines


def test_a_routine_built_from_nothing_validates_and_moves_keep_the_comments_with_their_step():
    document = RoutineDocument(routine_file.new_routine_text("mine", "Mine"))
    _, problems = validate(document.text(), "new")
    assert [p.field for p in problems] == ["poses", "steps"]
    first = document.add_pose("a", "Pose A")
    document.set_value(document.pose(first), "one_sided", True)
    document.add_pose("b", "Pose B")
    document.add_step("hold", "b")
    block = document.add_step("sides", "a")
    document.add_step("hold", "a", block=block[0])
    routine, problems = validate(document.text(), "new")
    assert problems == [] and routine is not None
    assert [type(step).__name__ for step in routine.steps] == ["Hold", "Block"]
    document.move_step((1,), 0)
    routine, _ = validate(document.text(), "new")
    assert routine is not None
    assert [type(step).__name__ for step in routine.steps] == ["Block", "Hold"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "mine.toml"
    target.write_text("old")

    def broken(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(routine_file.os, "fsync", broken)
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]


def test_new_spoken_cautions_are_written_as_a_list_of_inline_tables_not_tables():
    document = RoutineDocument(routine_file.new_routine_text("c", "C"))
    document.add_pose("p", "P")
    cautions = [{"text": "Slowly.", "when": "once"}, {"text": "No pain."}]
    document.set_value(document.pose(0), "spoken_cautions", cautions)
    text = document.text()
    assert 'spoken_cautions = [{text = "Slowly.", when = "once"}, {text = "No pain."}]' in text
    assert "[[poses.spoken_cautions]]" not in text
    document.set_value(document.pose(0), "spoken_cautions", cautions[1:])
    assert 'spoken_cautions = [{text = "No pain."}]' in document.text()
