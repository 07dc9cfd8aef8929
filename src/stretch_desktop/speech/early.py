"""The voice process, started before the window's first paint and handed to the first speaker.

Why: the speaker is made after the first paint (it is not needed to show the routines), and
until this module, so was its voice process. With the natural voice that process must start
Python, espeak and then load Piper (0.7 s) before it renders anything, so a session started at
launch (``--start``) heard its first cue a median 1.7 s after Start. Started here, while the app
is still building its window, the process and the Piper load run on the other core meanwhile:
from ``ui/app.build`` it was 1.1 s; from ``cli.cmd_gui``, before the window's module is even
imported (``ui/settings.start_voice_early``), 0.77 s (medians of 7, the same rounds).

A session started at launch has its first words rendered by that process too
(``render_first``), before the speaker exists: by Start they are on disk or nearly.

Only ``threading`` is imported at the top: the thread imports the renderer, so the window's
start-up pays for nothing but starting a thread. A process nobody takes dies with the app
(``children``); one started for another voice than the speaker wants is killed when it asks.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stretch_desktop.speech.renderer import ProcessSynthesiser
    from stretch_desktop.speech.voice import VoiceSettings

log = logging.getLogger(__name__)


class _Early:
    def __init__(self, settings: VoiceSettings, folder: Path, chime: Path | None) -> None:
        self.settings = settings
        self._folder = folder
        self._chime = chime
        self.synthesiser: ProcessSynthesiser | None = None
        self._texts: list[str] = []
        self._rendering = False  # texts handed in from now on are the speaker's to render
        self._lock = threading.Lock()
        self.done = threading.Event()
        threading.Thread(target=self._start, name="voice-early", daemon=True).start()

    def render(self, texts: list[str]) -> bool:
        with self._lock:
            if self._rendering:
                return False
            self._texts += texts
            return True

    def _start(self) -> None:
        try:
            from stretch_desktop.speech.renderer import CueCache, ProcessSynthesiser

            self.synthesiser = ProcessSynthesiser(self.settings)
            with self._lock:
                self._rendering = True
                texts = self._texts
            cache = CueCache(self._folder, self.settings, self._chime)
            if self.synthesiser.fallback is not None:
                cache.use_system_voice()
            for text in texts:
                if not cache.complete(text):
                    cache.store(text, self.synthesiser)
        except Exception as error:  # the speaker starts its own, and says why if that fails too
            log.info("speech: the early voice process did not start: %s", error)
            if self.synthesiser is not None:
                self.synthesiser.kill()
                self.synthesiser = None
        finally:
            self.done.set()


_lock = threading.Lock()
_early: _Early | None = None


def start(settings: VoiceSettings, folder: Path, chime: Path | None) -> None:
    """Start the voice process for ``settings`` now, on a thread, to render into the cue cache
    in ``folder`` (``chime``: the chime's file, if ``settings`` has the chime on)."""
    global _early
    with _lock:
        if _early is None:
            _early = _Early(settings, folder, chime)


def render_first(texts: list[str]) -> None:
    """Render these first, as soon as the voice is ready, before anyone takes it: the words a
    session started at launch (``--start``) opens with. Too late (the voice is rendering
    already) or with no voice started, they are left to the speaker, which renders a session's
    texts first anyway."""
    with _lock:
        early = _early
    if early is not None:
        early.render(texts)


def take(settings: VoiceSettings, timeout_s: float = 30) -> ProcessSynthesiser | None:
    """The voice process started early, set to ``settings``, once it is ready; None if none was
    started, it was taken already, it failed, or it has another synthesiser than ``settings``
    asks for (it is then killed). Waits for it (on the render thread): it is at least as far on
    as a new one would be."""
    global _early
    with _lock:
        early, _early = _early, None
    if early is None or not early.done.wait(timeout_s):
        return None
    synthesiser = early.synthesiser
    if synthesiser is None:
        return None
    if synthesiser.died() is not None or not synthesiser.retune(settings):
        synthesiser.kill()
        return None
    return synthesiser
