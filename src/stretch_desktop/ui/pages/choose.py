"""The first page: the routines, a preview of the selected one, and the way into everything else.

Selecting a routine starts rendering its cues in the background (Start may follow at once); a
line beside Start says how far it has come ("Preparing the voice… 12 of 40") until it is done.
Importing a routine file happens here too: it is a change to this page's list.

The preview lists the routine's poses with their figures, small, each on its side. This page is
the first one painted, so it reads the figure library only after its first paint (the preview
shows the words first and gains its pictures a moment later): start-up is not kept waiting.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.loader import RoutineError
from stretch_desktop.core.routine import Routine
from stretch_desktop.core.timeline import Timeline, compile_routine, measure
from stretch_desktop.library import import_routine as add_to_library
from stretch_desktop.speech.voice import VoiceSettings
from stretch_desktop.ui.dialogs import Dialogs
from stretch_desktop.ui.figure_widget import figure_for_pose, figure_pixmap, on_base
from stretch_desktop.ui.pages.common import MARGIN, bullets, button, scale_fonts
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.presenter import length_text, step_detail, step_label
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import UiPreferences
from stretch_desktop.ui.voice import VoiceSwitch

FIGURE_SCHEME = "figure"
"""The preview's pictures are named ``figure:NAME/SIDE`` and drawn by the page, not read."""


class FigurePreview(QTextBrowser):
    """The routine preview: rich text whose ``figure:`` images are pixmaps the page hands it
    (``images``), drawn once each by ``figure_pixmap``; nothing is read from a file or a URL."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: dict[str, QPixmap] = {}

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        url = QUrl(name)
        if url.scheme() == FIGURE_SCHEME:
            return self.images.get(url.toString())
        return super().loadResource(kind, name)


class ChoosePage(QWidget):
    start_requested = Signal(object)  # Routine
    history_requested = Signal()
    new_requested = Signal()  # the routine editor, on a new routine (the window opens it)
    edit_requested = Signal()  # the routine editor, on the selected routine or a copy of it

    def __init__(
        self,
        controller: SessionController,
        routines: list[Routine],
        preferences: LivePreferences,
        dialogs: Dialogs,
        show_message: Callable[[str], None],
        voice: VoiceSwitch | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self.routines = list(routines)
        self._preferences = preferences
        self._dialogs = dialogs
        self.importer: Callable[[Path], Routine | None] | None = None
        """Set by the window: how a chosen file is imported (see ``import_file``)."""
        self._show_message = show_message
        self._voice = voice
        self._figures_ready = False
        """Whether the figure library may be read: from just after this page's first paint."""
        self._previewed: tuple[Routine, Timeline] | None = None
        self._icon = QSize(66, 44)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.heading = QLabel("Choose a routine")
        self.heading.setObjectName("heading")
        layout.addWidget(self.heading)
        split = QSplitter()
        self.routine_list = QListWidget()
        self.routine_list.setAccessibleName("Routines")
        self.routine_list.setWordWrap(True)
        self.routine_list.setSpacing(4)
        self._fill_routine_list()
        self.routine_list.currentRowChanged.connect(self._show_preview)
        self.routine_list.itemActivated.connect(lambda _item: self.start_selected())
        self.preview = FigurePreview()
        self.preview.setAccessibleName("Routine preview")
        self.preview.setOpenExternalLinks(False)
        self.preview.viewport().installEventFilter(self)  # its first paint lets figures in
        split.addWidget(self.routine_list)
        split.addWidget(self.preview)
        split.setSizes([380, 520])
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        pixmap = QStyle.StandardPixmap
        self.preferences_button = button(
            self,
            "Preferences…",
            pixmap.SP_FileDialogDetailedView,
            "Breath pace, lead-in, first side, breath cues, motion, voice",
            self.open_preferences,
            "Preferences",
        )
        self.import_button = button(
            self,
            "Import routine…",
            pixmap.SP_DialogOpenButton,
            "Add a routine file (.toml): it is checked, then copied to your routines folder "
            f"({QKeySequence(QKeySequence.StandardKey.Open).toString()})",
            self.import_routine,
            "Import routine",
        )
        self.history_button = button(
            self,
            "History",
            pixmap.SP_FileDialogContentsView,
            "Your sessions, this week's minutes and your streak",
            self.history_requested.emit,
            "History",
        )
        self.start_button = button(
            self,
            "Start",
            pixmap.SP_MediaPlay,
            "Start this routine (Space)",
            self.start_selected,
            "Start routine",
        )
        self.start_button.setDefault(True)
        self.new_button = button(
            self,
            "New routine…",
            pixmap.SP_FileIcon,
            "Make your own routine (Ctrl+N)",
            self.new_requested.emit,
            "New routine",
        )
        self.edit_button = button(
            self,
            "Edit…",
            pixmap.SP_FileDialogListView,
            "Change this routine; a built-in one is copied first (Ctrl+E)",
            self.edit_requested.emit,
            "Edit routine",
        )
        for widget in (
            self.preferences_button,
            self.import_button,
            self.new_button,
            self.edit_button,
            self.history_button,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        self.preparing_label = QLabel()
        self.preparing_label.setAccessibleName("Voice preparation")
        self.preparing_label.setVisible(False)
        controller.voice_preparing.connect(self._on_preparing)
        row.addWidget(self.preparing_label)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        # The standard Open shortcut (Ctrl+O), while this page is the one on show.
        self.import_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Open), self)
        self.import_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.import_shortcut.activated.connect(self.import_routine)
        preferences.changed.connect(self._on_preferences)
        if self.routine_list.count():
            self.routine_list.setCurrentRow(0)

    def scale_fonts(self, base: int) -> None:
        heading = [(self.heading, 2.0, True)]
        body = [
            (self.routine_list, 1.05, False),
            (self.preview, 1.0, False),
            (self.preparing_label, 1.0, False),
        ]
        buttons = [(b, 1.05, False) for b in self._buttons()]
        scale_fonts(base, [*heading, *body, *buttons])
        high = round(base * 2.2)  # two lines of the list: a figure beside its words
        self._icon = QSize(round(high * 1.5), high)
        self._render_preview()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._figures_ready:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._let_figures_in)  # right after this paint is on screen
        return False

    def _let_figures_in(self) -> None:
        """After the first paint: the preview gains its figures (the library is read now)."""
        self._figures_ready = True
        self._render_preview()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # a light or dark desktop: redraw them
            # Once the preview has its new colours too (it is told after this page).
            QTimer.singleShot(0, self._render_preview)
        super().changeEvent(event)

    def _on_preparing(self, progress: tuple[int, int] | None) -> None:
        """Rendering is under way (or done: the line goes); Start works either way."""
        if progress is not None:
            self.preparing_label.setText(f"Preparing the voice… {progress[0]} of {progress[1]}")
        self.preparing_label.setVisible(progress is not None)

    def _buttons(self) -> tuple[QWidget, ...]:
        return (
            self.preferences_button,
            self.import_button,
            self.new_button,
            self.edit_button,
            self.history_button,
            self.start_button,
        )

    # --- the list -------------------------------------------------------------------------------

    def _routine_row(self, routine: Routine) -> str:
        # Measured, not compiled: the list is built before the first paint, and compiling a
        # routine at the loader's bounds builds some 25,000 cues (89 ms against 0.7 ms each).
        total_ms = measure(routine, self._preferences.current.pacing).total_ms
        equipment = ", ".join(routine.equipment) or "No equipment"
        return (
            f"{routine.title}\n{length_text(total_ms)} · "
            f"{len(routine.poses)} pose{'' if len(routine.poses) == 1 else 's'} · "
            f"{equipment}\nSource: {routine.source}"
        )

    def _fill_routine_list(self) -> None:
        self.routine_list.clear()
        for routine in self.routines:
            item = QListWidgetItem(self._routine_row(routine))
            item.setData(Qt.ItemDataRole.UserRole, routine.id)
            self.routine_list.addItem(item)

    def add_routine(self, routine: Routine) -> None:
        """Add (or replace, by id) a routine in the list."""
        self.routines = [r for r in self.routines if r.id != routine.id] + [routine]
        self._fill_routine_list()

    def selected_routine(self) -> Routine | None:
        row = self.routine_list.currentRow()
        return self.routines[row] if 0 <= row < len(self.routines) else None

    def select_routine(self, routine_id: str) -> bool:
        for row, routine in enumerate(self.routines):
            if routine.id == routine_id:
                self.routine_list.setCurrentRow(row)
                return True
        return False

    def start_selected(self) -> None:
        routine = self.selected_routine()
        if routine is not None:
            self.start_requested.emit(routine)

    def _show_preview(self, row: int) -> None:
        if not 0 <= row < len(self.routines):
            self._previewed = None
            self.preview.clear()
            return
        routine = self.routines[row]
        timeline = compile_routine(routine, self._preferences.current.pacing)
        self._controller.prepare(timeline)  # render its cues now: Start may follow
        self._previewed = (routine, timeline)
        self._render_preview()

    def _figure_images(self, timeline: Timeline) -> list[str]:
        """Each step's figure as an ``<img>`` (empty for a pose without one), its pixmap handed
        to the preview; none before the page's first paint."""
        if not self._figures_ready:
            return [""] * len(timeline.steps)
        images: dict[str, QPixmap] = {}
        out = []
        palette = on_base(self.preview.palette())
        ratio = self.devicePixelRatioF()
        size = self._icon
        for step in timeline.steps:
            figure = figure_for_pose(step.pose)
            if figure is None:
                out.append("")
                continue
            side = step.side.value if step.side else "both"
            name = f"{FIGURE_SCHEME}:{figure.name}/{side}"
            if name not in images:
                images[name] = figure_pixmap(figure, step.side, size, palette, ratio)
            out.append(
                f'<img src="{html.escape(name)}" width="{size.width()}" '
                f'height="{size.height()}" alt="{html.escape(figure.title)}">'
            )
        self.preview.images = images
        return out

    def _render_preview(self) -> None:
        """The preview's text, and once the figures may be read, each step's figure."""
        if self._previewed is None:
            return
        routine, timeline = self._previewed
        figures = self._figure_images(timeline)
        steps = "".join(
            f"<tr><td>{figure}</td><td valign='middle'>{number}. "
            f"{html.escape(step_label(s))} — {html.escape(step_detail(s))}"
            f"{' <i>(rest)</i>' if s.is_rest else ''}</td></tr>"
            for number, (s, figure) in enumerate(zip(timeline.steps, figures, strict=True), 1)
        )
        cautions = (
            f"<h3>Take care</h3><ul>{bullets(routine.cautions)}</ul>" if routine.cautions else ""
        )
        equipment = ", ".join(routine.equipment) or "none"
        scroll = self.preview.verticalScrollBar().value()
        # Drop the document's copies of the last routine's pictures: the new ones are asked for.
        self.preview.document().clear()
        self.preview.setHtml(
            f"<h2>{html.escape(routine.title)}</h2>"
            f"<p>{html.escape(routine.description)}</p>"
            f"<p><b>{length_text(timeline.total_ms)}</b> · equipment: {html.escape(equipment)}<br>"
            f"Source: <i>{html.escape(routine.source)}</i></p>"
            f"<h3>Poses</h3><table cellspacing='2'>{steps}</table>{cautions}"
        )
        self.preview.verticalScrollBar().setValue(scroll)

    # --- preferences ----------------------------------------------------------------------------

    def open_preferences(self) -> None:
        from stretch_desktop.ui.preferences_dialog import PreferencesDialog  # rarely opened

        before = self._preferences.current
        voices = self._controller.speaker.voices()
        dialog = PreferencesDialog(before, voices, self._test_voice, self)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            # Test voice may have unmuted the voice meanwhile: that stands.
            chosen = replace(dialog.preferences(), muted=self._preferences.current.muted)
            self._preferences.update(chosen)  # the window switches the voice if it changed
        elif self._voice is not None:  # a voice tried, then cancelled: back to the saved one
            self._voice.use(self._preferences.current.voice)

    def _test_voice(self, voice: VoiceSettings) -> None:
        if self._voice is None:
            return
        if self._preferences.current.muted:
            # Asking to hear the voice is asking to hear it: unmute, visibly, and say so.
            self._preferences.set_muted(False)
            self._show_message("The voice was muted: it is on again so you can hear it.")
        self._voice.test(voice)

    def _on_preferences(self, preferences: UiPreferences) -> None:
        """New pacing applies from the next session; the list and preview show it at once."""
        for row, routine in enumerate(self.routines):
            self.routine_list.item(row).setText(self._routine_row(routine))
        self._show_preview(self.routine_list.currentRow())

    # --- import ---------------------------------------------------------------------------------

    def import_routine(self) -> QFileDialog:
        """Open the file chooser (not blocking: the session and the voice go on meanwhile)."""
        dialog = QFileDialog(self, "Import routine", str(Path.home()))
        dialog.setObjectName("import-dialog")
        dialog.setNameFilters(["Routines (*.toml)", "All files (*)"])
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda chosen: self.import_file(Path(chosen)))
        dialog.open()
        return dialog

    def import_file(self, path: Path) -> Routine | None:
        """Check a routine file and copy it into the routines folder; say exactly what is wrong.

        The window sets ``importer`` to its own import (the one a dropped file takes), which
        offers a new id when the routine's is taken instead of replacing the other routine; a
        page on its own copies the file under its id."""
        if self.importer is not None:
            return self.importer(path)
        try:
            routine, target = add_to_library(path)
        except RoutineError as error:
            self._dialogs.inform("Routine not imported", "\n".join(str(p) for p in error.problems))
            return None
        except OSError as error:
            self._dialogs.inform(
                "Routine not imported", f"Could not copy it: {error.strerror or error}"
            )
            return None
        self.add_routine(routine)
        self.select_routine(routine.id)
        self._show_message(f"Imported {routine.title} into {target.parent}")
        return routine
