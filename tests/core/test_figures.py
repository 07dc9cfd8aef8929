"""Pose figures: the body keeps its proportions, stands on the floor, mirrors exactly, and a
figure file's mistakes are named with their line, like a routine's."""

import math
from dataclasses import replace
from pathlib import Path

import pytest

from stretch_desktop.core import figures as fig
from stretch_desktop.core.figure_files import FigureError, load_figure, load_figures
from stretch_desktop.core.figures import (
    beat_picture,
    figure_at,
    figure_name_for,
    press_picture,
    rest_gaps,
    shape_at,
    still_picture,
)
from stretch_desktop.core.routine import Flow, Side
from stretch_desktop.library import builtin_routines

FOLDER = Path(__file__).parents[2] / "src" / "stretch_desktop" / "resources" / "figures"


@pytest.fixture(scope="module")
def library():
    return load_figures((str(path), path.read_bytes()) for path in sorted(FOLDER.glob("*.toml")))


def every_picture(library, fractions=(0.0, 0.3, 0.5, 0.8)):
    """Every keyframe and moments between them, on both sides."""
    for figure in library.values():
        for side in (Side.RIGHT, Side.LEFT, None):
            for beat in range(len(figure.beats)):
                for fraction in fractions if figure.flow else (1.0,):
                    yield figure, side, figure_at(figure, beat, fraction, side)


BONES = [
    ("hip", "waist", fig.SPINE[0]),
    ("waist", "chest", fig.SPINE[1]),
    ("chest", "shoulder", fig.SPINE[2]),
    ("shoulder", "neck", fig.NECK),
    ("neck", "head", fig.HEAD_RADIUS),
    *[
        (f"{side}_{a}", f"{side}_{b}", length)
        for side in ("near", "far")
        for a, b, length in (
            ("knee", "ankle", fig.SHANK),
            ("ball", "toe", fig.TOE),
            ("elbow", "wrist", fig.FOREARM),
            ("wrist", "fingertip", fig.HAND),
        )
    ],
    *[(("hip"), f"{side}_knee", fig.THIGH) for side in ("near", "far")],
    *[("shoulder", f"{side}_elbow", fig.UPPER_ARM) for side in ("near", "far")],
]


def test_bone_lengths_survive_kinematics_placement_mirroring_and_interpolation(library):
    checked = 0
    for figure, side, picture in every_picture(library):
        for a, b, length in BONES:
            assert math.dist(picture.point(a), picture.point(b)) == pytest.approx(
                length, abs=1e-9
            ), (figure.name, side, a, b)
        for s in ("near", "far"):  # the foot is rigid: heel to ball never changes
            heel, ball = picture.point(f"{s}_heel"), picture.point(f"{s}_ball")
            assert math.dist(heel, ball) == pytest.approx(fig.BALL[0] - fig.HEEL[0], abs=1e-9)
        checked += 1
    assert checked > 100


def test_the_proportions_are_winters_when_standing():
    points = fig.kinematics([0.0] * len(fig.JOINT_NAMES))
    floor = points["near_heel"][1] - fig.FOOT_R
    height = {name: y - floor for name, (x, y) in points.items()}
    assert height["head"] + fig.HEAD_RADIUS == pytest.approx(1.0, abs=0.001)
    assert height["shoulder"] == pytest.approx(0.818, abs=0.001)
    assert height["hip"] == pytest.approx(0.530, abs=0.001)
    assert height["near_knee"] == pytest.approx(0.285, abs=0.001)
    assert height["near_elbow"] == pytest.approx(0.630, abs=0.005)
    assert height["near_wrist"] == pytest.approx(0.485, abs=0.005)
    assert height["near_ankle"] == pytest.approx(0.039, abs=0.001)


def test_the_left_side_is_the_exact_mirror_of_the_right(library):
    for figure in library.values():
        for beat in range(len(figure.beats)):
            for fraction in (0.0, 0.4, 1.0):
                right = figure_at(figure, beat, fraction, Side.RIGHT)
                left = figure_at(figure, beat, fraction, Side.LEFT)
                for (name, (x, y)), (other, (lx, ly)) in zip(
                    right.points, left.points, strict=True
                ):
                    assert (other, lx, ly) == (name, -x, y)
                assert left.view == (-right.view[2], right.view[1], -right.view[0], right.view[3])
                for r, m in zip(right.props, left.props, strict=True):
                    assert [(-x1, y0, -x0, y1) for x0, y0, x1, y1 in r.rects] == list(m.rects)
                assert left == right.mirrored()
                assert left != right


def test_the_working_limb_is_the_near_highlighted_one(library):
    routines = builtin_routines()
    for routine in routines:
        for pose in routine.poses:
            figure = library[figure_name_for(pose.id, getattr(pose, "figure", None))]
            highlighted = {limb.name for limb in still_picture(figure).limbs if limb.highlighted}
            if pose.one_sided:
                assert highlighted and all(name.startswith("near_") for name in highlighted)
            else:
                assert not highlighted, pose.id


def test_nothing_goes_below_the_floor(library):
    for figure, side, picture in every_picture(library, fractions=[i / 10 for i in range(11)]):
        for limb in picture.limbs:
            for stroke in limb.strokes:
                for _, y in stroke.points:
                    assert y - stroke.width / 2 >= -1e-9, (figure.name, side, limb.name)


def test_every_resting_part_touches_what_it_rests_on(library):
    for figure in library.values():
        for beat in range(len(figure.beats)):
            gaps = rest_gaps(figure, beat)
            assert gaps
            assert all(abs(gap) <= fig.REST_TOLERANCE for gap in gaps.values()), (figure.name, gaps)


def test_standing_figures_stand_on_the_floor(library):
    standing = [
        (library["standing"], 0),
        (library["toe-touch"], 0),
        (library["standing-forward-fold"], 0),
        (library["roll-down-to-box"], 6),
        (library["calf-stretch"], 0),
    ]
    for figure, beat in standing:
        picture = fig.beat_picture(figure, beat, Side.RIGHT)
        for side in ("near", "far"):
            for point in ("heel", "ball", "toe"):
                _, y = picture.point(f"{side}_{point}")
                assert y - fig.FOOT_R == pytest.approx(0.0, abs=fig.REST_TOLERANCE), figure.name
    upright = fig.beat_picture(library["roll-down-to-box"], 6)
    assert upright.point("head")[1] + fig.HEAD_RADIUS == pytest.approx(1.0, abs=0.001)
    assert upright.point("near_heel")[1] - fig.FOOT_R == pytest.approx(0.0, abs=1e-9)


def test_every_pose_of_every_builtin_routine_has_a_figure_and_flows_have_their_beats(library):
    for routine in builtin_routines():
        flows = {}
        for step in routine.steps:
            for inner in getattr(step, "steps", (step,)):
                if isinstance(inner, Flow):
                    flows[inner.pose] = inner
        for pose in routine.poses:
            name = figure_name_for(pose.id, getattr(pose, "figure", None))
            assert name in library, f"{routine.id}: pose {pose.id!r} has no figure"
            figure = library[name]
            if pose.id in flows:
                assert len(figure.beats) == len(flows[pose.id].beats), pose.id
            else:
                assert not figure.flow, pose.id


def test_a_pose_finds_its_figure_by_its_own_key_or_its_id():
    assert figure_name_for("lizard", None) == "lizard"
    assert figure_name_for("my-lunge", "lizard") == "lizard"


# --- flows --------------------------------------------------------------------------------------


def test_a_flow_moves_from_the_previous_keyframe_to_the_beat_s_own(library):
    figure = library["dynamic-hamstring-stretch"]
    back, forward = figure.beats
    assert shape_at(figure, 1, 0.0).angles == back.angles  # beat 1 starts where beat 0 ended
    assert shape_at(figure, 1, 1.0).angles == forward.angles
    assert shape_at(figure, 0, 0.0).angles == forward.angles  # a round starts from the last
    middle = shape_at(figure, 1, 0.5).angles
    for a, b, m in zip(back.angles, forward.angles, middle, strict=True):
        assert m == pytest.approx((a + b) / 2)
    knee = fig.JOINT_NAMES.index("near_knee")
    early, late = shape_at(figure, 1, 0.2).angles[knee], shape_at(figure, 1, 0.8).angles[knee]
    assert back.angles[knee] < early < middle[knee] < late < forward.angles[knee]
    assert shape_at(figure, 3, 0.5) == shape_at(figure, 1, 0.5)  # beats repeat each round


def test_a_moving_flow_keeps_what_rests_at_both_ends_on_the_floor(library):
    figure = library["roll-down-to-box"]
    for fraction in (0.25, 0.5, 0.75):
        picture = figure_at(figure, 1, fraction)  # hinge -> round down, hands reaching the box
        for point in ("near_heel", "near_toe", "far_heel", "far_toe"):
            assert picture.point(point)[1] - fig.FOOT_R == pytest.approx(0.0, abs=1e-9)
    box = figure_at(figure, 0, 0.5).props
    assert all(figure_at(figure, beat, 0.5).props == box for beat in range(7))  # it stays put


def test_a_still_figure_ignores_the_beat(library):
    figure = library["lizard"]
    assert figure_at(figure, 5, 0.3, Side.LEFT) == still_picture(figure, Side.LEFT)


# --- figure files -------------------------------------------------------------------------------

GOOD = """\
format = 1
name = "test"
title = "Test"
target = ["near_hamstrings"]
highlight = ["near_leg"]

[[props]]
kind = "mat"

[shape]
rests = ["feet"]

[shape.joints]
shoulders = 10
near_elbow = 20
"""


def problems(text, file="test.toml"):
    with pytest.raises(FigureError) as caught:
        load_figure(text, file)
    return [str(p) for p in caught.value.problems]


def line_of(text, fragment):
    return text.splitlines().index(fragment) + 1


def test_a_good_figure_loads():
    figure = load_figure(GOOD, "test.toml")
    assert figure.title == "Test"
    assert figure.beats[0].angle("near_shoulder") == 10
    assert figure.beats[0].angle("far_shoulder") == 10
    assert figure.beats[0].angle("near_elbow") == 20
    assert figure.beats[0].angle("far_elbow") == 0


def test_an_unknown_joint_is_named_with_its_line_and_a_suggestion():
    text = GOOD.replace("near_elbow = 20", "near_elbo = 20")
    line = line_of(text, "near_elbo = 20")
    assert problems(text) == [
        f"test.toml:{line}: shape.joints.near_elbo: unknown joint 'near_elbo' "
        "(did you mean 'near_elbow'?)"
    ]


def test_an_angle_outside_its_joint_s_range_is_named_with_its_line():
    text = GOOD.replace("near_elbow = 20", "near_knee = -10")
    line = line_of(text, "near_knee = -10")
    (message,) = problems(text)
    assert message.startswith(f"test.toml:{line}: shape.joints.near_knee: -10° is outside")
    assert "0 to 150" in message
    text = GOOD.replace("shoulders = 10", "hips = 170")
    assert problems(text)[0].startswith(
        f"test.toml:{line_of(text, 'hips = 170')}: shape.joints.hips"
    )


def test_bad_types_unknown_props_targets_and_rests_are_each_named():
    text = (
        GOOD.replace('kind = "mat"', 'kind = "sofa"')
        .replace('target = ["near_hamstrings"]', 'target = ["near_hamstring"]')
        .replace('rests = ["feet"]', 'rests = ["feet", "elbows"]')
        .replace("shoulders = 10", 'hips = "bent"')
    )
    found = problems(text)
    expected = {
        line_of(text, 'kind = "sofa"'): "props[0].kind: unknown prop 'sofa'",
        line_of(text, 'target = ["near_hamstring"]'): "target[0]: unknown target 'near_hamstring' "
        "(did you mean 'near_hamstrings'?)",
        line_of(
            text, 'rests = ["feet", "elbows"]'
        ): "shape.rests[1]: unknown resting part 'elbows'",
        line_of(text, 'hips = "bent"'): "shape.joints.hips: must be an angle in degrees",
    }
    for line, start in expected.items():
        assert any(p.startswith(f"test.toml:{line}: {start}") for p in found), (start, found)


def test_resting_parts_that_do_not_reach_the_floor_are_refused_at_their_line():
    text = GOOD.replace('rests = ["feet"]', 'rests = ["feet", "hands"]')
    (message,) = problems(text)
    line = line_of(text, 'rests = ["feet", "hands"]')
    assert message.startswith(f"test.toml:{line}: shape.rests: the angles leave ")
    assert "above what it rests on" in message


def test_beats_may_copy_an_earlier_beat_and_a_wrong_copy_is_named():
    flow = GOOD.split("[shape]")[0] + (
        '[[beats]]\nlabel = "Up"\nrests = ["feet"]\n[beats.joints]\nshoulders = 10\n\n'
        '[[beats]]\nlabel = "Down"\nlike = 0\n[beats.joints]\nshoulders = 40\n'
    )
    figure = load_figure(flow, "flow.toml")
    assert [b.angle("near_shoulder") for b in figure.beats] == [10, 40]
    assert figure.beats[1].rests == ("feet",)
    bad = flow.replace("like = 0", "like = 3")
    assert problems(bad)[0].startswith(f"test.toml:{line_of(bad, 'like = 3')}: beats[1].like:")


def test_any_bytes_give_a_figure_or_a_figure_error():
    for content in (
        b"\xff\xfe",
        "name = ",
        "[shape]\nrests = 3",
        "x" * 300_000,
        "[[beats]]\n" * 20,
    ):
        with pytest.raises(FigureError):
            load_figure(content, "junk.toml")


def test_a_library_file_must_be_named_after_its_figure():
    with pytest.raises(FigureError) as caught:
        load_figures([("builtin:other.toml", GOOD)])
    assert str(caught.value) == "builtin:other.toml:1: name: 'test' must match the file name"


def test_the_names_a_routine_may_give_are_the_library_s_figures(library):
    from stretch_desktop.library import builtin_figure_names

    assert builtin_figure_names() == set(library)


# --- a press (contract-relax) -------------------------------------------------------------------


def test_a_press_moves_nothing_marks_the_pressing_leg_and_points_the_way_it_pushes(library):
    figure = library["supine-hamstring"]  # the lifted thigh pushes into the hands: extension
    assert figure.press == fig.Press("near_hip", -1)
    for side in (Side.RIGHT, Side.LEFT):
        still, press = still_picture(figure, side), press_picture(figure, side)
        assert press.points == still.points  # an isometric press: the body stays put
        assert not still.pressing and not still.marks
        assert [limb.name for limb in press.limbs if limb.pressing] == ["near_leg"]
        shaft, head = press.marks
        (x0, y0), (x1, y1) = shaft.points
        arrow = (
            (x1 - x0) / math.dist((x0, y0), (x1, y1)),
            (y1 - y0) / math.dist((x0, y0), (x1, y1)),
        )
        # Where the knee would go if the hands let it: the hip a few degrees less flexed.
        hip = fig.JOINT_NAMES.index("near_hip")
        shape = figure.beats[figure.still]
        extended = replace(
            shape, angles=tuple(a - 5 * (i == hip) for i, a in enumerate(shape.angles))
        )
        moved = fig.picture_of(figure, extended, side)
        # Placed again, the pelvis stays (the seat and back rest): compare the knee's move.
        kx, ky = still.point("near_knee")
        mx, my = moved.point("near_knee")
        way = ((mx - kx) / math.dist((kx, ky), (mx, my)), (my - ky) / math.dist((kx, ky), (mx, my)))
        assert arrow[0] * way[0] + arrow[1] * way[1] > 0.9, (side, arrow, way)
        # The arrow stands clear of the thigh, beside its far half, and inside the view.
        hx, hy = still.point("hip")
        assert math.dist((x0, y0), (kx, ky)) < math.dist((x0, y0), (hx, hy))
        v = press.view
        assert all(v[0] <= x <= v[2] and v[1] <= y <= v[3] for x, y in shaft.points + head.points)
    assert press_picture(figure, Side.LEFT) == press_picture(figure, Side.RIGHT).mirrored()


def test_a_figure_without_a_press_marks_its_working_limbs_when_it_presses(library):
    figure = library["lizard"]
    press = press_picture(figure, Side.RIGHT)
    assert [limb.name for limb in press.limbs if limb.pressing] == list(figure.highlight)
    assert press.marks == ()


def test_a_wrong_press_is_named_with_its_line():
    text = GOOD.replace("[[props]]", '[press]\njoint = "near_hipp"\ntoward = "up"\n\n[[props]]')
    joint, toward = line_of(text, 'joint = "near_hipp"'), line_of(text, 'toward = "up"')
    assert problems(text) == [
        f"test.toml:{joint}: press.joint: unknown joint 'near_hipp' (did you mean 'near_hip'?)",
        f"test.toml:{toward}: press.toward: must be one of: flexion, extension",
    ]
    good = text.replace('"near_hipp"', '"near_hip"').replace('"up"', '"flexion"')
    assert load_figure(good, "test.toml").press == fig.Press("near_hip", 1)


# --- how far a flow moves -----------------------------------------------------------------------


def test_each_beat_s_travel_is_at_least_the_way_between_its_keyframes(library):
    for figure in library.values():
        travel = fig.beat_travel(figure)
        assert len(travel) == len(figure.beats)
        if not figure.flow:
            assert travel == (0.0,)
            continue
        for beat in range(len(figure.beats)):
            start, end = figure_at(figure, beat, 0.0), figure_at(figure, beat, 1.0)
            chord = max(
                math.dist(a, b) for (_, a), (_, b) in zip(start.points, end.points, strict=True)
            )
            assert travel[beat] >= chord - 1e-9, (figure.name, beat)  # a path, not a line
    assert fig.beat_travel(library["roll-down-to-box"])[2] < 1e-9  # a breath on the box


def test_unease_is_the_inverse_of_ease_on_the_whole_beat():
    for k in range(101):
        t = k / 100
        assert fig.unease(fig.ease(t)) == pytest.approx(t, abs=1e-9)
    assert (fig.unease(0.0), fig.unease(1.0)) == (pytest.approx(0.0), pytest.approx(1.0))
    assert (fig.unease(-0.5), fig.unease(1.5)) == (pytest.approx(0.0), pytest.approx(1.0))


# --- sideways moves: the view from behind ---------------------------------------------------------


def behind_box(picture):
    strokes = [s for limb in picture.behind for s in limb.strokes]
    strokes += [*picture.behind_ghost, *picture.behind_marks]
    xs = [x for s in strokes for x, _ in s.points]
    ys = [y for s in strokes for _, y in s.points]
    return min(xs), min(ys), max(xs), max(ys)


def pelvis_behind(picture):
    """The middle of the hips in the view from behind (the trunk's first point)."""
    body = next(limb for limb in picture.behind if limb.name == "body")
    return body.strokes[1].points[0]


def test_only_the_poses_that_move_sideways_have_a_view_from_behind(library):
    sideways = {name for name, figure in library.items() if figure.behind_at is not None}
    assert sideways == {"low-lunge-sway", "lunge-side-stretch"}
    for name, figure in library.items():
        picture = still_picture(figure, Side.RIGHT)
        assert bool(picture.behind) == (name in sideways)
        assert any(p.kind == "floor" for p in picture.props) == (name in sideways)


def test_the_sway_goes_out_toward_the_working_side_and_comes_back(library):
    sway = library["low-lunge-sway"]
    out, back = beat_picture(sway, 0, Side.RIGHT), beat_picture(sway, 1, Side.RIGHT)
    start = pelvis_behind(back)  # "Sway in" ends in the middle
    assert pelvis_behind(out)[0] > start[0] + 0.05  # out: toward the right, the working side
    (shaft, _head) = out.behind_marks
    assert shaft.points[1][0] > shaft.points[0][0] + 0.02  # the arrow points out
    assert back.behind_marks[0].points[1][0] < back.behind_marks[0].points[0][0]  # in
    # At any moment of a beat the arrow shows the beat's way, full length: out, then in.
    middle = figure_at(sway, 0, 0.5, Side.RIGHT)  # half way out
    assert start[0] < pelvis_behind(middle)[0] < pelvis_behind(out)[0]
    (a, b) = middle.behind_marks[0].points
    assert b[0] - a[0] == pytest.approx(shaft.points[1][0] - shaft.points[0][0])
    coming_back = figure_at(sway, 1, 0.2, Side.RIGHT)
    assert coming_back.behind_marks[0].points[1][0] < coming_back.behind_marks[0].points[0][0]
    # The working (front) leg is the highlighted one from behind too; on the left side it all
    # mirrors: out is to the left.
    assert [limb.name for limb in out.behind if limb.highlighted] == ["near_leg"]
    left = beat_picture(sway, 0, Side.LEFT)
    assert pelvis_behind(left) == (-pelvis_behind(out)[0], pelvis_behind(out)[1])
    assert left.behind_marks[0].points[1][0] < left.behind_marks[0].points[0][0]


def test_the_side_stretch_reaches_over_the_head_toward_the_working_side(library):
    stretch = still_picture(library["lunge-side-stretch"], Side.RIGHT)
    arm = next(limb for limb in stretch.behind if limb.name == "far_arm")  # the arm overhead
    shoulder, *_, fingertip = arm.strokes[0].points
    head = next(limb for limb in stretch.behind if limb.name == "body").strokes[-1].points[0]
    assert fingertip[1] > head[1] and fingertip[0] > shoulder[0] + 0.05  # up and over
    (shaft, _head) = stretch.behind_marks
    assert shaft.points[1][0] > shaft.points[0][0]  # from upright toward the reach


def test_the_view_from_behind_stays_put_stands_clear_of_the_figure_and_fits_the_view(library):
    for name in ("low-lunge-sway", "lunge-side-stretch"):
        figure = library[name]
        frames = [figure_at(figure, beat, f) for beat in range(len(figure.beats)) for f in (0.3, 1)]
        floors = {tuple(p for p in picture.props if p.kind == "floor") for picture in frames}
        assert len(floors) == 1  # the same floor, in the same place, on every frame
        (floor,) = floors.pop()
        for picture in frames:
            x0, y0, x1, y1 = behind_box(picture)
            assert y0 >= floor.rects[0][3] - 0.01  # on its own floor
            vx0, vy0, vx1, vy1 = figure.view
            assert vx0 < x0 and x1 < vx1 and vy0 < y0 and y1 < vy1
            # No part of the body is inside the view from behind's box.
            for limb in picture.limbs:
                for stroke in limb.strokes:
                    for x, y in stroke.points:
                        assert not (x0 < x < x1 and y0 < y < y1), (name, limb.name, (x, y))


def test_sway_and_side_bend_are_checked_at_their_line():
    text = GOOD.replace('rests = ["feet"]', 'rests = ["feet"]\nsway = 0.5')
    (message,) = problems(text)
    assert message.startswith(f"test.toml:{line_of(text, 'sway = 0.5')}: shape.sway: must be ")
    text = GOOD.replace('rests = ["feet"]', 'rests = ["feet"]\nside_bend = "left"')
    (message,) = problems(text)
    line = line_of(text, 'side_bend = "left"')
    assert message.startswith(f"test.toml:{line}: shape.side_bend: must be a number")
