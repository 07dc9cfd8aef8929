"""The routine editor: a routine's fields, poses and steps, checked and previewed as you type.

The page edits the routine *file* (``routine_file.RoutineDocument``), never a copy of its data,
so what is saved is the person's file with only the values they changed: comments and key
order survive, and an unchanged routine saves byte for byte. Every edit is an undo command
holding the file's text before and after (a routine file is a few KB), which makes undo exact
whatever the edit was. After every edit the text is handed to the loader, so the messages are
``stretch-desktop check``'s, shown at the field they name; a routine with problems cannot be
saved. The preview compiles the routine with the person's pacing and lists the script in the
order ``stretch-desktop timeline`` shows it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QFile,
    QFileInfo,
    QFileSystemWatcher,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QDropEvent, QKeyEvent, QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.figures import Figure, figure_name_for
from stretch_desktop.core.loader import Problem, RoutineError
from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.routine import Base, CautionTime, Routine, Side
from stretch_desktop.core.timeline import compile_routine
from stretch_desktop.core.timetext import clock_text
from stretch_desktop.library import builtin_figure_names, read_routine_file, user_routines_dir
from stretch_desktop.routine_file import (
    DocumentError,
    RoutineDocument,
    StepPath,
    is_builtin,
    new_routine_text,
    read_text,
    slug,
    source_text,
    validate,
    write_atomically,
)
from stretch_desktop.ui.dialogs import Dialogs
from stretch_desktop.ui.figure_widget import FigureWidget, builtin_figures, figure_for_pose
from stretch_desktop.ui.pages.common import MARGIN

ERROR_STYLE = "color: #b00020;"
AUTOSAVE_MS = 500
INLINE_FIGURE = "\0inline"
"""The figure combo's data for a figure the routine file draws itself (no library name)."""
"""How long after the last edit the draft is written: a crash loses at most this much typing."""
UNDO_KEYS = ("Ctrl+Z",)
REDO_KEYS = ("Ctrl+Shift+Z", "Ctrl+Y")
_UNDO_REDO = {QKeySequence(key)[0].toCombined() for key in (*UNDO_KEYS, *REDO_KEYS)}  # type: ignore[index]
KIND_NAMES = {
    "hold": "Hold",
    "rest": "Rest",
    "flow": "Flow",
    "contract_relax": "Contract–relax",
    "sides": "Sides block",
}
_FIELD = re.compile(r"^(poses|steps)\[(\d+)\](?:\.steps\[(\d+)\])?(?:\.(\w+))?|^(\w+)")
_AMOUNT_ROW = {"seconds": "amount", "breaths": "amount"}
_BEAT_ROW = {"beat_seconds": "beat", "beat_breaths": "beat"}


@dataclass(frozen=True)
class Place:
    """Where a problem is: the routine (``area == "routine"``), a pose or a step, and the key."""

    area: str
    index: tuple[int, ...]
    key: str


def place_of(problem: Problem) -> Place:
    found = _FIELD.match(problem.field)
    if found is None:
        return Place("routine", (), problem.field)
    area, first, inner, key, top = found.groups()
    if top is not None:
        return Place("routine", (), top)
    index = (int(first),) if inner is None else (int(first), int(inner))
    return Place(area, index, key or "")


class _Edit(QUndoCommand):
    """One edit: the file's text before and after. Typing in one field merges into one step."""

    def __init__(self, page: EditorPage, before: str, after: str, label: str, merge: str) -> None:
        super().__init__(label)
        self.page, self.before, self.after, self.merge = page, before, after, merge

    def id(self) -> int:
        return 1 if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Edit) or other.merge != self.merge:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.page.show_text(self.after)

    def undo(self) -> None:
        self.page.show_text(self.before)


class _DropList(QListWidget):
    """The pose list: rows dragged into a new order; the page turns the order into an edit."""

    dropped = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def dropEvent(self, event: QDropEvent) -> None:
        super().dropEvent(event)
        self.dropped.emit()


class _DropTree(QTreeWidget):
    """The step tree: steps dragged into a new order, into or out of a sides block."""

    dropped = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setDragDropMode(QTreeWidget.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def dropEvent(self, event: QDropEvent) -> None:
        super().dropEvent(event)
        self.dropped.emit()


class _Row(QWidget):
    """A field and the message about it, right under it."""

    def __init__(self, editor: QWidget, extra: QWidget | None = None) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        line = QHBoxLayout()
        line.addWidget(editor, 1)
        if extra is not None:
            line.addWidget(extra)
        column.addLayout(line)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        column.addWidget(self.message)
        self.editor = editor

    def show_problems(self, messages: list[str]) -> None:
        self.message.setText("\n".join(messages))
        self.message.setVisible(bool(messages))
        self.editor.setProperty("invalid", bool(messages))
        self.editor.setAccessibleDescription("\n".join(messages))


def _lines(widget: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in widget.toPlainText().splitlines() if line.strip()]


def _text_list(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(item) for item in value if isinstance(item, str))
    return ""


def _line_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    return edit


def _list_edit(name: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText("One per line")
    edit.setFixedHeight(72)
    return edit


def _set_line(edit: QLineEdit, value: Any) -> None:
    text = "" if value is None else str(value)
    if edit.text() != text:
        edit.setText(text)


def _set_plain(edit: QPlainTextEdit, text: str) -> None:
    if "\n".join(_lines(edit)) != text:
        edit.setPlainText(text)


def _number(value: Any, default: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


class EditorPage(QWidget):
    """Make a routine, change a copy of one, or change your own; save, try or close it."""

    saved = Signal(object)  # Routine, as saved
    closed = Signal()
    deleted = Signal(str)  # the id of the routine whose file went to the trash
    try_requested = Signal(object)  # Routine

    def __init__(
        self,
        pacing: Callable[[], Pacing],
        dialogs: Dialogs,
        known_ids: Callable[[], set[str]],
        folder: Callable[[], Path] = user_routines_dir,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._pacing, self._dialogs, self._known_ids, self._folder = (
            pacing,
            dialogs,
            known_ids,
            folder,
        )
        self.document = RoutineDocument(new_routine_text())
        self.path: Path | None = None
        """The user file being changed; None for a new routine or a copy (saved as ID.toml)."""
        self.saved_text = self.document.text()
        self.disk_text: str | None = None
        """The file's text as last read or written: if the disk differs at save, it changed."""
        self.opened_id = ""
        self.last_deleted: tuple[Path, str] | None = None
        """The file last moved to the trash and its text, so the window can bring it back."""
        self.routine: Routine | None = None
        self.problems: list[Problem] = []
        self._loading = False
        self.undo_stack = QUndoStack(self)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self._write_draft)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._changed_on_disk)
        self._build()
        self.show_text(self.saved_text)

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN // 2, MARGIN, MARGIN // 2)
        top = QHBoxLayout()
        self.heading = QLabel("New routine")
        self.heading.setObjectName("heading")
        top.addWidget(self.heading, 1)
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.clicked.connect(self.undo_stack.redo)
        # The stack says when undo becomes possible: a first edit's redo() runs before the
        # command is on the stack, so asking it during the edit would still say no.
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.try_button = QPushButton("Try it")
        self.try_button.setToolTip("Start a session of this routine as it is now")
        self.try_button.clicked.connect(self.try_it)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save to your routines (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.request_close)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save a copy of this routine anywhere, to share it")
        self.export_button.clicked.connect(self.export)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Move this routine's file to the trash")
        self.delete_button.clicked.connect(self.delete_routine)
        for widget in (
            self.undo_button,
            self.redo_button,
            self.try_button,
            self.save_button,
            self.export_button,
            self.delete_button,
            self.close_button,
        ):
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            top.addWidget(widget)
        layout.addLayout(top)
        self.save_state = QLabel()
        self.save_state.setObjectName("saveState")
        self.save_state.setWordWrap(True)
        layout.addWidget(self.save_state)

        split = QSplitter()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._routine_tab(), "Rou&tine")
        self.tabs.addTab(self._poses_tab(), "P&oses")
        self.tabs.addTab(self._steps_tab(), "Ste&ps")
        split.addWidget(self.tabs)
        split.addWidget(self._preview_column())
        split.setSizes([640, 420])
        layout.addWidget(split, 1)
        self._shortcuts()
        for field in self.findChildren(QWidget):
            if isinstance(field, QLineEdit | QPlainTextEdit | QAbstractSpinBox):
                field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Z in a field undoes the routine's last edit, not the field's own last key: one
        undo history for the whole routine, whichever field has the keyboard."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = event.keyCombination().toCombined()
            if pressed in _UNDO_REDO:
                return True  # not taken by the field: the page's shortcut runs
        return super().eventFilter(watched, event)

    def _shortcuts(self) -> None:
        keys: list[tuple[str, Callable[[], object]]] = [
            ("Ctrl+S", self.save),
            *((key, self.undo_stack.undo) for key in UNDO_KEYS),
            *((key, self.undo_stack.redo) for key in REDO_KEYS),
            ("Ctrl+W", self.request_close),
        ]
        self._keys: list[QShortcut] = []
        for sequence, slot in keys:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self._keys.append(shortcut)
        for view, move in ((self.pose_list, self.move_pose), (self.step_tree, self.move_step)):
            for sequence, by in (("Alt+Up", -1), ("Alt+Down", 1)):
                shortcut = QShortcut(QKeySequence(sequence), view)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
                shortcut.activated.connect(lambda move=move, by=by: move(by))
                self._keys.append(shortcut)
            remove = QShortcut(QKeySequence(Qt.Key.Key_Delete), view)
            remove.setContext(Qt.ShortcutContext.WidgetShortcut)
            remove.activated.connect(
                self.remove_pose if view is self.pose_list else self.remove_step
            )
            self._keys.append(remove)

    def _form(self) -> tuple[QWidget, QFormLayout]:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        column.addLayout(form)
        column.addStretch(1)  # rows keep their height; the room left is below the last one
        return box, form

    def _routine_tab(self) -> QWidget:
        box, form = self._form()
        self.title_edit = _line_edit("Title")
        self.id_edit = _line_edit("Id")
        self.source_edit = _line_edit("Source")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setAccessibleName("Description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(90)
        self.equipment_edit = _list_edit("Equipment")
        self.cautions_edit = _list_edit("Cautions")
        self.routine_rows: dict[str, _Row] = {}
        for key, label, widget in (
            ("title", "Title", self.title_edit),
            ("id", "Id", self.id_edit),
            ("source", "Source", self.source_edit),
            ("description", "Description", self.description_edit),
            ("equipment", "Equipment", self.equipment_edit),
            ("cautions", "Cautions", self.cautions_edit),
        ):
            row = _Row(widget)
            self.routine_rows[key] = row
            _add_row(form, label, row)
        self.routine_message = QLabel()
        self.routine_message.setStyleSheet(ERROR_STYLE)
        self.routine_message.setWordWrap(True)
        form.addRow(self.routine_message)
        self.title_edit.textEdited.connect(self._title_edited)
        self.id_edit.textEdited.connect(lambda text: self._routine_edited("id", text.strip()))
        self.source_edit.textEdited.connect(lambda text: self._routine_edited("source", text))
        self.description_edit.textChanged.connect(
            lambda: self._routine_edited("description", self.description_edit.toPlainText())
        )
        self.equipment_edit.textChanged.connect(
            lambda: self._routine_edited("equipment", _lines(self.equipment_edit))
        )
        self.cautions_edit.textChanged.connect(
            lambda: self._routine_edited("cautions", _lines(self.cautions_edit))
        )
        return box

    def _poses_tab(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        left = QVBoxLayout()
        self.pose_list = _DropList()
        self.pose_list.dropped.connect(self._poses_dropped)
        self.pose_list.setAccessibleName("Poses")
        self.pose_list.currentRowChanged.connect(lambda _row: self._fill_pose_form())
        left.addWidget(self.pose_list, 1)
        self.add_pose_button = QPushButton("&New pose")
        self.add_pose_button.clicked.connect(self.add_pose)
        self.remove_pose_button = QPushButton("Remove pose")
        self.remove_pose_button.clicked.connect(self.remove_pose)
        left.addWidget(self.add_pose_button)
        left.addWidget(self.remove_pose_button)
        left.addWidget(QLabel("Alt+Up/Down moves the pose"))
        row.addLayout(left, 3)
        box, form = self._form()
        self.pose_name = _line_edit("Pose name")
        self.pose_id = _line_edit("Pose id")
        self.pose_spoken = _line_edit("Spoken name")
        self.pose_instructions = _list_edit("Instructions")
        self.pose_cues = _list_edit("Key cues")
        self.pose_cautions = _list_edit("Pose cautions")
        self.pose_one_sided = QCheckBox("One-si&ded (done on each side)")
        self.pose_figure = QComboBox()
        self.pose_figure.setAccessibleName("Figure")
        self.pose_figure.addItem("(the pose's id, if the library has it)", "")
        self.figure_preview = FigureWidget()
        self.figure_preview.setFixedHeight(140)
        for name in sorted(builtin_figure_names()):
            self.pose_figure.addItem(name, name)
        self.pose_base = QComboBox()
        self.pose_base.setAccessibleName("Base")
        self.pose_base.addItem(NO_BASE, "")
        for base in Base:
            self.pose_base.addItem(base.value, base.value)
        self.pose_rows: dict[str, _Row] = {}
        for key, label, widget in (
            ("name", "Name", self.pose_name),
            ("id", "Id", self.pose_id),
            ("spoken_name", "Spoken name", self.pose_spoken),
            ("instructions", "Instructions", self.pose_instructions),
            ("key_cues", "Key cues", self.pose_cues),
            ("cautions", "Cautions", self.pose_cautions),
            ("one_sided", "", self.pose_one_sided),
            ("base", "&Base", self.pose_base),
            ("spoken_cautions", "Spo&ken cautions", self._spoken_cautions_box()),
            ("figure", "&Figure", self.pose_figure),
        ):
            field_row = _Row(widget)
            self.pose_rows[key] = field_row
            _add_row(form, label, field_row)
        form.addRow("", self.figure_preview)
        cautions_label = form.labelForField(self.pose_rows["spoken_cautions"])
        if isinstance(cautions_label, QLabel):  # Alt+K skips a box that takes no focus
            cautions_label.setBuddy(self.spoken_cautions)
        self.pose_form = box
        row.addWidget(box, 4)
        self.pose_name.textEdited.connect(lambda text: self._pose_edited("name", text))
        self.pose_id.textEdited.connect(self._pose_id_edited)
        self.pose_spoken.textEdited.connect(lambda text: self._pose_edited("spoken_name", text))
        for key, widget in (
            ("instructions", self.pose_instructions),
            ("key_cues", self.pose_cues),
            ("cautions", self.pose_cautions),
        ):
            widget.textChanged.connect(
                lambda key=key, widget=widget: self._pose_edited(key, _lines(widget))
            )
        self.pose_one_sided.toggled.connect(
            lambda on: self._pose_edited("one_sided", True if on else None)
        )
        self.pose_figure.currentIndexChanged.connect(self._figure_chosen)
        self.pose_base.currentIndexChanged.connect(
            lambda _index: self._pose_edited("base", self.pose_base.currentData())
        )
        return page

    def _spoken_cautions_box(self) -> QWidget:
        """One line per caution the voice says; the selected one's words and when it is said
        are edited under the list, so each line keeps its own ``when``."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.spoken_cautions = QListWidget()
        self.spoken_cautions.setAccessibleName("Spoken cautions")
        self.spoken_cautions.setFixedHeight(72)
        self.spoken_cautions.currentRowChanged.connect(lambda _row: self._fill_caution())
        column.addWidget(self.spoken_cautions)
        line = QHBoxLayout()
        self.caution_text = _line_edit("Spoken caution")
        self.caution_text.setPlaceholderText("What the voice says")
        self.caution_when = QComboBox()
        self.caution_when.setAccessibleName("When it is said")
        for time in (CautionTime.ARRIVAL, CautionTime.ONCE, CautionTime.LEAD_IN):
            self.caution_when.addItem(time.value, time.value)
        line.addWidget(self.caution_text, 1)
        line.addWidget(self.caution_when)
        column.addLayout(line)
        buttons = QHBoxLayout()
        self.add_caution_button = QPushButton("Add caution")
        self.add_caution_button.clicked.connect(self.add_spoken_caution)
        self.remove_caution_button = QPushButton("Remove caution")
        self.remove_caution_button.clicked.connect(self.remove_spoken_caution)
        buttons.addWidget(self.add_caution_button)
        buttons.addWidget(self.remove_caution_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.caution_text.textEdited.connect(lambda _text: self._caution_edited())
        self.caution_when.currentIndexChanged.connect(lambda _index: self._caution_edited())
        return box

    def _steps_tab(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        left = QVBoxLayout()
        self.step_tree = _DropTree()
        self.step_tree.dropped.connect(self._steps_dropped)
        self.step_tree.setHeaderHidden(True)
        self.step_tree.setAccessibleName("Steps")
        self.step_tree.currentItemChanged.connect(lambda *_: self._fill_step_form())
        left.addWidget(self.step_tree, 1)
        self.add_buttons: dict[str, QPushButton] = {}
        for kind, text in (
            ("hold", "Add &hold"),
            ("rest", "Add &rest"),
            ("flow", "Add &flow"),
            ("contract_relax", "Add &contract–relax"),
            ("sides", "Add si&des block"),
        ):
            add = QPushButton(text)
            add.clicked.connect(lambda _checked=False, kind=kind: self.add_step(kind))
            self.add_buttons[kind] = add
            left.addWidget(add)
        self.remove_step_button = QPushButton("Remove step")
        self.remove_step_button.clicked.connect(self.remove_step)
        left.addWidget(self.remove_step_button)
        left.addWidget(QLabel("Alt+Up/Down moves the step"))
        row.addLayout(left, 3)
        box, form = self._form()
        self.step_kind = QLabel()
        self.step_pose = QComboBox()
        self.step_pose.setAccessibleName("Pose")
        self.step_amount = QDoubleSpinBox()
        self.step_amount.setRange(0, 100_000)
        self.step_amount.setDecimals(1)
        self.step_amount.setAccessibleName("Length")
        self.step_unit = QComboBox()
        self.step_unit.addItems(["breaths", "seconds"])
        self.step_unit.setAccessibleName("Length unit")
        self.step_repetitions = QSpinBox()
        self.step_repetitions.setRange(0, 100_000)
        self.step_repetitions.setAccessibleName("Repetitions")
        self.step_beats = _list_edit("Beats (the words said on each beat)")
        self.step_beats.setPlaceholderText(
            "One beat a line; 'inhale words | exhale words' for a beat of one breath"
        )
        self.step_beat = QDoubleSpinBox()
        self.step_beat.setRange(0, 100_000)
        self.step_beat.setDecimals(1)
        self.step_beat.setAccessibleName("Beat length")
        self.step_beat_unit = QComboBox()
        self.step_beat_unit.addItems(["breaths", "seconds"])
        self.step_cycles = QSpinBox()
        self.step_cycles.setRange(0, 100_000)
        self.step_contract = QDoubleSpinBox()
        self.step_contract.setRange(0, 100_000)
        self.step_relax = QDoubleSpinBox()
        self.step_relax.setRange(0, 100_000)
        self.step_name = _line_edit("Block name")
        self.step_lead_in = _line_edit("Lead-in")
        self.step_halfway = _line_edit("Halfway")
        self.step_note = _line_edit("Note")
        self.step_way_out = _line_edit("Way out")
        self.step_assess = QComboBox()
        self.step_assess.setAccessibleName("Ask where the hands reached")
        self.step_assess.setToolTip("Ask where the hands reached as this hold ends")
        for label, moment in (
            ("No", ""),
            ("Before the work", "before"),
            ("After the work", "after"),
        ):
            self.step_assess.addItem(label, moment)
        self.step_rows: dict[str, _Row] = {}
        self.step_form = form
        self._step_row_index: dict[str, int] = {}
        form.addRow("Kind", self.step_kind)
        for key, label, widget, extra in (
            ("name", "Name", self.step_name, None),
            ("pose", "Pos&e", self.step_pose, None),
            ("amount", "&Length", self.step_amount, self.step_unit),
            ("repetitions", "Repetitions", self.step_repetitions, None),
            ("beats", "Beats", self.step_beats, None),
            ("beat", "Each beat", self.step_beat, self.step_beat_unit),
            ("cycles", "Cycles", self.step_cycles, None),
            ("contract_seconds", "Press (s)", self.step_contract, None),
            ("relax_seconds", "Release (s)", self.step_relax, None),
            ("lead_in", "Lead-in", self.step_lead_in, None),
            ("halfway", "Halfway", self.step_halfway, None),
            ("note", "Note", self.step_note, None),
            ("way_out", "Way out", self.step_way_out, None),
            ("assess", "Reach question", self.step_assess, None),
        ):
            field_row = _Row(widget, extra)
            self.step_rows[key] = field_row
            self._step_row_index[key] = form.rowCount()
            _add_row(form, label, field_row)
        self.step_form_box = box
        row.addWidget(box, 4)
        self.step_pose.activated.connect(
            lambda _i: self._step_edited("pose", self.step_pose.currentData())
        )
        self.step_amount.valueChanged.connect(lambda _v: self._amount_edited("amount"))
        self.step_unit.activated.connect(lambda _i: self._amount_edited("amount"))
        self.step_beat.valueChanged.connect(lambda _v: self._amount_edited("beat"))
        self.step_beat_unit.activated.connect(lambda _i: self._amount_edited("beat"))
        self.step_repetitions.valueChanged.connect(
            lambda value: self._step_edited("repetitions", value)
        )
        self.step_beats.textChanged.connect(
            lambda: self._step_edited("beats", _beats_from(_lines(self.step_beats)))
        )
        self.step_cycles.valueChanged.connect(lambda value: self._step_edited("cycles", value))
        self.step_assess.activated.connect(
            lambda _i: self._step_edited("assess", self.step_assess.currentData() or None)
        )
        self.step_contract.valueChanged.connect(
            lambda value: self._step_edited("contract_seconds", _whole(value))
        )
        self.step_relax.valueChanged.connect(
            lambda value: self._step_edited("relax_seconds", _whole(value))
        )
        for key, edit in (
            ("name", self.step_name),
            ("lead_in", self.step_lead_in),
            ("halfway", self.step_halfway),
            ("note", self.step_note),
            ("way_out", self.step_way_out),
        ):
            edit.textEdited.connect(lambda text, key=key: self._step_edited(key, text))
        return page

    def _preview_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        self.length_label = QLabel()
        self.length_label.setObjectName("length")
        layout.addWidget(self.length_label)
        layout.addWidget(QLabel("Problems"))
        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Problems")
        self.problem_list.setMaximumHeight(120)
        self.problem_list.setWordWrap(True)
        self.problem_list.itemActivated.connect(
            lambda item: self.go_to_problem(self.problem_list.row(item))
        )
        layout.addWidget(self.problem_list)
        layout.addWidget(QLabel("Poses"))
        self.preview_poses = QListWidget()
        self.preview_poses.setAccessibleName("Pose list preview")
        self.preview_poses.setMaximumHeight(120)
        layout.addWidget(self.preview_poses)
        layout.addWidget(QLabel("What the voice says, in order"))
        self.script = QPlainTextEdit()
        self.script.setReadOnly(True)
        self.script.setAccessibleName("Spoken script")
        layout.addWidget(self.script, 1)
        return column

    # --- opening ------------------------------------------------------------------------------

    def open_new(self) -> None:
        taken = self._known_ids()
        routine_id, number = "my-routine", 1
        while routine_id in taken:
            number += 1
            routine_id = f"my-routine-{number}"
        title = "My routine" if number == 1 else f"My routine {number}"
        self._open(new_routine_text(routine_id, title), None, "New routine")
        self.tabs.setCurrentIndex(0)
        self.title_edit.setFocus()
        self.title_edit.selectAll()

    def open_copy(self, routine: Routine) -> None:
        """A copy of ``routine`` (built-in ones are read-only), with a new id and title."""
        document = RoutineDocument(source_text(routine))
        taken = self._known_ids()
        title = f"{routine.title} (my copy)"
        routine_id, number = slug(title), 1
        while routine_id in taken:
            number += 1
            routine_id = slug(f"{title} {number}")
        document.replace_id(routine_id, title)
        self._open(document.text(), None, f"Copy of {routine.title}")
        self.tabs.setCurrentIndex(0)
        self.title_edit.setFocus()

    def open_file(self, path: Path) -> None:
        """One of the person's own routine files, to change in place."""
        text = read_text(path)
        self._open(text, path, f"Editing {path.name}")
        self.disk_text = text
        self.tabs.setCurrentIndex(0)
        self.title_edit.setFocus()

    def open_routine(self, routine: Routine) -> bool:
        """Edit ``routine``: the file itself if it is the person's, else a copy. A file that
        is gone or cannot be read is a message, and the editor stays as it was."""
        try:
            if is_builtin(routine) or not routine.origin:
                self.open_copy(routine)
            else:
                self.open_file(Path(routine.origin))
        except RoutineError as error:
            lines = "\n".join(str(problem) for problem in error.problems[:10])
            self._dialogs.inform("Cannot open", lines)
            return False
        except DocumentError as error:
            self._dialogs.inform("Cannot open", f"{routine.origin}: {error}")
            return False
        return True

    def _open(self, text: str, path: Path | None, heading: str) -> None:
        self.preview_poses.clear()  # nothing of the routine shown before
        self.script.setPlainText("")
        self.path = path
        self.disk_text = None
        self.heading.setText(heading)
        self.undo_stack.clear()
        self.saved_text = text  # a new routine left as it opened loses nothing
        self._drop_draft()
        self._watch(path)
        self.show_text(text)
        self.opened_id = str(self.document.get("id") or "") if path is not None else ""
        self.pose_list.setCurrentRow(0 if self.pose_list.count() else -1)
        first = self.step_tree.topLevelItem(0)
        if first is not None:
            self.step_tree.setCurrentItem(first)
        self._update_buttons()

    @property
    def dirty(self) -> bool:
        return self.document.text() != self.saved_text

    # --- editing ------------------------------------------------------------------------------

    def _apply(
        self, change: Callable[[RoutineDocument], object], label: str, merge: str = ""
    ) -> None:
        if self._loading:
            return
        before = self.document.text()
        document = RoutineDocument(before)
        change(document)
        after = document.text()
        if after != before:
            self.undo_stack.push(_Edit(self, before, after, label, merge))

    def _routine_edited(self, key: str, value: object) -> None:
        self._apply(lambda d: d.set_routine(key, value), f"Change {key}", f"routine.{key}")

    def _title_edited(self, title: str) -> None:
        old_title = str(self.document.get("title") or "")
        old_id = str(self.document.get("id") or "")
        follows = old_id in (slug(old_title), "my-routine") and not self.opened_id
        new_id = slug(title) if follows and title.strip() else old_id

        def change(document: RoutineDocument) -> None:
            document.set_routine("title", title)
            if new_id != old_id:
                document.set_routine("id", new_id)

        self._apply(change, "Change title", "routine.title")

    def _current_pose(self) -> int | None:
        row = self.pose_list.currentRow()
        return row if 0 <= row < len(self.document.poses()) else None

    def _pose_edited(self, key: str, value: object) -> None:
        index = self._current_pose()
        if index is None:
            return
        self._apply(
            lambda d: d.set_value(d.pose(index), key, value),
            f"Change pose {key}",
            f"pose.{index}.{key}",
        )

    def _cautions_of(self, document: RoutineDocument, index: int) -> list[Any]:
        found = _plain(document.pose(index).get("spoken_cautions"))
        return list(found) if isinstance(found, list) else []

    def _caution_edited(self) -> None:
        """The selected caution's words or time, changed in place; the others keep their
        bytes. ``when`` is written only if chosen or already there (arrival is the default)."""
        index, row = self._current_pose(), self.spoken_cautions.currentRow()
        if index is None or row < 0:
            return
        text, when = self.caution_text.text(), str(self.caution_when.currentData())

        def change(document: RoutineDocument) -> None:
            cautions = self._cautions_of(document, index)
            if row >= len(cautions):
                return
            old = cautions[row]
            caution = dict(old) if isinstance(old, dict) else {}
            caution["text"] = text
            if when != CautionTime.ARRIVAL.value or "when" in caution:
                caution["when"] = when
            cautions[row] = caution
            document.set_value(document.pose(index), "spoken_cautions", cautions)

        # One caution's edits, from its adding on, are one undo step, as typing in a field is.
        self._apply(change, "Change spoken caution", f"pose.{index}.spoken_cautions.{row}")

    def add_spoken_caution(self) -> None:
        index = self._current_pose()
        if index is None:
            return
        row = len(self._cautions_of(self.document, index))

        def change(document: RoutineDocument) -> None:
            cautions = [*self._cautions_of(document, index), {"text": ""}]
            document.set_value(document.pose(index), "spoken_cautions", cautions)

        self._apply(change, "Add spoken caution", f"pose.{index}.spoken_cautions.{row}")
        self.spoken_cautions.setCurrentRow(row)
        self.caution_text.setFocus()

    def remove_spoken_caution(self) -> None:
        index, row = self._current_pose(), self.spoken_cautions.currentRow()
        if index is None or row < 0:
            return

        def change(document: RoutineDocument) -> None:
            cautions = self._cautions_of(document, index)
            if row < len(cautions):
                del cautions[row]
            document.set_value(document.pose(index), "spoken_cautions", cautions)

        self._apply(change, "Remove spoken caution")

    def _pose_id_edited(self, text: str) -> None:
        index = self._current_pose()
        if index is None:
            return
        old = str(self.document.pose(index).get("id", ""))
        new = text.strip()

        def change(document: RoutineDocument) -> None:
            document.set_value(document.pose(index), "id", new)
            for step in _all_steps(document):  # the steps follow the pose they name
                if step.get("pose") == old and new:
                    document.set_value(step, "pose", new)

        self._apply(change, "Change pose id", f"pose.{index}.id")

    def add_pose(self) -> None:
        taken = {str(p.get("id", "")) for p in self.document.poses()}
        number = len(taken) + 1
        while f"pose-{number}" in taken:
            number += 1
        self._apply(lambda d: d.add_pose(f"pose-{number}", f"Pose {number}"), "Add pose")
        self.tabs.setCurrentIndex(1)
        self.pose_list.setCurrentRow(len(self.document.poses()) - 1)
        self.pose_name.setFocus()
        self.pose_name.selectAll()

    def remove_pose(self) -> None:
        index = self._current_pose()
        if index is None:
            return
        self._apply(lambda d: d.remove_pose(index), "Remove pose")
        self.pose_list.setCurrentRow(min(index, self.pose_list.count() - 1))

    def move_pose(self, by: int) -> None:
        index = self._current_pose()
        if index is None or not 0 <= index + by < len(self.document.poses()):
            return
        self._apply(lambda d: d.move_pose(index, index + by), "Move pose")
        self.pose_list.setCurrentRow(index + by)

    def _poses_dropped(self) -> None:
        order = [
            int(self.pose_list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.pose_list.count())
        ]
        moved = self.pose_list.currentRow()
        self._apply(lambda d: d.arrange_poses(order), "Move pose")
        self.pose_list.setCurrentRow(moved)

    def _steps_dropped(self) -> None:
        order: list[tuple[StepPath, list[StepPath]]] = []
        for index in range(self.step_tree.topLevelItemCount()):
            top = self.step_tree.topLevelItem(index)
            if top is None:
                continue
            children = [top.child(inner) for inner in range(top.childCount())]
            inner_paths = [
                tuple(child.data(0, Qt.ItemDataRole.UserRole))
                for child in children
                if child is not None
            ]
            order.append((tuple(top.data(0, Qt.ItemDataRole.UserRole)), inner_paths))
        self._apply(lambda d: d.arrange_steps(order), "Move step")
        self._fill_step_tree()  # the tree shows the file again, whatever the drop did

    def _current_step(self) -> StepPath | None:
        item = self.step_tree.currentItem()
        if item is None:
            return None
        path = item.data(0, Qt.ItemDataRole.UserRole)
        return tuple(path) if isinstance(path, list | tuple) else None

    def add_step(self, kind: str) -> None:
        poses = self.document.poses()
        pose = str(poses[0].get("id", "")) if poses else ""
        if (chosen := self._current_pose()) is not None:
            pose = str(poses[chosen].get("id", ""))
        current = self._current_step()
        block: int | None = None
        if (
            kind != "sides"
            and current is not None
            and (len(current) == 2 or self.document.step(current).get("kind") == "sides")
        ):
            block = current[0]
        made: list[StepPath] = []
        self._apply(lambda d: made.append(d.add_step(kind, pose, block)), f"Add {kind}")
        self.tabs.setCurrentIndex(2)
        if made:
            self._select_step(made[0])
        self.step_tree.setFocus()

    def remove_step(self) -> None:
        path = self._current_step()
        if path is None:
            return
        self._apply(lambda d: d.remove_step(path), "Remove step")

    def move_step(self, by: int) -> None:
        path = self._current_step()
        if path is None:
            return
        siblings = len(self.document.steps(path[0] if len(path) == 2 else None))
        to = path[-1] + by
        if not 0 <= to < siblings:
            return
        self._apply(lambda d: d.move_step(path, to), "Move step")
        self._select_step((*path[:-1], to))

    def _step_edited(self, key: str, value: object) -> None:
        path = self._current_step()
        if path is None:
            return
        self._apply(
            lambda d: d.set_value(d.step(path), key, value),
            f"Change {key}",
            f"step.{path}.{key}",
        )

    def _amount_edited(self, row: str) -> None:
        path = self._current_step()
        if path is None:
            return
        spin, unit = (
            (self.step_amount, self.step_unit)
            if row == "amount"
            else (self.step_beat, self.step_beat_unit)
        )
        value, chosen = spin.value(), unit.currentText()
        self._apply(
            lambda d: d.set_amount(path, value, chosen), "Change length", f"step.{path}.{row}"
        )

    # --- showing ------------------------------------------------------------------------------

    def show_text(self, text: str) -> None:
        """Show the routine in ``text``: fields, lists, problems and preview (undo lands here)."""
        self.document = RoutineDocument(text)
        self._loading = True
        try:
            self._fill_routine_form()
            self._fill_pose_list()
            self._fill_step_tree()
        finally:
            self._loading = False
        self._check()
        if self.dirty:
            self._autosave.start()

    def _fill_routine_form(self) -> None:
        get = self.document.get
        _set_line(self.title_edit, get("title"))
        _set_line(self.id_edit, get("id"))
        _set_line(self.source_edit, get("source"))
        description = str(get("description") or "")
        if self.description_edit.toPlainText() != description:
            self.description_edit.setPlainText(description)
        _set_plain(self.equipment_edit, _text_list(get("equipment")))
        _set_plain(self.cautions_edit, _text_list(get("cautions")))

    def _fill_pose_list(self) -> None:
        row = self.pose_list.currentRow()
        poses = self.document.poses()
        names = [str(p.get("name", "")) or str(p.get("id", "")) for p in poses]
        if [self.pose_list.item(i).text() for i in range(self.pose_list.count())] != names:
            self.pose_list.blockSignals(True)
            self.pose_list.clear()
            self.pose_list.addItems(names)
            for index in range(len(names)):
                self.pose_list.item(index).setData(Qt.ItemDataRole.UserRole, index)
            self.pose_list.blockSignals(False)
            self.pose_list.setCurrentRow(min(max(row, 0), len(names) - 1))
        self._fill_pose_form()
        current = self.step_pose.currentData()
        self.step_pose.blockSignals(True)
        self.step_pose.clear()
        for pose in poses:
            self.step_pose.addItem(str(pose.get("name", "")), str(pose.get("id", "")))
        self.step_pose.setCurrentIndex(max(0, self.step_pose.findData(current)))
        self.step_pose.blockSignals(False)

    def _fill_pose_form(self) -> None:
        index = self._current_pose()
        self.pose_form.setEnabled(index is not None)
        self.remove_pose_button.setEnabled(index is not None)
        if index is None:
            return
        was, self._loading = self._loading, True
        try:
            pose = self.document.pose(index)
            _set_line(self.pose_name, pose.get("name"))
            _set_line(self.pose_id, pose.get("id"))
            _set_line(self.pose_spoken, pose.get("spoken_name"))
            _set_plain(self.pose_instructions, _text_list(_plain(pose.get("instructions"))))
            _set_plain(self.pose_cues, _text_list(_plain(pose.get("key_cues"))))
            _set_plain(self.pose_cautions, _text_list(_plain(pose.get("cautions"))))
            self.pose_one_sided.setChecked(bool(pose.get("one_sided", False)))
            self._fill_figure_choice(pose)
            self.pose_base.setCurrentIndex(max(0, self.pose_base.findData(pose.get("base") or "")))
            self._fill_cautions()
        finally:
            self._loading = was
        self._show_pose_figure()
        self._show_field_problems()

    def _fill_figure_choice(self, pose: Any) -> None:
        """The figure combo at the pose's choice. A figure the file draws itself has an entry
        of its own while that pose is shown, so the combo never claims another figure for it;
        picking a library figure instead replaces the drawing (Undo brings it back)."""
        inline = isinstance(pose.get("figure"), Mapping)
        at = self.pose_figure.findData(INLINE_FIGURE)
        if inline and at < 0:
            self.pose_figure.insertItem(1, "(its own, drawn in the routine file)", INLINE_FIGURE)
        elif not inline and at >= 0:
            self.pose_figure.removeItem(at)
        chosen = INLINE_FIGURE if inline else pose.get("figure")
        self.pose_figure.setCurrentIndex(max(0, self.pose_figure.findData(chosen)))

    def _figure_chosen(self, _index: int) -> None:
        chosen = self.pose_figure.currentData()
        if chosen != INLINE_FIGURE:  # the drawing is there already
            self._pose_edited("figure", chosen)

    def _show_pose_figure(self) -> None:
        """What the session will show for the selected pose, drawn as the person picks it."""
        index = self._current_pose()
        if index is None:
            return
        pose = self.document.pose(index)
        one_sided = bool(pose.get("one_sided", False))
        self.figure_preview.set_figure(self._figure_of(pose), Side.RIGHT if one_sided else None)

    def _figure_of(self, pose: Any) -> Figure | None:
        if isinstance(pose.get("figure"), Mapping):
            # Drawn in the file: as the session reads it, from the checked routine (while the
            # file has a problem, the last version without one).
            pose_id = str(pose.get("id", ""))
            poses = self.routine.poses if self.routine is not None else ()
            checked = next((p for p in poses if p.id == pose_id), None)
            return figure_for_pose(checked) if checked is not None else None
        name = figure_name_for(str(pose.get("id", "")), str(pose.get("figure") or "") or None)
        return builtin_figures().get(name)

    def _fill_cautions(self) -> None:
        index = self._current_pose()
        cautions = [] if index is None else self._cautions_of(self.document, index)
        lines = []
        for caution in cautions:
            found = caution if isinstance(caution, dict) else {}
            when = found.get("when", CautionTime.ARRIVAL.value)
            lines.append(f"{found.get('text', '')}  ({when})")
        row = self.spoken_cautions.currentRow()
        if [self.spoken_cautions.item(i).text() for i in range(self.spoken_cautions.count())] != (
            lines
        ):
            # Quietly: a caution field disabled for a moment would lose the keyboard.
            self.spoken_cautions.blockSignals(True)
            try:
                self.spoken_cautions.clear()
                self.spoken_cautions.addItems(lines)
                self.spoken_cautions.setCurrentRow(min(max(row, 0), len(lines) - 1))
            finally:
                self.spoken_cautions.blockSignals(False)
        self._fill_caution()

    def _fill_caution(self) -> None:
        """The selected caution's words and time in the fields under the list."""
        index, row = self._current_pose(), self.spoken_cautions.currentRow()
        cautions = [] if index is None else self._cautions_of(self.document, index)
        chosen = cautions[row] if 0 <= row < len(cautions) else None
        for widget in (self.caution_text, self.caution_when, self.remove_caution_button):
            widget.setEnabled(chosen is not None)
        found = chosen if isinstance(chosen, dict) else {}
        was, self._loading = self._loading, True
        try:
            _set_line(self.caution_text, found.get("text", ""))
            when = found.get("when", CautionTime.ARRIVAL.value)
            self.caution_when.setCurrentIndex(max(0, self.caution_when.findData(when)))
        finally:
            self._loading = was

    def _fill_step_tree(self) -> None:
        current = self._current_step()
        self.step_tree.blockSignals(True)
        self.step_tree.clear()
        names = {str(p.get("id", "")): str(p.get("name", "")) for p in self.document.poses()}
        for number, step in enumerate(self.document.steps()):
            item = QTreeWidgetItem([f"{number + 1}. {_step_text(step, names)}"])
            if step.get("kind") != "sides":  # only a sides block takes steps dropped on it
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            item.setData(0, Qt.ItemDataRole.UserRole, (number,))
            self.step_tree.addTopLevelItem(item)
            if step.get("kind") == "sides":
                for inner, child in enumerate(self.document.steps(number)):
                    label = f"{number + 1}.{inner + 1} {_step_text(child, names)}"
                    sub = QTreeWidgetItem([label])
                    sub.setFlags(sub.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
                    sub.setData(0, Qt.ItemDataRole.UserRole, (number, inner))
                    item.addChild(sub)
                item.setExpanded(True)
        self.step_tree.blockSignals(False)
        if current is not None:
            self._select_step(current)
        self._fill_step_form()

    def _select_step(self, path: StepPath) -> None:
        item = self._step_item(path)
        if item is None and len(path) == 2:
            item = self._step_item(path[:1])
        if item is None and self.step_tree.topLevelItemCount():
            last = self.step_tree.topLevelItemCount() - 1
            item = self.step_tree.topLevelItem(min(path[0], last))
        if item is not None:
            self.step_tree.setCurrentItem(item)

    def _step_item(self, path: StepPath) -> QTreeWidgetItem | None:
        if not 0 <= path[0] < self.step_tree.topLevelItemCount():
            return None
        item = self.step_tree.topLevelItem(path[0])
        if item is None:
            return None
        if len(path) == 2:
            return item.child(path[1]) if 0 <= path[1] < item.childCount() else None
        return item

    def _fill_step_form(self) -> None:
        path = self._current_step()
        self.step_form_box.setEnabled(path is not None)
        self.remove_step_button.setEnabled(path is not None)
        if path is None:
            self.step_kind.setText("")
            return
        try:
            step = self.document.step(path)
        except (IndexError, KeyError):
            return
        kind = str(step.get("kind", ""))
        self.step_kind.setText(KIND_NAMES.get(kind, kind))
        shown = {"lead_in", "note", "way_out", "pose"}
        if kind == "sides":
            shown = {"name", "note"}
        elif kind in ("hold", "rest"):
            shown |= {"amount"} | ({"halfway", "assess"} if kind == "hold" else set())
        elif kind == "flow":
            shown |= {"repetitions", "beats", "beat"}
        elif kind == "contract_relax":
            shown |= {"cycles", "contract_seconds", "relax_seconds"}
        for key, row in self._step_row_index.items():
            self.step_form.setRowVisible(row, key in shown)
        was, self._loading = self._loading, True
        try:
            self.step_pose.setCurrentIndex(max(0, self.step_pose.findData(step.get("pose"))))
            for spin, unit, keys in (
                (self.step_amount, self.step_unit, ("seconds", "breaths")),
                (self.step_beat, self.step_beat_unit, ("beat_seconds", "beat_breaths")),
            ):
                seconds = keys[0] in step
                unit.setCurrentText("seconds" if seconds else "breaths")
                spin.setValue(_number(step.get(keys[0] if seconds else keys[1])))
            self.step_repetitions.setValue(int(_number(step.get("repetitions"))))
            _set_plain(self.step_beats, _beats_text(_plain(step.get("beats"))))
            self.step_cycles.setValue(int(_number(step.get("cycles"))))
            self.step_contract.setValue(_number(step.get("contract_seconds")))
            self.step_relax.setValue(_number(step.get("relax_seconds")))
            assess = step.get("assess")
            self.step_assess.setCurrentIndex(
                max(0, self.step_assess.findData(assess if isinstance(assess, str) else ""))
            )
            for key, edit in (
                ("name", self.step_name),
                ("lead_in", self.step_lead_in),
                ("halfway", self.step_halfway),
                ("note", self.step_note),
                ("way_out", self.step_way_out),
            ):
                _set_line(edit, step.get(key))
        finally:
            self._loading = was
        self._show_field_problems()

    def _check(self) -> None:
        name = self.path.name if self.path is not None else f"{self.document.get('id')}.toml"
        self.routine, self.problems = validate(self.document.text(), name)
        self.problem_list.clear()
        for problem in self.problems:
            self.problem_list.addItem(f"line {problem.line}: {problem.field}: {problem.message}")
        self._show_field_problems()
        self._show_pose_figure()  # an inline figure is drawn from the routine just checked
        self._show_preview()
        self._update_buttons()

    def go_to_problem(self, row: int) -> None:
        """Enter (or a double click) on a listed problem shows the pose or step it is about."""
        if not 0 <= row < len(self.problems):
            return
        place = place_of(self.problems[row])
        if place.area == "poses":
            self.tabs.setCurrentIndex(1)
            self.pose_list.setCurrentRow(place.index[0])
            self.pose_list.setFocus()
        elif place.area == "steps":
            self.tabs.setCurrentIndex(2)
            self._select_step(place.index)
            self.step_tree.setFocus()
        else:
            self.tabs.setCurrentIndex(0)
            row_widget = self.routine_rows.get(place.key)
            if row_widget is not None:
                row_widget.editor.setFocus()

    def _show_field_problems(self) -> None:
        routine: dict[str, list[str]] = {}
        pose: dict[str, list[str]] = {}
        step: dict[str, list[str]] = {}
        other: list[str] = []
        pose_index, step_path = self._current_pose(), self._current_step()
        for problem in self.problems:
            place = place_of(problem)
            if place.area == "routine" and place.key in self.routine_rows:
                routine.setdefault(place.key, []).append(problem.message)
            elif place.area == "poses" and place.index == (pose_index,):
                pose.setdefault(place.key, []).append(problem.message)
            elif place.area == "steps" and place.index == step_path:
                key = (
                    _AMOUNT_ROW.get(place.key)
                    or _BEAT_ROW.get(place.key)
                    or ("name" if place.key == "steps" else place.key)  # a block's own steps
                )
                step.setdefault(key, []).append(problem.message)
            elif place.area == "routine":
                other.append(f"{problem.field}: {problem.message}")
        for rows, found in (
            (self.routine_rows, routine),
            (self.pose_rows, pose),
            (self.step_rows, step),
        ):
            for key, row in rows.items():
                row.show_problems(found.get(key, []))
        self.routine_message.setText("\n".join(other))

    def _show_preview(self) -> None:
        if self.routine is None:
            # The preview keeps the last version without problems (greyed), so one wrong key
            # does not blank what the person was reading.
            count = len(self.problems)
            shown = " (the preview is of the last version without problems)"
            self.length_label.setText(
                f"Not ready: {count} problem{'' if count == 1 else 's'} to fix"
                + (shown if self.script.toPlainText() else "")
            )
            self.preview_poses.setEnabled(False)
            self.script.setEnabled(False)
            return
        self.preview_poses.clear()
        self.preview_poses.setEnabled(True)
        self.script.setEnabled(True)
        timeline = compile_routine(self.routine, self._pacing())
        steps = len(timeline.steps)
        self.length_label.setText(
            f"Length {clock_text(timeline.total_ms)} · {steps} step{'' if steps == 1 else 's'}"
        )
        for pose in self.routine.poses:
            one_sided = " (each side)" if pose.one_sided else ""
            self.preview_poses.addItem(f"{pose.name}{one_sided}")
        lines = [
            f"{clock_text(cue.at_ms):>6}  {cue.text}"
            for phase in timeline.phases
            for cue in phase.cues
        ]
        self.script.setPlainText("\n".join(lines))

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self.undo_stack.canUndo())
        self.redo_button.setEnabled(self.undo_stack.canRedo())
        ready = self.routine is not None
        self.save_button.setEnabled(ready)
        self.try_button.setEnabled(ready)
        self.export_button.setEnabled(ready)
        self.delete_button.setEnabled(self.path is not None and self.path.parent == self._folder())
        if not ready:
            count = len(self.problems)
            self.save_state.setText(
                f"Cannot save yet: {count} problem{'' if count == 1 else 's'} "
                "(shown in red at the field and listed under Problems)."
            )
            self.save_state.setStyleSheet(ERROR_STYLE)
        else:
            self.save_state.setStyleSheet("")
            self.save_state.setText(
                "Unsaved changes."
                if self.dirty
                else "Not saved yet: Save puts it in your routines."
                if self.path is None
                else "Saved."
            )

    # --- saving, trying, closing --------------------------------------------------------------

    def target(self) -> Path:
        if self.path is not None:
            return self.path
        return self._folder() / f"{self.document.get('id')}.toml"

    def save(self) -> bool:
        """Save if the routine validates; True when the file on disk is now this routine."""
        if self.routine is None:
            return False
        routine_id = self.routine.id
        if routine_id != self.opened_id and routine_id in self._known_ids():
            self._dialogs.inform(
                "Id in use",
                f"Another routine already has the id {routine_id!r}. Change the id to save.",
            )
            return False
        target = self.target()
        if self.path is None and target.exists():
            self._dialogs.inform("File exists", f"{target} already exists. Change the id.")
            return False
        if self.path is not None and self.disk_text is not None:
            try:
                now = read_text(target)
            except RoutineError:  # removed, or no longer a readable file
                now = None
            if now != self.disk_text and not self._dialogs.confirm(
                "Changed on disk",
                f"{target.name} was changed by another program since you opened it. "
                "Replace it with your version?",
            ):
                return False
        text = self.document.text()
        try:
            write_atomically(target, text)
        except OSError as error:
            self._dialogs.inform("Not saved", f"Could not write {target}: {error.strerror}")
            return False
        self.path, self.saved_text, self.disk_text = target, text, text
        self._drop_draft()
        self._watch(target)  # the rename replaced the file the watcher followed
        self.opened_id = routine_id
        self.heading.setText(f"Editing {target.name}")
        self.undo_stack.setClean()
        saved = validate(text, str(target))[0]
        self._update_buttons()
        if saved is not None:
            self.saved.emit(saved)
        return True

    def ask_export_path(self, suggested: str) -> str:
        """Where to export (replaced in tests: a file dialog would wait for a person)."""
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Export routine", suggested, "Routine files (*.toml)"
        )
        return chosen

    def export(self) -> bool:
        """Write the routine as it is now (valid only) to a file the person picks."""
        if self.routine is None:
            return False
        chosen = self.ask_export_path(str(Path.home() / f"{self.routine.id}.toml"))
        if not chosen:
            return False
        target = Path(chosen)
        try:
            write_atomically(target, self.document.text())
        except OSError as error:
            self._dialogs.inform("Not exported", f"Could not write {target}: {error.strerror}")
            return False
        self.save_state.setText(f"Exported to {target}.")
        return True

    def restore_deleted(self) -> Routine | None:
        """The file last moved to the trash, written back (this run only; the trash keeps its
        copy). None, and a message, if there is none or it cannot be."""
        if self.last_deleted is None:
            return None
        path, text = self.last_deleted
        if path.exists():
            self._dialogs.inform("Not restored", f"{path.name} exists again: left as it is.")
            return None
        try:
            write_atomically(path, text)
            routine = read_routine_file(path)
        except (OSError, RoutineError) as error:
            self._dialogs.inform("Not restored", f"{path.name}: {error}")
            return None
        self.last_deleted = None
        return routine

    def try_it(self) -> None:
        if self.routine is not None:
            self.try_requested.emit(self.routine)

    def can_leave(self) -> bool:
        """True when nothing unsaved would be lost (after asking, if something would); the
        changes a person chose to discard are discarded, draft included."""
        if not self.dirty:
            return True
        if not self._dialogs.confirm(
            "Unsaved changes", "This routine has changes that are not saved. Discard them?"
        ):
            return False
        self.saved_text = self.document.text()
        self._drop_draft()
        return True

    def request_close(self) -> None:
        if self.can_leave():
            self.closed.emit()

    # --- the file changed by another program ---------------------------------------------------

    def _watch(self, path: Path | None) -> None:
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        if path is not None and path.exists():
            self._watcher.addPath(str(path))

    def _changed_on_disk(self, name: str) -> None:
        """Another program changed (or replaced, or removed) the file being edited. Nothing
        unsaved here: the new version is shown. Unsaved changes: the person chooses; keeping
        theirs means Save asks again before replacing the other version."""
        if self.path is None or name != str(self.path):
            return
        self._watch(self.path)  # a replaced file is a new one to follow
        try:
            text = read_text(self.path)
        except RoutineError:  # removed, or no longer a readable file
            self.save_state.setText(
                f"{self.path.name} was removed from disk; Save writes it again."
            )
            return
        if text == self.disk_text:
            return  # our own save, or no real change
        if self.dirty and not self._dialogs.confirm(
            "Changed on disk",
            f"{self.path.name} was changed by another program. Load that version and lose "
            "your unsaved changes? (No keeps yours; saving will ask before replacing it.)",
        ):
            return
        path = self.path
        self._open(text, path, f"Editing {path.name}")
        self.disk_text = text
        self.save_state.setText(f"Loaded the version another program saved to {path.name}.")

    # --- the draft a crash leaves -------------------------------------------------------------

    def draft_path(self) -> Path:
        return self._folder().parent / "editor-draft.json"

    def _write_draft(self) -> None:
        """The routine being edited, as it is now, beside the routines folder: written a moment
        after the last edit, removed on save or discard, so one that is found was lost."""
        if not self.dirty:
            return
        draft = {
            "path": None if self.path is None else str(self.path),
            "text": self.document.text(),
        }
        # A full or read-only disk: the editor works on without a draft.
        with contextlib.suppress(OSError):
            write_atomically(self.draft_path(), json.dumps(draft, ensure_ascii=False))

    def _drop_draft(self) -> None:
        self._autosave.stop()
        with contextlib.suppress(OSError):
            self.draft_path().unlink(missing_ok=True)

    def offer_draft(self) -> bool:
        """If a draft was left (the app did not close normally), offer it; True if opened."""
        try:
            draft = json.loads(self.draft_path().read_text(encoding="utf-8"))
            text, where = str(draft["text"]), draft.get("path")
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if not self._dialogs.confirm(
            "Unsaved routine",
            "A routine you were changing was not saved when the app last closed. Open it?",
        ):
            self._drop_draft()
            return False
        path = Path(where) if isinstance(where, str) else None
        try:
            self._open(text, path, "Recovered, not saved yet")
        except ValueError:  # a damaged draft: nothing to offer
            self._drop_draft()
            return False
        try:
            self.saved_text = read_text(path) if path is not None else ""
            self.disk_text = self.saved_text if path is not None else None
        except RoutineError:  # the file is gone: the draft is all there is
            self.saved_text = ""
        self._write_draft()  # _open dropped it; it stays until saved or discarded
        self._update_buttons()
        self.tabs.setCurrentIndex(0)
        self.title_edit.setFocus()
        return True

    def delete_routine(self) -> bool:
        """Move the person's own routine file to the desktop's trash (after asking)."""
        if self.path is None or not self._dialogs.confirm(
            "Delete routine", f"Move {self.path.name} to the trash?"
        ):
            return False
        if not QFile.moveToTrash(str(self.path)) and QFileInfo(str(self.path)).exists():
            self._dialogs.inform("Not deleted", f"Could not move {self.path} to the trash.")
            return False
        self.saved_text = self.document.text()
        self._drop_draft()
        self.last_deleted = (self.path, self.document.text())
        self.deleted.emit(str(self.document.get("id") or ""))
        self.closed.emit()
        return True


NO_BASE = "(not set)"
"""The Base choice that leaves ``base`` out: the pose is not part of any change of level."""

BEAT_SPLIT = " | "
"""How a breath beat ``{inhale = "…", exhale = "…"}`` is written in the beats field."""


def _beats_text(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    lines = []
    for beat in value:
        if isinstance(beat, dict):
            lines.append(f"{beat.get('inhale', '')}{BEAT_SPLIT}{beat.get('exhale', '')}")
        else:
            lines.append(str(beat))
    return "\n".join(lines)


def _beats_from(lines: list[str]) -> list[object]:
    beats: list[object] = []
    for line in lines:
        if BEAT_SPLIT.strip() in line:
            inhale, exhale = (part.strip() for part in line.split(BEAT_SPLIT.strip(), 1))
            beats.append({"inhale": inhale, "exhale": exhale})
        else:
            beats.append(line)
    return beats


def _add_row(form: QFormLayout, label: str, row: _Row) -> None:
    """A labelled row whose label's Alt+letter puts the keyboard in the field itself."""
    form.addRow(label, row)
    found = form.labelForField(row)
    if isinstance(found, QLabel):
        found.setBuddy(row.editor)


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _all_steps(document: RoutineDocument) -> list[Any]:
    found: list[Any] = []
    for index, step in enumerate(document.steps()):
        found.append(step)
        if step.get("kind") == "sides":
            found.extend(document.steps(index))
    return found


def _step_text(step: Any, names: dict[str, str]) -> str:
    kind = str(step.get("kind", ""))
    if kind == "sides":
        return f"Sides block: {step.get('name', 'Each side')}"
    pose = names.get(str(step.get("pose", "")), "?")
    if kind in ("hold", "rest"):
        if "seconds" in step:
            amount = f", {step['seconds']} s"
        else:
            amount = f", {step.get('breaths', '?')} breaths"
    elif kind == "flow":
        amount = f", {step.get('repetitions', '?')} times"
    elif kind == "contract_relax":
        amount = f", {step.get('cycles', '?')} cycles"
    else:
        amount = ""
    return f"{KIND_NAMES.get(kind, kind)}: {pose}{amount}"
