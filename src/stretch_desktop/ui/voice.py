"""Which voice the session speaks with: switched when the preferences say so, and tried out.

Making a speaker starts a voice process, so only this object (given the factory by the
composition root) makes one; the window and its pages never hold the factory.
"""

from __future__ import annotations

from collections.abc import Callable

from stretch_desktop.core.timeline import Cue, CueKind
from stretch_desktop.speech.speaker import Speaker
from stretch_desktop.speech.voice import VoiceSettings
from stretch_desktop.ui.session_controller import SessionController

SpeakerFactory = Callable[[VoiceSettings], Speaker]
SAMPLE = "This is the voice of your stretching sessions."


class VoiceSwitch:
    def __init__(self, controller: SessionController, make_speaker: SpeakerFactory) -> None:
        self._controller = controller
        self._make_speaker = make_speaker
        self._voice: VoiceSettings | None = None

    @property
    def voice(self) -> VoiceSettings | None:
        """The settings of the speaker now speaking (None until the first ``use``)."""
        return self._voice

    def use(self, voice: VoiceSettings) -> None:
        """Speak with ``voice`` from now on; the same voice again keeps the running speaker."""
        if voice != self._voice:
            self._voice = voice
            self._controller.set_speaker(self._make_speaker(voice))
        self._controller.speech_rate = voice.rate

    def test(self, voice: VoiceSettings) -> None:
        """Say a sample with ``voice`` (the one being chosen, not yet saved)."""
        self.use(voice)
        speaker = self._controller.speaker
        speaker.prepare([SAMPLE], urgent=True)  # before the selected routine's cues
        speaker.say(Cue(0, CueKind.ANNOUNCE, SAMPLE), 0)
