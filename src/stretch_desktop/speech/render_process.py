"""The voice's own process: owns pyttsx3 and espeak-ng (and Piper, when the natural voice is
asked for), renders cues to WAV files on request.

Why a separate process rather than a thread: espeak-ng is a C library with global state and
pyttsx3 hands every caller the same engine, so two renderers in one process share it. Measured
here: a voice change (a second renderer starting while the first was busy) crashed the whole app
with a segmentation fault inside espeak's ListVoices. A thread stuck in a render cannot be
stopped either; a process can be killed and replaced. The app itself never loads espeak, Piper
or onnxruntime (150 MB once the model is loaded): they live and die with this process.

The system voice starts at once (it lists the voices Preferences offers); Piper is loaded only
when asked for, so a person who chose the system voice waits for it no longer than before. An
app that knows it will ask (``--natural``) has it loaded on a thread from the first moment, side
by side with the system voice's start.
Piper brings its own copy of espeak-ng for its phonemes; measured here, both render side by side
in one process, in any order.

Protocol, one JSON object per line. Out first: ``{"ready": true, "name": ..., "voices": [[id,
name], ...]}`` or ``{"ready": false, "error": ...}``. Then, for each request in, one reply out:
``{"load": "natural"}`` → ``{"ok": true, "name": ...}`` or ``{"ok": false, "error": why}``;
``{"text", "path", "engine", "voice", "rate", "volume"}`` → ``{"ok": true}`` or ``{"ok": false,
"error"}``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stretch_desktop.speech.piper_voice import PiperSynthesiser
    from stretch_desktop.speech.voice import VoiceSettings


def _send(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


class _Natural:
    """Piper, loaded on first use or ahead of it (``preload``); a load that failed is not tried
    again in this process."""

    def __init__(self) -> None:
        self._synthesiser: PiperSynthesiser | None = None
        self.failure: str | None = None
        self._loaded = False
        self._loading: threading.Thread | None = None

    def preload(self) -> None:
        """Start loading Piper on a thread of its own, now, while this process's system voice
        starts: the load (0.7 s) then overlaps espeak's start and the app's wait for "ready",
        and the first natural cue is rendered that much sooner after Start."""
        self._loading = threading.Thread(target=self._load, name="piper-load", daemon=True)
        self._loading.start()

    def _load(self) -> None:
        import time

        from stretch_desktop.speech.piper_voice import PiperSynthesiser, load_failure
        from stretch_desktop.speech.voice import (
            INFO,
            NATURAL,
            VoiceSettings,
            natural_voice_missing,
        )

        started = time.monotonic()
        self.failure = natural_voice_missing()
        if self.failure is None:
            try:
                self._synthesiser = PiperSynthesiser(VoiceSettings(engine=NATURAL))
            except Exception as error:  # a damaged model, an onnxruntime error
                self.failure = load_failure(error)
        self._loaded = True
        took = time.monotonic() - started
        outcome = "natural voice loaded" if self.failure is None else "natural voice failed"
        print(f"{INFO}{outcome} in {took:.2f} s", file=sys.stderr, flush=True)  # a debug line

    def get(self, settings: VoiceSettings) -> PiperSynthesiser:
        """The loaded synthesiser, set to ``settings``; RuntimeError(why) if it cannot load."""
        if self._loading is not None:
            self._loading.join()
        elif not self._loaded:
            self._load()
        if self._synthesiser is None:
            raise RuntimeError(self.failure or "the natural voice did not load")
        self._synthesiser.configure(settings)
        return self._synthesiser


def serve() -> int:
    # The protocol gets the real stdout; anything else printed (by pyttsx3, by espeak's C code)
    # goes to stderr, so it can never corrupt a reply.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    from stretch_desktop.speech.voice import PRELOAD_NATURAL

    natural = _Natural()
    if PRELOAD_NATURAL in sys.argv[1:]:
        natural.preload()
    from stretch_desktop.speech.renderer import Pyttsx3Synthesiser, VoiceSettings, explain
    from stretch_desktop.speech.voice import NATURAL, SYSTEM

    try:
        synthesiser = Pyttsx3Synthesiser(VoiceSettings(engine=SYSTEM))
        voices = synthesiser.voices()
    except Exception as error:  # no libespeak-ng: the parent shows this message
        _send(out, {"ready": False, "error": explain(error)})
        return 1
    _send(out, {"ready": True, "name": synthesiser.name, "voices": voices})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if request.get("load") == NATURAL:
                name = natural.get(VoiceSettings(engine=NATURAL)).name
                _send(out, {"ok": True, "name": name})
                continue
            engine = str(request.get("engine", SYSTEM))
            settings = VoiceSettings(
                request["voice"], int(request["rate"]), float(request["volume"]), engine=engine
            )
            if engine == NATURAL:
                natural.get(settings).render(str(request["text"]), Path(request["path"]))
            else:
                synthesiser.configure(settings)
                synthesiser.render(str(request["text"]), Path(request["path"]))
        except Exception as error:
            _send(out, {"ok": False, "error": str(error) or type(error).__name__})
        else:
            _send(out, {"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(serve())
