"""`stretch-desktop figures`: a PNG per pose and side (and per beat of a flow), run as a person
runs it; a bad routine or folder is one line and an exit code."""

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from stretch_desktop.core.figures import figure_name_for
from stretch_desktop.library import builtin_routines
from stretch_desktop.ui.figure_widget import builtin_figures
from tests.conftest import hold_routine


def figures(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "figures", *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=cwd,
    )  # fmt: skip


def expected_files(routine):
    library = builtin_figures()
    names = set()
    for pose in routine.poses:
        figure = library[figure_name_for(pose.id, getattr(pose, "figure", None))]
        for stem in [f"{pose.id}-right", f"{pose.id}-left"] if pose.one_sided else [pose.id]:
            names.add(f"{stem}.png")
            if figure.flow:
                names.update(f"{stem}-beat{n}.png" for n in range(1, len(figure.beats) + 1))
    return names


@pytest.mark.parametrize("routine", builtin_routines(), ids=lambda r: r.id)
def test_writes_one_png_per_pose_side_and_beat_for_every_builtin_routine(routine, tmp_path):
    out = tmp_path / "out"  # made if missing
    result = figures(routine.id, "--out", str(out), "--size", "120")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    written = {path.name for path in out.iterdir()}
    assert written == expected_files(routine)
    assert result.stdout.strip() == f"{len(written)} figures written to {out}"
    for name in written:
        image = QImage(str(out / name))
        assert (image.width(), image.height()) == (120, 120), name


def test_the_lunge_flow_names_sides_and_beats_and_left_mirrors_right(tmp_path):
    result = figures("lunge-flow-for-hamstrings", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = {path.name for path in tmp_path.iterdir()}
    assert {"low-lunge-sway-right.png", "low-lunge-sway-left-beat2.png", "childs-pose.png"} <= names
    assert {"fold-knee-bends-beat1.png", "fold-knee-bends-beat2.png"} <= names
    right = QImage(str(tmp_path / "low-lunge-sway-right.png"))
    left = QImage(str(tmp_path / "low-lunge-sway-left.png"))
    assert right.width() == 480
    mirrored = right.flipped(Qt.Orientation.Horizontal)
    far_off = 0
    for y in range(0, 480, 3):
        for x in range(0, 480, 3):
            a, b = mirrored.pixelColor(x, y), left.pixelColor(x, y)
            far_off += max(abs(a.red() - b.red()), abs(a.blue() - b.blue())) > 60
    assert far_off == 0
    assert right != left


def test_an_unknown_routine_is_one_line_and_exit_1(tmp_path):
    result = figures("no-such-routine", "--out", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["stretch-desktop: no routine 'no-such-routine'"]
    assert list(tmp_path.iterdir()) == []


def test_a_broken_routine_file_is_named_with_its_line_and_exit_1(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('format = 1\nid = "x"\ntitle = 3\n')
    result = figures(str(broken), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(f"{broken}:3: title:")


def test_a_folder_that_cannot_be_written_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out, reason in ((blocker, "not a folder"), (blocker / "sub", "Not a directory")):
        result = figures("toe-touch", "--out", str(out))
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            f"stretch-desktop: cannot write figures to {out}: {reason}"
        ]


def test_a_bad_size_is_a_usage_error(tmp_path):
    result = figures("toe-touch", "--out", str(tmp_path), "--size", "huge")
    assert result.returncode == 2
    assert "--size: not a whole number: 'huge'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_pose_without_a_figure_is_named_and_the_others_are_still_written(tmp_path):
    routine = tmp_path / "mine.toml"
    routine.write_text(hold_routine("mine", "Mine", 30))  # pose "a": no figure of that name
    result = figures(str(routine), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["stretch-desktop: pose 'a' has no figure 'a'"]


def test_a_routine_that_draws_its_own_figures_gets_them_written(tmp_path):
    from tests.core.test_figures_inline import INLINE

    routine = tmp_path / "own.toml"
    routine.write_text(INLINE)
    result = figures(str(routine), "--out", str(tmp_path / "out"), "--size", "160")
    assert result.returncode == 0, result.stderr
    written = {path.name for path in (tmp_path / "out").iterdir()}
    lunge = {f"lunge-{side}{beat}.png" for side in ("right", "left") for beat in ("", "-beat1")}
    lunge |= {"lunge-right-beat2.png", "lunge-left-beat2.png"}
    assert written == {"fold.png", "child.png", *lunge}
    # The inline lunge has the library sway's angles: the very same pictures, pixel for pixel.
    library = figures("lunge-flow-for-hamstrings", "--out", str(tmp_path / "lib"), "--size", "160")
    assert library.returncode == 0, library.stderr
    for side in ("right", "left-beat2"):
        own = QImage(str(tmp_path / "out" / f"lunge-{side}.png"))
        sway = QImage(str(tmp_path / "lib" / f"low-lunge-sway-{side}.png"))
        assert own == sway, side
    fold = QImage(str(tmp_path / "out" / "fold.png"))
    assert fold != QImage(str(tmp_path / "lib" / "standing-forward-fold.png"))


def test_a_mistake_in_an_inline_figure_is_named_at_its_line_and_nothing_is_written(tmp_path):
    from tests.core.test_figures_inline import INLINE

    routine = tmp_path / "own.toml"
    text = INLINE.replace("near_knee = 113", "near_knee = 200")
    routine.write_text(text)
    result = figures(str(routine), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    line = text.splitlines().index("near_knee = 200") + 1
    (message,) = result.stderr.splitlines()
    assert message.startswith(f"{routine}:{line}: poses[1].figure.beats[0].joints.near_knee: 200°")
    assert not (tmp_path / "out").exists()
