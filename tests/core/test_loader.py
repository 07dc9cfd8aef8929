"""Routine files: precise errors for people, and nothing but RoutineError for any bytes."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stretch_desktop.core.loader import MAX_FILE_BYTES, RoutineError, load_routine
from stretch_desktop.core.routine import Block, ContractRelax, Flow, Hold, Rest
from tests.core.routines import SMALL


def problems(text):
    with pytest.raises(RoutineError) as caught:
        load_routine(text, "r.toml")
    return [str(p) for p in caught.value.problems]


def test_the_small_routine_loads_with_every_step_kind():
    routine = load_routine(SMALL, "small.toml")
    kinds = [type(step) for step in routine.steps]
    assert kinds == [Hold, Block, ContractRelax]
    block = routine.steps[1]
    assert [type(s) for s in block.steps] == [Flow, Rest]
    assert routine.pose("child").spoken_name == "child's pose"
    assert routine.pose("fold").spoken_name == "Forward fold"  # defaults to the name


def test_an_unknown_key_is_named_with_its_line_and_a_suggestion():
    text = SMALL.replace("seconds = 30", "secnds = 30")
    line = text.splitlines().index("secnds = 30") + 1
    assert f"r.toml:{line}: steps[0].secnds: unknown field (did you mean 'seconds'?)" in problems(
        text
    )


def test_a_bad_value_inside_a_block_points_at_its_line():
    text = SMALL.replace("repetitions = 2", "repetitions = 0")
    line = text.splitlines().index("  repetitions = 0") + 1
    assert problems(text) == [
        f"r.toml:{line}: steps[1].steps[0].repetitions: must be between 1 and 100, not 0"
    ]


def test_a_wrong_type_is_named():
    text = SMALL.replace("seconds = 30", 'seconds = "thirty"')
    (problem,) = problems(text)
    assert problem.endswith("steps[0].seconds: must be a number, not text")


def test_seconds_and_breaths_together_are_refused():
    text = SMALL.replace("seconds = 30", "seconds = 30\nbreaths = 5")
    (problem,) = problems(text)
    assert "give either seconds or breaths, not both" in problem


def test_an_unknown_pose_suggests_the_nearest():
    text = SMALL.replace('pose = "fold"', 'pose = "fodl"')
    (problem,) = problems(text)
    assert problem.endswith("steps[0].pose: no pose 'fodl' in this routine (did you mean 'fold'?)")


def test_an_unknown_kind_lists_or_suggests_kinds():
    text = SMALL.replace('kind = "hold"', 'kind = "hodl"')
    (problem,) = problems(text)
    assert "unknown step kind 'hodl' (did you mean 'hold'?)" in problem


def test_sides_blocks_do_not_nest():
    text = SMALL.replace('  kind = "rest"', '  kind = "sides"')
    assert any("sides blocks do not nest" in p for p in problems(text))


def test_a_sides_block_needs_a_one_sided_pose():
    text = SMALL.replace('  pose = "lunge"\n  repetitions', '  pose = "fold"\n  repetitions')
    assert any("needs at least one one-sided pose" in p for p in problems(text))


def test_a_syntax_error_names_its_line():
    text = SMALL.replace('title = "Small"', 'title = "Small')
    line = SMALL.splitlines().index('title = "Small"') + 1
    (problem,) = problems(text)
    assert problem.startswith(f"r.toml:{line}: syntax: not valid TOML")


def test_every_problem_is_reported_not_just_the_first():
    text = SMALL.replace("seconds = 30", "seconds = 9999").replace("cycles = 2", "cycles = 0")
    assert len(problems(text)) == 2


def test_missing_required_fields():
    found = problems('id = "x"\n')
    assert "r.toml:1: title: missing (required)" in found
    assert "r.toml:1: steps: missing (required)" in found


def test_a_bad_id_is_refused():
    found = problems(SMALL.replace('id = "small"', 'id = "../../etc"'))
    assert any(p.startswith("r.toml:3: id: must be lower-case") for p in found)


def test_huge_files_are_refused_before_parsing():
    found = problems(b"#" * (MAX_FILE_BYTES + 1))
    assert found == [f"r.toml:1: file: larger than {MAX_FILE_BYTES // 1024} KiB"]


def test_bytes_that_are_not_utf8_name_their_line():
    assert problems(b'id = "a"\n\xff\n') == ["r.toml:2: file: not UTF-8 text"]


def test_a_byte_order_mark_is_fine():
    assert load_routine(b"\xef\xbb\xbf" + SMALL.encode(), "bom.toml").id == "small"


def test_bools_are_not_numbers():
    (problem,) = problems(SMALL.replace("seconds = 30", "seconds = true"))
    assert "must be a number, not a true/false value" in problem


def test_too_many_steps_are_refused():
    steps = '[[steps]]\nkind = "hold"\npose = "fold"\nseconds = 5\n' * 201
    found = problems(SMALL.split("[[steps]]")[0] + steps)
    assert any("steps: too many (201, at most 200)" in p for p in found)


def test_very_long_text_is_refused():
    (problem,) = problems(SMALL.replace('title = "Small"', f'title = "{"x" * 500}"'))
    assert "title: too long" in problem


def test_nan_and_infinity_are_out_of_bounds():
    for value in ("nan", "inf", "-inf"):
        (problem,) = problems(SMALL.replace("seconds = 30", f"seconds = {value}"))
        assert "must be between" in problem


# --- fuzzing: the only exception that may escape is RoutineError ---------------------------------


def _quoted(text):
    return '"' + "".join(c for c in text if c not in '\\"\n\r') + '"'


toml_values = st.recursive(
    st.none().map(lambda _: "1")
    | st.integers().map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
    | st.booleans().map(lambda b: str(b).lower())
    | st.text(string.printable, max_size=20).map(_quoted),
    lambda inner: st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    max_leaves=10,
)
keys = st.sampled_from(
    [
        "id",
        "title",
        "source",
        "kind",
        "pose",
        "seconds",
        "breaths",
        "steps",
        "poses",
        "name",
        "instructions",
        "one_sided",
        "beats",
        "cycles",
        "x",
    ]
)
headers = st.sampled_from(["", "[[poses]]", "[[steps]]", "[[steps.steps]]", "[poses]", "[x.y]"])
documents = st.lists(
    st.tuples(headers, st.lists(st.tuples(keys, toml_values), max_size=5)), max_size=8
).map(
    lambda tables: "\n".join(h + "\n" + "\n".join(f"{k} = {v}" for k, v in kv) for h, kv in tables)
)


def _only_routine_errors(content):
    try:
        load_routine(content, "fuzz.toml")
    except RoutineError as error:
        for problem in error.problems:
            assert problem.line >= 1
            assert str(problem).startswith("fuzz.toml:")


@settings(max_examples=400, deadline=None)
@given(documents)
def test_random_toml_documents_give_only_routine_errors(document):
    _only_routine_errors(document)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_give_only_routine_errors(content):
    _only_routine_errors(content)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_valid_routines_give_only_routine_errors(data):
    """Start from a valid file and damage it: deletions, insertions, swapped characters."""
    text = SMALL
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["cut", "insert"]))
        if op == "cut":
            text = text[:at] + text[at + data.draw(st.integers(1, 10)) :]
        else:
            text = text[:at] + data.draw(st.text(max_size=5)) + text[at:]
    _only_routine_errors(text)


def test_huge_integers_are_errors_not_crashes():
    _only_routine_errors("format = 1" + "0" * 5000)
    (problem,) = problems(SMALL.replace("cycles = 2", "cycles = " + "9" * 400))
    assert "must be between 1 and 30, not 99999999999999999..." in problem


def test_a_line_built_to_make_the_line_finder_backtrack_is_fast():
    """A valid file with `[` and thousands of spaces inside a string once took minutes."""
    import time

    hostile = SMALL + 'zz = """\n\\"""\n[' + " " * 100_000 + '\n"""\n'
    started = time.perf_counter()
    _only_routine_errors(hostile)
    # Generous: the fixed finder takes milliseconds; the old one took minutes at this size.
    assert time.perf_counter() - started < 5


def test_deeply_nested_arrays_are_an_error_not_a_crash():
    _only_routine_errors("x = " + "[" * 5000 + "]" * 5000)


# --- the line finder reads strings and comments as TOML does (issue 15, defect 2) --------------


def test_lines_stay_right_after_a_line_separator_in_a_comment():
    """U+2028 is no line end to TOML; counting it as one put every later problem a line off."""
    text = SMALL.replace('title = "Small"', 'title = "Small" # a\u2028b')
    line = SMALL.splitlines().index("cycles = 2") + 1
    (problem,) = problems(text.replace("cycles = 2", "cycles = 99"))
    assert problem.startswith(f"r.toml:{line}: steps[2].cycles:")


def test_quoted_keys_are_found_by_their_name_escapes_included():
    text = SMALL.replace("seconds = 30", 'seconds = 30\n"sec onds" = 1\n"se\\u0063s" = 2')
    line = SMALL.splitlines().index("seconds = 30") + 1
    assert problems(text) == [
        f"r.toml:{line + 1}: steps[0].sec onds: unknown field (did you mean 'seconds'?)",
        f"r.toml:{line + 2}: steps[0].secs: unknown field (did you mean 'seconds'?)",
    ]


def test_brackets_quotes_and_hashes_inside_strings_do_not_move_lines():
    tricky = 'x = [\n  \'\'\'a ] [[steps]] """ # \'\'\',\n  """b\\""" ]\n""",\n]\n'
    text = tricky + SMALL.replace("cycles = 2", "cycles = 99")
    line = tricky.count("\n") + SMALL.splitlines().index("cycles = 2") + 1
    found = problems(text)
    assert found[-1] == f"r.toml:{line}: steps[2].cycles: must be between 1 and 30, not 99"
    assert found[0] == "r.toml:1: x: unknown field"


# --- the spoken script's keys (issue 16): cautions, bases, ways out, sides, breath beats -------

SPOKEN = """
format = 1
id = "spoken"
title = "Spoken"
source = "Tests"

[[poses]]
id = "lunge"
name = "Lunge"
one_sided = true
base = "kneeling"
instructions = ["Lunge."]
spoken_cautions = [
    { text = "Mind your {side} knee.", when = "once" },
    { text = "Optional.", when = "lead-in" },
]

[[poses]]
id = "roll"
name = "Roll down"
base = "standing"
instructions = ["Roll."]

[[poses.spoken_cautions]]
text = "Tingling means stop."

[[steps]]
kind = "hold"
pose = "lunge"
breaths = 4
lead_in = "Step your {side} foot forward, {other} knee down."
way_out = "Step your {side} foot back."

[[steps]]
kind = "flow"
pose = "roll"
repetitions = 2
beats = ["Down", { inhale = "Breathe in", exhale = "Exhale, belly in" }, "Up"]
beat_breaths = 1
arrival_beat = 2
"""


def line_of(text, fragment):
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_spoken_keys_load_and_are_said():
    from stretch_desktop.core.routine import Base, CautionTime, Flow, SpokenCaution
    from stretch_desktop.core.timeline import CueKind, compile_routine

    routine = load_routine(SPOKEN, "spoken.toml")
    lunge, roll = routine.poses
    assert lunge.base is Base.KNEELING and roll.base is Base.STANDING
    assert lunge.spoken_cautions == (
        SpokenCaution("Mind your {side} knee.", CautionTime.ONCE),
        SpokenCaution("Optional.", CautionTime.LEAD_IN),
    )
    assert roll.spoken_cautions == (SpokenCaution("Tingling means stop.", CautionTime.ARRIVAL),)
    flow = routine.steps[1]
    assert isinstance(flow, Flow)
    assert flow.beats == ("Down", "Breathe in", "Up")
    assert flow.exhales == (None, "Exhale, belly in", None)
    assert flow.arrival_beat == 1
    texts = [c.text for p in compile_routine(routine).phases for c in p.cues]
    assert texts.count("Mind your right knee.") == 1  # once: not again on the left
    assert texts.count("Optional.") == 2  # every lead-in
    assert "Step your left foot back." in texts
    kinds = {c.text: c.kind for p in compile_routine(routine).phases for c in p.cues}
    assert kinds["Tingling means stop."] is CueKind.CAUTION


@pytest.mark.parametrize(
    ("old", "new", "fragment", "message"),
    [
        (
            'when = "once"',
            'when = "arival"',
            "spoken_cautions = [",  # an inline table is found by the line of its array
            "poses[0].spoken_cautions[0].when: unknown when 'arival' (did you mean 'arrival'?)",
        ),
        (
            'base = "kneeling"',
            'base = "kneel"',
            "kneel",
            "poses[0].base: unknown base 'kneel' (did you mean 'kneeling'?)",
        ),
        (
            'text = "Tingling means stop."',
            'text = "Tingling means stop {side}."',
            "Tingling",
            "poses[1].spoken_cautions[0].text: {side} names a side, but this pose is not one-sided",
        ),
        (
            'text = "Tingling means stop."',
            'txt = "Tingling means stop."',
            "Tingling",
            "poses[1].spoken_cautions[0].txt: unknown field (did you mean 'text'?)",
        ),
        (
            "{other} knee down",
            "{othr} knee down",
            "othr",
            "steps[0].lead_in: '{othr}' is not a field: only {side} and {other} are filled in",
        ),
        (
            'way_out = "Step your {side} foot back."',
            'way_out = "Step back {."',
            "way_out",
            "steps[0].way_out: '{' is not a field: only {side} and {other} are filled in",
        ),
        (
            '"Up"]',
            '"Up {side}"]',
            "Up {side}",
            "steps[1].beats[2]: {side} names a side, but this pose is not one-sided",
        ),
        (
            "beat_breaths = 1",
            "beat_seconds = 3",
            "beats =",
            "steps[1].beats[1]: an {inhale, exhale} beat needs beat_breaths, not seconds",
        ),
        (
            "arrival_beat = 2",
            "arrival_beat = 4",
            "arrival_beat",
            "steps[1].arrival_beat: must be between 1 and 3, not 4",
        ),
        (
            '{ inhale = "Breathe in", exhale = "Exhale, belly in" }',
            '{ exhale = "Exhale, belly in" }',
            "beats =",
            "steps[1].beats[1].inhale: missing (required)",
        ),
    ],
)
def test_the_spoken_keys_are_checked_with_file_line_field_message(old, new, fragment, message):
    """The first problem is the one made; a pose that fails then goes missing for its steps."""
    assert old in SPOKEN
    text = SPOKEN.replace(old, new)
    assert problems(text)[0] == f"r.toml:{line_of(text, fragment)}: {message}"


# --- a pose's figure ------------------------------------------------------------------------------

FIGURES = frozenset({"lizard", "childs-pose", "standing-forward-fold"})


def test_a_pose_may_name_its_figure_and_without_the_key_it_has_none_of_its_own():
    text = SMALL.replace('name = "Low lunge"', 'name = "Low lunge"\nfigure = "lizard"')
    routine = load_routine(text, "r.toml", FIGURES)
    assert routine.pose("lunge").figure == "lizard"
    assert routine.pose("fold").figure is None  # falls back to its id when drawn


def test_an_unknown_figure_is_named_with_its_line_and_a_suggestion():
    text = SMALL.replace('name = "Low lunge"', 'name = "Low lunge"\nfigure = "lizzard"')
    line = text.splitlines().index('figure = "lizzard"') + 1
    with pytest.raises(RoutineError) as caught:
        load_routine(text, "r.toml", FIGURES)
    assert [str(p) for p in caught.value.problems] == [
        f"r.toml:{line}: poses[1].figure: unknown figure 'lizzard' (did you mean 'lizard'?)"
    ]
    nope = text.replace('"lizzard"', '"nope"')
    with pytest.raises(RoutineError) as caught:
        load_routine(nope, "r.toml", FIGURES)
    (problem,) = (str(p) for p in caught.value.problems)
    assert problem.startswith(f"r.toml:{line}: poses[1].figure: unknown figure 'nope' (one of: ")
    assert "childs-pose, lizard, standing-forward-fold" in problem


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3", "must be text, not a number"),
        ('"Lizard Pose"', "must be a figure's name: lower-case letters, digits and dashes"),
        ('""', "must not be empty"),
    ],
)
def test_a_figure_that_is_not_a_name_is_refused_at_its_line(value, message):
    text = SMALL.replace('name = "Low lunge"', f'name = "Low lunge"\nfigure = {value}')
    line = text.splitlines().index(f"figure = {value}") + 1
    assert problems(text) == [f"r.toml:{line}: poses[1].figure: {message}"]


def test_the_loader_does_not_know_the_figures_unless_it_is_told_them():
    """Pure: it reads no library. Without names it checks only the key's form; the library
    (library.py) always tells it the built-in figures' names."""
    text = SMALL.replace('name = "Low lunge"', 'name = "Low lunge"\nfigure = "nope"')
    assert load_routine(text, "r.toml").pose("lunge").figure == "nope"
