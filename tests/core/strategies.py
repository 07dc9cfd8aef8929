"""Hypothesis strategies: random but valid routines and preferences."""

from hypothesis import strategies as st

from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.core.routine import (
    Amount,
    Block,
    ContractRelax,
    Flow,
    Hold,
    Pose,
    Rest,
    Routine,
    Side,
)

POSES = (
    Pose("both", "Both", "both", ("Do it.",)),
    Pose("one", "One", "one", ("Do it.",), one_sided=True),
    Pose("rest", "Rest", "rest", ("Rest.",)),
)

amounts = st.one_of(
    st.builds(Amount, seconds=st.integers(1, 90).map(float)),
    st.builds(Amount, breaths=st.integers(1, 12)),
)
pose_ids = st.sampled_from(["both", "one"])
pose_steps = st.one_of(
    st.builds(Hold, pose_ids, amounts),
    st.builds(Rest, st.just("rest"), amounts),
    st.builds(
        Flow,
        pose_ids,
        st.integers(1, 6),
        st.lists(st.sampled_from(["Up", "Down", "Left"]), min_size=1, max_size=3).map(tuple),
        st.one_of(
            st.builds(Amount, seconds=st.integers(1, 8).map(float)),
            st.builds(Amount, breaths=st.integers(1, 2)),
        ),
    ),
    st.builds(
        ContractRelax,
        pose_ids,
        st.integers(1, 4),
        st.integers(1, 5).map(float),
        st.integers(1, 5).map(float),
    ),
)
blocks = st.builds(
    Block,
    st.just("Block"),
    st.tuples(st.builds(Hold, st.just("one"), amounts)).flatmap(
        lambda first: st.lists(pose_steps, max_size=3).map(lambda rest: (*first, *rest))
    ),
)
routines = st.builds(
    Routine,
    id=st.just("random"),
    title=st.just("Random"),
    source=st.just("Hypothesis"),
    description=st.just(""),
    poses=st.just(POSES),
    steps=st.lists(st.one_of(pose_steps, blocks), min_size=1, max_size=6).map(tuple),
)
preferences = st.builds(
    Pacing,
    inhale_ms=st.integers(1000, 8000),
    exhale_ms=st.integers(1000, 8000),
    lead_in_ms=st.integers(3000, 15000),
    first_side=st.sampled_from(Side),
    breath_cues=st.sampled_from(BreathCues),
)
