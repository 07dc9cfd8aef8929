"""The routine editor as a person drives it: keys and clicks in the window, then the files and
the command line to see what was saved."""

import json
import subprocess
import sys
from importlib import resources

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from stretch_desktop.core.timeline import CueKind, compile_routine
from stretch_desktop.core.timetext import clock_text
from stretch_desktop.library import read_routine_file, user_routines_dir
from stretch_desktop.routine_file import validate

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


def builtin_bytes(name):
    return (resources.files("stretch_desktop") / "resources" / "routines" / name).read_bytes()


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


class Person:
    """Keys go where the keyboard focus is, as they do for a person."""

    def __init__(self, ui):
        self.ui, self.qtbot, self.window = ui, ui.qtbot, ui.window
        self.editor = ui.window.editor_page

    def target(self):
        return QApplication.focusWidget() or self.window

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier):
        self.qtbot.keyClick(self.target(), key, modifier)

    def type(self, text):
        self.qtbot.keyClicks(self.target(), text)

    def click_by_key(self, key, done):
        """Alt+letter on a button: Qt shows the press for a moment, then clicks."""
        self.press(key, ALT)
        self.qtbot.waitUntil(done, timeout=2000)

    def replace(self, text):
        self.press(Qt.Key.Key_A, CTRL)
        self.type(text)


@pytest.fixture
def person(ui):
    return Person(ui)


def test_a_two_pose_routine_with_a_side_block_made_with_the_keyboard_alone(person):
    editor = person.editor
    person.press(Qt.Key.Key_N, CTRL)
    assert person.window.pages.currentWidget() is editor
    assert QApplication.focusWidget() is editor.title_edit
    person.type("Desk break")
    assert editor.id_edit.text() == "desk-break"  # the id follows a new routine's title

    person.press(Qt.Key.Key_O, ALT)  # Poses tab

    def poses():
        return editor.document.poses()

    person.click_by_key(Qt.Key.Key_N, lambda: len(poses()) == 1)  # New pose: name selected
    person.type("Child's pose")
    person.click_by_key(Qt.Key.Key_N, lambda: len(poses()) == 2)
    person.type("Neck stretch")
    person.click_by_key(Qt.Key.Key_D, editor.pose_one_sided.isChecked)  # One-sided

    def steps(block=None):
        return editor.document.steps(block)

    person.press(Qt.Key.Key_P, ALT)  # Steps tab
    person.click_by_key(Qt.Key.Key_H, lambda: len(steps()) == 1)  # a hold of the new pose...
    person.press(Qt.Key.Key_E, ALT)  # ...whose pose is changed to the first one
    assert QApplication.focusWidget() is editor.step_pose
    person.press(Qt.Key.Key_Up)
    person.click_by_key(Qt.Key.Key_D, lambda: len(steps()) == 2)  # a sides block
    person.click_by_key(Qt.Key.Key_H, lambda: len(steps(1)) == 1)  # a hold inside it
    person.press(Qt.Key.Key_L, ALT)
    person.replace("20")
    assert editor.problems == [], [str(p) for p in editor.problems]
    assert editor.step_tree.topLevelItem(1).childCount() == 1

    person.press(Qt.Key.Key_S, CTRL)
    saved = user_routines_dir() / "desk-break.toml"
    assert saved.exists()
    assert editor.save_state.text() == "Saved."

    listed = json.loads(cli("routines", "--json").stdout)
    row = next(row for row in listed if row["id"] == "desk-break")
    assert row["title"] == "Desk break" and row["poses"] == ["Child's pose", "Neck stretch"]
    timeline = json.loads(cli("timeline", "--json", "desk-break").stdout)
    holds = [
        (phase["pose"], phase["side"], phase["breaths"])
        for phase in timeline["phases"]
        if phase["kind"] == "hold"
    ]
    assert holds == [("Child's pose", None, 5), ("Neck stretch", "right", 20),
                     ("Neck stretch", "left", 20)]  # fmt: skip
    # The preview shows the script the timeline has at the person's pacing, in its order.
    compiled = compile_routine(read_routine_file(saved), person.ui.pace)
    assert editor.length_label.text() == f"Length {clock_text(compiled.total_ms)} · 3 steps"
    spoken = [cue.text for phase in compiled.phases for cue in phase.cues]
    shown = [line.strip().split("  ", 1)[1] for line in editor.script.toPlainText().splitlines()]
    assert shown == spoken and "Neck stretch" in " ".join(spoken)
    assert [editor.preview_poses.item(i).text() for i in range(2)] == [
        "Child's pose",
        "Neck stretch (each side)",
    ]


def test_a_copy_of_a_built_in_with_a_changed_hold_is_saved_and_reopened(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    assert editor.title_edit.text() == "Toe Touch (my copy)"
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setFocus()
    person.press(Qt.Key.Key_L, ALT)
    person.replace("45")
    ui.click(editor.save_button)
    saved = user_routines_dir() / "toe-touch-my-copy.toml"
    before, after = builtin_bytes("toe-touch.toml").decode(), saved.read_text()
    changed = [pair for pair in zip(before.splitlines(), after.splitlines(), strict=True)
               if pair[0] != pair[1]]  # fmt: skip
    assert changed == [
        ('id = "toe-touch"', 'id = "toe-touch-my-copy"'),
        ('title = "Toe Touch"', 'title = "Toe Touch (my copy)"'),
        ("seconds = 30", "seconds = 45"),
    ]
    assert "breaths = 3  # chosen: the article gives no time" in after  # comment kept

    person.press(Qt.Key.Key_W, CTRL)
    assert ui.window.pages.currentWidget() is ui.window.choose_page
    assert ui.window.select_routine("toe-touch-my-copy")
    person.press(Qt.Key.Key_E, CTRL)
    assert editor.path == saved and editor.heading.text() == "Editing toe-touch-my-copy.toml"
    person.press(Qt.Key.Key_P, ALT)
    assert editor.step_amount.value() == 45 and editor.step_unit.currentText() == "seconds"


def test_undo_and_redo_go_back_and_forth_across_edits(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    original = editor.document.text()
    assert not editor.undo_button.isEnabled()
    person.replace("Morning toes")
    assert editor.undo_button.isEnabled()  # from the very first edit
    after_title = editor.document.text()
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setFocus()
    person.press(Qt.Key.Key_L, ALT)
    person.replace("40")
    after_hold = editor.document.text()
    assert len({original, after_title, after_hold}) == 3
    person.press(Qt.Key.Key_Z, CTRL)
    assert editor.document.text() == after_title and editor.step_amount.value() == 30
    person.press(Qt.Key.Key_Z, CTRL)
    assert editor.document.text() == original and editor.title_edit.text() == "Toe Touch (my copy)"
    person.press(Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert editor.document.text() == after_title and editor.title_edit.text() == "Morning toes"
    ui.click(editor.redo_button)
    assert editor.document.text() == after_hold and editor.step_amount.value() == 40


def test_an_invalid_value_shows_checks_message_at_the_field_and_save_is_blocked(person, tmp_path):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setFocus()
    person.press(Qt.Key.Key_L, ALT)
    person.replace("900")
    _, problems = validate(editor.document.text(), "x.toml")
    assert [p.field for p in problems] == ["steps[0].seconds"]
    row = editor.step_rows["amount"]
    assert row.message.isVisible() and row.message.text() == problems[0].message
    assert not editor.save_button.isEnabled()
    assert "Cannot save yet: 1 problem" in editor.save_state.text()
    person.press(Qt.Key.Key_S, CTRL)
    assert not (user_routines_dir() / "toe-touch-my-copy.toml").exists()
    # The same line as `stretch-desktop check` prints for the same text.
    path = tmp_path / "x.toml"
    path.write_text(editor.document.text())
    checked = cli("check", str(path))
    assert checked.returncode == 1
    assert checked.stderr.strip().endswith(f"steps[0].seconds: {problems[0].message}")
    person.replace("60")
    assert not row.message.isVisible() and editor.save_button.isEnabled()


@pytest.mark.parametrize(
    "name",
    sorted(
        entry.name
        for entry in (resources.files("stretch_desktop") / "resources" / "routines").iterdir()
        if entry.name.endswith(".toml")
    ),
)
def test_every_built_in_opened_and_saved_unchanged_is_byte_identical(ui, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(builtin_bytes(name))
    editor = ui.window.editor_page
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    assert editor.problems == []
    ui.click(editor.save_button)
    assert editor.save_state.text() == "Saved."
    assert path.read_bytes() == builtin_bytes(name)


def test_closing_with_unsaved_changes_asks_and_keeps_them_on_no(person):
    ui, editor = person.ui, person.editor
    person.press(Qt.Key.Key_N, CTRL)
    person.type("Half done")
    ui.answer = False
    asked = []
    ui.window.dialogs.confirm = lambda title, question: asked.append(title) or ui.answer
    person.press(Qt.Key.Key_W, CTRL)
    assert asked == ["Unsaved changes"]
    assert ui.window.pages.currentWidget() is editor and editor.title_edit.text() == "Half done"
    assert not ui.window.close()
    assert asked == ["Unsaved changes", "Unsaved changes"]


def test_a_file_changed_on_disk_is_noticed_at_save_and_kept_on_no(person, tmp_path):
    ui, editor = person.ui, person.editor
    path = user_routines_dir() / "mine.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(builtin_bytes("toe-touch.toml").replace(b'"toe-touch"', b'"mine"'))
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    editor.title_edit.setFocus()
    person.replace("Mine")
    path.write_text(path.read_text() + "# changed elsewhere\n")
    asked = []
    ui.window.dialogs.confirm = lambda title, question: asked.append(title) or False
    ui.click(editor.save_button)
    assert asked == ["Changed on disk"]
    assert path.read_text().endswith("# changed elsewhere\n")


def test_a_crash_leaves_a_draft_that_is_offered_next_time(person, make_ui):
    editor = person.editor
    person.press(Qt.Key.Key_N, CTRL)
    person.type("Lost work")
    draft = editor.draft_path()
    person.qtbot.waitUntil(draft.exists, timeout=3000)  # written a moment after the last edit
    # The app dies here (no close, no discard); the next run's window finds the draft.
    other = make_ui("next-run")
    assert "not saved: New routine (Ctrl+N) offers it" in other.window.notices.text()
    asked = []
    other.window.dialogs.confirm = lambda title, question: asked.append(title) or True
    Person(other).press(Qt.Key.Key_N, CTRL)
    recovered = other.window.editor_page
    assert asked == ["Unsaved routine"]
    assert other.window.pages.currentWidget() is recovered
    assert recovered.title_edit.text() == "Lost work" and recovered.dirty
    assert recovered.save_state.text().startswith("Cannot save yet")  # still no poses or steps
    assert draft.exists()  # kept until saved or discarded
    Person(other).press(Qt.Key.Key_W, CTRL)  # Discard? yes
    assert asked == ["Unsaved routine", "Unsaved changes"] and not draft.exists()


def drop(window, *paths):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    point, action = window.rect().center(), Qt.DropAction.CopyAction
    buttons, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, action, data, buttons, none)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(point), action, data, buttons, none))


def test_a_dropped_file_is_imported_and_an_id_in_use_is_offered_a_new_one(ui, tmp_path):
    mine = tmp_path / "shared.toml"
    mine.write_bytes(builtin_bytes("toe-touch.toml"))
    asked = []
    ui.window.dialogs.confirm = lambda title, question: asked.append(question) or True
    drop(ui.window, mine)
    assert asked == [
        "A routine with the id 'toe-touch' is already in your list. Import this one as "
        "'toe-touch-2'?"
    ]
    assert (user_routines_dir() / "toe-touch-2.toml").exists()
    assert ui.window.choose_page.selected_routine().id == "toe-touch-2"
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 1\nid = "bad"\n')
    drop(ui.window, bad)
    title, message = ui.told[-1]
    assert title == "Routine not imported" and "title: missing (required)" in message


def test_deleting_your_own_routine_moves_it_to_the_trash_and_off_the_list(person, tmp_path):
    ui, editor = person.ui, person.editor
    path = user_routines_dir() / "mine.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(builtin_bytes("toe-touch.toml").replace(b'"toe-touch"', b'"mine"'))
    ui.window.open_routine(read_routine_file(path), start=False)
    assert ui.window.select_routine("mine")
    person.press(Qt.Key.Key_E, CTRL)
    assert editor.path == path and editor.delete_button.isEnabled()
    ui.click(editor.delete_button)
    assert not path.exists()
    assert ui.window.pages.currentWidget() is ui.window.choose_page
    assert "mine" not in [routine.id for routine in ui.window.choose_page.routines]
    assert ui.window.choose_page.routine_list.count() == len(ui.window.choose_page.routines)
    person.press(Qt.Key.Key_Z, CTRL)  # brought back while the app runs
    assert path.read_bytes() == builtin_bytes("toe-touch.toml").replace(b'"toe-touch"', b'"mine"')
    assert ui.window.choose_page.selected_routine().id == "mine"


def test_try_it_starts_the_routine_as_edited_without_saving_it(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setFocus()
    person.press(Qt.Key.Key_L, ALT)
    person.replace("12")
    ui.click(editor.try_button)
    assert ui.window.pages.currentWidget() is ui.session
    timeline = ui.controller.timeline
    assert timeline.routine.id == "toe-touch-my-copy"
    assert timeline.routine.steps[0].amount.seconds == 12
    assert not (user_routines_dir() / "toe-touch-my-copy.toml").exists()


def test_a_file_changed_on_disk_while_open_is_shown_or_the_person_chooses(person):
    ui, editor = person.ui, person.editor
    path = user_routines_dir() / "mine.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    original = builtin_bytes("toe-touch.toml").replace(b'"toe-touch"', b'"mine"')
    path.write_bytes(original)
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    # Nothing unsaved: another program's version is simply shown.
    path.write_bytes(original.replace(b'title = "Toe Touch"', b'title = "Theirs"'))
    ui.qtbot.waitUntil(lambda: editor.title_edit.text() == "Theirs", timeout=5000)
    assert not editor.dirty
    # Unsaved changes: the person is asked, and "no" keeps theirs.
    editor.title_edit.setFocus()
    person.replace("Mine")
    asked = []
    ui.window.dialogs.confirm = lambda title, question: asked.append(title) or False
    path.write_bytes(original.replace(b'title = "Toe Touch"', b'title = "Theirs again"'))
    ui.qtbot.waitUntil(lambda: asked == ["Changed on disk"], timeout=5000)
    assert editor.title_edit.text() == "Mine" and editor.dirty


def test_export_writes_the_routine_where_the_person_chooses_and_it_imports_back(person, tmp_path):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    target = tmp_path / "to-share.toml"
    editor.ask_export_path = lambda suggested: str(target)
    ui.click(editor.export_button)
    assert target.read_text() == editor.document.text()
    done = cli("import", str(target))
    assert done.returncode == 0, done.stderr
    assert "toe-touch-my-copy" in [
        row["id"] for row in json.loads(cli("routines", "--json").stdout)
    ]


def test_a_drop_in_the_step_tree_becomes_one_undoable_move_keeping_the_comments(ui, tmp_path):
    """Qt moves the rows itself on a drop (a real drag cannot run offscreen); the page turns
    the rows' new order into an edit of the file. Here the rows are moved as Qt moves them."""
    path = tmp_path / "lunge.toml"
    path.write_bytes(builtin_bytes("lunge-flow-for-hamstrings.toml"))
    editor = ui.window.editor_page
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    tree = editor.step_tree
    block = tree.topLevelItem(1)
    rest = block.takeChild(3)  # the block's rest, dragged out to the very top
    tree.insertTopLevelItem(0, rest)
    tree.dropped.emit()
    routine = editor.routine
    assert routine is not None, [str(p) for p in editor.problems]
    assert type(routine.steps[0]).__name__ == "Rest" and len(routine.steps[2].steps) == 3
    assert "breaths = 6  # chosen: the article gives no length" in editor.document.text()
    assert tree.topLevelItem(0).text(0).startswith("1. Rest: Child")
    ui.qtbot.keyClick(editor.step_tree, Qt.Key.Key_Z, CTRL)
    assert editor.document.text() == builtin_bytes("lunge-flow-for-hamstrings.toml").decode()


def test_alt_up_and_down_move_the_selected_pose_and_step(person, tmp_path):
    ui, editor = person.ui, person.editor
    path = tmp_path / "lunge.toml"
    path.write_bytes(builtin_bytes("lunge-flow-for-hamstrings.toml"))
    editor.open_file(path)
    ui.window.pages.setCurrentWidget(editor)
    person.press(Qt.Key.Key_O, ALT)
    editor.pose_list.setFocus()
    editor.pose_list.setCurrentRow(1)
    first, second = (editor.routine.poses[i].name for i in (0, 1))
    person.press(Qt.Key.Key_Up, ALT)
    assert [p.name for p in editor.routine.poses[:2]] == [second, first]
    assert editor.pose_list.currentRow() == 0
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setFocus()
    editor.step_tree.setCurrentItem(editor.step_tree.topLevelItem(1).child(0))
    person.press(Qt.Key.Key_Down, ALT)  # inside the sides block: the flow goes after the hold
    kinds = [type(step).__name__ for step in editor.routine.steps[1].steps]
    assert kinds == ["Hold", "Flow", "Flow", "Rest"]


def test_editing_one_beat_of_a_breath_flow_changes_that_beat_only(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("roll-down-to-a-box")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setCurrentItem(editor.step_tree.topLevelItem(0))
    shown = editor.step_beats.toPlainText().splitlines()
    assert shown[2] == "Breathe in | Exhale, belly in"  # a breath beat, both its phrases
    editor.step_beats.setFocus()
    person.press(Qt.Key.Key_Home, CTRL)
    person.press(Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    person.type("Hinge forward")
    ui.click(editor.save_button)
    saved = (user_routines_dir() / "roll-down-to-a-box-my-copy.toml").read_text()
    before = builtin_bytes("roll-down-to-a-box.toml").decode()
    changed = [
        pair
        for pair in zip(before.splitlines(), saved.splitlines(), strict=True)
        if pair[0] != pair[1]
    ]
    assert changed[2:] == [('    "Hinge forward, back flat",', '    "Hinge forward",')]


def test_a_routine_whose_file_is_gone_is_a_message_not_a_traceback(person):
    ui = person.ui
    path = user_routines_dir() / "mine.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(builtin_bytes("toe-touch.toml").replace(b'"toe-touch"', b'"mine"'))
    ui.window.open_routine(read_routine_file(path), start=False)
    path.unlink()
    person.press(Qt.Key.Key_E, CTRL)
    assert ui.window.pages.currentWidget() is ui.window.choose_page
    assert ui.told[-1][0] == "Cannot open" and "mine.toml:1: file: cannot read" in ui.told[-1][1]


def test_the_choose_pages_buttons_open_the_editor(ui):
    ui.click(ui.window.choose_page.new_button)
    editor = ui.window.editor_page
    assert ui.window.pages.currentWidget() is editor and editor.heading.text() == "New routine"
    ui.click(editor.close_button)
    assert ui.window.select_routine("toe-touch")
    ui.click(ui.window.choose_page.edit_button)
    assert ui.window.pages.currentWidget() is editor
    assert editor.heading.text() == "Copy of Toe Touch" and editor.path is None


def test_a_pose_problem_is_shown_under_the_pose_field_it_names(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_O, ALT)
    editor.pose_name.setFocus()
    person.press(Qt.Key.Key_A, CTRL)
    person.press(Qt.Key.Key_Delete)
    row = editor.pose_rows["name"]
    assert row.message.isVisible() and "missing" in row.message.text()
    assert not editor.save_button.isEnabled()
    listed = [editor.problem_list.item(i).text() for i in range(editor.problem_list.count())]
    assert listed and all(item.startswith("line ") for item in listed)
    person.press(Qt.Key.Key_Z, CTRL)
    assert editor.pose_name.text() == "Standing Toe Touch" and not row.message.isVisible()


def test_the_figure_is_chosen_from_the_library_and_previewed(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("seven-stretches-for-back-pain")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_O, ALT)
    editor.pose_list.setCurrentRow(0)
    shown = editor.figure_preview.figure
    assert shown is not None and shown.name == "calf-stretch"  # by the pose's id
    assert editor.figure_preview.side is not None  # one-sided: drawn on a side
    person.press(Qt.Key.Key_F, ALT)
    assert QApplication.focusWidget() is editor.pose_figure
    person.press(Qt.Key.Key_Down)
    chosen = editor.pose_figure.currentData()
    assert chosen and editor.document.pose(0)["figure"] == chosen
    assert editor.figure_preview.figure.name == chosen
    assert editor.problems == []


def test_enter_on_a_listed_problem_shows_the_step_it_is_about(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_P, ALT)
    editor.step_tree.setCurrentItem(editor.step_tree.topLevelItem(1))
    editor.step_tree.setFocus()
    person.press(Qt.Key.Key_L, ALT)
    person.replace("0")  # the rest: 0 breaths
    person.press(Qt.Key.Key_T, ALT)  # away to the Routine tab
    editor.problem_list.setFocus()
    editor.problem_list.setCurrentRow(0)
    person.press(Qt.Key.Key_Return)
    assert editor.tabs.currentIndex() == 2
    assert editor.step_tree.currentItem().text(0).startswith("2. Rest")
    assert QApplication.focusWidget() is editor.step_tree
    assert editor.step_rows["amount"].message.isVisible()


def test_a_pose_base_set_with_the_keyboard_is_saved_and_adds_the_move_to_the_lead_in(person):
    editor = person.editor
    person.press(Qt.Key.Key_N, CTRL)
    person.type("Floor break")
    for name, base_key in (("Reach up", Qt.Key.Key_Down), ("Lie back", Qt.Key.Key_End)):
        person.press(Qt.Key.Key_O, ALT)  # Poses tab
        count = len(editor.document.poses())
        person.click_by_key(Qt.Key.Key_N, lambda count=count: len(editor.document.poses()) > count)
        person.type(name)
        person.press(Qt.Key.Key_B, ALT)  # Base
        assert QApplication.focusWidget() is editor.pose_base
        person.press(base_key)  # Down: the first base (standing); End: the last (lying)
        person.press(Qt.Key.Key_P, ALT)  # Steps tab: a hold of this pose
        steps = len(editor.document.steps())
        person.click_by_key(Qt.Key.Key_H, lambda steps=steps: len(editor.document.steps()) > steps)
    assert [pose.get("base") for pose in editor.document.poses()] == ["standing", "lying"]
    assert editor.problems == [], [str(p) for p in editor.problems]
    assert "Lie down on the mat." in editor.script.toPlainText()  # the preview has the move

    person.press(Qt.Key.Key_S, CTRL)
    saved = user_routines_dir() / "floor-break.toml"
    text = saved.read_text()
    assert 'base = "standing"' in text and 'base = "lying"' in text
    compiled = compile_routine(read_routine_file(saved), person.ui.pace)
    second = next(phase for phase in compiled.phases if phase.pose.name == "Lie back")
    assert second.cues[0].text.startswith("Lie down on the mat.")  # the move, said first

    person.press(Qt.Key.Key_O, ALT)
    editor.pose_base.setFocus()
    person.press(Qt.Key.Key_Home)  # back to (not set): the key goes
    assert editor.pose_base.currentText() == "(not set)"
    assert "base" not in editor.document.pose(1)
    person.press(Qt.Key.Key_Z, CTRL)
    assert editor.document.pose(1)["base"] == "lying" and editor.pose_base.currentText() == "lying"


def test_a_spoken_caution_added_with_its_time_is_saved_reopened_spoken_and_undone(person):
    ui, editor = person.ui, person.editor
    assert ui.window.select_routine("toe-touch")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_O, ALT)
    editor.pose_list.setCurrentRow(0)
    before = editor.document.text()
    person.press(Qt.Key.Key_K, ALT)  # Spoken cautions
    assert QApplication.focusWidget() is editor.spoken_cautions
    assert editor.spoken_cautions.count() == 1  # the one the routine has
    ui.click(editor.add_caution_button)
    assert QApplication.focusWidget() is editor.caution_text
    person.type("Bend your knees if your back rounds.")
    person.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is editor.caution_when
    person.press(Qt.Key.Key_Down)
    assert editor.caution_when.currentText() == "once"
    assert editor.problems == [], [str(p) for p in editor.problems]
    added = editor.document.text()

    person.press(Qt.Key.Key_Z, CTRL)  # adding, typing and the time were one edit
    assert editor.document.text() == before and editor.spoken_cautions.count() == 1
    person.press(Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert editor.document.text() == added and editor.spoken_cautions.count() == 2

    person.press(Qt.Key.Key_S, CTRL)
    saved = user_routines_dir() / "toe-touch-my-copy.toml"
    text = saved.read_text()
    assert '{ text = "Stay where the stretch is gentle and pain-free.", when = "arrival" },' in text
    assert '    {text = "Bend your knees if your back rounds.", when = "once"},\n]' in text
    person.press(Qt.Key.Key_W, CTRL)
    assert ui.window.select_routine("toe-touch-my-copy")
    person.press(Qt.Key.Key_E, CTRL)
    person.press(Qt.Key.Key_O, ALT)
    editor.pose_list.setCurrentRow(0)
    editor.spoken_cautions.setCurrentRow(1)
    assert editor.caution_text.text() == "Bend your knees if your back rounds."
    assert editor.caution_when.currentText() == "once"
    compiled = compile_routine(read_routine_file(saved), ui.pace)
    cautions = [cue.text for phase in compiled.phases for cue in phase.cues
                if cue.kind is CueKind.CAUTION]  # fmt: skip
    assert "Bend your knees if your back rounds." in cautions

    ui.click(editor.remove_caution_button)
    assert editor.spoken_cautions.count() == 1 and "Bend your knees" not in editor.document.text()
    assert editor.document.text() == before  # the list is written as it was
    person.press(Qt.Key.Key_Z, CTRL)
    assert editor.document.text() == text and editor.spoken_cautions.count() == 2
