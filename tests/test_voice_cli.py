"""`timeline --voice/--rate/--chime` and `export-audio`, run as a person runs them: a real
process, a real voice (Piper or espeak-ng), a real file measured afterwards."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import wave

import pytest

CHIME_S = 0.72


def cli(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cues(data):
    return [cue for phase in data["phases"] for cue in phase["cues"]]


def timeline(env, *args):
    done = cli(env, "timeline", "e2e", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("voice", ["natural", "system"])
def test_the_timeline_is_compiled_with_the_lengths_the_voice_really_speaks(env, voice):
    estimated = timeline(env)
    measured = timeline(env, "--voice", voice, "--chime")
    assert measured["voice"]["engine"] == voice
    assert ("Piper" in measured["voice"]["synthesiser"]) == (voice == "natural")
    assert measured["voice"]["chime"] is True
    texts = [(c["text"], c["kind"]) for c in cues(measured)]
    assert texts == [(c["text"], c["kind"]) for c in cues(estimated)]  # same script
    assert [c["duration_s"] for c in cues(measured)] != [c["duration_s"] for c in cues(estimated)]
    for cue in cues(measured):
        if cue["kind"] in {"announce", "switch_sides", "rest"}:
            assert cue["duration_s"] > CHIME_S + 0.3, cue  # the chime, then words
    # what will play never overlaps: each cue ends before the next one starts
    ordered = sorted(cues(measured), key=lambda c: c["at_s"])
    for cue, after in itertools.pairwise(ordered):
        assert cue["at_s"] + cue["duration_s"] <= after["at_s"] + 0.001, (cue, after)


def test_a_slower_voice_gets_longer_lengths_and_a_longer_lead_in(env):
    normal = timeline(env, "--voice", "natural")
    slow = timeline(env, "--voice", "natural", "--rate", "90")
    first = cues(normal)[0]
    assert cues(slow)[0]["duration_s"] > 1.5 * first["duration_s"]
    assert slow["routine"]["total_s"] >= normal["routine"]["total_s"]


def _wav(path):
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return wav.getnframes() / wav.getframerate()


def test_export_audio_writes_the_session_every_cue_at_its_time(env, tmp_path):
    out = tmp_path / "session.wav"
    done = cli(env, "export-audio", "e2e", str(out), "--voice", "natural")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{out}: ")
    assert "0 dropped or cut" in done.stdout and "Piper" in done.stdout
    data = timeline(env, "--voice", "natural")
    last = max(cues(data), key=lambda c: c["at_s"])
    # the session's length, and then the closing words, which start as it ends
    assert last["kind"] == "complete" and last["at_s"] == data["routine"]["total_s"]
    assert _wav(out) == pytest.approx(last["at_s"] + last["duration_s"], abs=0.002)
    stat = subprocess.run(
        ["sox", str(out), "-n", "trim", "0", "1", "stat"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "RMS     amplitude" in stat.stderr
    rms = float(stat.stderr.split("RMS     amplitude:")[1].split()[0])
    assert rms > 0.005  # the first announcement is heard in the first second


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--voice", "robot"), "unknown voice 'robot'"),
        (("--rate", "500"), "the rate must be 80 to 320 words a minute, not 500"),
        (("--rate", "fast"), "the rate must be whole words a minute"),
    ],
)
@pytest.mark.parametrize("command", ["timeline", "export-audio"])
def test_bad_voice_options_are_one_line_and_exit_2(env, tmp_path, command, args, message):
    target = () if command == "timeline" else (str(tmp_path / "x.wav"),)
    done = cli(env, command, "e2e", *target, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("where", ["missing/folder/x.wav", "."])
def test_an_unwritable_output_is_one_line_and_exit_2(env, tmp_path, where):
    (tmp_path / "ro").mkdir()
    done = cli(env, "export-audio", "e2e", str(tmp_path / where), "--voice", "system")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot write" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("**/*.wav"))
