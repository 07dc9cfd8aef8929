"""`make bench`: our app against its physical baselines, measured in the same run.

Every figure is a ratio (or a bound) against a baseline measured here, now, on this machine, so
the numbers hold on a noisy machine. Times are medians of several runs after a warm-up; CPU and
memory are taken side by side (ours and its baselines running at once, measured over the same
seconds), so a busy spell hits them alike. Prints one table and writes it, with the machine it
ran on and how long it took, to bench/results.md.

``python bench/run.py PART…`` (startup, memory, cpu, timer, voice, compile; or voice-render,
first-cue: pieces of voice) runs only those parts and prints their rows without touching
bench/results.md.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from stretch_desktop.core.routine import Routine

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")
RUNS = 7
CPU_RUNS = 5
CPU_SETTLE_S = 3
"""Seconds a program runs before its CPU is measured: its start-up is not what is measured."""
CPU_WINDOW_S = 10
"""Seconds of CPU measured per round, every program of the round at once (the process CPU clock
counts nanoseconds, so a short window is precise where /proc's 10 ms ticks were not)."""
VOICE_RUNS = 3
FIRST_CUE_RUNS = 3
MEMORY_RUNS = 3
MEMORY_SETTLE_S = 10
SESSION_ROUTINE = "lunge-flow-for-hamstrings"
"""The session of the memory and CPU rows."""
MINIMISED_RUNS = 3
STAND_IN_PLAYER = """#!{python}
import sys, time, wave
path = [a for a in sys.argv[1:] if not a.startswith("-")][-1]
with wave.open(path) as w:
    time.sleep(w.getnframes() / w.getframerate())
"""


def environment(tmp: Path, *, player: bool = False, qpa: str = "offscreen") -> dict[str, str]:
    env = dict(os.environ)
    # Real installs have bytecode (pip compiles it; a checkout writes __pycache__ on first run).
    # This sandbox sets PYTHONDONTWRITEBYTECODE, which would recompile every module every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        QT_QPA_PLATFORM=qpa,
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_CACHE_HOME=str(tmp / "cache"),
    )
    bin_dir = tmp / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    if player:
        script = bin_dir / "aplay"
        script.write_text(STAND_IN_PLAYER.format(python=PY))
        script.chmod(0o755)
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    else:  # no player: the app runs silent, so only the app itself is measured
        env["PATH"] = str(bin_dir)
    return env


def app(*args: str) -> list[str]:
    # --resume no: a run killed by the previous measurement must not leave the next one waiting
    # at the "resume?" question.
    return [PY, "-m", "stretch_desktop", "--resume", "no", *args]


def time_to_first_paint(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "first-paint" in line:
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"no first paint from {command}")
    process.kill()
    process.wait()
    process.stdout.close()
    return elapsed * 1000


def in_turns(measures: dict[str, Callable[[], float]], base: str, runs: int) -> dict[str, Any]:
    """Like ``paired``, for several programs against one baseline: each round runs them all once.

    Returns, for each name, its median and the median of its per-round ratios to ``base``.
    """
    return summary(
        [{name: measure() for name, measure in measures.items()} for _ in range(runs)], base
    )


def summary(rounds: list[dict[str, float]], base: str) -> dict[str, Any]:
    """For each name in ``rounds``, its median and the median of its per-round ratios to
    ``base``."""
    return {
        name: (
            statistics.median(r[name] for r in rounds),
            statistics.median(r[name] / r[base] for r in rounds),
        )
        for name in rounds[0]
    }


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _cpu_clock_s(pid: int) -> float:
    """A live process's CPU time, all its threads (ended ones too), to the nanosecond: its
    process CPU clock, whose id Linux derives from the pid (``MAKE_PROCESS_CPUCLOCK``). /proc's
    figures are in 10 ms ticks: a few % of a core over 10 s is only tens of them."""
    return time.clock_gettime((~pid << 3) | 2)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (the voice process, players), live or reaped
    (reaped ones only in /proc's ticks)."""
    fields = _stat(pid)
    total = _cpu_clock_s(pid) + (int(fields[13]) + int(fields[14])) / TICKS  # cutime cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != pid:
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    total += _cpu_clock_s(int(entry.name))
            except (OSError, ValueError):  # gone meanwhile
                continue
    return total


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


SYSTEM_PATH = os.environ.get("PATH", "/usr/bin:/bin")


def under_xvfb(command: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """xvfb-run needs the system PATH; the program inside keeps the PATH it was given."""
    wrapped = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "env", f"PATH={env['PATH']}"]
    return [*wrapped, *command], {**env, "PATH": SYSTEM_PATH, "QT_QPA_PLATFORM": "xcb"}


def start_under_xvfb(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """In a session of its own, so the whole tree (xvfb-run, Xvfb, the program) can be killed."""
    command, env = under_xvfb(command, env)
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _find(marker: str) -> int:
    """The program itself: the process running our Python (xvfb-run's shell carries the
    marker and our command line too, and counting it would count the X server, its child)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"BENCH_MARKER={marker}".encode() in environ and cmdline.split(b"\0")[0] == PY.encode():
            return int(entry.name)
    raise RuntimeError("benchmarked program not found under Xvfb")


CUE_ROUTINE = "roll-down-to-a-box"
"""The routine of the real sessions that measure cue latency and the first cue (136 s)."""


@dataclass(frozen=True)
class Program:
    """A program to measure: its command, its environment (a folder of its own: two app
    instances with one data folder would be one app), and how long it runs before measuring."""

    command: list[str]
    env: dict[str, str]
    settle_s: float = CPU_SETTLE_S


def side_by_side(
    programs: dict[str, Program], measure_s: float, what: str = "cpu", xvfb: bool = False
) -> dict[str, float]:
    """Every program started at once and measured over the same seconds: ``what`` "cpu" is % of
    a core over ``measure_s`` from when the slowest to settle has settled, "rss" is MiB then.

    Side by side rather than one after another, so a noisy spell on the machine (2 cores shared
    with other work) hits ours and its baselines alike, and a round takes one window, not one a
    program. Together they use a fraction of one core: none waits for another.
    """
    started = time.monotonic()
    running: dict[str, tuple[subprocess.Popen[bytes], str | None]] = {}
    try:
        for name, program in programs.items():
            if xvfb:
                marker = f"bench-{os.getpid()}-{name}-{time.monotonic_ns()}"
                env = {**program.env, "BENCH_MARKER": marker}
                running[name] = (start_under_xvfb(program.command, env), marker)
            else:
                process = subprocess.Popen(
                    program.command,
                    env=program.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                running[name] = (process, None)
        settle = max(program.settle_s for program in programs.values())
        time.sleep(max(0.0, settle - (time.monotonic() - started)))  # what is measured: waiting
        pids = {
            name: _find(marker) if marker else process.pid
            for name, (process, marker) in running.items()
        }
        if what == "rss":
            return {name: rss_mib(pid) for name, pid in pids.items()}
        before = {name: (cpu_seconds(pid), time.monotonic()) for name, pid in pids.items()}
        time.sleep(measure_s)
        result = {}
        for name, pid in pids.items():
            cpu, at = before[name]
            result[name] = 100 * (cpu_seconds(pid) - cpu) / (time.monotonic() - at)
        return result
    finally:
        for process, found_by in running.values():
            if found_by:
                os.killpg(process.pid, 9)
            else:
                process.kill()
            process.wait()


def phase_start_s(routine: Routine, kind: str) -> tuple[float, float]:
    """When the first phase of ``kind`` starts and ends (s), as a muted session compiles it
    (default settings, estimated speech lengths: the app's without a voice)."""
    from stretch_desktop.core.timeline import compile_routine

    phase = next(p for p in compile_routine(routine).phases if p.kind.value == kind)
    return phase.start_ms / 1000, phase.end_ms / 1000


def flow_first_routine(folder: Path) -> Path:
    """Lunge Flow for Hamstrings without its first hold, so the session opens with the low
    lunge's sway (a flow: the figure moves) after a single lead-in. A file of the bench's own;
    every pose and step as built in."""
    source = ROOT / "src/stretch_desktop/resources/routines/lunge-flow-for-hamstrings.toml"
    text = source.read_text()
    first = text.index("[[steps]]")
    second = text.index("[[steps]]", first + 1)
    text = text[:first] + text[second:]
    text = text.replace('id = "lunge-flow-for-hamstrings"', 'id = "bench-lunge-sway-first"', 1)
    text = text.replace(
        'title = "Lunge Flow for Hamstrings"', 'title = "Bench: Low Lunge with Sway first"', 1
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench-lunge-sway-first.toml"
    path.write_text(text)
    return path


def choose_voice(env: dict[str, str], engine: str) -> None:
    """Choose ``engine`` ("system" or "natural") for the app launched with ``env``, as
    Preferences would: ``voice/engine`` in the settings file it reads (QSettings' INI under
    XDG_CONFIG_HOME). The app's default is the natural voice; the system voice must be asked for."""
    path = Path(env["XDG_CONFIG_HOME"]) / "StretchDesktop" / "Stretch Desktop.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[voice]\nengine={engine}\n")


def rendered_by(env: dict[str, str], engine: str, texts: list[str]) -> int:
    """How many of ``texts`` are in the app's cue cache under ``engine``'s key: proof of which
    voice really spoke (a natural voice that fell back renders under the system voice's key)."""
    from stretch_desktop.speech.voice import VoiceSettings

    folder = Path(env["XDG_CACHE_HOME"]) / "stretch-desktop" / "cues"
    settings = VoiceSettings(engine=engine)
    return sum((folder / f"{settings.key(text, False)}.wav").is_file() for text in set(texts))


def _records(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


CUE_SESSION_GAP_S = 6
"""The second cue-latency session starts this long after the first: the natural voice's cold
start (loading Piper, rendering the session's first cues on both cores) is over by then."""


def cue_latency(tmp: Path, engines: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """A whole real session (Xvfb, a stand-in player, a cold cache) with each engine's voice,
    side by side, each started ``CUE_SESSION_GAP_S`` after the one before: two 136 s sessions
    take one's time. Between its cues a session sleeps; the other's cues cost a few ms of CPU."""
    logs: dict[str, Path] = {}
    envs: dict[str, dict[str, str]] = {}
    running: list[subprocess.Popen[bytes]] = []
    try:
        for number, engine in enumerate(engines):
            if number:
                time.sleep(CUE_SESSION_GAP_S)
            folder = tmp / f"cues-{engine}"
            envs[engine] = env = environment(folder, player=True)
            choose_voice(env, engine)
            logs[engine] = log = folder / "cues.jsonl"
            command = app("--routine", CUE_ROUTINE, "--start", "--cue-log", str(log))
            running.append(start_under_xvfb(command, env))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(log.exists() and '"complete"' in log.read_text() for log in logs.values()):
                break
            time.sleep(1)
    finally:
        for process in running:
            os.killpg(process.pid, 9)
            process.wait()
    sys.path.insert(0, str(ROOT / "tools"))
    from cue_log_report import report

    results: dict[str, dict[str, object]] = {}
    for engine, log in logs.items():
        results[engine] = result = report(log)
        texts = [r["text"] for r in _records(log) if r["outcome"] != "dropped"]
        result["by_engine"] = (rendered_by(envs[engine], engine, texts), len(set(texts)))
    return results


@dataclass(frozen=True)
class FirstCue:
    heard_s: float
    """Start to the first cue's sound, in session time (``math.inf``: it was dropped)."""
    ready_s: float
    """Start to its sound file being on disk: when the voice had it (the app's log line for
    Start, taken as it came, against the file's time)."""
    dropped: list[str]
    """Cues dropped before its line came (a late first cue that runs into the countdown)."""


def first_cue(tmp: Path, engine: str, run: int) -> FirstCue:
    """The app launched with --start and --cue-log on a cold cache (offscreen, a stand-in
    player), until the line of the cue due at 0 s is in the cue log (written once it ended)."""
    folder = tmp / f"first-{engine}-{run}"
    env = environment(folder, player=True)
    choose_voice(env, engine)
    log = folder / "cues.jsonl"
    process = subprocess.Popen(
        app("--routine", CUE_ROUTINE, "--start", "--cue-log", str(log)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started: list[float] = []

    def watch(stream: IO[str]) -> None:
        for line in stream:  # drained to the end, so the pipe never fills
            if not started and "journal: session" in line and "started" in line:
                started.append(time.time())

    assert process.stderr is not None
    reader = threading.Thread(target=watch, args=(process.stderr,), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if any(r["due_s"] == 0 for r in _records(log)):
                break
            time.sleep(0.05)  # the benchmark's own poll; the cue log is the app's only signal
    finally:
        process.kill()
        process.wait()
        reader.join(5)
    records = _records(log)
    first = next((r for r in records if r["due_s"] == 0), None)
    if first is None or not started:
        raise RuntimeError(f"no first cue from a {engine}-voice session: {records}")
    if rendered_by(env, engine, [first["text"]]) != 1:
        raise RuntimeError(f"the first cue was not rendered by the {engine} voice")
    from stretch_desktop.speech.voice import VoiceSettings

    cache = Path(env["XDG_CACHE_HOME"]) / "stretch-desktop" / "cues"
    sound = cache / f"{VoiceSettings(engine=engine).key(first['text'], False)}.wav"
    heard = math.inf if first["start_s"] is None else float(first["start_s"])
    dropped = [r["text"] for r in records if r["outcome"] == "dropped"]
    return FirstCue(heard, sound.stat().st_mtime - started[0], dropped)


def seconds(value: float) -> str:
    return "dropped" if math.isinf(value) else f"{value:.2f} s"


def ratio_text(value: float) -> str:
    return "—" if math.isinf(value) else f"{value:.1f}×"


def longest_routine(env: dict[str, str]) -> tuple[str, float]:
    """The built-in routine that lasts longest, as `routines --json` lists them, and its length."""
    listing = json.loads(
        subprocess.run(
            [PY, "-m", "stretch_desktop", "routines", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    longest = max(listing, key=lambda routine: routine["total_s"])
    return str(longest["id"]), float(longest["total_s"])


def render_round(texts: list[str], engine: str, folder: Path) -> dict[str, float]:
    """One voice process (the app's ProcessSynthesiser) with ``engine`` loaded, rendering each
    text once, timed around the request and its reply: the median ms a cue, the median of each
    cue's render ms / audio ms, and the process's VmRSS once loaded and after the last cue."""
    from stretch_desktop.speech.renderer import ProcessSynthesiser, VoiceSettings, wav_duration_ms

    synthesiser = ProcessSynthesiser(VoiceSettings(engine=engine))
    try:
        if synthesiser.engine != engine:
            raise RuntimeError(f"the {engine} voice did not load: {synthesiser.fallback}")
        loaded = rss_mib(synthesiser.pid)
        took, factors = [], []
        for number, text in enumerate(texts):
            path = folder / f"{engine}-{number}.wav"
            started = time.perf_counter()
            synthesiser.render(text, path)
            ms = (time.perf_counter() - started) * 1000
            took.append(ms)
            factors.append(ms / wav_duration_ms(path))
        return {
            "ms": statistics.median(took),
            "rtf": statistics.median(factors),
            "loaded": loaded,
            "rss": rss_mib(synthesiser.pid),
        }
    finally:
        synthesiser.kill()


def prepare_round(
    texts: list[str], due_s: dict[str, float], engine: str, folder: Path
) -> dict[str, float]:
    """What selecting a routine does on a cold cache ("Preparing the voice… 12 of 40"): the
    app's RenderWorker and CueCache, from starting the voice process until every text is on
    disk. Seconds in all; until the voice was ready (process started, model loaded); and how
    late the latest cue after the first would be (its file's time minus when it falls due,
    ``due_s``) had Start been pressed at the start: negative is ahead of the session."""
    from stretch_desktop.speech.renderer import (
        CueCache,
        ProcessSynthesiser,
        RenderWorker,
        VoiceSettings,
    )

    cache = CueCache(folder, VoiceSettings(engine=engine))
    started, wall = time.perf_counter(), time.time()
    worker = RenderWorker(cache, lambda: ProcessSynthesiser(cache.settings))
    try:
        worker.request(texts)
        worker.ready.wait(60)
        ready = time.perf_counter() - started
        done = worker.wait_rendered(texts, 300)
        took = time.perf_counter() - started
        if not done or worker.failure or worker.notice or cache.settings.engine != engine:
            raise RuntimeError(f"{engine}: {worker.failure or worker.notice or 'timed out'}")
    finally:
        worker.close()
    first = min(due_s, key=due_s.__getitem__)
    late = max(
        cache.path_for(text).stat().st_mtime - wall - due
        for text, due in due_s.items()
        if text != first
    )
    return {"s": took, "ready": ready, "late": late}


def load_and_compile_ms() -> float:
    code = (
        "import time, statistics\n"
        "from stretch_desktop.library import load_library\n"
        "from stretch_desktop.core.timeline import compile_routine\n"
        "def once():\n"
        "    t = time.perf_counter()\n"
        "    [compile_routine(r) for r in load_library().routines]\n"
        "    return (time.perf_counter() - t) * 1000\n"
        "once()\n"
        "print(statistics.median(once() for _ in range(7)))\n"
    )
    return float(
        subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True).stdout
    )


Add = Callable[[str, str, str, str, str, bool | None, str], None]


def voice_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    """The voices: rendering (natural vs system, in the same rounds), the voice process's memory,
    cue latency in a real session with each voice, and the first cue after Start."""
    voice_render_rows(tmp, env, add)
    voice_latency_rows(tmp, env, add)
    first_cue_rows(tmp, env, add)


def _render_rows(
    rounds: list[dict[str, dict[str, float]]],
    texts: list[str],
    title: str,
    length_s: float,
    add: Add,
) -> None:
    def median(engine: str, field: str) -> float:
        return statistics.median(r[engine][field] for r in rounds)

    def ratio(field: str) -> float:
        return statistics.median(r["natural"][field] / r["system"][field] for r in rounds)

    same = f"medians of {VOICE_RUNS} rounds, each running the natural and the system voice once"
    rtf = median("natural", "rtf")
    add(
        "natural voice: render time a cue",
        f"{median('natural', 'ms'):.0f} ms, real-time factor {rtf:.3f}",
        f"{median('system', 'ms'):.0f} ms, {median('system', 'rtf'):.3f} (system voice)",
        f"{ratio('ms'):.1f}×",
        "real-time factor ≤ 0.2",
        rtf <= 0.2,
        f"the {len(texts)} distinct cue texts of {title}, each rendered once in a voice process "
        "(the app's ProcessSynthesiser, request to reply) after its model is loaded; median of "
        "the cues' render ms and of their render ms / audio ms; " + same + ". Target: rendering "
        "in the order a session needs keeps ahead of playback when the factor is below 1; 0.2 "
        "leaves room for a machine busy with other work",
    )
    took, late = median("natural", "prepare_s"), median("natural", "late")
    add(
        "natural voice: a whole routine from a cold cache",
        f"{took:.1f} s (voice ready at {median('natural', 'ready_s'):.1f} s; latest cue "
        f"{abs(late):.0f} s {'ahead of' if late <= 0 else 'behind'} its time)",
        f"{median('system', 'prepare_s'):.1f} s (system voice, ready at "
        f"{median('system', 'ready_s'):.1f} s)",
        f"{ratio('prepare_s'):.1f}×",
        "every cue after the first on disk before it falls due, Start pressed at once",
        late <= 0,
        f"{title}, the longest built-in routine ({length_s:.0f} s, {len(texts)} distinct texts): "
        "what selecting it does (the app's RenderWorker and CueCache, an empty cache), from "
        "starting the voice process until every cue is on disk; each cue's file time set "
        "against when it falls due in the routine's timeline; " + same + ". The first cue is "
        "the last natural-voice row",
    )
    rss = median("natural", "rss")
    add(
        "natural voice: voice-process memory",
        f"{rss:.0f} MiB ({median('natural', 'loaded'):.0f} MiB once loaded)",
        f"{median('system', 'rss'):.0f} MiB (system voice)",
        f"{ratio('rss'):.1f}×",
        "≤ 150 MiB (as documented)",
        rss <= 150,
        f"VmRSS of the voice process (/proc/PID/status) after rendering {title}'s cues, and "
        f"just after loading; {same}. Target: the ~145-150 MiB docs/architecture.md and "
        "speech/piper_voice.py state for the loaded model",
    )


def voice_render_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    """Rendering, a whole routine from a cold cache and the voice process's memory (the voice
    part without its sessions): ``run.py voice-render``."""
    from stretch_desktop.core.timeline import compile_routine, cue_texts
    from stretch_desktop.library import load_library

    longest, length_s = longest_routine(env)
    timeline = compile_routine(load_library().find(longest))  # type: ignore[arg-type]
    texts = cue_texts(timeline)
    title = timeline.routine.title
    due_s: dict[str, float] = {}  # each text's first time due, Start pressed on selection
    for phase in timeline.phases:
        for cue in phase.cues:
            due_s.setdefault(cue.text, cue.at_ms / 1000)
    engines = ("natural", "system")
    render_round(texts[:1], "natural", tmp)  # warm-up: bytecode of the voice process, disk caches
    rounds: list[dict[str, dict[str, float]]] = []
    for run in range(VOICE_RUNS):
        folder = tmp / f"voice-{run}"
        folder.mkdir()
        measured: dict[str, dict[str, float]] = {}
        for engine in engines:
            measured[engine] = render_round(texts, engine, folder)
            cold = prepare_round(texts, due_s, engine, folder / f"cache-{engine}")
            measured[engine].update(prepare_s=cold["s"], ready_s=cold["ready"], late=cold["late"])
        rounds.append(measured)
    _render_rows(rounds, texts, title, length_s, add)


def voice_latency_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    """Cue latency in a real session with either voice."""
    sessions = cue_latency(tmp, ("natural", "system"))
    for engine, shown in (("system", "pyttsx3/espeak-ng"), ("natural", "Piper (natural)")):
        cues = sessions[engine]
        began = "first" if engine == "natural" else f"{CUE_SESSION_GAP_S} s after the other"
        latency = cues["latency_ms"]
        assert isinstance(latency, dict)
        overlaps = len(cues["overlaps"])  # type: ignore[arg-type]
        dropped = len(cues["dropped"])  # type: ignore[arg-type]
        by_engine, heard = cast(tuple[int, int], cues["by_engine"])
        met = latency["p95"] is not None and latency["p95"] <= 100 and overlaps == 0
        if engine == "natural":
            met = met and dropped == 0
        add(
            "cue latency" if engine == "system" else "cue latency, natural voice",
            f"p95 {latency['p95']} ms, max {latency['max']} ms, {overlaps} overlaps, "
            f"{dropped} dropped",
            "due time",
            "—",
            "p95 ≤ 100 ms, 0 overlaps" + (", 0 dropped" if engine == "natural" else ""),
            met and by_engine == heard,
            f"--cue-log of a real session (Roll Down to a Box, {cues['cues']} cues "
            f"{cues['outcomes']}), real {shown} rendering from a cold cache "
            f"({by_engine} of {heard} texts heard found under its cache key), voice chosen in "
            "the settings file, stand-in player (no sound card), Xvfb; side by side with the "
            f"other voice's session, started {began}",
        )


def first_cue_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    """Start to the first cue from a cold cache: ``run.py first-cue``."""
    from stretch_desktop.speech.scheduler import RENDER_WAIT_MS

    first = [
        (first_cue(tmp, "natural", run), first_cue(tmp, "system", run))
        for run in range(FIRST_CUE_RUNS)
    ]
    took = statistics.median(n.heard_s for n, _ in first)
    ready = statistics.median(n.ready_s for n, _ in first)
    lost = sorted({text for n, _ in first for text in n.dropped})
    dropped = sum(len(n.dropped) for n, _ in first)
    add(
        "natural voice: Start to the first cue, cold cache",
        f"{seconds(took)} (max {seconds(max(n.heard_s for n, _ in first))}; its sound ready "
        f"{ready:.2f} s after Start); {dropped} cues dropped in {FIRST_CUE_RUNS} runs",
        f"{seconds(statistics.median(b.heard_s for _, b in first))} (system voice)",
        # The system voice is often heard at once (ready before Start): no ratio then.
        ratio_text(
            took / system
            if (system := statistics.median(b.heard_s for _, b in first)) >= 0.05
            else math.inf
        ),
        "≤ 1 s, nothing dropped",
        took <= 1 and dropped == 0,
        "the app launched with --start and --cue-log on an empty cache (offscreen, stand-in "
        "player, Roll Down to a Box): the start of the cue due at 0 s, in session time, which "
        "begins at Start ('dropped': its sound was not ready within the "
        f"{RENDER_WAIT_MS / 1000:g} s the scheduler waits for an important cue), and when its "
        "file was written, against the app's log "
        f"line for Start; cues dropped meanwhile: {lost or 'none'}; medians of "
        f"{FIRST_CUE_RUNS} rounds, each launching it with either voice once",
    )


MINIMAL = [PY, str(ROOT / "bench/baselines/minimal_window.py")]
CIRCLE = [PY, str(ROOT / "bench/baselines/circle.py")]
SESSION = app("--routine", SESSION_ROUTINE, "--start", "--mute")


def program(
    tmp: Path, name: str, command: list[str], settle_s: float = CPU_SETTLE_S, **extra: str
) -> Program:
    """``command`` to run with a folder of its own under ``tmp`` (and ``extra`` variables)."""
    return Program(command, {**environment(tmp / name), **extra}, settle_s)


def startup_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    ours_env = {**env, "STRETCH_DESKTOP_BENCH": "first-paint"}
    first_page = [PY, str(ROOT / "bench/baselines/first_page.py")]
    starts = {
        "ours": lambda: time_to_first_paint(app(), ours_env),
        "minimal": lambda: time_to_first_paint(MINIMAL, env),
        "page": lambda: time_to_first_paint(first_page, env),
        "page+routines": lambda: time_to_first_paint([*first_page, "--routines"], env),
    }
    for warm_up in starts.values():  # disk caches, bytecode
        warm_up()
    start = in_turns(starts, "minimal", RUNS)
    base = start["minimal"][0]
    how = (
        f"process start → first paint, offscreen; medians of {RUNS} rounds, each running "
        "ours, the minimal window and both first-page references once, after a warm-up "
        "that writes bytecode"
    )
    ours, ratio = start["ours"]
    add(
        "start-up",
        f"{ours:.0f} ms",
        f"{base:.0f} ms",
        f"{ratio:.2f}×",
        "≤ 1.5×",
        ratio <= 1.5,
        f"routine list loaded; {how}",
    )
    for name, figure, how in (
        (
            "page",
            "start-up reference: our first page in bare Qt",
            "bench/baselines/first_page.py: the app's first page rebuilt from plain PySide6 "
            "widgets with placeholder rows, none of our code; measured in the same rounds",
        ),
        (
            "page+routines",
            "start-up reference: that page + our routine loading",
            "first_page.py --routines: the rows come from our routine library, loaded and "
            "compiled as the app does; none of the app's other start-up work",
        ),
    ):
        took, ratio = start[name]
        add(figure, f"{took:.0f} ms", f"{base:.0f} ms", f"{ratio:.2f}×", "—", None, how)


def memory_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    memory = [
        side_by_side(
            {
                "ours": program(tmp, f"memory-{run}-ours", SESSION, MEMORY_SETTLE_S),
                "minimal": program(
                    tmp, f"memory-{run}-minimal", [*MINIMAL, "--stay"], MEMORY_SETTLE_S
                ),
            },
            0,
            "rss",
        )
        for run in range(MEMORY_RUNS)
    ]
    measured = summary(memory, "minimal")
    (ours, ratio), base = measured["ours"], measured["minimal"][0]
    add(
        "memory",
        f"{ours:.1f} MiB",
        f"{base:.1f} MiB",
        f"{ratio:.2f}×",
        "≤ 1.4×",
        ratio <= 1.4,
        f"RSS after {MEMORY_SETTLE_S} s of a running session (offscreen); medians of "
        f"{MEMORY_RUNS} rounds, each running ours and the minimal window side by side",
    )


CPU_REFERENCES = {
    "circle": CIRCLE,
    "picture": [PY, str(ROOT / "bench/baselines/circle_with_words.py")],
    "pacer": [PY, str(ROOT / "bench/baselines/pacer_only.py")],
    "figure-hold": [PY, str(ROOT / "bench/baselines/figure_and_pacer.py"), "--hold"],
    "figure-flow": [PY, str(ROOT / "bench/baselines/figure_and_pacer.py"), "--flow"],
}
REFERENCE_ROWS = {
    "picture": (
        "CPU reference: the bare circle drawing our pacer's picture",
        "bench/baselines/circle_with_words.py: circle.py plus the pacer's faint full-size track "
        "and its two lines of words, in plain Qt; same rounds",
    ),
    "pacer": (
        "CPU reference: our pacer alone",
        "bench/baselines/pacer_only.py: our pacer widget animated like the circle, no engine, "
        "no main window; same rounds",
    ),
    "figure-hold": (
        "CPU reference: our figure + pacer in plain Qt, hold",
        "bench/baselines/figure_and_pacer.py --hold: our FigureWidget and PacerWidget, 440 px "
        "each side by side, fed every 16 ms as the session page feeds them, in the standing "
        "forward fold's hold (the figure still); no engine, no window around them; same rounds",
    ),
    "figure-flow": (
        "CPU reference: our figure + pacer in plain Qt, flow",
        "figure_and_pacer.py --flow: the same in the low lunge's sway (the figure moving with "
        "beat_at); same rounds",
    ),
}


def cpu_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    """A session measured inside its first hold (the pacer breathing, the figure still), and one
    inside a flow (the figure moving), each settled until its phase has begun; the bare circle
    and the references side by side with them, in the same window of time."""
    from stretch_desktop.library import load_library, read_routine_file

    hold = phase_start_s(load_library().find(SESSION_ROUTINE), "hold")  # type: ignore[arg-type]
    flow_file = flow_first_routine(tmp / "routines")
    flow = phase_start_s(read_routine_file(flow_file), "flow")
    for start_s, end_s in (hold, flow):
        if end_s < start_s + 1 + CPU_WINDOW_S + 1:
            raise RuntimeError("a phase measured is shorter than the CPU window")
    in_app = {
        "ours": (SESSION, hold[0] + 1),
        "ours-flow": (app("--routine", str(flow_file), "--start", "--mute"), flow[0] + 1),
    }
    for label, xvfb, references in (
        ("offscreen", False, ("circle", "picture", "pacer", "figure-hold", "figure-flow")),
        ("Xvfb", True, ("circle", "picture")),
    ):
        rounds = [
            side_by_side(
                {
                    **{
                        name: program(tmp, f"cpu-{label}-{run}-{name}", command, settle)
                        for name, (command, settle) in in_app.items()
                    },
                    **{
                        name: program(tmp, f"cpu-{label}-{run}-{name}", CPU_REFERENCES[name])
                        for name in references
                    },
                },
                CPU_WINDOW_S,
                xvfb=xvfb,
            )
            for run in range(CPU_RUNS)
        ]
        cpu = summary(rounds, "circle")
        by_picture = summary(rounds, "picture")
        base, picture = cpu["circle"][0], by_picture["picture"][0]
        same = (
            f"medians of {CPU_RUNS} rounds, each running all programs of this part side by side "
            f"over the same {CPU_WINDOW_S} s ({label}); CPU time from each process's CPU clock "
            "(ns), children included"
        )
        ours, ratio = cpu["ours"]
        add(
            f"CPU running ({label})",
            f"{ours:.1f}%",
            f"{base:.1f}%",
            f"{ratio:.2f}×",
            "≤ 1.2×",
            ratio <= 1.2,
            "% of a core in the first hold of Lunge Flow for Hamstrings (the pacer breathing, "
            "the figure still), vs a bare 400 px antialiased circle at 60 fps; " + same,
        )
        for kind, name, shown in (
            ("hold", "ours", "its first hold, the figure still (the run above)"),
            (
                "flow",
                "ours-flow",
                "the low lunge's sway, the figure moving (Lunge Flow for Hamstrings without its "
                "first hold: a routine file of the bench's own)",
            ),
        ):
            took, ratio = by_picture[name]
            add(
                f"CPU running with the figure, {kind} ({label})",
                f"{took:.1f}%",
                f"{picture:.1f}% (picture)",
                f"{ratio:.2f}×",
                "≤ 1.3× the picture",
                ratio <= 1.3,
                f"% of a core of a session, its page showing figure and pacer, in {shown}, vs "
                "circle_with_words.py (the bare circle drawing the pacer's picture; "
                f"{cpu[name][1]:.2f}× the bare circle); same rounds",
            )
        for name in references[1:]:
            figure, how = REFERENCE_ROWS[name]
            took, ratio = cpu[name]
            add(
                f"{figure} ({label})",
                f"{took:.1f}%",
                f"{base:.1f}%",
                f"{ratio:.2f}×",
                "—",
                None,
                how,
            )

    idle = {
        "paused": program(tmp, "paused", SESSION, 4, STRETCH_DESKTOP_BENCH="pause-at:2000"),
        **{
            f"minimised-{run}": program(
                tmp, f"minimised-{run}", SESSION, 4, STRETCH_DESKTOP_BENCH="minimise-at:2000"
            )
            for run in range(MINIMISED_RUNS)
        },
    }
    warm_cue_caches(list(idle.values()), SESSION_ROUTINE)
    quiet = side_by_side(idle, CPU_WINDOW_S)
    ours = quiet["paused"]
    add(
        "CPU paused",
        f"{ours:.2f}%",
        "—",
        "—",
        "≤ 0.5% of a core",
        ours <= 0.5,
        f"% of a core over {CPU_WINDOW_S} s with the session paused (offscreen), from 4 s after "
        "launch, side by side with the minimised runs; cue caches warm (a cold cache adds the "
        "one-time rendering of the session's cues, about 10 s of CPU with the natural voice)",
    )
    ours = statistics.median(quiet[f"minimised-{run}"] for run in range(MINIMISED_RUNS))
    add(
        "CPU minimised, session running",
        f"{ours:.2f}%",
        "—",
        "—",
        "≤ 0.5% of a core",
        ours <= 0.5,
        f"% of a core over {CPU_WINDOW_S} s with the window minimised 2 s after the session "
        f"started, the session (and its cues) running on (offscreen); median of "
        f"{MINIMISED_RUNS} runs side by side",
    )


def warm_cue_caches(programs: list[Program], routine: str) -> None:
    """Every program's cue cache filled with ``routine``'s cues, as after its first session.

    Why: a session renders all its cues in the background from its start, muted or not (so
    unmuting is instant), and from a cold cache the natural voice takes about 10 s of CPU for
    this routine. Four sessions started side by side on two cores would still be rendering in
    the window the idle rows measure, which would then measure the one-time rendering instead
    of a paused or minimised app. ``timeline --json --voice natural`` (the default voice)
    renders into the app's own cache."""
    import shutil

    first, *others = programs
    subprocess.run(
        [PY, "-m", "stretch_desktop", "timeline", routine, "--json", "--voice", "natural"],
        env=first.env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cues = Path(first.env["XDG_CACHE_HOME"]) / "stretch-desktop"
    for other in others:
        shutil.copytree(cues, Path(other.env["XDG_CACHE_HOME"]) / "stretch-desktop")


def timer_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    result = json.loads(
        subprocess.run(
            [PY, str(ROOT / "bench/timer_accuracy.py")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[-1]
    )
    outside, inside = result["max_error_outside_ms"], result["max_error_inside_ms"]
    drift = result["drift_ms"]
    add(
        "timer accuracy",
        f"{outside} ms / {inside} ms / drift {drift} ms",
        "schedule",
        "—",
        "≤ 20 ms; ≤ 270 ms in a stall; no drift",
        outside <= 20 and inside <= 270 and abs(drift) <= 20,
        "real clock, 60 s routine of 20 phases, GUI thread stalled 250 ms every 2 s; "
        "phase start seen by the window vs its schedule; drift is the mean error of the "
        "last 4 phases outside stalls minus that of the first 4, and counts as none within "
        "±20 ms (the 60 Hz tick alone spreads errors over 0–16 ms)",
    )


def compile_rows(tmp: Path, env: dict[str, str], add: Add) -> None:
    ours = load_and_compile_ms()
    add(
        "load + compile",
        f"{ours:.1f} ms",
        "—",
        "—",
        "≤ 50 ms",
        ours <= 50,
        "all routines loaded and compiled, median of 7 after a warm-up",
    )


PARTS: dict[str, Callable[[Path, dict[str, str], Add], None]] = {
    "startup": startup_rows,
    "memory": memory_rows,
    "cpu": cpu_rows,
    "timer": timer_rows,
    "voice": voice_rows,
    "voice-render": voice_render_rows,
    "first-cue": first_cue_rows,
    "compile": compile_rows,
}
VOICE_SUBPARTS = {"voice-render", "first-cue"}
"""Parts of ``voice`` that also run alone (a few minutes instead of the voice part's seven)."""


def main(argv: list[str]) -> int:
    """``run.py`` measures everything and writes bench/results.md; ``run.py PART…`` (of
    ``PARTS``) measures only those parts and prints their rows, leaving results.md alone."""
    everything = [name for name in PARTS if name not in VOICE_SUBPARTS]
    parts = argv or everything
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        print(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    began, load_before = time.monotonic(), os.getloadavg()[0]
    rows: list[tuple[str, str, str, str, str, bool | None, str]] = []

    def add(
        figure: str, ours: str, baseline: str, ratio: str, target: str, met: bool | None, how: str
    ) -> None:
        """``met`` is None for a reference row, which has no target of its own."""
        rows.append((figure, ours, baseline, ratio, target, met, how))
        verdict = "reference" if met is None else "met" if met else "NOT met"
        print(f"{figure}: {ours} vs {baseline} -> {ratio} ({verdict})", flush=True)

    # The voice processes the bench starts itself inherit this process's environment: with
    # PYTHONDONTWRITEBYTECODE (set in this sandbox) each would compile its modules anew.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="stretch-bench-") as folder:
        tmp = Path(folder)
        env = environment(tmp)
        for name, part in PARTS.items():
            if name in parts:
                part(tmp, env, add)

    minutes = (time.monotonic() - began) / 60
    machine = (
        f"{platform.node()}: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores"
    )
    lines = [
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {machine}; `make bench` took "
        f"{minutes:.1f} minutes. Load average (1 min) {load_before:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end: other work on the machine shows in the absolute "
        "figures; ratios to baselines run in the same rounds are meant to see through it.",
        "",
        "| figure | ours | baseline | ratio | target | met? | how |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {f} | {o} | {b} | {r} | {t} | {'—' if m is None else 'yes' if m else '**no**'} "
            f"| {h} |"
            for f, o, b, r, t, m, h in rows
        ),
    ]
    print("\n".join(lines))
    print(f"bench time: {minutes:.1f} min ({', '.join(parts)})")
    if set(parts) == set(everything):
        (ROOT / "bench/results.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
