"""Small routines built in code, for tests that need exact, easy numbers."""

from stretch_desktop.core.loader import load_routine
from stretch_desktop.core.routine import Routine

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
