"""The five built-in routines say what their sources say: order, holds, sides, rests, cautions."""

import pytest

from stretch_desktop.core.routine import Side
from stretch_desktop.core.timeline import CueKind, PhaseKind, StepKind, compile_routine
from stretch_desktop.library import builtin_routines

ROUTINES = {routine.id: routine for routine in builtin_routines()}


def steps(routine_id):
    return compile_routine(ROUTINES[routine_id]).steps


def rows(routine_id):
    return [(s.pose.id, s.side.value if s.side else None) for s in steps(routine_id)]


def test_there_are_five_each_naming_its_source():
    assert len(ROUTINES) == 5
    for routine in ROUTINES.values():
        assert routine.source and routine.title and routine.description


@pytest.mark.parametrize("routine_id", sorted(ROUTINES))
def test_every_routine_compiles_with_a_complete_cue_script(routine_id):
    timeline = compile_routine(ROUTINES[routine_id])
    assert timeline.phases[-1].cues[-1].kind is CueKind.COMPLETE
    assert 60_000 <= timeline.total_ms <= 20 * 60_000


def test_000_down_dog_from_tabletop_with_its_back_off_advice():
    routine = ROUTINES["down-dog-from-tabletop"]
    assert [pose for pose, _ in rows(routine.id)][:3] == ["tabletop", "plank", "down-dog"]
    advice = " ".join(routine.cautions + routine.pose("down-dog").cautions).lower()
    assert "back off" in advice and "bend" in advice and "knees" in advice


def test_001_fold_then_lunge_block_each_side_with_childs_pose_then_fold_again():
    poses = rows("lunge-flow-for-hamstrings")
    lunges = ["low-lunge-sway", "lunge-side-stretch", "dynamic-hamstring-stretch"]
    assert poses[0] == ("standing-forward-fold", None)
    assert poses[1:9] == (
        [(p, "right") for p in lunges]
        + [("childs-pose", None)]
        + [(p, "left") for p in lunges]
        + [("childs-pose", None)]
    )
    assert poses[9] == ("standing-forward-fold", None)
    kinds = [s.kind for s in steps("lunge-flow-for-hamstrings")]
    assert kinds[1:5] == [StepKind.FLOW, StepKind.HOLD, StepKind.FLOW, StepKind.REST]


def test_002_seven_stretches_ten_breaths_both_sides_supine_as_press_and_release():
    routine = ROUTINES["seven-stretches-for-back-pain"]
    order = [
        "calf-stretch",
        "standing-fold-blocks",
        "lizard",
        "supine-hamstring",
        "half-split",
        "pyramid",
        "seated-forward-fold",
    ]
    assert [p.id for p in routine.poses] == order
    timeline = compile_routine(routine)
    seen = [(s.pose.id, s.side) for s in timeline.steps]
    for pose in order:
        sides = [side for pid, side in seen if pid == pose]
        expected = [Side.RIGHT, Side.LEFT] if routine.pose(pose).one_sided else [None]
        assert sides == expected, pose
    for phase in timeline.phases:
        if phase.kind is PhaseKind.HOLD:
            assert phase.breaths == 10, phase.pose.id
    press = [p for p in timeline.phases if p.kind is PhaseKind.CONTRACT]
    assert press and all(p.duration_ms == 3000 for p in press)
    assert {p.pose.id for p in press} == {"supine-hamstring"}
    assert "block" in " ".join(routine.equipment).lower()


def test_003_toe_touch_held_thirty_seconds_without_bouncing():
    routine = ROUTINES["toe-touch"]
    hold = next(s for s in compile_routine(routine).phases if s.kind is PhaseKind.HOLD)
    assert hold.pose.id == "toe-touch"
    assert hold.duration_ms == 30_000
    assert "bounc" in " ".join(routine.cautions).lower()


def test_004_three_breaths_on_the_box_roll_up_on_the_fourth_exhale_repeated():
    routine = ROUTINES["roll-down-to-a-box"]
    (flow,) = [p for p in compile_routine(routine).phases if p.kind is PhaseKind.FLOW]
    beats = [b.lower() for b in flow.beats]
    assert flow.beat_count // len(beats) >= 2  # repeated
    box = next(i for i, b in enumerate(beats) if "box" in b)
    up = next(i for i, b in enumerate(flow.exhales) if "roll up" in b.lower())
    assert up - box == 4  # three breaths on the box, up on the fourth (exhale)
    cautions = " ".join(routine.cautions).lower()
    for warning in ("numbness", "tingling", "burning"):
        assert warning in cautions
