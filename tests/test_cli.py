"""The command-line forms users and scripts rely on."""

import itertools
import json
import subprocess
import sys

import pytest

from stretch_desktop.cli import build_parser, main
from stretch_desktop.core import timetext
from stretch_desktop.core.pacing import (
    BREATH_MAX_S,
    BREATH_MIN_S,
    LEAD_IN_MAX_S,
    LEAD_IN_MIN_S,
    Pacing,
)
from stretch_desktop.library import history_path, user_data_dir, user_routines_dir
from stretch_desktop.speech.voice import DEFAULT_RATE, VoiceSettings
from tests.core.routines import SMALL


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("stretch-desktop ")


def test_routines_json_lists_the_built_ins_with_the_documented_keys(capsys):
    code, out, _ = run(capsys, "routines", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 5
    for row in rows:
        assert set(row) == {"id", "title", "source", "total_s", "poses"}
        assert row["total_s"] > 0 and row["poses"]


def test_user_routines_are_listed_and_a_broken_one_is_reported_and_skipped(capsys):
    folder = user_routines_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(SMALL)
    (folder / "broken.toml").write_bytes(b'id = "x"\n\x00\xff')
    code, out, err = run(capsys, "routines", "--json")
    assert code == 0
    assert "small" in [row["id"] for row in json.loads(out)]
    assert err.strip() == f"{folder / 'broken.toml'}:2: file: not UTF-8 text"


def test_timeline_json_has_the_documented_shape(capsys):
    code, out, _ = run(capsys, "timeline", "seven-stretches-for-back-pain", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data["routine"]) == {"id", "title", "source", "total_s"}
    phase = data["phases"][0]
    assert set(phase) == {
        "index",
        "step",
        "kind",
        "pose_id",
        "pose",
        "side",
        "start_s",
        "duration_s",
        "breaths",
        "cues",
    }
    assert set(phase["cues"][0]) == {"at_s", "kind", "text", "duration_s"}
    assert data["voice"] is None  # no voice asked for: the lengths are estimates
    assert {p["side"] for p in data["phases"]} == {"left", "right", None}
    assert all(isinstance(p["breaths"], int | None) for p in data["phases"])
    last = data["phases"][-1]
    assert data["routine"]["total_s"] == pytest.approx(last["start_s"] + last["duration_s"])


def test_timeline_of_a_file_with_preferences(capsys, tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    code, out, _ = run(capsys, "timeline", str(path), "--json", "--first-side", "left")
    assert code == 0
    sides = [p["side"] for p in json.loads(out)["phases"] if p["side"]]
    assert sides[0] == "left"


def test_timeline_text_is_a_readable_table(capsys):
    code, out, _ = run(capsys, "timeline", "toe-touch")
    assert code == 0
    assert out.splitlines()[0].startswith("Toe Touch")
    assert "Toe touch. Thirty seconds." in out


def test_an_unknown_routine_suggests_a_close_one(capsys):
    code, _, err = run(capsys, "timeline", "toe-tuch")
    assert code == 1
    assert "did you mean 'toe-touch'" in err


def test_check_passes_good_files_and_reports_bad_ones_line_by_line(capsys, tmp_path):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(SMALL)
    bad.write_text(SMALL.replace("cycles = 2", "cycles = 99"))
    assert run(capsys, "check", str(good))[0] == 0
    code, _, err = run(capsys, "check", str(good), str(bad), str(tmp_path / "missing.toml"))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{bad}:")
    assert lines[0].endswith("steps[2].cycles: must be between 1 and 30, not 99")
    assert lines[1].startswith(f"{tmp_path / 'missing.toml'}:1: file: cannot read")


def test_check_never_shows_a_traceback_whatever_the_bytes(tmp_path):
    """A real process: what a user sees, including for files that are not routines at all."""
    odd = tmp_path / "odd.toml"
    odd.write_bytes(bytes(range(256)) * 4)
    result = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "check", str(odd), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


def _table_cues(out):
    """(seconds as printed, text) of every cue line of `timeline`'s table, in order."""
    cues = []
    for line in out.splitlines():
        if line.startswith(" " * 15) and line.strip():
            clock, _kind, text = line.strip().split(maxsplit=2)
            minutes, seconds = clock.split(":")
            cues.append((int(minutes) * 60 + int(seconds), text))
    return cues


def test_the_timeline_table_never_prints_cues_a_second_apart_at_the_same_second(capsys, tmp_path):
    """A 9.5 s lead-in puts "Two" at 7.5 s and "One" at 8.5 s: rounding halves to even printed
    both at 0:08. Completed seconds print 0:07 and 0:08, as the window counts them."""
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    code, out, _ = run(capsys, "timeline", str(path), "--lead-in", "9.5")
    assert code == 0
    cues = _table_cues(out)
    assert cues[1:4] == [(6, "Three"), (7, "Two"), (8, "One")]
    timeline = json.loads(run(capsys, "timeline", str(path), "--lead-in", "9.5", "--json")[1])
    times = [round(c["at_s"] * 1000) for p in timeline["phases"] for c in p["cues"]]
    listed = list(zip(times, [shown for shown, _ in cues], strict=True))
    for (at, shown), (later_at, later_shown) in itertools.pairwise(listed):
        assert shown <= later_shown, "a later cue printed at an earlier second"
        if later_at - at >= 1000:
            assert shown < later_shown, "cues a second apart printed at the same second"


def test_the_phase_lengths_are_completed_tenths(capsys, tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    code, out, _ = run(capsys, "timeline", str(path), "--lead-in", "9.55")
    assert code == 0
    first_phase = out.splitlines()[4]
    assert "    9.5s  prepare" in first_phase  # 9.55 s: 9.5 completed, not 9.6


def test_history_and_the_window_write_the_same_time(capsys):
    """The done page showed 0:19 where `history` showed 0:18: both now use completed seconds."""
    from stretch_desktop.storage.history import History
    from stretch_desktop.ui.presenter import clock_text

    history = History(history_path())
    session = history.begin("small", "Small", "", 7, Pacing().to_json())
    history.end(session, "stopped", 1, 0, active_s=18.6)
    history.close()
    code, out, _ = run(capsys, "history")
    assert code == 0
    assert "  0:18  1 done" in out
    assert clock_text(18_600) == timetext.clock_text(18_600) == "0:18"


def test_the_history_file_is_in_the_user_data_folder():
    assert history_path() == user_data_dir() / "history.sqlite3"


@pytest.mark.parametrize(
    ("option", "low", "high"),
    [("--inhale", BREATH_MIN_S, BREATH_MAX_S), ("--lead-in", LEAD_IN_MIN_S, LEAD_IN_MAX_S)],
)
def test_pacing_options_take_the_pacing_bounds(capsys, option, low, high):
    for value in (low, high):
        assert run(capsys, "timeline", "toe-touch", "--json", option, str(value))[0] == 0
    for value in (low - 0.5, high + 0.5):
        with pytest.raises(SystemExit):
            main(["timeline", "toe-touch", option, str(value)])
        assert f"must be between {low} and {high}" in capsys.readouterr().err


def test_the_voice_rate_has_one_default():
    args = build_parser().parse_args(["say", "hello"])
    assert args.rate == DEFAULT_RATE == VoiceSettings().rate
