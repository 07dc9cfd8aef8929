"""Pose figures: a jointed body seen from the side, posed by joint angles, placed on the floor.

A figure file (TOML, one per figure in ``resources/figures/``) gives joint angles and what rests
on the floor; nothing in it is a coordinate. Forward kinematics turns the angles into 2-D
points, and the resting parts decide how the body lies: it is turned so they touch the floor
line together and lifted so nothing goes below it. So a figure cannot float or sink, and a file
whose angles do not put its resting parts on the floor is rejected, with its line, like a broken
routine (``FILE:LINE: field: message``).

Units and axes. Lengths are fractions of standing height H (the body is 1.0 tall), from
Drillis & Contini as tabulated by Winter (``docs`` note *body proportions*). x runs forward:
the figure faces +x on its right side and is mirrored exactly (x -> -x) for the left. y runs up;
the floor is y = 0.

Near and far. Facing +x, the viewer sees the person's right side, so the *near* limbs are the
right ones; mirrored, the near limbs are the left ones. A one-sided pose names its working leg
or arm as the near one, so "right side" and the picture agree.

Angles are degrees from neutral standing (arms hanging, feet flat); one convention for every
joint: **positive is flexion**, the way the joint folds when you curl up into a ball:

- ``spine_low``, ``spine_mid``, ``spine_high``: each spine segment bends forward (rounds);
  negative arches back. A rounded back is the sum of the three, never one bend.
- ``neck``: chin toward the chest.
- ``near_hip``, ``far_hip`` (``hips`` sets both): the thigh comes forward and up.
- ``near_knee``, ``far_knee`` (``knees``): the heel comes back toward the seat; never negative.
- ``near_ankle``, ``far_ankle`` (``ankles``): the toes come up toward the shin (dorsiflexion);
  negative points the foot (plantar flexion).
- ``near_toes``, ``far_toes`` (``toes``): the toes bend up toward the shin, as when tucked under.
- ``near_shoulder``, ``far_shoulder`` (``shoulders``): the arm comes forward and up (180 is
  overhead); negative takes it back.
- ``near_elbow``, ``far_elbow`` (``elbows``): the hand comes toward the shoulder.
- ``near_wrist``, ``far_wrist`` (``wrists``): the palm comes toward the forearm, with the palm
  facing back as when you put your hands down in front of you; a hand flat on the floor under
  a vertical arm is -90.

The pelvis is the root. Its tilt is not given: it follows from what rests on the floor.

Pressing. A figure for a contract-relax step may say how it presses (``[press]``: a ``joint``
and ``toward = "flexion"`` or ``"extension"``): nothing moves in an isometric press, so the
picture of a press (:func:`press_picture`) is the same body with that limb marked and an arrow
the way the push goes; the release is the plain still picture.

Sideways. A move across the line of sight (a lunge's sway toward the little toe, a reach over
the head toward the front leg) does not show from the side. A shape may say how far the hips
move sideways (``sway``, × H) and the trunk bends sideways (``side_bend``, degrees), both
toward the working side; such a figure also gets a small view from behind, beside its back
(:func:`_behind`): the same heights, the move drawn against a faint figure where it starts, and
an arrow the way the beat goes. Mirrored for the left side like the rest.

The one reader of a figure's table (:func:`read_figure`) serves library files
(``core/figure_files``) and a routine pose's inline figure (the routine loader); this module does
no I/O and returns frozen data.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Protocol

from stretch_desktop.core.routine import Pose, Side

FORMAT_VERSION: Final = 1

Point = tuple[float, float]
Rect = tuple[float, float, float, float]
"""x0, y0, x1, y1 with x0 <= x1 and y0 <= y1."""

# --- the body: lengths (× H, Winter's table), flesh radii, joints -------------------------------

THIGH: Final = 0.245
SHANK: Final = 0.246
UPPER_ARM: Final = 0.186
FOREARM: Final = 0.146
HAND: Final = 0.108
SPINE: Final = (0.100, 0.100, 0.088)
"""Hip joint to shoulder joint (0.288 H) in three segments: lumbar, lower and upper thorax."""
NECK: Final = 0.052
HEAD_RADIUS: Final = 0.065
"""Chin to crown is 0.130 H; shoulder to crown 0.182 H = neck + a head of this radius twice."""
HEEL: Final = (-0.022, -0.021)
BALL: Final = (0.070, -0.021)
TOE: Final = 0.035
"""The foot in its own frame (x along the sole, forward; y up), from the ankle: heel and ball
centres, then the toes. With the foot's flesh radius the sole is 0.039 H below the ankle (the
ankle's standing height) and the foot 0.152 H long (Winter's foot length)."""

TRUNK_R: Final = 0.055
THIGH_R: Final = 0.038
SHANK_R: Final = 0.028
FOOT_R: Final = 0.018
UPPER_ARM_R: Final = 0.025
FOREARM_R: Final = 0.021
HAND_R: Final = 0.016
NECK_R: Final = 0.023
"""Flesh radii (half the drawn width): a limb is drawn as a rounded stroke this thick, and a
resting part touches the floor with its flesh, not its bone line."""


@dataclass(frozen=True, slots=True)
class Joint:
    """A joint's range (degrees, positive = flexion) and what a person should read into it."""

    low: float
    high: float
    meaning: str


_SPINE = Joint(-30, 45, "positive rounds this part of the back forward")
_HIP = Joint(-20, 145, "positive brings the thigh forward and up")
_KNEE = Joint(0, 150, "0 is straight; positive brings the heel toward the seat")
_ANKLE = Joint(-90, 30, "positive lifts the toes toward the shin; negative points the foot")
_TOES = Joint(0, 90, "positive bends the toes up, as when tucked under")
_SHOULDER = Joint(-60, 180, "positive raises the arm forward; 180 is overhead")
_ELBOW = Joint(0, 150, "0 is straight; positive brings the hand toward the shoulder")
_WRIST = Joint(-90, 80, "positive brings the palm toward the forearm; -90 is a hand flat down")

JOINTS: Final[Mapping[str, Joint]] = {
    "spine_low": _SPINE,
    "spine_mid": _SPINE,
    "spine_high": _SPINE,
    "neck": Joint(-45, 60, "positive brings the chin toward the chest"),
    "near_hip": _HIP,
    "near_knee": _KNEE,
    "near_ankle": _ANKLE,
    "near_toes": _TOES,
    "far_hip": _HIP,
    "far_knee": _KNEE,
    "far_ankle": _ANKLE,
    "far_toes": _TOES,
    "near_shoulder": _SHOULDER,
    "near_elbow": _ELBOW,
    "near_wrist": _WRIST,
    "far_shoulder": _SHOULDER,
    "far_elbow": _ELBOW,
    "far_wrist": _WRIST,
}
"""Every joint and its range. Knee 0-150 (never hyperextended), hip extension to -20, elbow
0-150 and the spine's few tens of degrees a segment are from the proportions note. Three are
wider than one living joint, because here one segment or one side view stands for more: the
ankle reaches -90 so a kneeling figure's foot lies flat on the mat (the mid-foot gives the
rest), and +30 for the front shin of a deep lunge (a weight-bearing ankle reaches 35-40°); the
hip flexes to 145, not 130, because in a deep lunge the pelvis tips forward with the thigh and
in lizard or child's pose the thigh passes beside the trunk, which a side view shows as more
flexion (the low lunges use 145, lizard 136, child's pose 133)."""
JOINT_NAMES: Final = tuple(JOINTS)
_INDEX: Final = {name: i for i, name in enumerate(JOINT_NAMES)}
BOTH_SIDES: Final[Mapping[str, tuple[str, str]]] = {
    plural: (f"near_{single}", f"far_{single}")
    for plural, single in (
        ("hips", "hip"),
        ("knees", "knee"),
        ("ankles", "ankle"),
        ("toes", "toes"),
        ("shoulders", "shoulder"),
        ("elbows", "elbow"),
        ("wrists", "wrist"),
    )
}
"""A plural key sets a joint on both sides; a ``near_``/``far_`` key in the same table wins."""

_LIMB_POINTS: Final = ("knee", "ankle", "heel", "ball", "toe", "elbow", "wrist", "fingertip")
POINT_NAMES: Final = (
    "hip",
    "waist",
    "chest",
    "shoulder",
    "neck",
    "head",
    *(f"{side}_{p}" for side in ("near", "far") for p in _LIMB_POINTS),
)
_RADIUS: Final[Mapping[str, float]] = {
    "hip": TRUNK_R,
    "waist": TRUNK_R,
    "chest": TRUNK_R,
    "shoulder": TRUNK_R,
    "neck": NECK_R,
    "head": HEAD_RADIUS,
    **{
        f"{side}_{p}": r
        for side in ("near", "far")
        for p, r in (
            ("knee", THIGH_R),
            ("ankle", SHANK_R),
            ("heel", FOOT_R),
            ("ball", FOOT_R),
            ("toe", FOOT_R),
            ("elbow", UPPER_ARM_R),
            ("wrist", FOREARM_R),
            ("fingertip", HAND_R),
        )
    },
}
"""The flesh around each point: the widest stroke that ends there."""

# --- what may rest on the floor -----------------------------------------------------------------

_LIMB_PARTS: Final[Mapping[str, tuple[str, ...]]] = {
    "foot": ("heel", "ball", "toe"),
    "heel": ("heel",),
    "toes": ("ball", "toe"),
    "instep": ("ankle", "toe"),
    "knee": ("knee",),
    "shin": ("knee", "ankle"),
    "hand": ("wrist", "fingertip"),
    "fingertips": ("fingertip",),
    "forearm": ("elbow", "wrist"),
}
_PLURAL_PARTS: Final = {
    "feet": "foot",
    "heels": "heel",
    "toes": "toes",
    "insteps": "instep",
    "knees": "knee",
    "shins": "shin",
    "hands": "hand",
    "fingertips": "fingertips",
    "forearms": "forearm",
}
REST_PARTS: Final[Mapping[str, tuple[str, ...]]] = {
    "seat": ("hip",),
    "back": ("hip", "shoulder"),
    "head": ("head",),
    **{
        f"{side}_{part}": tuple(f"{side}_{p}" for p in points)
        for part, points in _LIMB_PARTS.items()
        for side in ("near", "far")
    },
    **{
        plural: tuple(f"{side}_{p}" for side in ("near", "far") for p in _LIMB_PARTS[single])
        for plural, single in _PLURAL_PARTS.items()
    },
}
"""Each name a figure may list in ``rests`` and the points whose flesh then touches the floor
(or the top of the prop placed under them). ``instep`` is the top of the foot, as in kneeling;
``back`` is the sacrum and the shoulder blades (the low back's curve may stay off the floor)."""
REST_TOLERANCE: Final = 0.012
"""How far (× H, about 2 cm) a resting part may be from the floor: angles are whole degrees."""

# --- props and target areas ---------------------------------------------------------------------

BLOCK_SIZES: Final[Mapping[str, tuple[float, float]]] = {
    "low": (0.135, 0.059),
    "middle": (0.135, 0.088),
    "tall": (0.088, 0.135),
}
"""A 23 × 15 × 10 cm yoga block seen from the side (width, height × H) on each of its faces."""
BOX: Final = (0.30, 0.24)
"""A box, low table or ottoman about 40 cm high."""
TABLE: Final = (0.45, 0.50)
"""A sturdy table or counter (about 85 cm): a standing hand rests on it with the elbow bent."""
MAT_THICKNESS: Final = 0.016
PROP_KINDS: Final = ("mat", "blocks", "box", "table")

_TARGET_AREAS: Final = (
    "hamstrings",
    "inner_thighs",
    "hip_flexors",
    "calves",
    "shoulders",
    "hips",
    "side_body",
    "low_back",
    "back",
    "neck",
)
_LIMB_AREAS: Final = ("hamstrings", "inner_thighs", "hip_flexors", "calves", "shoulders")
TARGETS: Final = (
    *(a for a in _TARGET_AREAS if a not in _LIMB_AREAS),
    *_LIMB_AREAS,
    *(f"{side}_{a}" for a in _LIMB_AREAS for side in ("near", "far")),
)
"""Where a stretch is felt: a limb area alone means both sides, ``near_``/``far_`` one."""
LIMBS: Final = ("far_arm", "far_leg", "body", "near_leg", "near_arm")
"""The groups a picture is drawn in, back to front; ``highlight`` names limbs from here."""
GLOW: Final = 0.05
"""How much wider than the body part its target area is drawn (× H)."""

PRESS_SEGMENTS: Final[Mapping[str, tuple[str, str, int]]] = {
    "spine_low": ("hip", "waist", -1),
    "spine_mid": ("waist", "chest", -1),
    "spine_high": ("chest", "shoulder", -1),
    "neck": ("shoulder", "head", -1),
    **{
        f"{side}_{joint}": (f"{side}_{base}", f"{side}_{tip}", sense)
        for side in ("near", "far")
        for joint, base, tip, sense in (
            ("knee", "knee", "ankle", -1),
            ("ankle", "ankle", "ball", 1),
            ("toes", "ball", "toe", 1),
            ("elbow", "elbow", "wrist", 1),
            ("wrist", "wrist", "fingertip", -1),
        )
    },
    **{f"{side}_hip": ("hip", f"{side}_knee", 1) for side in ("near", "far")},
    **{f"{side}_shoulder": ("shoulder", f"{side}_elbow", 1) for side in ("near", "far")},
}
"""For each joint that may press: the segment it turns (from the joint to the segment's far
end) and the way flexion turns it (+1 counter-clockwise facing +x, as in :func:`kinematics`)."""
PRESS_AT: Final = 0.72
"""Where along that segment the arrow stands (0 the joint, 1 its far end): near the far end,
where a hand or a wall would hold it."""
PRESS_GAP: Final = 0.03
PRESS_ARROW: Final = 0.09
PRESS_HEAD: Final = 0.04
PRESS_WIDTH: Final = 0.024
"""The arrow (× H): its gap from the limb's flesh, its shaft's length, its head's length, its
shaft's width. Big enough to read at a glance in the window, small beside the body."""


# --- the data a file becomes --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shape:
    """One keyframe: every joint's angle (in :data:`JOINT_NAMES` order) and what rests."""

    angles: tuple[float, ...]
    rests: tuple[str, ...]
    label: str = ""
    support: tuple[str, str] | None = None
    """The two resting points the body is set down on first (worked out when the figure
    loads; None: search)."""
    sway: float = 0.0
    """How far (× H) the hips are moved sideways toward the working side: a move across the
    side view's line of sight, drawn in the view from behind (:data:`BEHIND_SCALE`)."""
    side_bend: float = 0.0
    """How far (degrees) the trunk bends sideways toward the working side (an arm overhead
    reaches over with it); drawn in the view from behind too."""
    heading: float = 0.0
    """Which way the body is moving sideways at this moment: toward the working side
    (positive), back (negative), or not (0). Set by :func:`shape_at` from the beat's two
    keyframes, and for a still figure from its own sway or bend (where it reaches to)."""

    def angle(self, joint: str) -> float:
        return self.angles[_INDEX[joint]]

    @property
    def sideways(self) -> bool:
        return self.sway != 0.0 or self.side_bend != 0.0


@dataclass(frozen=True, slots=True)
class PropSpec:
    """A prop as written: its kind, and for a placed one what it is under and on which beat."""

    kind: str
    under: str | None = None
    size: str = "tall"
    offset: float = 0.0
    beat: int = 0


@dataclass(frozen=True, slots=True)
class Press:
    """How a contract-relax figure presses: ``joint`` pushes toward flexion (+1) or extension
    (-1) against something that holds it, so nothing moves; the picture shows the push as an
    arrow on the limb, the way the push goes."""

    joint: str
    toward: int


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure from the library: one shape, or a flow's keyframes (one per beat)."""

    name: str
    title: str
    beats: tuple[Shape, ...]
    props: tuple[PropSpec, ...] = ()
    targets: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    still: int = 0
    """The beat shown when the figure does not move (a list, reduced motion, a flow's PNG)."""
    anchor: str = ""
    """The point kept at x = 0 in every beat, so a flow moves around what stays put."""
    view: Rect = (0.0, 0.0, 1.0, 1.0)
    """The box every beat fits in, on the right side: a painter scales this, not each frame,
    so a flow does not zoom as it moves."""
    scenery: tuple[PropShape, ...] = ()
    """The props in place (worked out when the figure loads: they do not move)."""
    press: Press | None = None
    """How it presses, for a contract-relax step (None: the working limbs are marked, no
    arrow)."""
    behind_at: Point | None = None
    """Where the view from behind stands (its floor's middle-left, × H), for a figure that
    moves sideways (worked out when the figure loads, so it stays put while the body moves);
    None: no view from behind."""

    @property
    def flow(self) -> bool:
        return len(self.beats) > 1


@dataclass(frozen=True, slots=True)
class Stroke:
    """A rounded line this wide through ``points`` (one point: a dot; closed: a filled shape)."""

    points: tuple[Point, ...]
    width: float
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Limb:
    """A group drawn together in one colour (outlined as one, so its own joints show no seam)."""

    name: str
    strokes: tuple[Stroke, ...]
    highlighted: bool = False
    glows: tuple[Stroke, ...] = ()
    """Target areas on this group, drawn just behind it in a soft colour."""
    pressing: bool = False
    """This group presses now (a contract-relax press): drawn with a halo of effort."""


@dataclass(frozen=True, slots=True)
class PropShape:
    """A prop as drawn: its kind (the painter's colour) and the rectangles it is made of."""

    kind: str
    rects: tuple[Rect, ...]


@dataclass(frozen=True, slots=True)
class Picture:
    """A placed figure, ready to paint: every coordinate × H, floor at y = 0, x forward."""

    limbs: tuple[Limb, ...]
    props: tuple[PropShape, ...]
    view: Rect
    points: tuple[tuple[str, Point], ...]
    marks: tuple[Stroke, ...] = ()
    """Drawn over the body in the accent colour: the arrow of a press."""
    behind: tuple[Limb, ...] = ()
    """The small view from behind, for a figure that moves sideways (empty otherwise): the
    body in the same colours, the working leg highlighted, the floor under it as a prop."""
    behind_ghost: tuple[Stroke, ...] = ()
    """Where the moving part of the view from behind starts (hips centred, trunk upright),
    drawn faint under it, so the move reads as a change, not a posture."""
    behind_marks: tuple[Stroke, ...] = ()
    """The arrow from where it starts to where it goes, in the accent colour."""

    @property
    def pressing(self) -> bool:
        return any(limb.pressing for limb in self.limbs)

    def point(self, name: str) -> Point:
        for key, value in self.points:
            if key == name:
                return value
        raise KeyError(name)

    def mirrored(self) -> Picture:
        """The same picture seen from the other side: x -> -x, exactly."""

        def flip(p: Point) -> Point:
            return (-p[0], p[1])

        def flip_stroke(s: Stroke) -> Stroke:
            return Stroke(tuple(flip(p) for p in s.points), s.width, s.closed)

        def flip_limb(limb: Limb) -> Limb:
            return Limb(
                limb.name,
                tuple(flip_stroke(s) for s in limb.strokes),
                limb.highlighted,
                tuple(flip_stroke(s) for s in limb.glows),
                limb.pressing,
            )

        return Picture(
            limbs=tuple(flip_limb(limb) for limb in self.limbs),
            props=tuple(
                PropShape(p.kind, tuple((-r[2], r[1], -r[0], r[3]) for r in p.rects))
                for p in self.props
            ),
            view=(-self.view[2], self.view[1], -self.view[0], self.view[3]),
            points=tuple((name, flip(p)) for name, p in self.points),
            marks=tuple(flip_stroke(s) for s in self.marks),
            behind=tuple(flip_limb(limb) for limb in self.behind),
            behind_ghost=tuple(flip_stroke(s) for s in self.behind_ghost),
            behind_marks=tuple(flip_stroke(s) for s in self.behind_marks),
        )


def figure_name_for(pose_id: str, figure: str | None) -> str:
    """The library figure a routine's pose shows: its own ``figure`` key, else its id (so a
    pose named like a library figure needs no key at all)."""
    return figure or pose_id


def pose_figure(pose: Pose, library: Mapping[str, Figure]) -> Figure | None:
    """The figure a routine's pose shows: the one its file draws inline (``[poses.figure]``),
    else the library's by :func:`figure_name_for`; None when there is neither (no figure is
    shown). Every place that draws a pose asks here, so the window, the lists and
    ``figures`` agree."""
    if isinstance(pose.inline_figure, Figure):
        return pose.inline_figure
    return library.get(figure_name_for(pose.id, pose.figure))


# --- kinematics ---------------------------------------------------------------------------------


def _unit(degrees: float) -> Point:
    radians = math.radians(degrees)
    return (math.cos(radians), math.sin(radians))


def _step(p: Point, degrees: float, length: float) -> Point:
    c, s = _unit(degrees)
    return (p[0] + c * length, p[1] + s * length)


def kinematics(angles: Sequence[float], pelvis: float = 90.0) -> dict[str, Point]:
    """Every point of the body, hip joint at the origin, for these angles and a pelvis
    pointing ``pelvis`` degrees (90: upright, facing +x). Directions are degrees counter-
    clockwise from +x; each joint turns its child by its angle, in the sense flexion does."""
    a = dict(zip(JOINT_NAMES, angles, strict=True))
    points: dict[str, Point] = {"hip": (0.0, 0.0)}
    direction = pelvis
    previous = "hip"
    for name, segment, length in zip(
        ("waist", "chest", "shoulder"), ("spine_low", "spine_mid", "spine_high"), SPINE, strict=True
    ):
        direction -= a[segment]  # rounding forward turns clockwise when facing +x
        points[name] = _step(points[previous], direction, length)
        previous = name
    top = direction
    head_direction = top - a["neck"]
    points["neck"] = _step(points["shoulder"], head_direction, NECK)
    points["head"] = _step(points["neck"], head_direction, HEAD_RADIUS)
    for side in ("near", "far"):
        thigh = pelvis - 180 + a[f"{side}_hip"]
        points[f"{side}_knee"] = knee = _step(points["hip"], thigh, THIGH)
        shank = thigh - a[f"{side}_knee"]
        points[f"{side}_ankle"] = ankle = _step(knee, shank, SHANK)
        sole = shank + 90 + a[f"{side}_ankle"]
        c, s = _unit(sole)
        for name, (fx, fy) in (("heel", HEEL), ("ball", BALL)):
            points[f"{side}_{name}"] = (ankle[0] + c * fx - s * fy, ankle[1] + s * fx + c * fy)
        points[f"{side}_toe"] = _step(points[f"{side}_ball"], sole + a[f"{side}_toes"], TOE)
        arm = top - 180 + a[f"{side}_shoulder"]
        points[f"{side}_elbow"] = elbow = _step(points["shoulder"], arm, UPPER_ARM)
        forearm = arm + a[f"{side}_elbow"]
        points[f"{side}_wrist"] = wrist = _step(elbow, forearm, FOREARM)
        points[f"{side}_fingertip"] = _step(wrist, forearm - a[f"{side}_wrist"], HAND)
    return points


# --- placing a shape on the floor ---------------------------------------------------------------


def _rest_points(rests: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for rest in rests:
        for point in REST_PARTS[rest]:
            seen[point] = None
    return list(seen)


def _prop_height(prop: PropSpec) -> float:
    if prop.kind == "blocks":
        return BLOCK_SIZES[prop.size][1]
    if prop.kind == "box":
        return BOX[1]
    if prop.kind == "table":
        return TABLE[1]
    return 0.0


def _support_heights(props: Sequence[PropSpec]) -> dict[str, float]:
    """The height each point rests at when it rests: the top of the prop it is placed on."""
    heights: dict[str, float] = {}
    for prop in props:
        if prop.under is not None:
            for point in REST_PARTS[prop.under]:
                heights[point] = _prop_height(prop)
    return heights


def _rotate(points: Mapping[str, Point], radians: float) -> dict[str, Point]:
    c, s = math.cos(radians), math.sin(radians)
    return {k: (x * c - y * s, x * s + y * c) for k, (x, y) in points.items()}


def _lowest(points: Mapping[str, Point]) -> float:
    return min(y - _RADIUS[k] for k, (x, y) in points.items())


def _on_pair(
    points: Mapping[str, Point], a: str, b: str, heights: Mapping[str, float]
) -> dict[str, Point]:
    """``points`` turned and shifted so ``a`` and ``b`` both touch their support (the floor, or
    a prop's top), then lifted so nothing goes below the floor. Of the two turns that do it,
    the one that leaves less below the floor wins (a body on its back, not through the floor
    on its front); on a tie, the one with the head higher."""
    (ax, ay), (bx, by) = points[a], points[b]
    bottom_a = _RADIUS[a] + heights.get(a, 0.0)
    bottom_b = _RADIUS[b] + heights.get(b, 0.0)
    distance = math.dist(points[a], points[b])
    # After turning by t: ay' - by' = d sin(phi + t) must equal bottom_a - bottom_b.
    phi = math.atan2(ay - by, ax - bx)
    ratio = max(-1.0, min(1.0, (bottom_a - bottom_b) / distance)) if distance > 0 else 0.0
    first_turn = math.asin(ratio) - phi
    best: tuple[float, float, dict[str, Point]] | None = None
    for turn in (first_turn, math.pi - 2 * math.asin(ratio) + first_turn):
        turned = _rotate(points, turn)
        floor = turned[a][1] - bottom_a
        shifted = {k: (x, y - floor) for k, (x, y) in turned.items()}
        key = (min(0.0, _lowest(shifted)), shifted["head"][1], shifted)
        if best is None or key[:2] > best[:2]:
            best = key
    assert best is not None
    return _lifted(best[2])


def _lifted(placed: dict[str, Point]) -> dict[str, Point]:
    lift = -min(0.0, _lowest(placed))
    return {k: (x, y + lift) for k, (x, y) in placed.items()} if lift else placed


def _misfit(
    placed: Mapping[str, Point], contacts: Sequence[str], heights: Mapping[str, float]
) -> float:
    return sum((placed[c][1] - _RADIUS[c] - heights.get(c, 0.0)) ** 2 for c in contacts)


def support_pair(
    points: Mapping[str, Point], contacts: Sequence[str], heights: Mapping[str, float]
) -> tuple[str, str]:
    """The two resting points to set down first: of every pair (of points on the floor, if
    there are two), the one after which all resting points sit closest to their support (then
    the head highest). Searched once per keyframe when a figure loads, not per frame."""
    best: tuple[float, float, tuple[str, str]] | None = None
    # The body stands on the floor: with two points on it, the pair is from those (a hand on
    # a table then has to reach the table, the feet stay flat).
    on_floor = [c for c in contacts if heights.get(c, 0.0) == 0.0]
    pool = on_floor if len(on_floor) >= 2 else list(contacts)
    for i, first in enumerate(pool):
        for second in pool[i + 1 :]:
            if math.dist(points[first], points[second]) < 1e-6:
                continue
            placed = _on_pair(points, first, second, heights)
            key = (-round(_misfit(placed, contacts, heights), 9), placed["head"][1])
            if best is None or key > best[:2]:
                best = (*key, (first, second))
    return best[2] if best is not None else (contacts[0], contacts[-1])


def _settle(
    points: Mapping[str, Point],
    contacts: Sequence[str],
    heights: Mapping[str, float],
    pair: tuple[str, str] | None,
) -> dict[str, Point]:
    """Set the body down on its resting points (see :func:`support_pair`)."""
    if len(contacts) < 2:  # never from a file (the loader wants two); an interpolation may
        target = contacts[0] if contacts else "near_heel"
        floor = points[target][1] - _RADIUS[target] - heights.get(target, 0.0)
        return _lifted({k: (x, y - floor) for k, (x, y) in points.items()})
    if pair is None or pair[0] not in contacts or pair[1] not in contacts:
        pair = support_pair(points, contacts, heights)
    return _on_pair(points, pair[0], pair[1], heights)


def _place(shape: Shape, props: Sequence[PropSpec], anchor: str) -> dict[str, Point]:
    contacts = _rest_points(shape.rests)
    placed = _settle(kinematics(shape.angles), contacts, _support_heights(props), shape.support)
    ax = placed[anchor][0] if anchor else 0.0
    return {k: (x - ax, y) for k, (x, y) in placed.items()}


def rest_gaps(figure: Figure, beat: int) -> dict[str, float]:
    """How far each resting point of a beat is above (positive) or into (negative) what it
    rests on. The loader rejects a figure with a gap beyond :data:`REST_TOLERANCE`."""
    shape = figure.beats[beat]
    placed = _place(shape, figure.props, figure.anchor)
    heights = _support_heights(figure.props)
    return {p: placed[p][1] - _RADIUS[p] - heights.get(p, 0.0) for p in _rest_points(shape.rests)}


# --- from placed points to a picture ------------------------------------------------------------


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _glows(target: str, p: Mapping[str, Point]) -> list[tuple[str, Stroke]]:
    """The soft marks of one target area, each with the limb group it is drawn behind."""
    sides: tuple[str, ...] = ("near", "far")
    area = target
    if target.startswith(("near_", "far_")):
        side, _, area = target.partition("_")
        sides = (side,) if side == "near" else ("far",)
    out: list[tuple[str, Stroke]] = []
    trunk = TRUNK_R * 2 + GLOW
    points: tuple[Point, ...]
    if area in ("hamstrings", "inner_thighs", "hip_flexors", "calves"):
        for side in sides:
            if area == "calves":
                a, b, lo, hi, width = f"{side}_knee", f"{side}_ankle", 0.08, 0.7, SHANK_R
            elif area == "hip_flexors":
                a, b, lo, hi, width = "hip", f"{side}_knee", 0.0, 0.45, THIGH_R
            else:
                a, b, lo, hi, width = "hip", f"{side}_knee", 0.15, 0.85, THIGH_R
            start, end = _lerp(p[a], p[b], lo), _lerp(p[a], p[b], hi)
            # The back of the leg (hamstrings, calves) or its front (hip flexors) lies a
            # quarter turn from the bone's direction; the mark leans that way. Inner thighs
            # face the other leg, which a side view cannot show: centred.
            turn = {"hamstrings": -90.0, "calves": -90.0, "hip_flexors": 90.0}.get(area)
            if turn is not None:
                bone = math.degrees(math.atan2(end[1] - start[1], end[0] - start[0]))
                shift = _step((0.0, 0.0), bone + turn, GLOW / 2)
                start = (start[0] + shift[0], start[1] + shift[1])
                end = (end[0] + shift[0], end[1] + shift[1])
            out.append((f"{side}_leg", Stroke((start, end), width * 2 + GLOW)))
    elif area == "shoulders":
        for side in sides:
            points = (p["shoulder"], _lerp(p["shoulder"], p[f"{side}_elbow"], 0.35))
            out.append((f"{side}_arm", Stroke(points, UPPER_ARM_R * 2 + GLOW)))
    elif area == "hips":
        out.append(("body", Stroke((p["hip"],), trunk + 0.03)))
    elif area == "side_body":
        points = (
            _lerp(p["hip"], p["waist"], 0.5),
            p["waist"],
            p["chest"],
            _lerp(p["chest"], p["shoulder"], 0.6),
        )
        out.append(("body", Stroke(points, trunk)))
    elif area == "low_back":
        points = (_lerp(p["hip"], p["waist"], 0.2), p["waist"], _lerp(p["waist"], p["chest"], 0.5))
        out.append(("body", Stroke(points, trunk)))
    elif area == "back":
        out.append(("body", Stroke((p["hip"], p["waist"], p["chest"], p["shoulder"]), trunk)))
    elif area == "neck":
        out.append(("body", Stroke((p["shoulder"], p["neck"]), NECK_R * 2 + GLOW)))
    return out


def _strokes(p: Mapping[str, Point]) -> dict[str, tuple[Stroke, ...]]:
    groups: dict[str, tuple[Stroke, ...]] = {
        "body": (
            Stroke((p["hip"], p["waist"], p["chest"], p["shoulder"]), TRUNK_R * 2),
            Stroke((p["shoulder"], p["neck"]), NECK_R * 2),
            Stroke((p["head"],), HEAD_RADIUS * 2),
        )
    }
    for side in ("near", "far"):

        def at(name: str, side: str = side) -> Point:
            return p[f"{side}_{name}"]

        groups[f"{side}_leg"] = (
            Stroke((p["hip"], at("knee")), THIGH_R * 2),
            Stroke((at("knee"), at("ankle")), SHANK_R * 2),
            Stroke((at("ankle"), at("heel"), at("ball")), FOOT_R * 2, closed=True),
            Stroke((at("ball"), at("toe")), FOOT_R * 2),
        )
        groups[f"{side}_arm"] = (
            Stroke((p["shoulder"], at("elbow")), UPPER_ARM_R * 2),
            Stroke((at("elbow"), at("wrist")), FOREARM_R * 2),
            Stroke((at("wrist"), at("fingertip")), HAND_R * 2),
        )
    return groups


def _prop_shapes(
    props: Sequence[PropSpec],
    positions: Mapping[int, Mapping[str, Point]],
    span: tuple[float, float],
) -> tuple[PropShape, ...]:
    """Props in place. A prop under a body part stands under it on the beat it names (the
    same spot on every beat); a mat spans ``span``, the figure's reach along the floor."""
    shapes: list[PropShape] = []
    for prop in props:
        if prop.kind == "mat":
            shapes.append(
                PropShape("mat", ((span[0] - 0.08, -MAT_THICKNESS, span[1] + 0.08, 0.0),))
            )
            continue
        points = positions[prop.beat]
        names = REST_PARTS[prop.under] if prop.under else ("near_wrist",)
        x = sum(points[n][0] for n in names) / len(names) + prop.offset
        if prop.kind == "blocks":
            w, h = BLOCK_SIZES[prop.size]
            shapes.append(PropShape("blocks", ((x - w / 2, 0.0, x + w / 2, h),)))
        elif prop.kind == "box":
            w, h = BOX
            shapes.append(PropShape("box", ((x - w / 2, 0.0, x + w / 2, h),)))
        elif prop.kind == "table":
            w, h = TABLE
            left = x - 0.06  # the hand rests near the table's near edge
            shapes.append(
                PropShape(
                    "table",
                    (
                        (left, h - 0.03, left + w, h),
                        (left + 0.02, 0.0, left + 0.045, h - 0.03),
                        (left + w - 0.045, 0.0, left + w - 0.02, h - 0.03),
                    ),
                )
            )
    return tuple(shapes)


def _press_limb(joint: str) -> str:
    """The group a joint's push is seen in: a hip or knee presses with its leg, and so on."""
    side, _, part = joint.partition("_")
    if side in ("near", "far"):
        return f"{side}_leg" if part in ("hip", "knee", "ankle", "toes") else f"{side}_arm"
    return "body"


def _press_marks(press: Press, p: Mapping[str, Point]) -> tuple[Stroke, ...]:
    """An arrow beside the segment the pressing joint turns, pointing the way its far end
    pushes: square to the bone, on the side the push goes, clear of the limb's flesh."""
    base, tip, sense = PRESS_SEGMENTS[press.joint]
    (bx, by), (tx, ty) = p[base], p[tip]
    length = math.hypot(tx - bx, ty - by) or 1.0
    along = ((tx - bx) / length, (ty - by) / length)
    turn = sense * press.toward  # +1: the far end moves counter-clockwise about the joint
    push = (-along[1] * turn, along[0] * turn)
    at = _lerp(p[base], p[tip], PRESS_AT)
    gap = _RADIUS[tip] + PRESS_GAP
    start = (at[0] + push[0] * gap, at[1] + push[1] * gap)
    end = (start[0] + push[0] * PRESS_ARROW, start[1] + push[1] * PRESS_ARROW)
    point = (end[0] + push[0] * PRESS_HEAD, end[1] + push[1] * PRESS_HEAD)
    half = PRESS_HEAD * 0.8
    left = (end[0] - along[0] * half, end[1] - along[1] * half)
    right = (end[0] + along[0] * half, end[1] + along[1] * half)
    return (
        Stroke((start, end), PRESS_WIDTH),
        Stroke((left, point, right), PRESS_WIDTH / 2, closed=True),
    )


SWAY_MOST: Final = 0.15
SIDE_BEND_MOST: Final = 40.0
BEHIND_SCALE: Final = 0.6
"""The view from behind is drawn this size beside the figure: small, like an inset, yet big
enough that a sway or a reach over reads from the mat."""
BEHIND_SWAY_GAIN: Final = 2.5
"""A sway of a few centimetres is drawn this much wider in the view from behind, so that at
its size the move is seen, not measured."""
BEHIND_ARROW: Final = 0.22
"""The length (× H, before :data:`BEHIND_SCALE`) of the arrow over the view from behind."""
BEHIND_GAP: Final = 0.10
"""How far (× H) the view from behind stands behind the figure's back."""
HIP_HALF: Final = 0.085
SHOULDER_HALF: Final = 0.105
STANCE_HALF: Final = 0.11
"""From behind: half the hip joints' spread, the shoulder joints', and of the feet and knees
on the floor (hip width), × H."""
OVERHEAD: Final = 120.0
"""A shoulder raised more than this (degrees) is an arm overhead, drawn up from behind."""


def _turned(p: Point, length: float, degrees_from_up: float) -> Point:
    """``p`` moved ``length`` up, leaning ``degrees_from_up`` toward +x (the working side)."""
    return _step(p, 90.0 - degrees_from_up, length)


def _from_behind(
    shape: Shape, placed: Mapping[str, Point], sway: float, bend: float
) -> dict[str, Point]:
    """The body seen from behind (x toward the working side, y up, floor at 0): every height
    is the side view's, only the sideways positions are drawn, from ``sway`` and ``bend``."""
    hip_y = placed["hip"][1]
    pelvis = (sway * BEHIND_SWAY_GAIN, hip_y)
    out: dict[str, Point] = {"hip": pelvis}
    rest_points = set(_rest_points(shape.rests))
    for side, sign in (("near", 1.0), ("far", -1.0)):
        out[f"{side}_hip"] = (pelvis[0] + sign * HIP_HALF, hip_y)
        for name in ("knee", "ankle", "ball"):
            point = f"{side}_{name}"
            out[point] = (sign * STANCE_HALF, placed[point][1])
        if f"{side}_knee" in rest_points:  # kneeling: the shin runs toward the viewer
            out[f"{side}_ankle"] = out[f"{side}_knee"]
            out[f"{side}_ball"] = out[f"{side}_knee"]
    previous = pelvis
    for index, (name, low) in enumerate(
        (("waist", "hip"), ("chest", "waist"), ("shoulder", "chest"))
    ):
        rise = max(0.02, placed[name][1] - placed[low][1])
        previous = out[name] = _turned(previous, rise, bend * (index + 1) / 3)
    top = bend
    out["neck"] = _turned(out["shoulder"], NECK, top * 1.1)
    out["head"] = _turned(out["neck"], HEAD_RADIUS, top * 1.1)
    across = _step((0.0, 0.0), -top, SHOULDER_HALF)  # along the shoulders, toward +x
    for side, sign in (("near", 1.0), ("far", -1.0)):
        joint = (out["shoulder"][0] + sign * across[0], out["shoulder"][1] + sign * across[1])
        out[f"{side}_shoulder"] = joint
        if shape.angle(f"{side}_shoulder") >= OVERHEAD:
            elbow = _turned(joint, UPPER_ARM, top * 1.6)
            wrist = _turned(elbow, FOREARM, top * 2.4)
            out[f"{side}_fingertip"] = _turned(wrist, HAND, top * 2.8)
        else:  # down in front of the body: toward the front thigh, at the side view's heights
            reach = (joint[0] + STANCE_HALF * 0.8) / 2
            elbow = (joint[0] + sign * 0.03, placed[f"{side}_elbow"][1])
            wrist = (reach, placed[f"{side}_wrist"][1])
            out[f"{side}_fingertip"] = (reach, placed[f"{side}_fingertip"][1])
        out[f"{side}_elbow"], out[f"{side}_wrist"] = elbow, wrist
    return out


def _behind_strokes(b: Mapping[str, Point], shape: Shape) -> dict[str, tuple[Stroke, ...]]:
    groups: dict[str, tuple[Stroke, ...]] = {
        "body": (
            Stroke((b["far_hip"], b["near_hip"]), THIGH_R * 2),
            Stroke((b["hip"], b["waist"], b["chest"], b["shoulder"]), TRUNK_R * 2),
            Stroke((b["far_shoulder"], b["near_shoulder"]), UPPER_ARM_R * 2),
            Stroke((b["shoulder"], b["neck"]), NECK_R * 2),
            Stroke((b["head"],), HEAD_RADIUS * 2),
        )
    }
    for side in ("near", "far"):
        leg = [b[f"{side}_hip"], b[f"{side}_knee"]]
        if b[f"{side}_ankle"] != b[f"{side}_knee"]:
            leg += [b[f"{side}_ankle"], b[f"{side}_ball"]]
        groups[f"{side}_leg"] = (Stroke(tuple(leg), THIGH_R * 2),)
        arm = (
            b[f"{side}_shoulder"],
            b[f"{side}_elbow"],
            b[f"{side}_wrist"],
            b[f"{side}_fingertip"],
        )
        groups[f"{side}_arm"] = (Stroke(arm, UPPER_ARM_R * 2),)
    return groups


BEHIND_HALF_WIDTH: Final = STANCE_HALF + 0.25
"""Half the width (× H, before :data:`BEHIND_SCALE`) the view from behind needs: the stance,
and an arm reaching over the head."""


def _behind_place(figure: Figure) -> tuple[Point, PropShape] | None:
    """Where the view from behind stands, and its floor: behind the upper body's rearmost
    point in any beat, above whatever of the body lies under it there (a kneeling figure's
    back leg), so it never covers the figure. None for a figure that does not move sideways."""
    if not any(beat.sideways for beat in figure.beats):
        return None
    placed = [_place(shape, figure.props, figure.anchor) for shape in figure.beats]
    upper = [x for points in placed for x, y in points.values() if y > points["hip"][1] * 0.8]
    half = BEHIND_HALF_WIDTH * BEHIND_SCALE
    middle = min(upper) - BEHIND_GAP - half
    under = [
        y + _RADIUS[name]
        for points in placed
        for name, (x, y) in points.items()
        if middle - half <= x <= middle + half
    ]
    base = max(under, default=0.0) + (0.05 if under else 0.0)
    floor = PropShape("floor", ((middle - half, base - FLOOR_STROKE, middle + half, base),))
    return (middle, base), floor


FLOOR_STROKE: Final = 0.008
"""The floor line's width (× H) under the view from behind, like the main floor's."""


def _behind(figure: Figure, shape: Shape, placed: Mapping[str, Point]) -> dict[str, Any]:
    """The view from behind for a figure that moves sideways (see :attr:`Shape.sway`), set
    behind the figure's back at :data:`BEHIND_SCALE`: the body now, faint where the move
    starts (hips centred, trunk upright), and an arrow over the head from there to here."""
    origin = figure.behind_at
    if origin is None:
        return {}
    now = _from_behind(shape, placed, shape.sway, shape.side_bend)
    start = _from_behind(shape, placed, 0.0, 0.0)
    k = BEHIND_SCALE

    def at(p: Point) -> Point:
        return (origin[0] + p[0] * k, origin[1] + p[1] * k)

    def scaled(stroke: Stroke) -> Stroke:
        return Stroke(tuple(at(p) for p in stroke.points), stroke.width * k, stroke.closed)

    groups = _behind_strokes(now, shape)
    overhead = [side for side in ("near", "far") if shape.angle(f"{side}_shoulder") >= OVERHEAD]
    # An arm that is down is in front of the body, which hides it from behind: only an arm
    # overhead is drawn. The other leg is paler, as the far leg is in the side view.
    order = ["far_leg", "near_leg", "body", *(f"{side}_arm" for side in overhead)]
    behind = tuple(
        Limb(name, tuple(scaled(s) for s in groups[name]), name in figure.highlight)
        for name in order
    )
    # Where the move starts: the trunk and head (and an arm overhead), enough to see the
    # move against, at a few strokes a frame.
    moving = _behind_strokes(start, shape)
    ghost = tuple(
        scaled(s)
        for s in (
            moving["body"][1],
            moving["body"][-1],
            *(moving[f"{side}_arm"][0] for side in overhead),
        )
    )
    # The arrow: over the head (or the hand overhead), the way this beat moves, always the
    # same length, so "out" and "in" read at a glance at any moment of the beat.
    tip = "head" if not overhead else f"{overhead[0]}_fingertip"
    lift = (HEAD_RADIUS if tip == "head" else HAND_R) + 0.07
    marks: tuple[Stroke, ...] = ()
    if shape.heading:
        sense = 1.0 if shape.heading > 0 else -1.0
        above = (now[tip][0], now[tip][1] + lift)
        a = at((above[0] - sense * BEHIND_ARROW / 2, above[1]))
        z = at((above[0] + sense * BEHIND_ARROW / 2, above[1]))
        ux, uy = sense, 0.0
        head = PRESS_HEAD * 0.8
        end = (z[0] - ux * head, z[1] - uy * head)
        half = head * 0.8
        marks = (
            Stroke((a, end), PRESS_WIDTH * 0.7),
            Stroke(
                (
                    (end[0] - uy * half, end[1] + ux * half),
                    z,
                    (end[0] + uy * half, end[1] - ux * half),
                ),
                PRESS_WIDTH / 3,
                closed=True,
            ),
        )
    return {"behind": behind, "behind_ghost": ghost, "behind_marks": marks}


def _picture(
    figure: Figure, shape: Shape, placed: Mapping[str, Point], pressing: bool = False
) -> Picture:
    groups = _strokes(placed)
    glows: dict[str, list[Stroke]] = {name: [] for name in LIMBS}
    for target in figure.targets:
        for limb, stroke in _glows(target, placed):
            glows[limb].append(stroke)
    pressed: tuple[str, ...] = ()
    marks: tuple[Stroke, ...] = ()
    if pressing:
        press = figure.press
        pressed = figure.highlight if press is None else (_press_limb(press.joint),)
        marks = () if press is None else _press_marks(press, placed)
    return Picture(
        limbs=tuple(
            Limb(
                name,
                groups[name],
                name in figure.highlight,
                tuple(glows[name]),
                name in pressed,
            )
            for name in LIMBS
        ),
        props=figure.scenery,
        view=figure.view,
        points=tuple((name, placed[name]) for name in POINT_NAMES),
        marks=marks,
        **_behind(figure, shape, placed),
    )


def ease(t: float) -> float:
    """How far a flow's body has moved ``t`` (0-1) of the way through a beat: slow at both
    ends, like a person moving; the painter uses it to tell when a frame is worth drawing."""
    t = max(0.0, min(1.0, t))
    return t * t * (3 - 2 * t)


def unease(eased: float) -> float:
    """The fraction of a beat at which :func:`ease` has moved the body ``eased`` of the way:
    its inverse on 0-1 (the root of 3t² - 2t³ = eased that lies in 0-1). A painter stepping
    a flow in equal steps of movement works out each step's picture from it."""
    eased = max(0.0, min(1.0, eased))
    return 0.5 - math.sin(math.asin(1.0 - 2.0 * eased) / 3.0)


def _scenery(figure: Figure) -> tuple[PropShape, ...]:
    """The props in place, once for the whole figure: a prop stands where its beat puts it
    and stays there while the body moves; the mat spans every beat's reach."""
    placed = {
        beat: _place(shape, figure.props, figure.anchor) for beat, shape in enumerate(figure.beats)
    }
    xs = [x for points in placed.values() for x, _ in points.values()]
    return _prop_shapes(figure.props, placed, (min(xs), max(xs)))


def shape_at(figure: Figure, beat_index: int, fraction: float) -> Shape:
    """The shape ``fraction`` of the way through beat ``beat_index`` of a flow.

    A beat's keyframe is where the body *arrives* at the beat's end: during beat i the figure
    moves from keyframe i-1 to keyframe i (eased in and out), so the first beat of a round
    starts from the last keyframe, where the previous round ended. A resting part rests in
    between only if it rests at both ends. A still figure ignores the beat.
    """
    if not figure.flow:
        return _keyframe(figure, 0)
    count = len(figure.beats)
    current = figure.beats[beat_index % count]
    previous = figure.beats[(beat_index - 1) % count]
    t = ease(fraction)
    if t >= 1.0:
        return replace(current, heading=_heading(previous, current))
    angles = tuple(a + (b - a) * t for a, b in zip(previous.angles, current.angles, strict=True))
    rests = tuple(r for r in previous.rests if r in current.rests)
    if not rests:  # different parts rest at each end: keep whichever end is nearer
        rests = previous.rests if t < 0.5 else current.rests
    points = _rest_points(rests)
    support = next(
        (
            pair
            for pair in (current.support, previous.support)
            if pair is not None and pair[0] in points and pair[1] in points
        ),
        None,
    )
    sway = previous.sway + (current.sway - previous.sway) * t
    bend = previous.side_bend + (current.side_bend - previous.side_bend) * t
    return Shape(angles, rests, current.label, support, sway, bend, _heading(previous, current))


def _heading(previous: Shape, current: Shape) -> float:
    """Which way (sign) the body moves sideways going from ``previous`` to ``current``."""
    return (current.sway - previous.sway) * 100 + (current.side_bend - previous.side_bend)


def _keyframe(figure: Figure, index: int) -> Shape:
    """Keyframe ``index`` as it is reached: with the sideways way it was moving (a still
    figure: toward where it reaches)."""
    shape = figure.beats[index]
    before = figure.beats[index - 1] if figure.flow else replace(shape, sway=0.0, side_bend=0.0)
    return replace(shape, heading=_heading(before, shape))


def picture_of(
    figure: Figure, shape: Shape, side: Side | None = None, pressing: bool = False
) -> Picture:
    """``shape`` of ``figure``, placed and drawn; mirrored for the left side. ``pressing``
    marks the press (see :func:`press_picture`)."""
    picture = _picture(figure, shape, _place(shape, figure.props, figure.anchor), pressing)
    return picture.mirrored() if side is Side.LEFT else picture


def figure_at(
    figure: Figure, beat_index: int, fraction: float, side: Side | None = None
) -> Picture:
    """The picture ``fraction`` (0-1) of the way through beat ``beat_index`` (see
    :func:`shape_at`), on ``side`` (None for a two-sided pose: drawn as the right side)."""
    return picture_of(figure, shape_at(figure, beat_index, fraction), side)


def beat_travel(figure: Figure, samples: int = 4) -> tuple[float, ...]:
    """For each beat of a flow, how far (× H) the point that moves most travels in it: the
    length of its path, measured over ``samples`` steps. A painter scales this to pixels to
    know, without working out a picture, whether a frame can have moved a pixel yet."""
    count = len(figure.beats)
    if count < 2:
        return (0.0,) * count
    out = []
    for beat in range(count):
        placed = [
            _place(shape_at(figure, beat, k / samples), figure.props, figure.anchor)
            for k in range(samples + 1)
        ]
        out.append(
            max(
                sum(math.dist(a[name], b[name]) for a, b in itertools.pairwise(placed))
                for name in POINT_NAMES
            )
        )
    return tuple(out)


def still_picture(figure: Figure, side: Side | None = None) -> Picture:
    """The figure when nothing moves: its still beat (a hold's only shape)."""
    return picture_of(figure, _keyframe(figure, figure.still), side)


def beat_picture(figure: Figure, beat: int, side: Side | None = None) -> Picture:
    """The keyframe of ``beat``: where the body is at the end of that beat."""
    return picture_of(figure, _keyframe(figure, beat), side)


def press_picture(figure: Figure, side: Side | None = None) -> Picture:
    """The still figure pressing, as in a contract-relax step's press: the same body (a press
    moves nothing), its pressing limb marked, and with a :class:`Press` an arrow the way the
    push goes. The release is :func:`still_picture` again."""
    return picture_of(figure, _keyframe(figure, figure.still), side, pressing=True)


def body_bounds(picture: Picture) -> Rect:
    """The box (× H) the body of ``picture`` fits in: flesh, target areas and marks, not the
    props, which stay put while a figure moves. A painter repaints the union of the old and
    the new frame's boxes, not its whole widget."""
    return _bounds(picture, props=False)


def _bounds(picture: Picture, props: bool = True) -> Rect:
    xs0, ys0, xs1, ys1 = [], [], [], []
    strokes = [s for limb in (*picture.limbs, *picture.behind) for s in limb.strokes + limb.glows]
    for stroke in (*strokes, *picture.marks, *picture.behind_ghost, *picture.behind_marks):
        r = stroke.width / 2
        for x, y in stroke.points:
            xs0.append(x - r)
            xs1.append(x + r)
            ys0.append(y - r)
            ys1.append(y + r)
    for prop in picture.props if props else ():
        for rect in prop.rects:
            xs0.append(rect[0])
            ys0.append(rect[1])
            xs1.append(rect[2])
            ys1.append(rect[3])
    return (min(xs0), min(ys0), max(xs1), max(ys1))


VIEW_MARGIN: Final = 0.06


def _view(figure: Figure) -> Rect:
    """The box all beats (and the press's arrow) fit in, with a margin, floor included."""
    boxes = [_bounds(picture_of(figure, _keyframe(figure, i))) for i in range(len(figure.beats))]
    if figure.press is not None:
        boxes.append(_bounds(press_picture(figure)))
    m = VIEW_MARGIN
    return (
        min(b[0] for b in boxes) - m,
        min(min(b[1] for b in boxes), -MAT_THICKNESS) - m,
        max(b[2] for b in boxes) + m,
        max(b[3] for b in boxes) + m,
    )


# --- reading a figure file ----------------------------------------------------------------------

FieldPath = tuple[str | int, ...]


class _Reports(Protocol):
    def add(self, path: FieldPath, message: str) -> None: ...


class _Checked(Protocol):
    """What the reader needs of a table being checked: the routine loader's ``_Table``.

    Described here rather than imported because the loader imports this module (a routine's
    inline figure is read by :func:`read_figure`); ``core/figure_files`` hands it a table for
    a library file, the loader one for a pose's ``figure``, each finding lines in its own file.
    """

    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def path(self) -> FieldPath: ...
    @property
    def problems(self) -> _Reports: ...
    @property
    def ok(self) -> bool: ...
    @property
    def clean(self) -> bool: ...
    def table(self, value: object, path: FieldPath, what: str) -> _Checked: ...
    def suggest(self, word: str, options: list[str] | tuple[str, ...]) -> str: ...
    def allow(self, *keys: str) -> None: ...
    def text(self, key: str, required: bool = ..., limit: int = ...) -> str | None: ...
    def texts(
        self, key: str, required: bool = ..., limit: int = ..., most: int = ...
    ) -> tuple[str, ...] | None: ...
    def ident(self, key: str) -> str | None: ...
    def number(
        self, key: str, low: float, high: float, required: bool = ..., whole: bool = ...
    ) -> float | None: ...
    def whole(self, key: str, low: int, high: int, required: bool = ...) -> int | None: ...
    def tables(self, key: str, most: int) -> list[tuple[FieldPath, object]]: ...


def _angles(table: _Checked, base: tuple[float, ...] | None) -> tuple[float, ...] | None:
    """The ``joints`` table of a shape: unknown joints, wrong types and angles outside their
    joint's range are each named at their line."""
    values = list(base) if base is not None else [0.0] * len(JOINT_NAMES)
    keys = (*JOINT_NAMES, *BOTH_SIDES)
    ok = True
    plural = [k for k in table.data if k in BOTH_SIDES]
    single = [k for k in table.data if k not in BOTH_SIDES]
    for key in (*plural, *single):  # a near_/far_ key wins over its plural
        value = table.data[key]
        path = (*table.path, key)
        if key not in keys:
            hint = table.suggest(key, keys) or " (see the joints in core/figures.py)"
            table.problems.add(path, f"unknown joint {key!r}{hint}")
            ok = False
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "true/false" if isinstance(value, bool) else type(value).__name__
            table.problems.add(path, f"must be an angle in degrees (a number), not {kind}")
            ok = False
            continue
        for joint in BOTH_SIDES.get(key, (key,)):
            spec = JOINTS[joint]
            if not spec.low <= value <= spec.high:
                table.problems.add(
                    path,
                    f"{value:g}° is outside the {joint.replace('_', ' ')}'s range "
                    f"{spec.low:g} to {spec.high:g} ({spec.meaning})",
                )
                ok = False
                break
            values[_INDEX[joint]] = float(value)
    return tuple(values) if ok else None


def _rests(table: _Checked, base: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if "rests" not in table.data and base is not None:
        return base
    names = table.texts("rests", required=True, limit=40, most=12)
    if names is None:
        return None
    for i, name in enumerate(names):
        if name not in REST_PARTS:
            hint = table.suggest(name, list(REST_PARTS)) or f" (one of: {', '.join(REST_PARTS)})"
            table.problems.add((*table.path, "rests", i), f"unknown resting part {name!r}{hint}")
            return None
    if len(_rest_points(names)) < 2:
        table.problems.add(
            (*table.path, "rests"), "needs at least two points on the floor (a seat alone tips)"
        )
        return None
    return names


def _shape(table: _Checked, earlier: Sequence[Shape | None]) -> Shape | None:
    table.allow("label", "like", "rests", "joints", "sway", "side_bend")
    label = table.text("label", limit=80) or ""
    base: Shape | None = None
    if "like" in table.data:
        like = table.whole("like", 0, max(0, len(earlier) - 1))
        if like is not None and like < len(earlier):
            base = earlier[like]
        if like is None or base is None:
            if like is not None and len(earlier) == 0:
                table.problems.add((*table.path, "like"), "a first beat cannot be like another")
            return None
    rests = _rests(table, base.rests if base else None)
    joints: tuple[float, ...] | None
    if "joints" in table.data:
        inner = table.table(table.data["joints"], (*table.path, "joints"), "joints")
        joints = _angles(inner, base.angles if base else None) if inner.ok else None
    elif base is not None:
        joints = base.angles
    else:
        table.problems.add((*table.path, "joints"), "missing (required)")
        joints = None
    sway = table.number("sway", -SWAY_MOST, SWAY_MOST)
    bend = table.number("side_bend", -SIDE_BEND_MOST, SIDE_BEND_MOST)
    if rests is None or joints is None:
        return None
    sway = sway if sway is not None else base.sway if base else 0.0
    bend = bend if bend is not None else base.side_bend if base else 0.0
    return Shape(joints, rests, label, sway=sway, side_bend=bend)


def _props(top: _Checked, beats: int) -> list[PropSpec] | None:
    if "props" not in top.data:
        return []
    out: list[PropSpec] = []
    ok = True
    for path, value in top.tables("props", 8):
        t = top.table(value, path, "a prop")
        if not t.ok:
            ok = False
            continue
        t.allow("kind", "under", "size", "offset", "beat")
        kind = t.text("kind", required=True, limit=20)
        if kind is not None and kind not in PROP_KINDS:
            hint = t.suggest(kind, PROP_KINDS) or f" (one of: {', '.join(PROP_KINDS)})"
            t.problems.add((*path, "kind"), f"unknown prop {kind!r}{hint}")
            kind = None
        under = t.text("under", required=kind not in (None, "mat"), limit=40)
        if under is not None and under not in REST_PARTS:
            hint = t.suggest(under, list(REST_PARTS))
            t.problems.add((*path, "under"), f"unknown body part {under!r}{hint}")
            under = None
        size = t.text("size", limit=20) or "tall"
        if size not in BLOCK_SIZES:
            t.problems.add((*path, "size"), f"must be one of: {', '.join(BLOCK_SIZES)}")
        offset = t.number("offset", -1.0, 1.0) or 0.0
        beat = t.whole("beat", 0, max(0, beats - 1)) or 0
        if kind is None or not t.clean:
            ok = False
            continue
        out.append(PropSpec(kind, under, size, offset, beat))
    return out if ok else None


PRESS_TOWARD: Final[Mapping[str, int]] = {"flexion": 1, "extension": -1}


def _press(top: _Checked) -> Press | None:
    """The ``press`` table: which joint pushes, and toward flexion or extension. None when
    there is none, or when it is wrong (then each problem is named at its line)."""
    if "press" not in top.data:
        return None
    t = top.table(top.data["press"], (*top.path, "press"), "a press")
    if not t.ok:
        return None
    t.allow("joint", "toward")
    joint = t.text("joint", required=True, limit=40)
    if joint is not None and joint not in PRESS_SEGMENTS:
        hint = t.suggest(joint, list(PRESS_SEGMENTS)) or " (see the joints in core/figures.py)"
        t.problems.add((*t.path, "joint"), f"unknown joint {joint!r}{hint}")
        joint = None
    toward = t.text("toward", required=True, limit=20)
    if toward is not None and toward not in PRESS_TOWARD:
        t.problems.add((*t.path, "toward"), f"must be one of: {', '.join(PRESS_TOWARD)}")
        toward = None
    if joint is None or toward is None or not t.clean:
        return None
    return Press(joint, PRESS_TOWARD[toward])


def _names(top: _Checked, key: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
    names = top.texts(key, limit=40) or ()
    for i, name in enumerate(names):
        if name not in allowed:
            hint = top.suggest(name, list(allowed)) or f" (one of: {', '.join(allowed)})"
            top.problems.add((*top.path, key, i), f"unknown {key} {name!r}{hint}")
            return None
    return names


_BODY_KEYS: Final = (
    "shape",
    "beats",
    "props",
    "target",
    "highlight",
    "still",
    "anchor",
    "press",
)
"""What draws a figure: the same keys in a library file and in a routine's inline figure."""


def read_figure(top: _Checked, name: str | None = None, title: str | None = None) -> Figure | None:
    """The figure in ``top``, or None with each problem named at its line in ``top``'s file.

    A library file's table (``name`` None) gives ``format``, ``name`` and ``title`` itself; a
    routine pose's inline figure (``[poses.figure]``) is given the pose's id and name instead
    and may only retitle itself. Both are read by this one reader, so an inline figure is held
    to exactly the library's rules and messages; the routine loader calls it on the table it is
    reading, so its problems carry the routine file's lines.
    """
    inline = name is not None
    if inline:
        top.allow("title", *_BODY_KEYS)
    else:
        top.allow("format", "name", "title", *_BODY_KEYS)
        version = top.whole("format", 1, 1_000_000)
        if version is not None and version != FORMAT_VERSION:
            top.problems.add(
                (*top.path, "format"), f"this app reads format {FORMAT_VERSION}, not {version}"
            )
        name = top.ident("name")
    title = top.text("title", required=not inline, limit=80) or title
    at = top.path
    shapes: list[Shape | None] = []
    if ("shape" in top.data) == ("beats" in top.data):
        both = "shape" in top.data
        top.problems.add(
            (*at, "shape"),
            "give either shape (a still figure) or beats (a flow), not both"
            if both
            else "missing: give shape (a still figure) or beats (a flow)",
        )
    elif "shape" in top.data:
        shapes.append(_shape(top.table(top.data["shape"], (*at, "shape"), "a shape"), shapes))
    else:
        for path, value in top.tables("beats", 8):
            t = top.table(value, path, "a beat")
            shapes.append(_shape(t, shapes) if t.ok else None)
    props = _props(top, len(shapes))
    targets = _names(top, "target", TARGETS)
    highlight = _names(top, "highlight", LIMBS)
    still = top.whole("still", 0, max(0, len(shapes) - 1)) or 0
    anchor = top.text("anchor", limit=40) or ""
    if anchor and anchor not in POINT_NAMES:
        top.problems.add(
            (*at, "anchor"), f"unknown point {anchor!r}" + top.suggest(anchor, POINT_NAMES)
        )
    press = _press(top)
    if not top.clean or name is None or title is None or props is None or not shapes:
        return None
    beats = tuple(s for s in shapes if s is not None)
    if len(beats) != len(shapes) or targets is None or highlight is None:
        return None

    def beat_path(index: int) -> tuple[str | int, ...]:
        return (*at, "shape") if len(beats) == 1 else (*at, "beats", index)

    for prop in props:
        if prop.under is not None and not set(REST_PARTS[prop.under]) & set(
            _rest_points(beats[prop.beat].rests)
        ):
            top.problems.add(
                (*beat_path(prop.beat), "rests"),
                f"a {prop.kind} is under {prop.under!r}, which does not rest in this beat",
            )
            return None
    if not anchor:
        anchor = _rest_points(beats[still].rests)[0]
    heights = _support_heights(props)
    beats = tuple(
        replace(
            shape,
            support=support_pair(kinematics(shape.angles), _rest_points(shape.rests), heights),
        )
        for shape in beats
    )
    figure = Figure(
        name,
        title,
        beats,
        tuple(props),
        targets,
        highlight,
        still,
        anchor,
        press=press,
    )
    for index in range(len(beats)):
        gaps = rest_gaps(figure, index)
        off = {p: g for p, g in gaps.items() if abs(g) > REST_TOLERANCE}
        if off:
            worst = max(off, key=lambda p: abs(off[p]))
            relation = "above" if off[worst] > 0 else "into"
            top.problems.add(
                (*beat_path(index), "rests"),
                f"the angles leave {worst.replace('_', ' ')} {abs(off[worst]):.3f} H {relation} "
                f"what it rests on ({len(off)} resting point(s) off by more than "
                f"{REST_TOLERANCE} H)",
            )
    if not top.clean:
        return None
    figure = replace(figure, scenery=_scenery(figure))
    behind = _behind_place(figure)
    if behind is not None:
        figure = replace(figure, behind_at=behind[0], scenery=(*figure.scenery, behind[1]))
    return replace(figure, view=_view(figure))
