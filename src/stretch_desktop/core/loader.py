"""Routine files (TOML) to :class:`Routine`, with errors a person can act on.

A routine file is data only: nothing in it is executed and no path in it is followed. Whatever
bytes it holds, the only exception that leaves :func:`load_routine` is :class:`RoutineError`,
which lists every problem found as ``FILE:LINE: field: message``. Limits on size, counts, text
lengths and durations keep a hostile or mistyped file from hanging the app or producing a
three-day "stretch"; every step here is linear in the file's size, so checking any file within
:data:`MAX_FILE_BYTES` takes a fraction of a second.

This module is handed text; it does no I/O itself (``stretch_desktop.library`` reads files).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from stretch_desktop.core.pacing import BREATH_MAX_S, LEAD_IN_MAX_S, BreathCues, Pacing
from stretch_desktop.core.routine import (
    OTHER_FIELD,
    SIDE_FIELD,
    Amount,
    Assess,
    Base,
    Block,
    CautionTime,
    ContractRelax,
    Flow,
    Hold,
    Pose,
    PoseStep,
    Rest,
    Routine,
    Spoken,
    SpokenCaution,
    Step,
)
from stretch_desktop.core.timeline import extents

if TYPE_CHECKING:
    from stretch_desktop.core.figures import Figure

FORMAT_VERSION: Final = 1
MAX_FILE_BYTES: Final = 256 * 1024
MAX_POSES: Final = 100
MAX_STEPS: Final = 200
MAX_BLOCK_STEPS: Final = 20
MAX_LIST_ITEMS: Final = 20
MAX_NAME: Final = 80
MAX_SENTENCE: Final = 500
MAX_TEXT: Final = 2000
MAX_PROBLEMS: Final = 50
MAX_INLINE_SHAPES: Final = 24
"""The most figure shapes a routine may draw inline (a still figure is one, a flow one per
beat). Checking a shape sets the body down on its resting points, up to about 11 ms for the
worst one a file can write, so this keeps a routine's figures to a quarter of a second."""

MAX_SESSION_HOURS: Final = 4
"""The longest a routine may run, in hours, measured at :data:`SLOWEST_PACING`, so no preference
can stretch a session beyond it. Longer is not a stretching session but a mistake (or an attack:
the limits above alone allow a file of 7.6 years). A routine that lasts 15 minutes at the
default pacing lasts about an hour at the slowest, so four hours leave room for long classes."""
MAX_TIMELINE_STEPS: Final = 200
"""The most steps a routine may have once each one-sided step and ``sides`` block is done on
both sides: the rows of the pose list. Without it 200 blocks of 20 steps make 8,000 rows."""
MAX_PHASES: Final = 1000
"""The most phases (a lead-in, a hold, each press and each release of a contract-relax step) a
routine may compile to. The built-in routines have at most 62; together with the session
length this bounds the timeline's size (its cues too: a cue needs at least half a second) and
so the time and memory compiling it takes, before anything is compiled."""
SLOWEST_PACING: Final = Pacing(
    inhale_ms=BREATH_MAX_S * 1000,
    exhale_ms=BREATH_MAX_S * 1000,
    lead_in_ms=LEAD_IN_MAX_S * 1000,
    breath_cues=BreathCues.EVERY,
)
"""The pacing a routine's length is measured at: the slowest breath and longest lead-in a person
can choose (``core/pacing``), so the bound holds whatever the preferences say."""
MAX_KEY_PARTS: Final = 16
"""The most parts a dotted key or table header (``[steps.steps]`` has two) may have. The TOML
parser's work on a key grows with the square of its parts (a 240 KB header took a minute); this
is checked before it runs."""
MAX_NUMBER_DIGITS: Final = 600
"""The most digits a number may have: far beyond any real value, and below the smallest limit
Python can be set to convert (640 digits), so the parser never refuses a number for us."""

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
Path = tuple[str | int, ...]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (C0, DEL, C1) other than tab, newline and carriage return. Those three are
whitespace that every text field folds into single spaces (each field is one paragraph on
screen and one sentence to the voice), so they never reach either; the rest would: a NUL cuts
an announcement short, an escape sequence drives the terminal ``check`` prints to."""
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Bidirectional embeddings, overrides and isolates: an override makes text show in another
order than it is written and spoken (a reversed title). The left-to-right and right-to-left
marks (U+200E, U+200F, U+061C) are allowed: they only settle where neutral characters such as
punctuation go, which right-to-left text needs, and cannot reorder words."""
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _unsafe_text(value: str) -> str | None:
    """Why ``value`` must not reach the screen or the voice, or None if it may."""
    found = _CONTROL.search(value) or _BIDI.search(value)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if _CONTROL.fullmatch(found.group()):
        return f"contains a control character ({code}), which cannot be shown or spoken"
    return f"contains a bidirectional control ({code}), which can reorder the text shown"


def _printable(text: str) -> str:
    """``text`` for a message: control and bidirectional characters written as ``\\uXXXX``, so
    a key or file name can neither drive a terminal nor reorder the line it is shown in."""
    return _UNSHOWABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{_printable(self.file)}:{self.line}: {_printable(self.field)}: {self.message}"


class RoutineError(Exception):
    """A routine file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in problems))


def field_name(path: Path) -> str:
    """``("steps", 3, "seconds")`` reads ``steps[3].seconds``: indexes count from 0."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "routine"


# --- finding the line a field is on -------------------------------------------------------------

# Strings and comments, as TOML reads them, in one pattern that can never fail once started (an
# unterminated string simply runs to the end of its line or the file), so a scan is one pass:
# no backtracking, whatever the bytes. Its alternatives start with `#`, `"` or `'` only.
_LEXEME = re.compile(
    r"#[^\n]*"
    r'|"""(?:[^"\\]|\\(?:[\s\S]|\Z)|""?(?!"))*(?:"""(?:""?)?|\Z)'
    r"|'''(?:[^']|''?(?!'))*(?:'''(?:''?)?|\Z)"
    r'|"(?:[^"\\\n]|\\[^\n])*"?'
    r"|'[^'\n]*'?"
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([\s\S]))")
_ESCAPED = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_MOST_KEY_CHARS = 200  # a longer string is not a key worth finding the line of


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code is None:
        return _ESCAPED.get(match.group(3), "")
    number = int(code, 16)
    return chr(number) if number <= 0x10FFFF else ""


@dataclass(slots=True)
class _Masked:
    """A file without comments and string contents (see :func:`_masked`)."""

    text: str
    strings: list[str]
    """The short one-line strings, in order: ``"7"`` in ``text`` stands for ``strings[7]``."""


def _masked(text: str) -> _Masked:
    """``text`` without comments and string contents: what is left is keys, headers, brackets,
    numbers and punctuation, on the same lines as in ``text``. Linear in the length of text.

    A comment becomes nothing. A one-line string becomes ``"N"``, its value (escapes read) kept
    as ``strings[N]``, so a quoted key is still found by its name; a longer or multi-line one
    (never a key) becomes ``""``, followed by the newlines it spanned.
    """
    strings: list[str] = []

    def mask(match: re.Match[str]) -> str:
        token = match.group()
        if token[0] == "#":
            return ""
        newlines = token.count("\n")
        if newlines:
            return '""' + "\n" * newlines
        if len(token) > _MOST_KEY_CHARS or token[:3] in ('"""', "'''"):
            return '""'
        inner = token[1:-1] if len(token) > 1 and token[-1] == token[0] else token[1:]
        if token[0] == '"' and "\\" in inner:
            inner = _ESCAPE.sub(_unescape, inner)
        strings.append(inner)
        return f'"{len(strings) - 1}"'

    return _Masked(_LEXEME.sub(mask, text), strings)


_SEGMENT_ENDS = re.compile(r"[=\[\]{},]")
_DIGIT_RUN = re.compile(rf"(?<![0-9_])[0-9_]{{{MAX_NUMBER_DIGITS + 1},}}")


def _shape_problems(masked: _Masked) -> list[tuple[int, str]]:
    """What the TOML parser must not be handed: keys of too many parts, numbers of too many
    digits. Returns ``(line, message)`` for the first of each kind; linear in the text.

    Outside strings and comments a dot belongs to a dotted key, or is the one dot of a float or
    a time; so a stretch between ``= [ ] { } ,`` and line ends with many dots is a deep key.
    """
    found: list[tuple[int, str]] = []
    most_dots = MAX_KEY_PARTS - 1
    text = masked.text
    if text.count(".") > most_dots:
        for number, line in enumerate(text.split("\n"), start=1):
            if line.count(".") > most_dots:
                dots = max(part.count(".") for part in _SEGMENT_ENDS.split(line))
                if dots > most_dots:
                    found.append(
                        (number, f"key too deep ({dots + 1} dotted parts, at most {MAX_KEY_PARTS})")
                    )
                    break
    for run in _DIGIT_RUN.finditer(text):
        digits = len(run.group()) - run.group().count("_")
        if digits > MAX_NUMBER_DIGITS:
            number = text.count("\n", 0, run.start()) + 1
            found.append(
                (number, f"number too long ({digits} digits, at most {MAX_NUMBER_DIGITS})")
            )
            break
    return found


# No lazy or nested quantifiers: these run on every line of every file, hostile ones included.
_HEADER = re.compile(r"^\s*(\[\[?)([^\]\n]*)\]\]?\s*$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"))*)\s*=(.*)$"""
)
_KEY_PART = re.compile(r'"([0-9]*)"|([^.\s"]+)')


def _split_key(dotted: str, strings: list[str]) -> list[str]:
    """The parts of a masked dotted key, quoted ones read back from ``strings``."""
    return [strings[int(quoted)] if quoted else bare for quoted, bare in _KEY_PART.findall(dotted)]


class _LineTree:
    """Where each table, array element and key of a file starts, as a tree of path parts.

    A node is an int; ``_children`` maps (node, part) to a node, so following a path is one dict
    look-up per part and reading a header of k parts costs k steps, never k squared (a tuple per
    prefix did: 68 s for a 240 KB header).
    """

    def __init__(self) -> None:
        self._children: dict[tuple[int, str | int], int] = {}
        self.lines: dict[int, int] = {}
        self.elements: dict[int, int] = {}  # array-of-tables node -> how many elements so far

    def child(self, node: int, part: str | int) -> int:
        return self._children.setdefault((node, part), len(self._children) + 1)

    def of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest enclosing table or key that has one; else 1."""
        node, line = 0, 1
        for part in path:
            found = self._children.get((node, part))
            if found is None:
                break
            node = found
            line = self.lines.get(node, line)
        return line


def _line_index(text: str, masked: _Masked | None = None) -> _LineTree:
    """Map table headers, array-of-table elements and keys to their 1-based line numbers.

    Only called on text that already parsed, so it can afford to be simple: strings and comments
    are masked out first (:func:`_masked`), then it follows table and array-of-table headers,
    counts array elements, and skips the insides of multi-line arrays and inline tables. Lines
    are split at ``\\n`` only, as the parser counts them. Anything it cannot place falls back to
    the nearest enclosing table's line. Linear in the length of ``text``.
    """
    tree = _LineTree()
    table = 0
    depth = 0  # open brackets/braces of a value spanning several lines
    masked = _masked(text) if masked is None else masked
    strings = masked.strings
    for number, line in enumerate(masked.text.split("\n"), start=1):
        if depth > 0:  # masked strings hold no brackets: counting them is enough
            depth += line.count("[") + line.count("{") - line.count("]") - line.count("}")
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            parts = _split_key(header.group(2), strings)
            if not parts:
                continue
            node = 0
            for part in parts[:-1]:  # parents resolve to their latest array element, if any
                node = tree.child(node, part)
                if node in tree.elements:
                    node = tree.child(node, tree.elements[node] - 1)
            node = tree.child(node, parts[-1])
            if header.group(1) == "[[":
                tree.elements[node] = tree.elements.get(node, 0) + 1
                tree.lines.setdefault(node, number)
                node = tree.child(node, tree.elements[node] - 1)
            tree.lines[node] = number
            table = node
            continue
        key = _KEY.match(line)
        if key:
            node = table
            for part in _split_key(key.group(1), strings):
                node = tree.child(node, part)
                tree.lines.setdefault(node, number)
            value = key.group(2)
            opened = value.count("[") + value.count("{")
            depth = max(0, opened - value.count("]") - value.count("}"))
    return tree


class _Lines:
    def __init__(self, text: str, masked: _Masked | None = None) -> None:
        try:
            self._tree: _LineTree | None = _line_index(text, masked)
        except Exception:  # a locator bug must never hide the real problem
            self._tree = None

    def of(self, path: Path) -> int:
        return 1 if self._tree is None else self._tree.of(path)


# --- reading tables -----------------------------------------------------------------------------


def _suggest(word: str, options: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    import difflib  # only when something is misspelt: keeps start-up light

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Problems:
    def __init__(self, file: str, lines: _Lines) -> None:
        self.file, self.lines = file, lines
        self.found: list[Problem] = []

    @property
    def full(self) -> bool:
        """No more problems will be kept: callers may skip working out their messages."""
        return len(self.found) >= MAX_PROBLEMS

    def add(self, path: Path, message: str) -> None:
        if not self.full:
            self.found.append(Problem(self.file, self.lines.of(path), field_name(path), message))


class _Table:
    """One TOML table being validated: typed getters that report rather than raise."""

    def __init__(self, value: object, path: Path, problems: _Problems, what: str) -> None:
        self.path, self.problems = path, problems
        self.ok = isinstance(value, dict)
        self.data: dict[str, Any] = value if isinstance(value, dict) else {}
        if not self.ok:
            problems.add(path, f"must be a table ({what}), not {_type_name(value)}")
        self.errors_before = len(problems.found)

    @property
    def clean(self) -> bool:
        return self.ok and len(self.problems.found) == self.errors_before

    suggest = staticmethod(_suggest)

    def table(self, value: object, path: Path, what: str) -> _Table:
        """A table inside this one, reporting to the same problems (how ``core/figures``,
        which cannot import this module, reads a figure's inner tables)."""
        return _Table(value, path, self.problems, what)

    def allow(self, *keys: str) -> None:
        for key in self.data:
            if self.problems.full:  # 10,000 unknown keys need no 10,000 spelling suggestions
                return
            if key not in keys:
                self.problems.add((*self.path, key), "unknown field" + _suggest(key, keys))

    def _get(self, key: str, required: bool, kind: type | tuple[type, ...], name: str) -> Any:
        if key not in self.data:
            if required:
                self.problems.add((*self.path, key), "missing (required)")
            return None
        value = self.data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.problems.add((*self.path, key), f"must be {name}, not a true/false value")
            return None
        if not isinstance(value, kind):
            self.problems.add((*self.path, key), f"must be {name}, not {_type_name(value)}")
            return None
        return value

    def text(self, key: str, required: bool = False, limit: int = MAX_SENTENCE) -> str | None:
        value = self._get(key, required, str, "text")
        if value is None:
            return None
        unsafe = _unsafe_text(value)
        if unsafe:
            self.problems.add((*self.path, key), unsafe)
            return None
        value = " ".join(value.split())
        if not value:
            self.problems.add((*self.path, key), "must not be empty")
            return None
        if len(value) > limit:
            self.problems.add(
                (*self.path, key), f"too long ({len(value)} characters, at most {limit})"
            )
            return None
        return str(value)

    def ident(self, key: str) -> str | None:
        value = self.text(key, required=True, limit=64)
        if value is not None and not _ID.fullmatch(value):
            self.problems.add(
                (*self.path, key),
                "must be lower-case letters, digits and dashes, starting with a letter or digit",
            )
            return None
        return value

    def texts(
        self,
        key: str,
        required: bool = False,
        limit: int = MAX_SENTENCE,
        most: int = MAX_LIST_ITEMS,
    ) -> tuple[str, ...] | None:
        value = self._get(key, required, list, "a list of text")
        if value is None:
            return None if required else ()
        if required and not value:
            self.problems.add((*self.path, key), "must not be empty")
        if len(value) > most:
            self.problems.add((*self.path, key), f"too many items ({len(value)}, at most {most})")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problems.add((*self.path, key, i), "must be non-empty text")
            elif unsafe := _unsafe_text(item):
                self.problems.add((*self.path, key, i), unsafe)
            elif len(item) > limit:
                self.problems.add(
                    (*self.path, key, i), f"too long ({len(item)} characters, at most {limit})"
                )
            else:
                out.append(" ".join(item.split()))
        return tuple(out)

    def number(
        self, key: str, low: float, high: float, required: bool = False, whole: bool = False
    ) -> float | None:
        kind: tuple[type, ...] = (int,) if whole else (int, float)
        value = self._get(key, required, kind, "a whole number" if whole else "a number")
        if value is None:
            return None
        if not low <= value <= high:  # also rejects nan and inf
            self.problems.add(
                (*self.path, key), f"must be between {low:g} and {high:g}, not {_shown(value)}"
            )
            return None
        return float(value)

    def whole(self, key: str, low: int, high: int, required: bool = False) -> int | None:
        value = self.number(key, low, high, required, whole=True)
        return None if value is None else int(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, False, bool, "true or false")
        return default if value is None else bool(value)

    def tables(self, key: str, most: int) -> list[tuple[Path, object]]:
        value = self._get(key, True, list, "a list of tables")
        if value is None:
            return []
        if not value:
            self.problems.add((*self.path, key), "must not be empty")
        if len(value) > most:
            self.problems.add((*self.path, key), f"too many ({len(value)}, at most {most})")
            return []
        return [((*self.path, key, i), item) for i, item in enumerate(value)]

    def amount(
        self,
        seconds_key: str,
        breaths_key: str,
        seconds: tuple[float, float],
        breaths: tuple[int, int],
    ) -> Amount | None:
        has_seconds, has_breaths = seconds_key in self.data, breaths_key in self.data
        if has_seconds == has_breaths:
            self.problems.add(
                (*self.path, seconds_key if has_seconds else "kind"),
                f"give either {seconds_key} or {breaths_key}"
                + (", not both" if has_seconds else " (how long it lasts)"),
            )
            return None
        if has_seconds:
            value = self.number(seconds_key, *seconds)
            return None if value is None else Amount(seconds=value)
        count = self.whole(breaths_key, *breaths)
        return None if count is None else Amount(breaths=count)


def _shown(value: float) -> str:
    """A number as a message shows it: short, whatever its size (a 400-digit int is no float)."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _type_name(value: object) -> str:
    names = {
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


# --- the routine's shape ------------------------------------------------------------------------

_COMMON_STEP_KEYS = ("kind", "pose", "lead_in", "note", "way_out")
_HOLD_SECONDS = (1.0, 600.0)
_BREATHS = (1, 60)
_MOST_SPOKEN_CAUTIONS = 5
_FIELD = re.compile(r"\{[^{}\n]{0,40}\}|[{}]")
_SIDE_FIELDS = (SIDE_FIELD, OTHER_FIELD)


def _side_fields_problem(text: str, one_sided: bool) -> str | None:
    """Why ``text``'s braces cannot be said, or None: only ``{side}`` and ``{other}`` are
    filled in (per side, so only on a one-sided pose); any other brace would be read aloud."""
    for found in _FIELD.finditer(text):
        field = found.group()
        if field not in _SIDE_FIELDS:
            return f"{field!r} is not a field: only {SIDE_FIELD} and {OTHER_FIELD} are filled in"
        if not one_sided:
            return f"{field} names a side, but this pose is not one-sided"
    return None


def _check_sides(table: _Table, keys: tuple[str, ...], one_sided: bool) -> None:
    """Check the side fields in a step's texts (strings, lists of them, beat tables)."""
    for key in keys:
        value = table.data.get(key)
        items: list[tuple[Path, object]] = [((*table.path, key), value)]
        if isinstance(value, list):
            items = [((*table.path, key, i), item) for i, item in enumerate(value)]
        for path, item in items:
            texts = item.items() if isinstance(item, dict) else [(None, item)]
            for part, text in texts:
                if isinstance(text, str) and (problem := _side_fields_problem(text, one_sided)):
                    table.problems.add(path if part is None else (*path, part), problem)


def _spoken(table: _Table, halfway: bool) -> Spoken:
    return Spoken(
        lead_in=table.text("lead_in", limit=300),
        halfway=table.text("halfway", limit=200) if halfway else None,
        note=table.text("note"),
        way_out=table.text("way_out", limit=200),
    )


def _hold(t: _Table, pose: str) -> Hold | None:
    t.allow(*_COMMON_STEP_KEYS, "seconds", "breaths", "halfway", "assess")
    amount = t.amount("seconds", "breaths", _HOLD_SECONDS, _BREATHS)
    spoken = _spoken(t, halfway=True)
    assess = _choice(t, "assess", tuple(moment.value for moment in Assess))
    return (
        Hold(pose, amount, spoken, None if assess is None else Assess(assess))
        if amount and t.clean
        else None
    )


def _rest(t: _Table, pose: str) -> Rest | None:
    t.allow(*_COMMON_STEP_KEYS, "seconds", "breaths")
    amount = t.amount("seconds", "breaths", _HOLD_SECONDS, _BREATHS)
    spoken = _spoken(t, halfway=False)
    return Rest(pose, amount, spoken) if amount and t.clean else None


def _beats(t: _Table, breathing: bool) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
    """A flow's beats: each a phrase said as the beat starts, or a table ``{inhale = "…",
    exhale = "…"}`` (beats counted in breaths only) whose exhale phrase is said as the exhale
    starts. Returns (phrases, exhale phrases or None each)."""
    value = t._get("beats", True, list, "a list of text or {inhale, exhale} tables")
    if value is None:
        return None
    if not value:
        t.problems.add((*t.path, "beats"), "must not be empty")
        return None
    if len(value) > 8:
        t.problems.add((*t.path, "beats"), f"too many items ({len(value)}, at most 8)")
        return None
    said: list[str] = []
    exhaled: list[str | None] = []
    for i, item in enumerate(value):
        path: Path = (*t.path, "beats", i)
        if isinstance(item, dict):
            beat = _Table(item, path, t.problems, "a beat")
            beat.allow("inhale", "exhale")
            inhale = beat.text("inhale", required=True, limit=200)
            exhale = beat.text("exhale", required=True, limit=200)
            if not breathing:
                t.problems.add(path, "an {inhale, exhale} beat needs beat_breaths, not seconds")
            if inhale is not None and exhale is not None:
                said.append(inhale)
                exhaled.append(exhale)
            continue
        if not isinstance(item, str) or not item.strip():
            t.problems.add(path, "must be non-empty text or an {inhale, exhale} table")
        elif unsafe := _unsafe_text(item):
            t.problems.add(path, unsafe)
        elif len(item) > 200:
            t.problems.add(path, f"too long ({len(item)} characters, at most 200)")
        else:
            said.append(" ".join(item.split()))
            exhaled.append(None)
    if len(said) != len(value):
        return None
    return tuple(said), tuple(exhaled) if any(exhaled) else ()


def _flow(t: _Table, pose: str) -> Flow | None:
    t.allow(
        *_COMMON_STEP_KEYS, "repetitions", "beats", "beat_seconds", "beat_breaths", "arrival_beat"
    )
    repetitions = t.whole("repetitions", 1, 100, required=True)
    beats = _beats(t, breathing="beat_breaths" in t.data)
    beat = t.amount("beat_seconds", "beat_breaths", (0.5, 60.0), (1, 10))
    arrival = t.whole("arrival_beat", 1, max(1, len(beats[0]) if beats else 8))
    spoken = _spoken(t, halfway=False)
    if repetitions is None or not beats or beat is None or not t.clean:
        return None
    arrival_beat = 0 if arrival is None else arrival - 1
    return Flow(pose, repetitions, beats[0], beat, spoken, beats[1], arrival_beat)


def _contract_relax(t: _Table, pose: str) -> ContractRelax | None:
    t.allow(
        *_COMMON_STEP_KEYS,
        "cycles",
        "contract_seconds",
        "relax_seconds",
        "contract_word",
        "relax_word",
    )
    cycles = t.whole("cycles", 1, 30, required=True)
    contract = t.number("contract_seconds", 1, 30, required=True)
    relax = t.number("relax_seconds", 1, 60, required=True)
    contract_word = t.text("contract_word", limit=40) or "Press"
    relax_word = t.text("relax_word", limit=40) or "Release"
    spoken = _spoken(t, halfway=False)
    if cycles is None or contract is None or relax is None or not t.clean:
        return None
    return ContractRelax(pose, cycles, contract, relax, spoken, contract_word, relax_word)


_POSE_STEPS: dict[str, Callable[[_Table, str], PoseStep | None]] = {
    "hold": _hold,
    "flow": _flow,
    "contract_relax": _contract_relax,
    "rest": _rest,
}
_KINDS = (*_POSE_STEPS, "sides")
_ASSESS_WHERE = (
    "only a hold on a two-sided pose, outside sides blocks, asks where the hands reached"
)
_SPOKEN_STEP_KEYS = (
    "lead_in",
    "halfway",
    "way_out",
    "note",
    "beats",
    "contract_word",
    "relax_word",
)
"""A step's texts that may name its side with ``{side}`` and ``{other}``."""


class _Reader:
    def __init__(self, problems: _Problems, poses: Mapping[str, Pose]) -> None:
        self.problems, self.poses = problems, poses
        self.assessed_at: dict[Assess, Path] = {}

    def step(self, path: Path, value: object, in_block: bool) -> Step | None:
        t = _Table(value, path, self.problems, "a step")
        if not t.ok:
            return None
        kind = t.text("kind", required=True, limit=40)
        if kind is None:
            return None
        if kind == "sides" and not in_block:
            return self.block(t)
        if kind not in _POSE_STEPS:
            allowed = _KINDS if not in_block else tuple(_POSE_STEPS)
            hint = _suggest(kind, allowed) or f" (one of: {', '.join(allowed)})"
            nested = " (sides blocks do not nest)" if kind == "sides" else ""
            self.problems.add((*path, "kind"), f"unknown step kind {kind!r}{nested}{hint}")
            return None
        if "assess" in t.data and (kind != "hold" or in_block):
            # Said plainly rather than as an unknown field: asked more than once (each side of
            # a block) or after a movement, the answer would compare nothing with nothing.
            where = "in a sides block" if in_block else f"on a {kind} step"
            self.problems.add((*path, "assess"), f"not allowed {where}: {_ASSESS_WHERE}")
            t.data = {key: value for key, value in t.data.items() if key != "assess"}
        pose = t.text("pose", required=True, limit=64)
        if pose is not None and pose not in self.poses:
            self.problems.add(
                (*path, "pose"),
                f"no pose {pose!r} in this routine" + _suggest(pose, list(self.poses)),
            )
            pose = None
        step = _POSE_STEPS[kind](t, pose or "")
        if pose is not None and isinstance(step, Hold) and step.assess is not None:
            step = self.assessed(path, step)
        if pose is not None:
            one_sided = self.poses[pose].one_sided
            _check_sides(t, _SPOKEN_STEP_KEYS, one_sided)
            if step is not None and not t.clean:
                step = None
        return step if pose is not None else None

    def assessed(self, path: Path, step: Hold) -> Hold | None:
        """An assessed hold, if it is done once and is the only one of its moment."""
        assert step.assess is not None
        if self.poses[step.pose].one_sided:
            self.problems.add(
                (*path, "assess"), f"not allowed on a one-sided pose: {_ASSESS_WHERE}"
            )
            return None
        if step.assess in self.assessed_at:
            line = self.problems.lines.of(self.assessed_at[step.assess])
            self.problems.add(
                (*path, "assess"),
                f"a routine asks {step.assess.value!r} once; line {line} already does",
            )
            return None
        self.assessed_at[step.assess] = (*path, "assess")
        return step

    def block(self, t: _Table) -> Block | None:
        t.allow("kind", "name", "steps", "note")
        name = t.text("name", limit=MAX_NAME) or "Each side"
        t.text("note")
        inner = [self.step(p, v, in_block=True) for p, v in t.tables("steps", MAX_BLOCK_STEPS)]
        steps = tuple(s for s in inner if isinstance(s, PoseStep))
        if (
            steps
            and len(steps) == len(inner)
            and not any(self.poses[s.pose].one_sided for s in steps)
        ):
            t.problems.add((*t.path, "steps"), "a sides block needs at least one one-sided pose")
        return Block(name, steps) if steps and t.clean else None


def _choice(t: _Table, key: str, choices: tuple[str, ...]) -> str | None:
    value = t.text(key, limit=40)
    if value is not None and value not in choices:
        hint = _suggest(value, choices) or f" (one of: {', '.join(choices)})"
        t.problems.add((*t.path, key), f"unknown {key} {value!r}{hint}")
        return None
    return value


def _spoken_cautions(t: _Table, one_sided: bool) -> tuple[SpokenCaution, ...]:
    """``spoken_cautions = [{text = "…", when = "arrival"}]``: cautions the voice says."""
    if "spoken_cautions" not in t.data:
        return ()
    found: list[SpokenCaution] = []
    times = tuple(time.value for time in CautionTime)
    for path, value in t.tables("spoken_cautions", _MOST_SPOKEN_CAUTIONS):
        caution = _Table(value, path, t.problems, "a spoken caution")
        if not caution.ok:
            continue
        caution.allow("text", "when")
        text = caution.text("text", required=True, limit=300)
        when = _choice(caution, "when", times) or CautionTime.ARRIVAL.value
        if text is not None and (problem := _side_fields_problem(text, one_sided)):
            t.problems.add((*path, "text"), problem)
        if text is not None and caution.clean:
            found.append(SpokenCaution(text, CautionTime(when)))
    return tuple(found)


def _inline_shapes(pose: object) -> int:
    """How many shapes a raw pose table's inline figure has (0: it has none)."""
    figure = pose.get("figure") if isinstance(pose, dict) else None
    if not isinstance(figure, dict):
        return 0
    beats = figure.get("beats")
    return len(beats) if isinstance(beats, list) else 1


def _inline_figure(t: _Table, pose_id: str, name: str, allowed: bool) -> Figure | None:
    """A pose's ``figure`` given as a table (``[poses.figure]``): its own joint angles, read
    by the figure library's own reader, so its problems are the library's, at this file's
    lines. Named after the pose and titled with its name unless it gives a title. Not read
    once the routine has drawn :data:`MAX_INLINE_SHAPES` (``allowed`` False)."""
    if not allowed:
        t.problems.add(
            (*t.path, "figure"),
            f"a routine may draw at most {MAX_INLINE_SHAPES} figure shapes itself (a flow's "
            "beats count one each): name a library figure for the others",
        )
        return None
    # Imported here: the figure model is 1,500 lines the window's first paint does not need
    # unless a routine draws its own figure.
    from stretch_desktop.core.figures import read_figure

    return read_figure(t.table(t.data["figure"], (*t.path, "figure"), "a figure"), pose_id, name)


def _figure_name(t: _Table, figures: Collection[str] | None) -> str | None:
    """A pose's ``figure``: a library figure's name. The loader is handed the names it may be
    (``figures``) and never reads the library; None checks only that it is a name."""
    if isinstance(t.data.get("figure"), dict):
        return None  # an inline figure (see _inline_figure)
    name = t.text("figure", limit=64)
    if name is None:
        return None
    path = (*t.path, "figure")
    if not _ID.fullmatch(name):
        t.problems.add(path, "must be a figure's name: lower-case letters, digits and dashes")
        return None
    if figures is not None and name not in figures:
        known = sorted(figures)
        hint = _suggest(name, known) or f" (one of: {', '.join(known)})"
        t.problems.add(path, f"unknown figure {name!r}{hint}")
        return None
    return name


def _pose(t: _Table, figures: Collection[str] | None, inline_allowed: bool = True) -> Pose | None:
    t.allow(
        "id",
        "name",
        "spoken_name",
        "instructions",
        "key_cues",
        "cautions",
        "equipment",
        "one_sided",
        "base",
        "spoken_cautions",
        "figure",
    )
    pose_id = t.ident("id")
    name = t.text("name", required=True, limit=MAX_NAME)
    spoken = t.text("spoken_name", limit=MAX_NAME)
    instructions = t.texts("instructions", required=True)
    key_cues = t.texts("key_cues") or ()
    cautions = t.texts("cautions") or ()
    equipment = t.texts("equipment", limit=MAX_NAME) or ()
    one_sided = t.flag("one_sided", False)
    base = _choice(t, "base", tuple(base.value for base in Base))
    spoken_cautions = _spoken_cautions(t, one_sided)
    if pose_id is None or name is None or not instructions or not t.clean:
        return None
    # Checked last: a wrong figure is reported, but the pose is kept, so its steps do not each
    # say "no pose" as well (the routine is still refused for the one problem).
    figure = _figure_name(t, figures)
    inline = (
        _inline_figure(t, pose_id, name, inline_allowed)
        if isinstance(t.data.get("figure"), dict)
        else None
    )
    return Pose(
        pose_id,
        name,
        spoken or name,
        instructions,
        key_cues,
        cautions,
        equipment,
        one_sided,
        None if base is None else Base(base),
        spoken_cautions,
        figure,
        inline,
    )


def _routine(
    data: dict[str, Any], problems: _Problems, origin: str, figures: Collection[str] | None
) -> Routine | None:
    top = _Table(data, (), problems, "a routine")
    top.allow(
        "format",
        "id",
        "title",
        "source",
        "source_url",
        "description",
        "equipment",
        "cautions",
        "poses",
        "steps",
    )
    version = top.whole("format", 1, 1_000_000)
    if version is not None and version != FORMAT_VERSION:
        problems.add(("format",), f"this app reads format {FORMAT_VERSION}, not {version}")
    routine_id = top.ident("id")
    title = top.text("title", required=True, limit=120)
    source = top.text("source", required=True, limit=300)
    source_url = top.text("source_url", limit=500)
    description = top.text("description", limit=MAX_TEXT) or ""
    equipment = top.texts("equipment", limit=MAX_NAME) or ()
    cautions = top.texts("cautions") or ()
    poses: dict[str, Pose] = {}
    inline_left = MAX_INLINE_SHAPES
    for path, value in top.tables("poses", MAX_POSES):
        inline_left -= _inline_shapes(value)
        pose = _pose(_Table(value, path, problems, "a pose"), figures, inline_left >= 0)
        if pose is not None and pose.id in poses:
            problems.add((*path, "id"), f"pose {pose.id!r} is defined twice")
        elif pose is not None:
            poses[pose.id] = pose
    reader = _Reader(problems, poses)
    steps = [
        reader.step(path, value, in_block=False) for path, value in top.tables("steps", MAX_STEPS)
    ]
    if problems.found or routine_id is None or title is None or source is None:
        return None
    routine = Routine(
        id=routine_id,
        title=title,
        source=source,
        description=description,
        poses=tuple(poses.values()),
        steps=tuple(s for s in steps if s is not None),
        equipment=equipment,
        cautions=cautions,
        source_url=source_url,
        origin=origin,
    )
    return routine if _within_bounds(routine, problems) else None


def _within_bounds(routine: Routine, problems: _Problems) -> bool:
    """Whether ``routine`` expands to at most the steps, phases and hours allowed; if not, say
    so at the step (or ``sides`` block) that goes past the bound.

    Counted step by step on :data:`SLOWEST_PACING` (``timeline.extents``) and stopped at the
    first step too many, so a file of 8,000 expanded steps costs no more than one at the bound.
    """
    limit_ms = MAX_SESSION_HOURS * 3_600_000
    for index, size in extents(routine, SLOWEST_PACING):
        if size.steps > MAX_TIMELINE_STEPS:
            message = (
                f"makes more than {MAX_TIMELINE_STEPS} steps once sides are expanded "
                "(a one-sided step is done on each side)"
            )
        elif size.phases > MAX_PHASES:
            message = (
                f"makes more than {MAX_PHASES} phases (a lead-in, a hold, each press and "
                "each release of a contract-relax step)"
            )
        elif size.total_ms > limit_ms:
            message = (
                f"makes the routine longer than {MAX_SESSION_HOURS} hours at the slowest pacing "
                f"(a {2 * BREATH_MAX_S} s breath, a {LEAD_IN_MAX_S} s lead-in)"
            )
        else:
            continue
        problems.add(("steps", index), message)
        return False
    return True


# --- the entry point ----------------------------------------------------------------------------

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def read_toml(
    content: str | bytes, file: str, raising: type[RoutineError] = RoutineError
) -> tuple[dict[str, Any], _Problems]:
    """The front half every checked TOML file shares (routines, figures): size, UTF-8, the
    shape checks that keep parsing linear, and TOML itself, each failure raised as ``raising``
    with its line. Returns the data and a problem list that finds lines in this text."""
    if len(content) > MAX_FILE_BYTES:
        raise raising([Problem(file, 1, "file", f"larger than {MAX_FILE_BYTES // 1024} KiB")])
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as bad:
            line = content.count(b"\n", 0, bad.start) + 1
            raise raising([Problem(file, line, "file", "not UTF-8 text")]) from None
    else:
        text = content
    masked = _masked(text)
    shapes = _shape_problems(masked)
    if shapes:
        raise raising([Problem(file, line, "syntax", message) for line, message in shapes])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        message = str(bad)
        found = _AT_LINE.search(message)
        line = int(found.group(1)) if found else max(1, text.count("\n") + 1)
        detail = _AT_LINE.sub("", message).strip()
        raise raising([Problem(file, line, "syntax", f"not valid TOML: {detail}")]) from None
    except RecursionError:  # deeply nested arrays
        raise raising([Problem(file, 1, "syntax", "nested too deeply")]) from None
    except ValueError:  # pragma: no cover - Python's digit limit; the shape check stays below it
        raise raising([Problem(file, 1, "syntax", "a number too long to read")]) from None
    return data, _Problems(file, _Lines(text, masked))


def load_routine(
    content: str | bytes, file: str, figures: Collection[str] | None = None
) -> Routine:
    """Validate a routine file's content. ``file`` names it in messages; it is not opened.

    ``figures`` are the figure names a pose's ``figure`` key may give (the library's, listed by
    ``library.builtin_figure_names``): any other is a problem at its line. None checks only
    that the key is a name (the figures themselves are drawn by the window, not loaded here).
    """
    data, problems = read_toml(content, file)
    routine = _routine(data, problems, origin=file, figures=figures)
    if routine is None:
        if not problems.found:  # pragma: no cover - every None path reports first
            problems.add((), "could not be read")
        raise RoutineError(problems.found)
    return routine
