"""A routine file may draw a pose's figure itself (``[poses.figure]`` or ``figure = {…}``): the
library's own reader checks it, so its mistakes are named at their line in the routine file, and
what the window, the lists and ``figures`` show is that figure."""

from pathlib import Path

import pytest

from stretch_desktop.core.figure_files import load_figure, load_figures
from stretch_desktop.core.figures import Figure, pose_figure, still_picture
from stretch_desktop.core.loader import RoutineError, load_routine
from stretch_desktop.core.routine import Side
from stretch_desktop.library import builtin_figure_names

FOLDER = Path(__file__).parents[2] / "src" / "stretch_desktop" / "resources" / "figures"


def builtin_figures():
    return load_figures((str(path), path.read_bytes()) for path in sorted(FOLDER.glob("*.toml")))


INLINE = """\
format = 1
id = "own-figures"
title = "Own figures"
source = "Tests"

[[poses]]
id = "fold"
name = "Forward fold"
instructions = ["Fold."]
figure = { target = ["hips"], shape = { rests = ["feet"], joints = { hips = 70, knees = 10 } } }

[[poses]]
id = "lunge"
name = "Low lunge"
one_sided = true
instructions = ["Lunge."]

[poses.figure]
title = "My low lunge"
target = ["far_hip_flexors"]
highlight = ["near_leg"]
anchor = "far_knee"

[[poses.figure.props]]
kind = "mat"

[[poses.figure.beats]]
label = "Out"
rests = ["near_foot", "far_knee", "far_instep"]
sway = 0.05

[poses.figure.beats.joints]
spine_low = -26
near_hip = 145
near_knee = 113
near_ankle = 0
far_hip = -20
far_knee = 35
far_ankle = -76
shoulders = 27
elbows = 68
wrists = 45

[[poses.figure.beats]]
label = "In"
rests = ["near_foot", "far_knee", "far_instep"]
sway = 0.0

[poses.figure.beats.joints]
spine_low = -21
near_hip = 126
near_knee = 99
near_ankle = 0
far_hip = -5
far_knee = 56
far_ankle = -76
shoulders = 38
elbows = 31
wrists = 30

[[poses]]
id = "child"
name = "Child's pose"
instructions = ["Rest."]
figure = "childs-pose"

[[steps]]
kind = "hold"
pose = "fold"
seconds = 30

[[steps]]
kind = "flow"
pose = "lunge"
repetitions = 2
beats = ["Out", "In"]
beat_seconds = 2

[[steps]]
kind = "rest"
pose = "child"
breaths = 2
"""


def load(text=INLINE, file="own.toml"):
    return load_routine(text, file, builtin_figure_names())


def problems(text, file="own.toml"):
    with pytest.raises(RoutineError) as caught:
        load(text, file)
    return [str(p) for p in caught.value.problems]


def line_of(text, fragment, start=0):
    """The line (1-based) of the first line equal to ``fragment`` after line ``start``."""
    lines = text.splitlines()
    return lines.index(fragment, start) + 1


def test_an_inline_figure_is_the_poses_figure_named_after_it():
    routine = load()
    fold, lunge, child = routine.poses
    library = builtin_figures()
    assert isinstance(fold.inline_figure, Figure) and isinstance(lunge.inline_figure, Figure)
    assert pose_figure(fold, library) is fold.inline_figure
    assert (fold.inline_figure.name, fold.inline_figure.title) == ("fold", "Forward fold")
    assert fold.inline_figure.targets == ("hips",)
    assert fold.inline_figure.beats[0].angle("near_hip") == 70
    assert fold.inline_figure.beats[0].angle("far_knee") == 10
    # [poses.figure] with beats: a flow, retitled, with its props and highlight.
    own = pose_figure(lunge, library)
    assert own is lunge.inline_figure and own is not None
    assert (own.name, own.title) == ("lunge", "My low lunge")
    assert own.flow and [b.label for b in own.beats] == ["Out", "In"]
    assert own.highlight == ("near_leg",) and [p.kind for p in own.props] == ["mat"]
    assert [p.kind for p in own.scenery] == ["mat", "floor"]
    assert own.behind_at is not None  # it sways: drawn from behind too
    # The same angles as the library's sway: the same picture, mirrored for the left side.
    sway = library["low-lunge-sway"]
    assert own.beats[0].angles == sway.beats[0].angles
    assert still_picture(own, Side.LEFT).points == still_picture(sway, Side.LEFT).points
    # A named figure still comes from the library; no inline one.
    assert child.inline_figure is None and pose_figure(child, library) is library["childs-pose"]


def test_an_inline_figure_reads_exactly_as_the_same_figure_in_a_library_file():
    lunge = load().poses[1].inline_figure
    block = INLINE.split("[poses.figure]\n", 1)[1].split("[[poses]]", 1)[0]
    as_file = 'format = 1\nname = "lunge"\n' + block.replace("poses.figure.", "")
    assert load_figure(as_file, "lunge.toml") == lunge


def test_an_unknown_joint_in_an_inline_figure_is_named_at_its_line_in_the_routine():
    text = INLINE.replace("near_knee = 99", "near_kne = 99")
    assert problems(text) == [
        f"own.toml:{line_of(text, 'near_kne = 99')}: poses[1].figure.beats[1].joints.near_kne: "
        "unknown joint 'near_kne' (did you mean 'near_knee'?)"
    ]


def test_an_angle_out_of_range_in_an_inline_figure_is_named_at_its_line():
    text = INLINE.replace("far_knee = 35", "far_knee = -5")
    (message,) = problems(text)
    line = line_of(text, "far_knee = -5")
    assert message.startswith(f"own.toml:{line}: poses[1].figure.beats[0].joints.far_knee: -5°")
    assert "outside the far knee's range 0 to 150" in message
    # In the one-line form too: the line is the pose's figure line.
    text = INLINE.replace("hips = 70", "hips = 170")
    (message,) = problems(text)
    line = line_of(text, next(x for x in text.splitlines() if "hips = 170" in x))
    assert message.startswith(f"own.toml:{line}: poses[0].figure.shape.joints.hips: 170°")


def test_other_mistakes_in_an_inline_figure_are_the_librarys_messages_at_their_lines():
    text = (
        INLINE.replace('title = "My low lunge"', 'name = "mine"')
        .replace('kind = "mat"', 'kind = "sofa"')
        .replace('target = ["far_hip_flexors"]', 'target = ["far_hip_flexor"]')
    )
    found = problems(text)
    starts = [
        (line_of(text, 'name = "mine"'), "poses[1].figure.name: unknown field"),
        (line_of(text, 'kind = "sofa"'), "poses[1].figure.props[0].kind: unknown prop 'sofa'"),
        (
            line_of(text, 'target = ["far_hip_flexor"]'),
            "poses[1].figure.target[0]: unknown target 'far_hip_flexor'",
        ),
    ]
    for line, start in starts:
        assert any(p.startswith(f"own.toml:{line}: {start}") for p in found), (start, found)
    # Resting parts the angles do not put on the floor: refused at the beat's rests.
    text = INLINE.replace('rests = ["feet"]', 'rests = ["feet", "hands"]')
    (message,) = problems(text)
    assert ": poses[0].figure.shape.rests: the angles leave " in message
    # Neither shape nor beats.
    text = INLINE.replace(', shape = { rests = ["feet"], joints = { hips = 70, knees = 10 } }', "")
    line = line_of(text, 'figure = { target = ["hips"] }')
    assert problems(text) == [
        f"own.toml:{line}: poses[0].figure.shape: missing: give shape (a still figure) or beats "
        "(a flow)"
    ]


def test_a_figure_that_is_neither_a_name_nor_a_table_is_refused():
    text = INLINE.replace('figure = "childs-pose"', "figure = 3")
    (message,) = problems(text)
    assert (
        message
        == f"own.toml:{line_of(text, 'figure = 3')}: poses[2].figure: must be text, not a number"
    )


def still_pose(index, rests='["feet"]'):
    return (
        f'[[poses]]\nid = "p{index}"\nname = "P"\ninstructions = ["x"]\n'
        f"[poses.figure]\nshape = {{ rests = {rests}, joints = {{ hips = 90 }} }}\n"
    )


def test_a_routine_draws_at_most_so_many_shapes_itself_and_checking_them_stays_quick():
    import time

    from stretch_desktop.core.loader import MAX_INLINE_SHAPES

    head = 'format = 1\nid = "x"\ntitle = "X"\nsource = "s"\n'
    step = '[[steps]]\nkind = "hold"\npose = "p0"\nseconds = 5\n'
    fits = head + "".join(still_pose(i) for i in range(MAX_INLINE_SHAPES)) + step
    assert len(load(fits).poses) == MAX_INLINE_SHAPES
    over = head + "".join(still_pose(i) for i in range(MAX_INLINE_SHAPES + 5)) + step
    found = problems(over)
    first = [i for i, line in enumerate(over.splitlines(), 1) if line.startswith("shape =")]
    assert found[0] == (
        f"own.toml:{first[MAX_INLINE_SHAPES] - 1}: poses[{MAX_INLINE_SHAPES}].figure: a routine "
        f"may draw at most {MAX_INLINE_SHAPES} figure shapes itself (a flow's beats count one "
        "each): name a library figure for the others"
    )
    assert len(found) == 5
    # The worst shapes a file can write (every resting part, none of them on the floor), as
    # many as are read: a fraction of a second, not the seconds 100 poses of 8 beats took.
    worst = '["feet", "knees", "hands", "forearms", "shins", "toes", "insteps", "heels", "seat"]'
    text = head + "".join(still_pose(i, worst) for i in range(100)) + step
    began = time.process_time()
    assert len(problems(text)) > MAX_INLINE_SHAPES
    assert time.process_time() - began < 1.0


def test_the_readmes_example_of_an_inline_figure_loads():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    example = readme.split('[[poses]]\nid = "my-lunge"', 1)[1].split("```", 1)[0]
    head = 'format = 1\nid = "x"\ntitle = "X"\nsource = "s"\n[[poses]]\nid = "my-lunge"'
    step = '\n[[steps]]\nkind = "hold"\npose = "my-lunge"\nseconds = 5\n'
    (pose,) = load(head + example.replace('["…"]', '["Lunge."]') + step).poses
    assert isinstance(pose.inline_figure, Figure) and pose.inline_figure.title == "My low lunge"
