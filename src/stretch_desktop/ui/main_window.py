"""The main window: a stack of pages, the keys that work on every page, and what closing means.

The pages (``ui/pages/``) own their widgets and handlers; the controller owns the session. The
window moves between pages, binds the keyboard and media keys, shows notices above whichever page
is current, and decides what closing the window does mid-session (keep going in the tray, stop,
or stay). For the tray and the media keys it is a `WindowActions` (ui/actions.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.assessment import reach_for_key
from stretch_desktop.core.engine import Snapshot
from stretch_desktop.core.routine import Routine
from stretch_desktop.library import user_routines_dir
from stretch_desktop.speech.voice import chime_ms
from stretch_desktop.storage.progress import DEFAULT_GOAL_DAYS
from stretch_desktop.storage.records import SessionRecord
from stretch_desktop.ui.dialogs import QUIT_QUESTION, CloseChoice, Dialogs
from stretch_desktop.ui.notice_bar import NoticeBar
from stretch_desktop.ui.pages.choose import ChoosePage
from stretch_desktop.ui.pages.done import DonePage, summary_lines
from stretch_desktop.ui.pages.history import HistoryPage
from stretch_desktop.ui.pages.session import SessionPage
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.presenter import APP_TITLE, clock_text, window_title
from stretch_desktop.ui.session_controller import SessionController, Summary
from stretch_desktop.ui.settings import UiPreferences
from stretch_desktop.ui.voice import VoiceSwitch

if TYPE_CHECKING:  # made on first use (MainWindow.editor_page)
    from stretch_desktop.ui.pages.editor import EditorPage
    from stretch_desktop.ui.pages.progress import ProgressData, ProgressPage
    from stretch_desktop.ui.preferences_dialog import PreferencesTab

log = logging.getLogger(__name__)

MESSAGE_MS = 10_000


class MainWindow(QMainWindow):
    def __init__(
        self,
        controller: SessionController,
        routines: list[Routine],
        preferences: LivePreferences,
        notices: list[str] | None = None,
        voice: VoiceSwitch | None = None,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.preferences = preferences
        self.voice = voice
        self.dialogs = Dialogs(self)
        self.keeps_going_in_tray = False
        """Set where the desktop has a tray: closing mid-session can then keep going."""
        self.notify: Callable[[str, str], bool] | None = None
        self.preferences_tabs: list[Callable[[QWidget], PreferencesTab]] = []
        """Tabs Preferences adds after its own (Reminders), made each time it opens."""
        self._quitting = False
        self._last_title = ""
        self._title_moment: tuple[object, ...] | None = None
        self.setWindowTitle(APP_TITLE)
        self.setMinimumSize(720, 480)
        self.setAcceptDrops(True)  # a routine file dropped on the window is imported

        self.choose_page = ChoosePage(
            controller, routines, preferences, self.dialogs, self.show_message, voice
        )
        self.choose_page.importer = self.import_file  # an id in use is offered a new one
        self.session_page = SessionPage(controller, preferences, self.dialogs)
        self.done_page = DonePage()
        self.history_page = HistoryPage(self._read_history, goal=self._progress_goal)
        self._editor: EditorPage | None = None
        self._progress: ProgressPage | None = None
        self.pages = QStackedWidget()
        for page in (self.choose_page, self.session_page, self.done_page, self.history_page):
            self.pages.addWidget(page)
        self.pages.currentChanged.connect(self._page_changed)
        self.notices = NoticeBar()
        self.setCentralWidget(self._with_notice_bar(self.pages))
        self.add_notices(notices or [])
        # A draft the editor kept (pages/editor.py, EditorPage.draft_path) means the app closed
        # mid-edit; the editor offers it when next opened. A stat, not a read: start-up stays fast.
        if (user_routines_dir().parent / "editor-draft.json").exists():
            self.add_notices(
                ["A routine you were changing was not saved: New routine (Ctrl+N) offers it."]
            )
        self._build_shortcuts()

        self.choose_page.start_requested.connect(self.start_routine)
        self.choose_page.history_requested.connect(self.show_history)
        self.choose_page.new_requested.connect(self.new_routine)
        self.choose_page.edit_requested.connect(self.edit_selected)
        self.done_page.again_requested.connect(self.again)
        self.done_page.choose_requested.connect(self.choose_another)
        self.history_page.back_requested.connect(self.choose_another)
        self.history_page.progress_requested.connect(self.show_progress)
        controller.updated.connect(self._on_updated)
        controller.finished.connect(self._on_finished)
        controller.history_problem.connect(self.show_message)
        preferences.changed.connect(self._apply)
        self._to_controller(preferences.current)  # the voice itself starts after the first paint

    # --- building ---------------------------------------------------------------------------------

    def _with_notice_bar(self, pages: QWidget) -> QWidget:
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notices)
        column.addWidget(pages, 1)
        return central

    def _build_shortcuts(self) -> None:
        key = Qt.Key
        play = [key.Key_Space, key.Key_MediaTogglePlayPause, key.Key_MediaPlay, key.Key_MediaPause]
        bindings: list[tuple[list[Qt.Key], Callable[[], None]]] = [
            (play, self.play_pause),
            ([key.Key_Right, key.Key_N, key.Key_MediaNext], self.controller.skip),
            ([key.Key_Left, key.Key_P, key.Key_MediaPrevious], self.controller.previous),
            ([key.Key_Escape, key.Key_MediaStop], self.request_stop),
            ([key.Key_M], self.toggle_mute),
            ([key.Key_F11], self.toggle_fullscreen),
        ]
        self.shortcuts: list[QShortcut] = []
        self.editor_shortcuts: list[QShortcut] = []
        for keys, slot in bindings:
            for sequence in keys:
                shortcut = QShortcut(QKeySequence(sequence), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)
        # Keys 1 to 6 answer the reach question, on the number row or the keypad; while no
        # question is open they do nothing.
        keypad = Qt.KeyboardModifier.KeypadModifier
        for number, digit in enumerate((key.Key_1, key.Key_2, key.Key_3, key.Key_4, key.Key_5,
                                        key.Key_6), start=1):  # fmt: skip
            for answer_keys in (QKeySequence(digit), QKeySequence(keypad | digit)):
                shortcut = QShortcut(answer_keys, self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda n=number: self.answer_key(n))
                self.shortcuts.append(shortcut)
        # The editor's ways in, from the choose page: Ctrl+N a new routine, Ctrl+E the selected
        # one (your own file, or a copy of a built-in one).
        for keys_text, editor_slot in (
            ("Ctrl+N", self.new_routine),
            ("Ctrl+E", self.edit_selected),
            ("Ctrl+Z", self.undo_delete),
        ):
            shortcut = QShortcut(QKeySequence(keys_text), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(editor_slot)
            self.editor_shortcuts.append(shortcut)

    # --- notices and messages ---------------------------------------------------------------------

    def add_notices(self, lines: list[str]) -> None:
        """Things the person should know once (skipped files, repaired settings, no history)."""
        self.notices.add(lines)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    # --- moving between pages ---------------------------------------------------------------------

    def start_routine(self, routine: Routine) -> None:
        settings = self.preferences.settings
        if settings is not None:
            settings.save_last_routine(routine.id)
        self.controller.load(routine, self.preferences.current.pacing)
        self.pages.setCurrentWidget(self.session_page)
        self.controller.start()

    def start_selected(self) -> None:
        self.choose_page.start_selected()

    def select_routine(self, routine_id: str) -> bool:
        return self.choose_page.select_routine(routine_id)

    def open_routine(self, routine: Routine, start: bool) -> None:
        """Another launch asked for ``routine``: show it (and start it) unless a session runs."""
        self.bring_to_front()
        if self.controller.in_session:
            self.show_message("A session is running: finish or stop it to start another routine.")
            return
        self.choose_page.add_routine(routine)
        self.choose_another()
        self.choose_page.select_routine(routine.id)
        if start:
            self.choose_page.start_selected()

    def show_routine_ready(self, routine_id: str) -> bool:
        """A reminder's Start: up front on the choose page, the routine selected and Start
        focused, so Space or Enter begins it; never over a running session (False then)."""
        self.bring_to_front()
        if self.controller.in_session:
            self.show_message("A session is running: the reminder's routine can wait.")
            return False
        if self._editor is not None and self.pages.currentWidget() is self._editor:
            return False  # a routine half-edited stays as it is; the window is up
        self.choose_another()
        self.choose_page.select_routine(routine_id)
        self.choose_page.start_button.setFocus()
        return True

    @property
    def editor_page(self) -> EditorPage:
        """The routine editor, made the first time it is wanted: it and tomlkit (50 ms of
        imports) stay out of the window's start-up."""
        if self._editor is None:
            from stretch_desktop.ui.pages.editor import EditorPage

            self._editor = EditorPage(
                lambda: self.preferences.current.pacing,
                self.dialogs,
                lambda: {routine.id for routine in self.choose_page.routines},
            )
            self.pages.addWidget(self._editor)
            self._editor.saved.connect(self._routine_saved)
            self._editor.closed.connect(self.choose_another)
            self._editor.try_requested.connect(self.start_routine)
            self._editor.deleted.connect(self._routine_deleted)
        return self._editor

    def new_routine(self) -> None:
        if self.pages.currentWidget() is not self.choose_page or not self.editor_page.can_leave():
            return
        if not self.editor_page.offer_draft():  # a draft a crash left comes first
            self.editor_page.open_new()
        self.pages.setCurrentWidget(self.editor_page)

    def edit_selected(self) -> None:
        routine = self.choose_page.selected_routine()
        on_choose = self.pages.currentWidget() is self.choose_page
        if not on_choose or routine is None or not self.editor_page.can_leave():
            return
        if self.editor_page.offer_draft() or self.editor_page.open_routine(routine):
            self.pages.setCurrentWidget(self.editor_page)

    def _routine_saved(self, routine: Routine) -> None:
        self.choose_page.add_routine(routine)
        self.show_message(f"Saved {routine.title}.")

    def _routine_deleted(self, routine_id: str) -> None:
        """Its file went to the trash: it leaves the routine list (rows follow ``routines``)."""
        page = self.choose_page
        for row, routine in enumerate(page.routines):
            if routine.id == routine_id:
                page.routines.pop(row)
                page.routine_list.takeItem(row)
                self.show_message(f"Moved {routine.title} to the trash. Ctrl+Z brings it back.")
                return

    def undo_delete(self) -> bool:
        """Ctrl+Z on the choose page: the routine last deleted (while the app runs) is back."""
        if self._editor is None or self.pages.currentWidget() is not self.choose_page:
            return False
        routine = self._editor.restore_deleted()
        if routine is None:
            return False
        self.choose_page.add_routine(routine)
        self.choose_page.select_routine(routine.id)
        self.show_message(f"{routine.title} is back.")
        return True

    def import_file(self, path: Path) -> Routine | None:
        """A routine file dropped on the window or chosen with Import routine…: checked like
        ``check``, added to the user's routines; an id in use is offered a new one rather than
        replacing the other."""
        from stretch_desktop.ui.pages.editor_import import import_routine_file

        taken = {routine.id for routine in self.choose_page.routines}
        added = import_routine_file(path, taken, self.dialogs)
        if added is None:
            return None
        self.choose_page.add_routine(added)
        self.choose_page.select_routine(added.id)
        self.show_message(f"Imported {added.title}.")
        return added

    def _dropped_files(self, event: QDragEnterEvent | QDropEvent) -> list[Path]:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        return [
            Path(url.toLocalFile())
            for url in urls
            if url.isLocalFile() and url.toLocalFile().endswith(".toml")
        ]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.pages.currentWidget() is self.choose_page and self._dropped_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._dropped_files(event)
        if files and self.pages.currentWidget() is self.choose_page:
            event.acceptProposedAction()
            for path in files:
                self.import_file(path)

    def _page_changed(self, _index: int) -> None:
        """The session keys (Space, N, P, arrows, M) are text and list keys in the editor."""
        editing = self._editor is not None and self.pages.currentWidget() is self._editor
        for shortcut in self.shortcuts:
            shortcut.setEnabled(not editing)
        for shortcut in self.editor_shortcuts:  # the editor has its own Ctrl+Z
            shortcut.setEnabled(not editing)

    def show_session(self) -> None:
        self.pages.setCurrentWidget(self.session_page)

    def answer_key(self, number: int) -> None:
        """A number key: the reach it stands for, while the session page asks for one."""
        reach = reach_for_key(number)
        if reach is not None and self.pages.currentWidget() is self.session_page:
            self.controller.answer(reach)

    def show_history(self) -> None:
        self.history_page.refresh()
        self.pages.setCurrentWidget(self.history_page)

    def _read_history(self) -> list[SessionRecord] | None:
        history = self.controller.history
        return None if history is None else history.sessions()

    def _progress_goal(self) -> int:
        """The goal the progress page set (read each time: it may have changed it since)."""
        settings = self.preferences.settings
        return settings.progress_goal() if settings is not None else DEFAULT_GOAL_DAYS

    @property
    def progress_page(self) -> ProgressPage:
        """The progress page, made the first time it is opened: its charts stay out of the
        window's start-up (tests/ui/test_progress_page.py checks)."""
        if self._progress is None:
            from stretch_desktop.ui.pages.progress import ProgressPage

            settings = self.preferences.settings
            self._progress = ProgressPage(
                self._read_progress,
                self.dialogs,
                goal=self._progress_goal(),
                save_goal=settings.save_progress_goal if settings is not None else None,
            )
            self._progress.scale_fonts(max(12, self.height() // 42))
            self.pages.addWidget(self._progress)
            self._progress.back_requested.connect(self.show_history)
        return self._progress

    def show_progress(self) -> None:
        self.progress_page.refresh()
        self.pages.setCurrentWidget(self.progress_page)

    def _read_progress(self) -> ProgressData | None:
        from stretch_desktop.ui.pages.progress import ProgressData

        history = self.controller.history
        if history is None:
            return None
        return ProgressData(history.sessions(), history.assessments())

    def again(self) -> None:
        self.controller.reload()
        self.pages.setCurrentWidget(self.session_page)
        self.controller.start()

    def choose_another(self) -> None:
        self.pages.setCurrentWidget(self.choose_page)
        self._set_title(APP_TITLE)
        self.choose_page.routine_list.setFocus()

    # --- keys -------------------------------------------------------------------------------------

    def play_pause(self) -> None:
        page = self.pages.currentWidget()
        if page is self.choose_page:
            self.choose_page.start_selected()
        elif page is self.done_page:
            self.again()
        elif page is self.session_page:
            self.controller.toggle()

    def request_stop(self) -> None:
        if self._progress is not None and self.pages.currentWidget() is self._progress:
            self.show_history()
        elif self.pages.currentWidget() is self.history_page:
            self.choose_another()
        else:
            self.controller.request_stop(self.dialogs.confirm)

    def toggle_mute(self) -> None:
        self.set_muted(not self.preferences.current.muted)

    def toggle_fullscreen(self) -> None:
        self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)

    # --- WindowActions (the tray and the media keys) ----------------------------------------------

    def set_muted(self, muted: bool) -> None:
        self.preferences.set_muted(muted)

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        elif not self.isVisible():
            self.show()
        self.raise_()
        self.activateWindow()

    def hide_to_tray(self) -> None:
        self.hide()

    def is_on_screen(self) -> bool:
        return self.isVisible() and not self.isMinimized()

    def quit_app(self) -> None:
        """Quit for good (the tray's Quit): a running session is stopped after asking."""
        if self.controller.in_session:
            self.bring_to_front()
            if not self.dialogs.confirm("Quit", QUIT_QUESTION):
                return
        self._quitting = True
        if self.close():
            QCoreApplication.quit()  # a window closed while hidden does not end the app itself

    # --- following the controller and the preferences ---------------------------------------------

    def _to_controller(self, preferences: UiPreferences) -> None:
        self.controller.set_muted(preferences.muted)
        self.controller.speech_rate = preferences.voice.rate
        self.controller.chime_ms = chime_ms() if preferences.voice.chime else 0

    def _apply(self, preferences: UiPreferences) -> None:
        self._to_controller(preferences)
        if self.voice is not None:
            self.voice.use(preferences.voice)

    def _set_title(self, title: str) -> None:
        if title != self._last_title:
            self._last_title = title
            self.setWindowTitle(title)

    def _on_updated(self, snapshot: Snapshot) -> None:
        # Minimised, the title is all that moves: the taskbar shows the countdown. Updates come
        # 60 times a second; the title's whole seconds need it worked out four times a second.
        moment = (snapshot.elapsed_ms // 250, snapshot.step.index, snapshot.state)
        if moment == self._title_moment:
            return
        self._title_moment = moment
        timeline = self.controller.timeline
        if timeline is not None and self.pages.currentWidget() is self.session_page:
            self._set_title(window_title(snapshot, timeline.routine.title))

    def _on_finished(self, summary: Summary) -> None:
        self.done_page.show_summary(summary)
        self.pages.setCurrentWidget(self.done_page)
        away = not self.is_on_screen() or not self.isActiveWindow()
        if summary.completed and away and self.notify is not None:
            self.notify(
                "Session complete",
                f"{summary.routine_title}: {clock_text(summary.active_ms)} of stretching, "
                f"{summary.steps_done} of {summary.steps_total} poses.",
            )
        log.info("session ended: %s", summary_lines(summary).replace("\n", "; "))

    # --- window events ----------------------------------------------------------------------------

    def _update_on_screen(self) -> None:
        on_screen = self.is_on_screen()
        self.controller.set_on_screen(on_screen)
        snapshot = self.controller.snapshot()
        if on_screen and snapshot is not None:
            self.session_page.show_snapshot(snapshot)  # what changed while away, at once

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
        if event.key() == Qt.Key.Key_Escape and self.pages.currentWidget() is self._progress:
            self.show_history()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Text grows with the window so it stays readable from the mat."""
        super().resizeEvent(event)
        base = max(12, self.height() // 42)
        for page in (self.choose_page, self.session_page, self.done_page, self.history_page):
            page.scale_fonts(base)
        if self._progress is not None:
            self._progress.scale_fonts(base)
        self.notices.set_preferred_px(round(base * 0.95))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._editor is not None and not self._editor.can_leave():  # asked; kept if wanted
            self._quitting = False  # a Quit the person called off is not a later close's answer
            event.ignore()
            return
        if self.controller.in_session:
            if self._quitting:
                choice: CloseChoice = "stop"
            elif self.keeps_going_in_tray:
                choice = self.dialogs.ask_close()
            else:
                choice = "stop" if self.dialogs.confirm("Quit", QUIT_QUESTION) else "cancel"
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
        settings = self.preferences.settings
        if settings is not None:
            settings.save_geometry(self.saveGeometry())

    def restore_geometry(self, geometry: QByteArray | None) -> None:
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 720)
