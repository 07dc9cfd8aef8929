"""The main window: choose a routine, follow it from the mat, see how it went.

It lays out and paints what the session controller reports, and forwards what the person does
(buttons, keys, media keys, double-clicks) to the controller. It keeps no session state of its
own beyond what it last drew, so it only touches a widget when what it shows has changed: the
controller calls in about 60 times a second while a session runs.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QModelIndex, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QFont,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.engine import Snapshot, State
from stretch_desktop.core.loader import RoutineError
from stretch_desktop.core.routine import Routine
from stretch_desktop.core.timeline import Timeline, compile_routine
from stretch_desktop.library import Library, UnknownRoutine, import_routine, resolve
from stretch_desktop.speech.speaker import Speaker
from stretch_desktop.speech.voice import VoiceSettings
from stretch_desktop.storage.records import HistoryUnavailable
from stretch_desktop.ui.history_view import HistoryPage
from stretch_desktop.ui.pose_list_model import PoseListDelegate, PoseListModel
from stretch_desktop.ui.presenter import (
    APP_TITLE,
    clock_text,
    countdown_text,
    length_text,
    pacer_view,
    pause_notice,
    step_detail,
    step_label,
    up_next,
    window_title,
)
from stretch_desktop.ui.session_controller import SessionController, Summary
from stretch_desktop.ui.settings import Settings, UiPreferences
from stretch_desktop.ui.widgets import FitText, PacerWidget

if TYPE_CHECKING:
    from stretch_desktop.ui.tray import Tray

log = logging.getLogger(__name__)

Confirm = Callable[[str, str], bool]
SpeakerFactory = Callable[[VoiceSettings], Speaker]


def ask(parent: QWidget) -> Confirm:
    def confirm(title: str, question: str) -> bool:
        answer = QMessageBox.question(parent, title, question)
        return answer == QMessageBox.StandardButton.Yes

    return confirm


def tell(parent: QWidget) -> Callable[[str, str], None]:
    def inform(title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    return inform


CloseChoice = Literal["tray", "stop", "cancel"]
QUIT_QUESTION = "A session is in progress. Stop it and quit?"


def ask_close(parent: QWidget) -> Callable[[], CloseChoice]:
    def choose() -> CloseChoice:
        box = QMessageBox(QMessageBox.Icon.Question, "Session in progress", "", parent=parent)
        box.setText("A session is in progress.")
        box.setInformativeText(
            "Keep going with the window closed? The voice goes on guiding you, and the tray "
            "icon brings the window back."
        )
        keep = box.addButton("Keep going in the tray", QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton("Stop the session", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        return "tray" if clicked is keep else "stop" if clicked is stop else "cancel"

    return choose


def _bullets(items: tuple[str, ...]) -> str:
    return "".join(f"<li>{html.escape(item)}</li>" for item in items)


class MainWindow(QMainWindow):
    def __init__(
        self,
        controller: SessionController,
        routines: list[Routine],
        preferences: UiPreferences,
        settings: Settings | None = None,
        notices: list[str] | None = None,
        make_speaker: SpeakerFactory | None = None,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.make_speaker = make_speaker
        self.routines = routines
        self.preferences = preferences
        self.settings = settings
        self.confirm: Confirm = ask(self)
        self.inform: Callable[[str, str], None] = tell(self)
        self.ask_close: Callable[[], CloseChoice] = ask_close(self)
        self.tray: Tray | None = None
        """Set once the desktop is known to have a tray: closing mid-session can then keep going."""
        self.notify: Callable[[str, str], bool] | None = None
        self._quitting = False
        self.library: Library | None = None
        self.start_requested = False
        self._timeline: Timeline | None = None
        self._shown_step = -1
        self._last_moment: tuple[object, ...] | None = None
        self._last_title = ""
        self.setWindowTitle(APP_TITLE)
        self.setMinimumSize(720, 480)

        self.pages = QStackedWidget()
        self.choose_page = self._build_choose_page(notices or [])
        self.session_page = self._build_session_page()
        self.done_page = self._build_done_page()
        self.history_page = HistoryPage()
        self.history_page.back_button.clicked.connect(self.choose_another)
        for page in (self.choose_page, self.session_page, self.done_page, self.history_page):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)
        self._build_shortcuts()

        controller.loaded.connect(self._on_loaded)
        controller.updated.connect(self._on_updated)
        controller.state_changed.connect(self._on_state_changed)
        controller.caption.connect(self._on_caption)
        controller.finished.connect(self._on_finished)
        controller.voice_status.connect(self.voice_label.setText)
        controller.history_problem.connect(self._tell)
        self.pacer.set_reduced_motion(preferences.reduced_motion)
        self.mute_button.setChecked(preferences.muted)
        controller.set_muted(preferences.muted)
        controller.speech_rate = preferences.voice.rate
        if self.routine_list.count():
            self.routine_list.setCurrentRow(0)

    # --- building ---------------------------------------------------------------------------------

    def _button(
        self, text: str, icon: QStyle.StandardPixmap, tip: str, slot: Callable[[], None], name: str
    ) -> QPushButton:
        button = QPushButton(self.style().standardIcon(icon), text)
        button.setToolTip(tip)
        button.setAccessibleName(name)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Space belongs to pause, not a button
        button.clicked.connect(slot)
        button.setMinimumHeight(48)
        return button

    def _build_choose_page(self, notices: list[str]) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        heading = QLabel("Choose a routine")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("notice")
        self.notice.setStyleSheet(
            "QLabel#notice { background: palette(alternate-base); padding: 6px;"
            " border: 1px solid palette(mid); border-radius: 4px; }"
        )
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.notice)
        self.add_notices(notices)
        split = QSplitter()
        self.routine_list = QListWidget()
        self.routine_list.setAccessibleName("Routines")
        self.routine_list.setWordWrap(True)
        self.routine_list.setSpacing(4)
        self._fill_routine_list()
        self.routine_list.currentRowChanged.connect(self._show_preview)
        self.routine_list.itemActivated.connect(lambda _item: self.start_selected())
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Routine preview")
        self.preview.setOpenExternalLinks(False)
        split.addWidget(self.routine_list)
        split.addWidget(self.preview)
        split.setSizes([380, 520])
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.preferences_button = self._button(
            "Preferences…",
            QStyle.StandardPixmap.SP_FileDialogDetailedView,
            "Breath pace, lead-in, first side, breath cues, motion",
            self.open_preferences,
            "Preferences",
        )
        row.addWidget(self.preferences_button)
        self.import_button = self._button(
            "Import routine…",
            QStyle.StandardPixmap.SP_DialogOpenButton,
            "Add a routine file (.toml): it is checked, then copied to your routines folder",
            self.import_routine,
            "Import routine",
        )
        row.addWidget(self.import_button)
        self.history_button = self._button(
            "History",
            QStyle.StandardPixmap.SP_FileDialogContentsView,
            "Your sessions, this week's minutes and your streak",
            self.show_history,
            "History",
        )
        row.addWidget(self.history_button)
        row.addStretch(1)
        self.start_button = self._button(
            "Start",
            QStyle.StandardPixmap.SP_MediaPlay,
            "Start this routine (Space)",
            self.start_selected,
            "Start routine",
        )
        self.start_button.setDefault(True)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        return page

    def _build_session_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        split = QSplitter()
        self.pose_model = PoseListModel(self)
        self.pose_list = QListView()
        self.pose_list.setModel(self.pose_model)
        self.pose_list.setItemDelegate(PoseListDelegate(self.pose_list))
        self.pose_list.setAccessibleName("Poses")
        self.pose_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Rows elide their names; a sideways scroll would hide the lengths column instead.
        self.pose_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pose_list.setUniformItemSizes(True)
        self.pose_list.activated.connect(self._on_pose_activated)
        self.pose_list.setToolTip("Double-click or press Enter to go to a pose")
        split.addWidget(self.pose_list)

        body = QWidget()
        column = QVBoxLayout(body)
        self.pose_name = FitText(bold=True, max_height_ratio=0.8, minimum_height=40)
        self.pose_meta = QLabel()
        self.pose_meta.setObjectName("meta")
        column.addWidget(self.pose_name, 2)
        column.addWidget(self.pose_meta)
        big = QHBoxLayout()
        self.pacer = PacerWidget()
        self.countdown = FitText(bold=True, max_height_ratio=0.75, minimum_height=80)
        self.countdown.setAccessibleName("Time left in this phase")
        big.addWidget(self.pacer, 3)
        big.addWidget(self.countdown, 2)
        column.addLayout(big, 7)
        self.pause_label = QLabel()
        self.pause_label.setObjectName("pause")
        self.pause_label.setWordWrap(True)
        column.addWidget(self.pause_label)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Instructions are for a glance before the pose; the pacer and countdown get the height.
        details_scroll = QScrollArea()
        details_scroll.setWidget(self.details)
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(details_scroll, 3)
        self.up_next = QLabel()
        self.up_next.setObjectName("meta")
        column.addWidget(self.up_next)
        split.addWidget(body)
        split.setStretchFactor(1, 3)
        split.setSizes([380, 900])
        outer.addWidget(split, 1)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        outer.addWidget(line)
        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("Last spoken cue")
        outer.addWidget(self.caption)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Session progress")
        self.time_left = QLabel()
        self.time_left.setObjectName("meta")
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.time_left)
        outer.addLayout(progress_row)

        controls = QHBoxLayout()
        pixmap = QStyle.StandardPixmap
        self.previous_button = self._button(
            "Previous",
            pixmap.SP_MediaSkipBackward,
            "Back to the start of this pose, or the one before (Left or P)",
            self.controller.previous,
            "Previous pose",
        )
        self.play_button = self._button(
            "Start",
            pixmap.SP_MediaPlay,
            "Start, pause or resume (Space)",
            self.controller.toggle,
            "Start",
        )
        self.skip_button = self._button(
            "Skip",
            pixmap.SP_MediaSkipForward,
            "Skip to the next pose or side (Right or N)",
            self.controller.skip,
            "Skip pose",
        )
        self.stop_button = self._button(
            "Stop", pixmap.SP_MediaStop, "Stop the session (Esc)", self.request_stop, "Stop session"
        )
        self.mute_button = self._button(
            "Mute", pixmap.SP_MediaVolumeMuted, "Mute the voice (M)", self.toggle_mute, "Mute voice"
        )
        self.mute_button.setCheckable(True)
        self.mute_button.clicked.disconnect()
        self.mute_button.toggled.connect(self._on_mute_toggled)
        for button in (self.previous_button, self.play_button, self.skip_button, self.stop_button):
            controls.addWidget(button)
        controls.addStretch(1)
        self.voice_label = QLabel(self.controller.speaker.status)
        self.voice_label.setObjectName("meta")
        self.voice_label.setAccessibleName("Voice status")
        self.voice_label.setWordWrap(True)
        controls.addWidget(self.voice_label, 3)
        controls.addWidget(self.mute_button)
        outer.addLayout(controls)
        return page

    def _build_done_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.done_title = FitText(bold=True, max_height_ratio=0.8, minimum_height=60)
        self.done_summary = QLabel()
        self.done_summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_summary.setObjectName("summary")
        self.done_summary.setWordWrap(True)
        layout.addWidget(self.done_title, 2)
        layout.addWidget(self.done_summary, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.again_button = self._button(
            "Again",
            QStyle.StandardPixmap.SP_BrowserReload,
            "Do this routine again (Space)",
            self.again,
            "Again",
        )
        self.choose_button = self._button(
            "Choose another",
            QStyle.StandardPixmap.SP_ArrowBack,
            "Back to the routines",
            self.choose_another,
            "Choose another routine",
        )
        row.addWidget(self.again_button)
        row.addWidget(self.choose_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _build_shortcuts(self) -> None:
        key = Qt.Key
        bindings: list[tuple[list[QKeySequence | Qt.Key], Callable[[], None]]] = [
            (
                [
                    key.Key_Space,
                    key.Key_MediaTogglePlayPause,
                    key.Key_MediaPlay,
                    key.Key_MediaPause,
                ],
                self.play_pause,
            ),
            ([key.Key_Right, key.Key_N, key.Key_MediaNext], self.controller.skip),
            ([key.Key_Left, key.Key_P, key.Key_MediaPrevious], self.controller.previous),
            ([key.Key_Escape, key.Key_MediaStop], self.request_stop),
            ([key.Key_M], self.toggle_mute),
            ([key.Key_F11], self.toggle_fullscreen),
        ]
        self.shortcuts: list[QShortcut] = []
        for keys, slot in bindings:
            for sequence in keys:
                shortcut = QShortcut(QKeySequence(sequence), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)

    # --- choosing ---------------------------------------------------------------------------------

    def _routine_row(self, routine: Routine) -> str:
        timeline = compile_routine(routine, self.preferences.pacing)
        equipment = ", ".join(routine.equipment) or "No equipment"
        return (
            f"{routine.title}\n{length_text(timeline.total_ms)} · "
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

    def _show_preview(self, row: int) -> None:
        if not 0 <= row < len(self.routines):
            self.preview.clear()
            return
        routine = self.routines[row]
        timeline = compile_routine(routine, self.preferences.pacing)
        self.controller.prepare(timeline)  # render its cues now: Start may follow
        steps = "".join(
            f"<li>{html.escape(step_label(s))} — {html.escape(step_detail(s))}"
            f"{' <i>(rest)</i>' if s.is_rest else ''}</li>"
            for s in timeline.steps
        )
        cautions = (
            f"<h3>Take care</h3><ul>{_bullets(routine.cautions)}</ul>" if routine.cautions else ""
        )
        equipment = ", ".join(routine.equipment) or "none"
        self.preview.setHtml(
            f"<h2>{html.escape(routine.title)}</h2>"
            f"<p>{html.escape(routine.description)}</p>"
            f"<p><b>{length_text(timeline.total_ms)}</b> · equipment: {html.escape(equipment)}<br>"
            f"Source: <i>{html.escape(routine.source)}</i></p>"
            f"<h3>Poses</h3><ol>{steps}</ol>{cautions}"
        )

    def open_preferences(self) -> None:
        from stretch_desktop.ui.preferences_dialog import PreferencesDialog

        before = self.preferences
        voices = self.controller.speaker.voices()
        dialog = PreferencesDialog(before, voices, self._test_voice, self)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self.apply_preferences(dialog.preferences())
        elif self.preferences.voice != before.voice:  # a voice was tried, then cancelled
            self.apply_preferences(replace(self.preferences, voice=before.voice))

    def _test_voice(self, voice: VoiceSettings) -> None:
        if self.make_speaker is None:
            return
        from stretch_desktop.core.timeline import Cue, CueKind

        if voice != self.preferences.voice:  # try the voice being chosen, not the current one
            self.controller.set_speaker(self.make_speaker(voice))
            self.preferences = replace(self.preferences, voice=voice)
        cue = Cue(0, CueKind.ANNOUNCE, "This is the voice of your stretching sessions.")
        self.controller.speaker.prepare([cue.text])
        self.controller.speaker.say(cue, 0)

    def apply_preferences(self, preferences: UiPreferences) -> None:
        """New pacing applies from the next session; the list and preview show it at once."""
        if preferences.voice != self.preferences.voice and self.make_speaker is not None:
            self.controller.set_speaker(self.make_speaker(preferences.voice))
        self.controller.speech_rate = preferences.voice.rate
        self.preferences = preferences
        if self.settings:
            self.settings.save(preferences)
        self.pacer.set_reduced_motion(preferences.reduced_motion)
        for row, routine in enumerate(self.routines):
            self.routine_list.item(row).setText(self._routine_row(routine))
        self._show_preview(self.routine_list.currentRow())

    def start_selected(self) -> None:
        routine = self.selected_routine()
        if routine is None:
            return
        if self.settings:
            self.settings.save_last_routine(routine.id)
        self.controller.load(routine, self.preferences.pacing)
        self.pages.setCurrentWidget(self.session_page)
        self.controller.start()

    def add_notices(self, lines: list[str]) -> None:
        """Things the person should know once (skipped files, repaired settings, no history)."""
        text = "\n".join(filter(None, [self.notice.text(), *lines]))
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def show_history(self) -> None:
        history = self.controller.history
        if history is None:
            self.history_page.show_unavailable("it could not be opened; see the notice")
        else:
            try:
                self.history_page.show_records(history.sessions(), date.today())
            except HistoryUnavailable as error:
                self.history_page.show_unavailable(str(error))
        self.pages.setCurrentWidget(self.history_page)

    def import_routine(self, path: Path | None = None) -> Routine | None:
        """Check a routine file and copy it into the routines folder; say exactly what is wrong."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Import routine", str(Path.home()), "Routines (*.toml);;All files (*)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            routine, target = import_routine(path)
        except RoutineError as error:
            self.inform("Routine not imported", "\n".join(str(p) for p in error.problems))
            return None
        except OSError as error:
            self.inform("Routine not imported", f"Could not copy it: {error.strerror or error}")
            return None
        self.add_routine(routine)
        self.select_routine(routine.id)
        self.statusBar().showMessage(f"Imported {routine.title} into {target.parent}", 10_000)
        return routine

    def handle_launch(self, request: dict[str, object]) -> None:
        """Another launch of the app asked for this window (and maybe a routine)."""
        log.info("another launch asked for %s", request)
        self.bring_to_front()
        reference = request.get("routine")
        if not isinstance(reference, str) or not reference:
            return
        engine = self.controller.engine
        if engine is not None and engine.state in (State.RUNNING, State.PAUSED):
            self.statusBar().showMessage(
                "A session is running: finish or stop it to start another routine.", 10_000
            )
            return
        try:
            routine = resolve(reference, self.library or Library(routines=list(self.routines)))
        except (RoutineError, UnknownRoutine) as error:
            problems = error.problems if isinstance(error, RoutineError) else [error.args[0]]
            self.inform("Routine not opened", "\n".join(str(p) for p in problems))
            return
        self.add_routine(routine)
        self.choose_another()
        self.select_routine(routine.id)
        if request.get("start"):
            self.start_selected()

    def bring_to_front(self) -> None:
        """Show the window wherever it was: in the tray, minimised or behind others."""
        if self.isMinimized():
            self.showNormal()
        elif not self.isVisible():
            self.show()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        """Quit for good (the tray's Quit): a running session is stopped after asking."""
        engine = self.controller.engine
        if engine is not None and engine.state in (State.RUNNING, State.PAUSED):
            self.bring_to_front()
            if not self.confirm("Quit", QUIT_QUESTION):
                return
        self._quitting = True
        if self.close():
            QCoreApplication.quit()  # a window closed while hidden does not end the app itself

    def show_session(self) -> None:
        self.pages.setCurrentWidget(self.session_page)

    def again(self) -> None:
        self.controller.reload()
        self.pages.setCurrentWidget(self.session_page)
        self.controller.start()

    def choose_another(self) -> None:
        self.pages.setCurrentWidget(self.choose_page)
        self._set_title(APP_TITLE)
        self.routine_list.setFocus()

    # --- controls ---------------------------------------------------------------------------------

    def play_pause(self) -> None:
        page = self.pages.currentWidget()
        if page is self.choose_page:
            self.start_selected()
        elif page is self.done_page:
            self.again()
        elif page is self.history_page:
            return
        else:
            self.controller.toggle()

    def request_stop(self) -> None:
        if self.pages.currentWidget() is self.history_page:
            self.choose_another()
            return
        engine = self.controller.engine
        if engine is None or engine.state not in (State.RUNNING, State.PAUSED):
            return
        was_running = engine.state is State.RUNNING
        self.controller.pause()  # the voice and the clock wait while the person decides
        if self.confirm("Stop session", "Stop this session? Your progress so far is kept."):
            self.controller.stop()
        elif was_running:
            self.controller.toggle()

    def toggle_mute(self) -> None:
        self.mute_button.toggle()

    def _on_mute_toggled(self, muted: bool) -> None:
        self.controller.set_muted(muted)
        self.mute_button.setText("Unmute" if muted else "Mute")
        self.mute_button.setAccessibleName("Unmute voice" if muted else "Mute voice")
        self.preferences = replace(self.preferences, muted=muted)
        if self.settings:
            self.settings.save(self.preferences)

    def toggle_fullscreen(self) -> None:
        self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)

    def _on_pose_activated(self, index: QModelIndex) -> None:
        self.controller.jump(index.row())

    # --- painting what the controller reports ---------------------------------------------

    def _set_title(self, title: str) -> None:
        if title != self._last_title:
            self._last_title = title
            self.setWindowTitle(title)

    def _on_loaded(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self._shown_step = -1
        self._last_moment = None
        self.pose_model.set_timeline(timeline)
        self.progress.setRange(0, max(1, timeline.total_ms // 1000))
        self.caption.setText("")
        self.pause_label.setText("")

    def _on_updated(self, snapshot: Snapshot) -> None:
        timeline = self._timeline
        if timeline is None:
            return
        if not self.isVisible() or self.isMinimized():
            # Nobody sees the widgets: only the taskbar's title moves. They catch up the moment
            # the window is back on screen (_update_on_screen).
            self._set_title(window_title(snapshot, timeline.routine.title))
            return
        self.pacer.set_view(pacer_view(snapshot, timeline.preferences))
        # Sixty times a second only the pacer moves; words and numbers change far less often.
        # Four updates a second keep every number within 250 ms of the truth.
        moment = (
            snapshot.elapsed_ms // 250,
            snapshot.phase.index,
            snapshot.state,
            snapshot.outcomes,
        )
        if moment == self._last_moment:
            return
        self._last_moment = moment
        if snapshot.step.index != self._shown_step:
            self._show_step(timeline, snapshot)
        self.pose_model.set_progress(snapshot.step.index, snapshot.outcomes)
        self.countdown.set_text(countdown_text(snapshot.phase_remaining_ms))
        seconds = snapshot.elapsed_ms // 1000
        if self.progress.value() != seconds:
            self.progress.setValue(seconds)
        left = f"{clock_text(snapshot.remaining_ms)} left"
        if self.time_left.text() != left:
            self.time_left.setText(left)
        self._set_title(window_title(snapshot, timeline.routine.title))

    def _show_step(self, timeline: Timeline, snapshot: Snapshot) -> None:
        step, pose = snapshot.step, snapshot.step.pose
        self._shown_step = step.index
        self.pose_name.set_text(pose.name)
        side = f"{step.side.value.capitalize()} side · " if step.side else ""
        kind = "Rest · " if step.is_rest else ""
        self.pose_meta.setText(
            f"{kind}{side}{step_detail(step)} · pose {step.index + 1} of {len(timeline.steps)}"
        )
        # Cautions first: the instructions scroll, and a caution must never be out of sight.
        parts = []
        if pose.cautions:
            parts.append(f"<p><b>Take care:</b> {html.escape(' '.join(pose.cautions))}</p>")
        if step.note:
            parts.append(f"<p><i>{html.escape(step.note)}</i></p>")
        parts.append(f"<ul>{_bullets(pose.instructions)}</ul>")
        if pose.equipment:
            parts.append(f"<p>Equipment: {html.escape(', '.join(pose.equipment))}</p>")
        self.details.setText("".join(parts))
        self.up_next.setText(up_next(timeline, snapshot))
        self.pose_list.scrollTo(
            self.pose_model.index(step.index), QAbstractItemView.ScrollHint.PositionAtCenter
        )

    def _on_state_changed(self, snapshot: Snapshot) -> None:
        running = snapshot.state is State.RUNNING
        pixmap = (
            QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        )
        label = {State.IDLE: "Start", State.RUNNING: "Pause", State.PAUSED: "Resume"}.get(
            snapshot.state, "Start"
        )
        self.play_button.setText(label)
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        self.play_button.setAccessibleName(label)
        self.pause_label.setText(pause_notice(snapshot))
        active = snapshot.state in (State.RUNNING, State.PAUSED)
        for button in (self.previous_button, self.skip_button, self.stop_button):
            button.setEnabled(active)
        if self._timeline is not None:  # the pacer shows "Paused" even when no tick follows
            self.pacer.set_view(pacer_view(snapshot, self._timeline.preferences))

    def _tell(self, message: str) -> None:
        """A problem the person should know about once, without stopping the session."""
        self.pause_label.setText(message)
        self.statusBar().showMessage(message)

    def _on_caption(self, text: str) -> None:
        self.caption.setText(text)

    def _on_finished(self, summary: Summary) -> None:
        self.done_title.set_text("Session complete" if summary.completed else "Session stopped")
        skipped = f", {summary.steps_skipped} skipped" if summary.steps_skipped else ""
        self.done_summary.setText(
            f"{summary.routine_title}\n"
            f"Time stretching: {clock_text(summary.active_ms)}\n"
            f"Poses done: {summary.steps_done} of {summary.steps_total}{skipped}"
        )
        self.pages.setCurrentWidget(self.done_page)
        self.again_button.setFocus()
        away = not self.isVisible() or self.isMinimized() or not self.isActiveWindow()
        if summary.completed and away and self.notify is not None:
            self.notify(
                "Session complete",
                f"{summary.routine_title}: {clock_text(summary.active_ms)} of stretching, "
                f"{summary.steps_done} of {summary.steps_total} poses.",
            )

    # --- window events ----------------------------------------------------------------------------

    def _update_on_screen(self) -> None:
        on_screen = self.isVisible() and not self.isMinimized()
        self.controller.set_on_screen(on_screen)
        snapshot = self.controller.snapshot()
        if on_screen and snapshot is not None:
            self._on_updated(snapshot)  # what changed while away, before the first frame back

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.WindowStateChange:
            self._update_on_screen()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_on_screen()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_on_screen()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc leaves the history page even when no shortcut matched (no active window)."""
        if event.key() == Qt.Key.Key_Escape and self.pages.currentWidget() is self.history_page:
            self.choose_another()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Text grows with the window so it stays readable from the mat."""
        super().resizeEvent(event)
        base = max(12, self.height() // 42)
        for widget, scale, bold in (
            (self.pose_meta, 1.25, False),
            (self.details, 1.0, False),
            (self.up_next, 1.1, False),
            (self.caption, 1.5, True),
            (self.time_left, 1.1, False),
            (self.pause_label, 1.3, True),
            (self.done_summary, 1.6, False),
            (self.routine_list, 1.05, False),
            (self.preview, 1.0, False),
            (self.voice_label, 0.95, False),
            *((button, 1.05, False) for button in self.findChildren(QPushButton)),
            *((label, 0.95, False) for label in self.choose_page.findChildren(QLabel, "notice")),
        ):
            font = QFont(widget.font())
            font.setPixelSize(round(base * scale))
            font.setBold(bold)
            widget.setFont(font)
        heading = QFont(self.font())
        heading.setPixelSize(round(base * 2))
        heading.setBold(True)
        self.choose_page.findChild(QLabel, "heading").setFont(heading)  # type: ignore[union-attr]
        self.history_page.heading.setFont(heading)
        summary = QFont(self.font())
        summary.setPixelSize(round(base * 1.4))
        self.history_page.summary.setFont(summary)
        self.history_page.table.setFont(self.routine_list.font())
        list_font = QFont(self.pose_list.font())
        list_font.setPixelSize(round(base * 1.1))
        self.pose_list.setFont(list_font)

    def closeEvent(self, event: QCloseEvent) -> None:
        engine = self.controller.engine
        if engine is not None and engine.state in (State.RUNNING, State.PAUSED):
            if self._quitting:
                choice: CloseChoice = "stop"
            elif self.tray is not None:
                choice = self.ask_close()
            else:
                choice = "stop" if self.confirm("Quit", QUIT_QUESTION) else "cancel"
            if choice != "stop":
                event.ignore()
                if choice == "tray":
                    self._save_geometry()
                    self.hide()  # the session goes on; hidden, it ticks only for the voice
                    log.info("window closed to the tray; the session goes on")
                return
            self.controller.stop()
        self._save_geometry()
        self.controller.shutdown()
        super().closeEvent(event)

    def _save_geometry(self) -> None:
        if self.settings:
            self.settings.save_geometry(self.saveGeometry())

    def restore_geometry(self, geometry: QByteArray | None) -> None:
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 720)
