"""The voice's own process: owns pyttsx3 and espeak-ng, renders cues to WAV files on request.

Why a separate process rather than a thread: espeak-ng is a C library with global state and
pyttsx3 hands every caller the same engine, so two renderers in one process share it. Measured
here: a voice change (a second renderer starting while the first was busy) crashed the whole app
with a segmentation fault inside espeak's ListVoices. A thread stuck in a render cannot be
stopped either; a process can be killed and replaced. The app itself never loads espeak.

Protocol, one JSON object per line. Out first: ``{"ready": true, "name": ..., "voices": [[id,
name], ...]}`` or ``{"ready": false, "error": ...}``. Then, for each request ``{"text", "path",
"voice", "rate", "volume"}`` in, one reply out: ``{"ok": true}`` or ``{"ok": false, "error"}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any


def _send(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def serve() -> int:
    # The protocol gets the real stdout; anything else printed (by pyttsx3, by espeak's C code)
    # goes to stderr, so it can never corrupt a reply.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    from stretch_desktop.speech.renderer import Pyttsx3Synthesiser, VoiceSettings, explain

    try:
        synthesiser = Pyttsx3Synthesiser(VoiceSettings())
        voices = synthesiser.voices()
    except Exception as error:  # no libespeak-ng: the parent shows this message
        _send(out, {"ready": False, "error": explain(error)})
        return 1
    _send(out, {"ready": True, "name": synthesiser.name, "voices": voices})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            settings = VoiceSettings(
                request["voice"], int(request["rate"]), float(request["volume"])
            )
            synthesiser.configure(settings)
            synthesiser.render(str(request["text"]), Path(request["path"]))
        except Exception as error:
            _send(out, {"ok": False, "error": str(error) or type(error).__name__})
        else:
            _send(out, {"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(serve())
