"""Small routines built in code, for tests that need exact, easy numbers."""

from stretch_desktop.core.loader import load_routine
from stretch_desktop.core.routine import Routine
from stretch_desktop.core.timeline import CueKind

ESSENTIAL_KINDS = frozenset(
    {
        CueKind.ANNOUNCE,
        CueKind.SWITCH_SIDES,
        CueKind.REST,
        CueKind.CAUTION,
        CueKind.WAY_OUT,
        CueKind.COUNTDOWN,
        CueKind.CONTRACT,
        CueKind.RELAX,
        CueKind.COMPLETE,
        CueKind.QUESTION,
    }
)
"""The cues no script may lose, whatever the voice's speed: what to do, when to come out, what
to watch for, the counts into a press and its release, and the reach question."""

SMALL = """
format = 1
id = "small"
title = "Small"
source = "Tests"

[[poses]]
id = "fold"
name = "Forward fold"
instructions = ["Fold."]

[[poses]]
id = "lunge"
name = "Low lunge"
one_sided = true
instructions = ["Lunge."]

[[poses]]
id = "child"
name = "Child's pose"
spoken_name = "child's pose"
instructions = ["Rest."]

[[steps]]
kind = "hold"
pose = "fold"
seconds = 30

[[steps]]
kind = "sides"
name = "Lunges"
  [[steps.steps]]
  kind = "flow"
  pose = "lunge"
  repetitions = 2
  beats = ["Back", "Forward"]
  beat_seconds = 2
  [[steps.steps]]
  kind = "rest"
  pose = "child"
  breaths = 2

[[steps]]
kind = "contract_relax"
pose = "lunge"
cycles = 2
contract_seconds = 3
relax_seconds = 3
"""


def small() -> Routine:
    return load_routine(SMALL, "small.toml")
