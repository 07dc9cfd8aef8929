"""The window as a person drives it, on a fake clock: shared by the window, tray and MPRIS tests."""

import pytest
from PySide6.QtCore import QSettings, Qt

from stretch_desktop.core.clock import FakeClock
from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.library import builtin_routines
from stretch_desktop.speech.speaker import RecordingSpeaker
from stretch_desktop.ui.main_window import MainWindow
from stretch_desktop.ui.preferences import LivePreferences
from stretch_desktop.ui.session_controller import SessionController
from stretch_desktop.ui.settings import Settings, UiPreferences
from stretch_desktop.ui.ticker import ManualTicker
from stretch_desktop.ui.voice import VoiceSwitch

PACE = Pacing(
    inhale_ms=2500,
    exhale_ms=3500,
    lead_in_ms=5000,
    breath_cues=BreathCues.OFF,
    speech_ms=lambda text: 1000,
)


class Harness:
    """A window on a fake clock and a manual ticker, with a recording speaker; every question
    is answered with ``answer`` and every message kept in ``told``."""

    def __init__(self, qtbot, tmp_path, size=(1100, 720), routines=None):
        self.pace = PACE
        self.clock = FakeClock(1_000_000)
        self.speaker = RecordingSpeaker()
        self.controller = SessionController(self.clock, self.speaker, ManualTicker)
        store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        self.settings = Settings(store)
        self.preferences = LivePreferences(UiPreferences(pacing=PACE), self.settings)
        # Every voice is the recording speaker: what a voice change or "Test voice" says is kept.
        self.voice = VoiceSwitch(self.controller, lambda settings: self.speaker)
        self.window = MainWindow(
            self.controller,
            builtin_routines() if routines is None else routines,
            self.preferences,
            voice=self.voice,
        )
        self.answer = True
        self.told = []
        self.window.dialogs.confirm = lambda title, question: self.answer
        self.window.dialogs.inform = lambda title, text: self.told.append((title, text))
        qtbot.addWidget(self.window)
        self.window.resize(*size)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()  # keys reach a window's shortcuts only while it is active
        qtbot.waitUntil(self.window.isActiveWindow, timeout=5000)
        self.qtbot = qtbot

    @property
    def session(self):
        return self.window.session_page

    @property
    def ticker(self):
        return self.controller.ticker

    @property
    def snapshot(self):
        return self.controller.snapshot()

    def run(self, ms, step=100):
        for _ in range(ms // step):
            self.clock.advance(step)
            self.ticker.tick()

    def start(self, routine_id):
        assert self.window.select_routine(routine_id)
        self.click(self.window.choose_page.start_button)

    def click(self, button):
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def key(self, key):
        self.qtbot.keyClick(self.window, key)

    def row(self, index, role):
        return self.session.pose_model.index(index).data(role)


@pytest.fixture
def ui(qtbot, tmp_path):
    return Harness(qtbot, tmp_path)


@pytest.fixture
def make_ui(qtbot, tmp_path):
    """Another window of its own (a second profile, another size)."""

    def make(name="other", **options):
        folder = tmp_path / name
        folder.mkdir()
        return Harness(qtbot, folder, **options)

    return make
