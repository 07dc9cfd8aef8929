"""Hypothesis strategies: random but valid routines and preferences."""

from hypothesis import strategies as st

from stretch_desktop.core.pacing import BreathCues, Pacing
from stretch_desktop.core.routine import (
    Amount,
    Assess,
    Base,
    Block,
    CautionTime,
    ContractRelax,
    Flow,
    Hold,
    Pose,
    Rest,
    Routine,
    Side,
    Spoken,
    SpokenCaution,
)

cautions = st.lists(
    st.builds(
        SpokenCaution,
        st.sampled_from(["Careful.", "If it pinches, back off and come out slowly."]),
        st.sampled_from(CautionTime),
    ),
    max_size=2,
).map(tuple)
bases = st.one_of(st.none(), st.sampled_from(Base))
poses = st.tuples(
    st.builds(
        Pose,
        st.just("both"),
        st.just("Both"),
        st.just("both"),
        st.just(("Do it.",)),
        base=bases,
        spoken_cautions=cautions,
    ),
    st.builds(
        Pose,
        st.just("one"),
        st.just("One"),
        st.just("one"),
        st.just(("Do it.",)),
        one_sided=st.just(True),
        base=bases,
        spoken_cautions=cautions,
    ),
    st.builds(
        Pose, st.just("rest"), st.just("Rest"), st.just("rest"), st.just(("Rest.",)), base=bases
    ),
)

amounts = st.one_of(
    st.builds(Amount, seconds=st.integers(1, 90).map(float)),
    st.builds(Amount, breaths=st.integers(1, 12)),
)
pose_ids = st.sampled_from(["both", "one"])
spoken = st.builds(
    Spoken,
    lead_in=st.sampled_from([None, "Settle in."]),
    halfway=st.sampled_from([None, "Halfway. Keep breathing."]),
    way_out=st.sampled_from([None, "Out.", "Release, and come out of it slowly and carefully."]),
)


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    beats = tuple(draw(st.lists(st.sampled_from(["Up", "Down", "Left"]), min_size=1, max_size=3)))
    beat = draw(
        st.one_of(
            st.builds(Amount, seconds=st.integers(1, 8).map(float)),
            st.builds(Amount, breaths=st.integers(1, 2)),
        )
    )
    exhales: tuple[str | None, ...] = ()
    if beat.breaths is not None:
        exhales = tuple(
            draw(
                st.lists(
                    st.sampled_from([None, "Exhale, belly in"]),
                    min_size=len(beats),
                    max_size=len(beats),
                )
            )
        )
    return Flow(
        draw(pose_ids),
        draw(st.integers(1, 8)),
        beats,
        beat,
        draw(spoken),
        exhales,
        draw(st.integers(0, len(beats) - 1)),
    )


pose_steps = st.one_of(
    st.builds(Hold, pose_ids, amounts, spoken),
    st.builds(Rest, st.just("rest"), amounts, spoken),
    flows(),
    st.builds(
        ContractRelax,
        pose_ids,
        st.integers(1, 7),
        st.integers(1, 5).map(float),
        st.integers(1, 5).map(float),
        spoken,
    ),
)
blocks = st.builds(
    Block,
    st.just("Block"),
    st.tuples(st.builds(Hold, st.just("one"), amounts)).flatmap(
        lambda first: st.lists(pose_steps, max_size=3).map(lambda rest: (*first, *rest))
    ),
)
assessed_holds = st.builds(
    Hold, st.just("both"), amounts, spoken, st.sampled_from([None, *Assess])
)  # two-sided and outside blocks, as the loader allows: the hold then the reach question
routines = st.builds(
    Routine,
    id=st.just("random"),
    title=st.just("Random"),
    source=st.just("Hypothesis"),
    description=st.just(""),
    poses=poses,
    steps=st.lists(st.one_of(pose_steps, blocks, assessed_holds), min_size=1, max_size=6).map(
        tuple
    ),
)
preferences = st.builds(
    Pacing,
    inhale_ms=st.integers(1000, 8000),
    exhale_ms=st.integers(1000, 8000),
    lead_in_ms=st.integers(3000, 15000),
    first_side=st.sampled_from(Side),
    breath_cues=st.sampled_from(BreathCues),
    chime_ms=st.sampled_from([0, 720]),
)
