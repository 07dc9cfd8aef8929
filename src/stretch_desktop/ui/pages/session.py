"""The session page: what to do now, read from two metres.

The current pose's name, its figure, the breath pacer and the countdown take most of the page:
the figure large (the shape to make, the working side mirrored), the pacer above the countdown
beside it. The pose list (each row with its figure, small) and the pose's instructions, which
are read up close, share a narrower column; the instructions always whole (nobody on a mat
scrolls). "Up next" shows the next pose's figure too.

The figure moves with the engine's beat in a flow, shows each press of a contract-relax step,
and stays still in a hold and a rest: the pacer beside it already breathes, and a figure that
breathed too would only repeat it, at the cost of repaints through the longest part of every
session. The figures load with the first routine (never before the window's first paint).

After an assessed hold (source 001's forward fold) the figure and pacer give way to the reach
question: six big buttons, Knees to Palms flat, that keys 1 to 6 press too, and a small Skip.
The session does not wait for them; when the question's time is up the next pose begins.

Everything with text that changes (caption, pause notice, "Up next", the voice) keeps a fixed
height, so nothing moves when a line gets shorter, and the play button keeps one
width for Start, Pause and Resume.

It paints what the controller reports and forwards what the person does; the session's logic
stays in the controller and the engine. About 60 updates a second arrive while a session runs,
so a widget is touched only when what it shows has changed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.assessment import REACH, reach_label
from stretch_desktop.core.engine import Snapshot, State
from stretch_desktop.core.figures import Figure
from stretch_desktop.core.routine import Assess
from stretch_desktop.core.timeline import PhaseKind, StepKind, Timeline, beat_at
from stretch_desktop.ui.dialogs import Dialogs
from stretch_desktop.ui.figure_widget import FigureWidget, figure_for_pose, figure_pixmap
from stretch_desktop.ui.pages.common import MARGIN, bullets, button, scale_fonts
from stretch_desktop.ui.pose_list_model import PoseListDelegate, PoseListModel
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.presenter import (
    countdown_text,
    left_text,
    pacer_view,
    pause_notice,
    step_detail,
    up_next,
)
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import UiPreferences
from stretch_desktop.ui.widgets import FitLabel, FitText, PacerWidget, largest_that_fits

_PLAY_LABELS = {State.IDLE: "Start", State.RUNNING: "Pause", State.PAUSED: "Resume"}
ANSWERS_A_ROWS: Final = (2, 3)
"""How many of the reach question's six answers may share a row: two (three rows) fit the
figure's place in most windows at the answers' preferred size; three (two rows) give larger
answers in a wide, low window. Either way they read in order, like the keys 1 to 6."""
_NO_LIMIT = 16_777_215  # Qt's QWIDGETSIZE_MAX: a widget's maximum size when none is set


def voice_text(status: str, muted: bool) -> str:
    """The voice line: which voice, and plainly whether it is muted (M unmutes)."""
    return f"Muted (M to unmute) · {status}" if muted else status


class _ResizeWatched(QWidget):
    """A plain panel that says when its size changes (the answers fit themselves to it)."""

    def __init__(self, resized: Callable[[], None]) -> None:
        super().__init__()
        self._resized = resized

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._resized()


class SessionPage(QWidget):
    def __init__(
        self,
        controller: SessionController,
        preferences: LivePreferences,
        dialogs: Dialogs,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._preferences = preferences
        self._dialogs = dialogs
        self._timeline: Timeline | None = None
        self._figures: tuple[Figure | None, ...] = ()
        """Each step's figure (None: its pose has none), looked up when a routine loads."""
        self._next_icon = QSize(72, 48)
        self._answer_px = 31  # the reach answers' preferred size, until the window sets it
        self._answers_a_row = ANSWERS_A_ROWS[0]
        self._shown_step = -1
        self._last_moment: tuple[object, ...] | None = None
        self._voice_status = controller.speaker.status
        self._build()
        controller.loaded.connect(self._on_loaded)
        controller.step_changed.connect(self._on_step_changed)
        controller.updated.connect(self.show_snapshot)
        controller.state_changed.connect(self._on_state_changed)
        controller.caption.connect(self.caption.setText)
        controller.voice_status.connect(self._on_voice_status)
        controller.history_problem.connect(self.tell)
        controller.question.connect(self._on_question)
        preferences.changed.connect(self._on_preferences)
        self._on_preferences(preferences.current)

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN // 2, MARGIN, MARGIN // 2)
        top = QHBoxLayout()

        side = QVBoxLayout()
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
        side.addWidget(self.pose_list, 1)
        self.details = FitLabel()
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAccessibleName("How to do this pose")
        side.addWidget(self.details, 2)
        top.addLayout(side, 9)

        body = QVBoxLayout()
        self.pose_name = FitText(bold=True, max_height_ratio=0.8, minimum_height=40)
        self.pose_meta = FitLabel(lines=1)
        self.pose_meta.setObjectName("meta")
        body.addWidget(self.pose_name, 2)
        body.addWidget(self.pose_meta)
        # The figure as large as the page allows; the pacer above the countdown beside it.
        big = QHBoxLayout()
        self.figure = FigureWidget()
        big.addWidget(self.figure, 5)
        gauges = self._gauges = QVBoxLayout()
        self.pacer = PacerWidget()
        # Digits have no descenders: they may fill more of their box than words do.
        self.countdown = FitText(bold=True, max_height_ratio=0.9, minimum_height=80)
        self.countdown.setAccessibleName("Time left in this phase")
        gauges.addWidget(self.pacer, 1)
        gauges.addWidget(self.countdown, 1)
        big.addLayout(gauges, 3)
        # The reach question takes the figure's and the pacer's place while it is asked.
        self.stage = QStackedWidget()
        pose_stage = QWidget()
        big.setContentsMargins(0, 0, 0, 0)
        pose_stage.setLayout(big)
        self.stage.addWidget(pose_stage)
        self.question_panel = self._build_question()
        self.stage.addWidget(self.question_panel)
        body.addWidget(self.stage, 13)
        self.pause_label = FitLabel(lines=2)
        self.pause_label.setObjectName("pause")
        body.addWidget(self.pause_label)
        next_row = QHBoxLayout()
        self.next_figure = QLabel()
        self.next_figure.setAccessibleName("Next pose's figure")
        self.up_next = FitLabel(lines=1)
        self.up_next.setObjectName("meta")
        next_row.addWidget(self.next_figure)
        next_row.addWidget(self.up_next, 1)
        body.addLayout(next_row)
        top.addLayout(body, 13)
        outer.addLayout(top, 1)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        outer.addWidget(line)
        self.caption = FitLabel(lines=2)
        self.caption.setObjectName("caption")
        self.caption.setAccessibleName("Last spoken cue")
        outer.addWidget(self.caption)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Session progress")
        self.time_left = FitLabel(lines=1)
        self.time_left.setObjectName("meta")
        self.time_left.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        progress_row.addWidget(self.progress, 4)
        progress_row.addWidget(self.time_left, 1)
        outer.addLayout(progress_row)
        outer.addLayout(self._build_controls())

    def _build_question(self) -> QWidget:
        """Six answers as big as the figure's place allows, numbered as the keys that press
        them, so they read from the mat; Skip small, since waiting does the same.

        The panel takes the figure's place and never changes it: it is left out of the stage's
        size (``Ignored``), sets its answers two to a row (three in a wide, low window), and
        shrinks their font when even that does not fit (``_fit_answers``). Three to a row
        needed 745 px at 1100×720, and the first question pushed the pose list and
        instructions narrower for the rest of the run.
        """
        panel = _ResizeWatched(self._fit_answers)
        panel.setAccessibleName("Where did your hands reach?")
        panel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        self.question_title = FitLabel(lines=1)
        self.question_title.setObjectName("question")
        self.question_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.question_title)
        self._answer_probe = QPushButton(panel)  # measured, never shown (_largest_answer_px)
        self._answer_probe.hide()
        grid = self._answers = QGridLayout()
        self.reach_buttons: list[QPushButton] = []
        for index, value in enumerate(REACH):
            label = reach_label(value)
            widget = QPushButton(f"{index + 1}  {label}")
            widget.setAccessibleName(label)
            widget.setToolTip(f"My hands reached: {label.lower()} (key {index + 1})")
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Space stays pause and resume
            size = QSizePolicy.Policy.Expanding
            widget.setSizePolicy(size, size)
            widget.clicked.connect(lambda _checked=False, v=value: self._controller.answer(v))
            grid.addWidget(widget, index // self._answers_a_row, index % self._answers_a_row)
            self.reach_buttons.append(widget)
        column.addLayout(grid, 1)
        row = QHBoxLayout()
        self.question_hint = FitLabel(lines=1)
        self.question_hint.setObjectName("meta")
        self.question_hint.setText("Press 1 to 6, or wait: the session goes on by itself")
        row.addWidget(self.question_hint, 1)
        self.skip_question_button = QPushButton("Skip question")
        self.skip_question_button.setAccessibleName("Skip the question")
        self.skip_question_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.skip_question_button.clicked.connect(
            lambda _checked=False: self._controller.skip_question()
        )
        row.addWidget(self.skip_question_button)
        column.addLayout(row)
        return panel

    def _build_controls(self) -> QHBoxLayout:
        controls = QHBoxLayout()
        pixmap = QStyle.StandardPixmap
        controller = self._controller
        self.previous_button = button(
            self,
            "Previous",
            pixmap.SP_MediaSkipBackward,
            "Back to the start of this pose, or the one before (Left or P)",
            controller.previous,
            "Previous pose",
        )
        self.play_button = button(
            self,
            "Start",
            pixmap.SP_MediaPlay,
            "Start, pause or resume (Space)",
            controller.toggle,
            "Start",
        )
        self.skip_button = button(
            self,
            "Skip",
            pixmap.SP_MediaSkipForward,
            "Skip to the next pose or side (Right or N)",
            controller.skip,
            "Skip pose",
        )
        self.stop_button = button(
            self, "Stop", pixmap.SP_MediaStop, "Stop the session (Esc)", self.request_stop, "Stop"
        )
        self.mute_button = button(
            self,
            "Mute",
            pixmap.SP_MediaVolume,
            "Mute the voice (M)",
            lambda: self._preferences.set_muted(not self._preferences.current.muted),
            "Mute voice",
        )
        self.mute_button.setCheckable(True)
        for widget in (self.previous_button, self.play_button, self.skip_button, self.stop_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        self.voice_label = FitLabel(lines=2)
        self.voice_label.setObjectName("meta")
        self.voice_label.setAccessibleName("Voice status")
        self.voice_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        controls.addWidget(self.voice_label, 3)
        controls.addWidget(self.mute_button)
        return controls

    def scale_fonts(self, base: int) -> None:
        # The big gauges' least sizes go with the text in a small window (base 12 at 720x480),
        # up to what they were made for: with fixed ones, the page needed 567 px of height in a
        # window that may be 480 tall, and the countdown was drawn over the pacer.
        pacer = min(160, 9 * base)
        self.pacer.setMinimumSize(pacer, pacer)
        self.countdown.setMinimumHeight(min(80, round(4.5 * base)))
        self.pose_name.setMinimumHeight(min(40, round(2.2 * base)))
        for label, scale, bold in (
            (self.pose_meta, 1.25, False),
            (self.details, 1.0, False),
            (self.up_next, 1.1, False),
            (self.caption, 1.5, True),
            (self.time_left, 1.1, False),
            (self.pause_label, 1.3, True),
            (self.voice_label, 0.95, False),
        ):
            label.set_preferred_px(round(base * scale), bold)
        buttons = [
            b
            for b in self.findChildren(QPushButton)
            if b not in (*self.reach_buttons, self._answer_probe)
        ]
        scale_fonts(base, [(self.pose_list, 1.1, False), *((b, 1.05, False) for b in buttons)])
        # Read from two metres: about the height of the pose's name on a laptop screen.
        self._answer_px = round(base * 2.2)
        self.question_title.set_preferred_px(round(base * 2.2), True)
        self.question_hint.set_preferred_px(round(base * 1.1), False)
        self._fit_answers()  # after the title and hint: the answers get what they leave
        high = round(base * 1.1 * 2.4)  # two lines of "Up next": the figure beside it reads
        self._next_icon = QSize(round(high * 1.5), high)
        self.next_figure.setFixedSize(self._next_icon)
        self._show_next_figure()
        self._fit_pose_list()
        self._keep_width(self.play_button, tuple(_PLAY_LABELS.values()))
        self._keep_width(self.mute_button, ("Mute", "Unmute"))

    def _fit_answers(self) -> None:
        """The answers as large as the figure's place allows, up to their preferred size: two
        to a row, or three where that lets them be larger (a wide, low window)."""
        panel, grid = self.question_panel, self._answers
        column = panel.layout()
        panel_spacing = column.spacing() if column is not None else 0
        spacing = max(grid.horizontalSpacing(), grid.verticalSpacing(), 0)
        footer = max(self.question_hint.height(), self.skip_question_button.sizeHint().height())
        high = panel.height() - self.question_title.height() - footer - 2 * panel_spacing
        best_px, best_row = 0, self._answers_a_row
        for a_row in ANSWERS_A_ROWS:
            rows = -(-len(self.reach_buttons) // a_row)
            room = QSize(
                (panel.width() - spacing * (a_row - 1)) // a_row,
                (high - spacing * (rows - 1)) // rows,
            )
            pixels = self._largest_answer_px(room)
            if pixels > best_px:
                best_px, best_row = pixels, a_row
        if best_row != self._answers_a_row:
            self._answers_a_row = best_row
            for index, answer in enumerate(self.reach_buttons):
                grid.addWidget(answer, index // best_row, index % best_row)
        font = QFont(self.reach_buttons[0].font())
        font.setBold(True)
        font.setPixelSize(max(best_px, 1))
        for answer in self.reach_buttons:
            answer.setFont(font)

    def _largest_answer_px(self, room: QSize) -> int:
        """The largest font size, up to the preferred one, at which every answer fits ``room``
        (0 if none does). Measured on a button never shown, so the answers on screen keep
        their size until the one chosen is set, and a choice never depends on the last one."""
        probe = self._answer_probe
        font = QFont(self.reach_buttons[0].font())
        font.setBold(True)
        texts = [answer.text() for answer in self.reach_buttons]

        def fits(pixels: int) -> bool:
            font.setPixelSize(pixels)
            probe.setFont(font)
            for text in texts:
                probe.setText(text)
                hint = probe.sizeHint()
                if hint.width() > room.width() or hint.height() > room.height():
                    return False
            return True

        return largest_that_fits(0, self._answer_px, fits)

    def _fit_pose_list(self) -> None:
        """A short routine's list is only as tall as its rows, and the room below goes to the
        pose's instructions, which must show whole: a one-pose routine left two thirds of the
        list blank while the last of its eight instructions were cut off at 1100×720."""
        rows = self.pose_model.rowCount()
        if rows == 0:
            self.pose_list.setMaximumHeight(_NO_LIMIT)
            return
        rows_px = rows * self.pose_list.sizeHintForRow(0) + 2 * self.pose_list.frameWidth()
        self.pose_list.setMaximumHeight(rows_px)

    @staticmethod
    def _keep_width(widget: QPushButton, labels: tuple[str, ...]) -> None:
        """One width for every label the button can show: its neighbours never shift."""
        current = widget.text()
        widths = []
        for label in labels:
            widget.setText(label)
            widths.append(widget.sizeHint().width())
        widget.setText(current)
        widget.setFixedWidth(max(widths))

    # --- what the person does ---------------------------------------------------------------------

    def request_stop(self) -> bool:
        return self._controller.request_stop(self._dialogs.confirm)

    def _on_pose_activated(self, index: QModelIndex) -> None:
        self._controller.jump(index.row())

    def _on_question(self, moment: Assess | None) -> None:
        """A reach question began (which fold: before or after the work) or is over."""
        if moment is None:
            self.stage.setCurrentIndex(0)
            return
        when = "Before" if moment is Assess.BEFORE else "After"
        self.question_title.setText(f"{when}: where did your hands reach?")
        self.stage.setCurrentWidget(self.question_panel)

    def tell(self, message: str) -> None:
        """A problem the person should know about, without stopping the session."""
        self.pause_label.setText(message)

    # --- painting what the controller reports ---------------------------------------------------

    def _on_loaded(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self._shown_step = -1
        self._last_moment = None
        # The figure library is read here, with the first routine (about 40 ms, once): a
        # routine is loaded by a person or after the first paint, never before it.
        self._figures = tuple(figure_for_pose(step.pose) for step in timeline.steps)
        # A routine without any figure gives their room to the pacer and the countdown, side by
        # side; one with some keeps the place empty for a pose without one, so nothing jumps
        # between poses.
        drawn = any(figure is not None for figure in self._figures)
        self.figure.setVisible(drawn)
        self.next_figure.setVisible(drawn)
        direction = QBoxLayout.Direction
        self._gauges.setDirection(direction.TopToBottom if drawn else direction.LeftToRight)
        self.figure.set_figure(None)
        self.pose_model.set_timeline(timeline, self._figures)
        self._fit_pose_list()
        self.progress.setRange(0, max(1, timeline.total_ms // 1000))
        self.caption.setText("")
        self.pause_label.setText("")

    def _on_step_changed(self, snapshot: Snapshot) -> None:
        if self._on_screen():
            self._show_step(snapshot)

    def _on_screen(self) -> bool:
        """As the window last told the controller: asking the window itself on each of sixty
        updates a second cost a tenth of the page's work."""
        return self._controller.on_screen

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Bring every widget up to ``snapshot``; off screen, nothing (the window catches up
        when it is back)."""
        timeline = self._timeline
        if timeline is None or not self._on_screen():
            return
        self.pacer.set_view(pacer_view(snapshot, timeline.pacing))
        if snapshot.step.index != self._shown_step:  # the step changed while off screen
            self._show_step(snapshot)
        self._move_figure(snapshot)
        # Sixty times a second only the pacer (and a flow's figure) moves; words and numbers
        # change far less often.
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
        self.pose_model.set_progress(snapshot.step.index, snapshot.outcomes)
        self.countdown.set_text(countdown_text(snapshot.phase_remaining_ms))
        seconds = snapshot.elapsed_ms // 1000
        if self.progress.value() != seconds:
            self.progress.setValue(seconds)
        self.time_left.setText(f"{left_text(snapshot.remaining_ms)} left")

    def _show_step(self, snapshot: Snapshot) -> None:
        timeline = self._timeline
        if timeline is None:
            return
        step, pose = snapshot.step, snapshot.step.pose
        self._shown_step = step.index
        self.figure.set_figure(self._figure_of(step.index), step.side)
        self._show_next_figure()
        self.pose_name.set_text(pose.name)
        side = f"{step.side.value.capitalize()} side · " if step.side else ""
        kind = "Rest · " if step.is_rest else ""
        self.pose_meta.setText(
            f"{kind}{side}{step_detail(step)} · pose {step.index + 1} of {len(timeline.steps)}"
        )
        parts = []
        if pose.cautions:
            parts.append(f"<p><b>Take care:</b> {html.escape(' '.join(pose.cautions))}</p>")
        if step.note:
            parts.append(f"<p><i>{html.escape(step.note)}</i></p>")
        parts.append(f"<ul style='margin-left: -20px'>{bullets(pose.instructions)}</ul>")
        if pose.equipment:
            parts.append(f"<p>Equipment: {html.escape(', '.join(pose.equipment))}</p>")
        self.details.setText("".join(parts))
        self.up_next.setText(up_next(timeline, snapshot))
        self.pose_list.scrollTo(
            self.pose_model.index(step.index), QAbstractItemView.ScrollHint.PositionAtCenter
        )

    def _figure_of(self, step: int) -> Figure | None:
        return self._figures[step] if 0 <= step < len(self._figures) else None

    def _move_figure(self, snapshot: Snapshot) -> None:
        """The figure at this moment: a flow's body where the beat has it (where its first beat
        starts, in its lead-in), a press marked while it lasts. Called on every update: the
        widget works out a picture only when it can have moved a pixel."""
        phase = snapshot.phase
        if phase.kind is PhaseKind.FLOW:
            beat = beat_at(phase, snapshot.elapsed_ms)
            self.figure.set_frame(beat.beat, beat.fraction)
        elif phase.kind is PhaseKind.PREPARE and snapshot.step.kind is StepKind.FLOW:
            self.figure.set_frame(0, 0.0)
        self.figure.set_pressing(phase.kind is PhaseKind.CONTRACT)

    def _show_next_figure(self) -> None:
        """The next step's figure beside "Up next" (none after the last step, or for a pose
        without one), drawn once per figure, side, size and palette."""
        timeline = self._timeline
        following = self._shown_step + 1
        figure = self._figure_of(following) if timeline is not None else None
        if figure is None or timeline is None:
            self.next_figure.clear()
            self.next_figure.setAccessibleDescription("")
            return
        side = timeline.steps[following].side
        self.next_figure.setPixmap(
            figure_pixmap(figure, side, self._next_icon, self.palette(), self.devicePixelRatioF())
        )
        self.next_figure.setAccessibleDescription(
            figure.title + (f", {side.value} side" if side else "")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # a light or dark desktop: redraw
            self._show_next_figure()
        super().changeEvent(event)

    def _on_state_changed(self, snapshot: Snapshot) -> None:
        running = snapshot.state is State.RUNNING
        pixmap = (
            QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        )
        label = _PLAY_LABELS.get(snapshot.state, "Start")
        self.play_button.setText(label)
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        self.play_button.setAccessibleName(label)
        self.pause_label.setText(pause_notice(snapshot))
        active = self._controller.in_session
        for widget in (self.previous_button, self.skip_button, self.stop_button):
            widget.setEnabled(active)
        if self._timeline is not None:  # the pacer shows "Paused" even when no tick follows
            self.pacer.set_view(pacer_view(snapshot, self._timeline.pacing))

    def _on_voice_status(self, status: str) -> None:
        self._voice_status = status
        self.voice_label.setText(voice_text(status, self._preferences.current.muted))

    def _on_preferences(self, preferences: UiPreferences) -> None:
        muted = preferences.muted
        self.pacer.set_reduced_motion(preferences.reduced_motion)
        self.figure.set_reduced_motion(preferences.reduced_motion)
        self.mute_button.setChecked(muted)
        self.mute_button.setText("Unmute" if muted else "Mute")
        self.mute_button.setAccessibleName("Unmute voice" if muted else "Mute voice")
        self.mute_button.setToolTip("Unmute the voice (M)" if muted else "Mute the voice (M)")
        pixmap = (
            QStyle.StandardPixmap.SP_MediaVolumeMuted
            if muted
            else QStyle.StandardPixmap.SP_MediaVolume
        )
        self.mute_button.setIcon(self.style().standardIcon(pixmap))
        self.voice_label.setText(voice_text(self._voice_status, muted))
