"""Preferences: breath pace, lead-in, first side, breath cues, reduced motion, the voice.

The voice is the natural voice (Piper) or the system voice (pyttsx3); the system voice's own
voice list applies to it alone, rate, volume and chime to both. A natural voice that is not
installed says so in its name here, and the system voice speaks in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from stretch_desktop.core.pacing import (
    BREATH_MAX_S,
    BREATH_MIN_S,
    LEAD_IN_MAX_S,
    LEAD_IN_MIN_S,
    BreathCues,
    Pacing,
)
from stretch_desktop.core.routine import Side
from stretch_desktop.speech.voice import (
    NATURAL,
    RATE_MAX,
    RATE_MIN,
    SYSTEM,
    VoiceSettings,
    natural_voice_missing,
)
from stretch_desktop.ui.settings import UiPreferences

_BREATH_CUES = {
    BreathCues.OFF: "Off",
    BreathCues.FIRST_THREE: "First three breaths of a hold",
    BreathCues.EVERY: "Every breath",
}


def _seconds(value: float, low: float, high: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(0.5)
    box.setDecimals(1)
    box.setSuffix(" s")
    box.setValue(value)
    box.setToolTip(tip)
    box.setAccessibleName(tip)
    return box


class PreferencesTab(Protocol):
    """A tab another part adds (Reminders): its widget, and what OK does with it."""

    title: str

    def widget(self) -> QWidget: ...

    def apply(self) -> None: ...


class PreferencesDialog(QDialog):
    def __init__(
        self,
        prefs: UiPreferences,
        voices: list[tuple[str, str]] | None = None,
        test_voice: Callable[[VoiceSettings], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        pacing = prefs.pacing
        general = QWidget()
        form = QFormLayout(general)
        self.inhale = _seconds(
            pacing.inhale_ms / 1000, BREATH_MIN_S, BREATH_MAX_S, "Seconds per inhale"
        )
        self.exhale = _seconds(
            pacing.exhale_ms / 1000, BREATH_MIN_S, BREATH_MAX_S, "Seconds per exhale"
        )
        self.lead_in = _seconds(
            pacing.lead_in_ms / 1000, LEAD_IN_MIN_S, LEAD_IN_MAX_S, "Seconds to get into each pose"
        )
        self.first_side = QComboBox()
        self.first_side.addItem("Right", Side.RIGHT)
        self.first_side.addItem("Left", Side.LEFT)
        self.first_side.setCurrentIndex(0 if pacing.first_side is Side.RIGHT else 1)
        self.first_side.setAccessibleName("First side")
        self.breath_cues = QComboBox()
        for value, label in _BREATH_CUES.items():
            self.breath_cues.addItem(label, value)
        self.breath_cues.setCurrentIndex(list(_BREATH_CUES).index(pacing.breath_cues))
        self.breath_cues.setAccessibleName("Spoken breath cues")
        self.reduced_motion = QCheckBox(
            "Reduce motion (the pacer fills instead of growing; the pose figure stays still)"
        )
        self.reduced_motion.setChecked(prefs.reduced_motion)
        self._muted = prefs.muted
        self.engine = QComboBox()
        self.engine.setAccessibleName("Voice")
        missing = natural_voice_missing()
        self.engine.addItem("Natural voice" + (" (not installed)" if missing else ""), NATURAL)
        self.engine.addItem("System voice", SYSTEM)
        if missing:
            self.engine.setItemData(0, f"Not available: {missing}", Qt.ItemDataRole.ToolTipRole)
        self.engine.setCurrentIndex(max(self.engine.findData(prefs.voice.engine), 0))
        self.voice = QComboBox()
        self.voice.setAccessibleName("System voice")
        self.voice.addItem("Default voice", None)
        for voice_id, name in sorted(voices or [], key=lambda v: v[1].lower()):
            self.voice.addItem(name, voice_id)
        found = self.voice.findData(prefs.voice.voice)
        self.voice.setCurrentIndex(max(found, 0))
        self._has_voices = bool(voices)
        self.engine.currentIndexChanged.connect(self._engine_changed)
        self._engine_changed()
        self.rate = QSpinBox()
        self.rate.setRange(RATE_MIN, RATE_MAX)
        self.rate.setSuffix(" words a minute")
        self.rate.setValue(prefs.voice.rate)
        self.rate.setAccessibleName("Speaking rate")
        self.volume = QSpinBox()
        self.volume.setRange(0, 100)
        self.volume.setSuffix(" %")
        self.volume.setValue(round(prefs.voice.volume * 100))
        self.volume.setAccessibleName("Volume")
        self.chime = QCheckBox("A soft chime before each pose")
        self.chime.setChecked(prefs.voice.chime)
        self.test_button = QPushButton("Test voice")
        self.test_button.setToolTip("Say a sentence with these voice settings")
        self.test_button.setEnabled(test_voice is not None and bool(voices))
        if test_voice is not None:
            self.test_button.clicked.connect(lambda: test_voice(self.voice_settings()))
        form.addRow("Inhale", self.inhale)
        form.addRow("Exhale", self.exhale)
        form.addRow("Lead-in before each pose", self.lead_in)
        form.addRow("First side", self.first_side)
        form.addRow("Spoken breath cues", self.breath_cues)
        form.addRow(self.reduced_motion)
        form.addRow("Voice", self.engine)
        form.addRow("System voice", self.voice)
        form.addRow("Speaking rate", self.rate)
        form.addRow("Volume", self.volume)
        form.addRow(self.chime)
        form.addRow(self.test_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # The window's own tabs (``MainWindow.preferences_tabs``): the choose page opens this
        # dialog knowing nothing of them. OK applies each; Cancel leaves them unapplied.
        makers = getattr(parent.window(), "preferences_tabs", []) if parent is not None else []
        self.tabs: list[PreferencesTab] = [make(self) for make in makers]
        outer = QVBoxLayout(self)
        if self.tabs:
            self.pages = QTabWidget()
            self.pages.addTab(general, "General")
            for tab in self.tabs:
                self.pages.addTab(tab.widget(), tab.title)
                self.accepted.connect(tab.apply)
            outer.addWidget(self.pages)
        else:
            form.setContentsMargins(0, 0, 0, 0)
            outer.addWidget(general)
        outer.addWidget(buttons)

    def preferences(self) -> UiPreferences:
        pacing = Pacing(
            inhale_ms=round(self.inhale.value() * 1000),
            exhale_ms=round(self.exhale.value() * 1000),
            lead_in_ms=round(self.lead_in.value() * 1000),
            first_side=self.first_side.currentData(),
            breath_cues=self.breath_cues.currentData(),
        )
        return UiPreferences(
            pacing, self.reduced_motion.isChecked(), self._muted, self.voice_settings()
        )

    def _engine_changed(self) -> None:
        """The system voice's list means nothing to the natural voice: it is greyed out."""
        self.voice.setEnabled(self._has_voices and self.engine.currentData() == SYSTEM)

    def voice_settings(self) -> VoiceSettings:
        return VoiceSettings(
            voice=self.voice.currentData(),
            rate=self.rate.value(),
            volume=self.volume.value() / 100,
            chime=self.chime.isChecked(),
            engine=self.engine.currentData(),
        )
