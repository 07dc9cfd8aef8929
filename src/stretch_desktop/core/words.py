"""The words of the cue script: numbers, amounts and sides said the way a teacher says them.

Cues are heard, not read, so "10" becomes "Ten" and "90 s" becomes "one minute thirty seconds";
espeak-ng would read digits fine, but other voices stumble over "1:30" and units.
"""

from __future__ import annotations

from stretch_desktop.core.routine import OTHER_FIELD, SIDE_FIELD, Amount, Base, Side

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# A conservative speaking rate for estimating cue lengths before they are measured: espeak-ng
# speaks about 175 words a minute by default (about 340 ms a word); slower voices exist, so
# estimate long. Punctuation adds a pause.
_MS_PER_WORD = 400
_MS_PER_PAUSE = 250
_MS_MINIMUM = 500


def number_words(n: int) -> str:
    """Spell out 0 to 9999 in English words ("forty-two")."""
    if not 0 <= n < 10_000:
        raise ValueError(f"cannot say {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    joiner = " and " if 0 < rest < 100 else " "
    return f"{_ONES[thousands]} thousand" + (f"{joiner}{number_words(rest)}" if rest else "")


def count_words(n: int, unit: str) -> str:
    """ "one breath", "ten breaths": the unit agrees with the number."""
    return f"{number_words(n)} {unit}{'' if n == 1 else 's'}"


def seconds_words(seconds: int) -> str:
    """Ninety seconds is said as "one minute thirty seconds"; under a minute, in seconds."""
    minutes, rest = divmod(seconds, 60)
    if minutes == 0:
        return count_words(rest, "second")
    spoken = count_words(minutes, "minute")
    return f"{spoken} {count_words(rest, 'second')}" if rest else spoken


def amount_words(amount: Amount) -> str:
    if amount.breaths is not None:
        return count_words(amount.breaths, "breath")
    assert amount.seconds is not None
    return seconds_words(round(amount.seconds))


def side_words(side: Side | None) -> str:
    return "" if side is None else f", {side.value} side"


def fill_sides(text: str, side: Side | None) -> str:
    """``text`` with ``{side}``/``{other}`` said as "right"/"left" for the side being done.

    A listener with closed eyes cannot resolve "that foot" or "the opposite leg"; a named leg
    needs no looking. The loader allows the fields only on one-sided poses, so ``side`` is set
    wherever they appear.
    """
    if side is None:
        return text
    return text.replace(SIDE_FIELD, side.value).replace(OTHER_FIELD, side.other.value)


def move_words(before: Base, after: Base) -> str:
    """What to do to get from one base to another, said before the next pose is named.

    Said first because it is what the person must do first ("Come up to standing." before
    "Standing forward fold"); the pose's own lead-in then says how to set up.
    """
    match after:
        case Base.STANDING:
            return "Roll up slowly, head last." if before is Base.FOLDED else "Come up to standing."
        case Base.FOLDED:
            return (
                "Fold forward from your hips."
                if before is Base.STANDING
                else ("Come up to standing.")
            )
        case Base.KNEELING | Base.ALL_FOURS:
            if before in (Base.SEATED, Base.LYING):
                return "Come up onto your hands and knees."
            return "Come down onto your hands and knees."
        case Base.SEATED:
            return "Come up to sitting." if before is Base.LYING else "Sit down on the mat."
        case Base.LYING:
            return "Lie down on the mat."


def way_out_words(base: Base | None, rest: bool, last: bool) -> str:
    """The way out of a step whose routine gives none.

    The last step of a session says how to come up from where it ends, so nobody is left
    folded or lying when "Session complete" is said; any other step just releases, since the
    next announcement names the move to the next pose.
    """
    if last and base is Base.FOLDED:
        return "Roll up slowly, head last."
    if last and base is Base.LYING:
        return "Roll onto your side, then come up slowly."
    if last and base in (Base.SEATED, Base.KNEELING, Base.ALL_FOURS):
        return "Release, and come up slowly."
    return "Slowly come out of the rest." if rest else "Release. Come out slowly."


def sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop, so cues join into clean speech."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


_BREATH_WORDS = ("breathe in", "breathe out", "inhale", "exhale")


def without_breath_word(text: str) -> str | None:
    """``text`` without the breath word it starts with ("Exhale, belly in." → "Belly in."), or
    None if it starts with none or is nothing else.

    For a breath beat whose phrase is said as the breath turns: the moment already says which
    way the breath goes, so a slow voice that cannot fit the whole phrase in the half breath
    says the rest, rather than running into the next beat and losing it.
    """
    lower = text.lower()
    for word in _BREATH_WORDS:
        if lower.startswith(word) and not lower[len(word) : len(word) + 1].isalpha():
            rest = text[len(word) :].lstrip(" ,;:-")
            return sentence(rest) if rest.strip(" .!?") else None
    return None


def estimate_speech_ms(text: str) -> int:
    """A generous guess at how long a voice takes to say ``text``, in milliseconds.

    The speech layer replaces this with measured lengths once cues are rendered; until then the
    compiler still needs a number so a long lead-in gets the time it needs.
    """
    words = len(text.split())
    pauses = sum(text.count(mark) for mark in ".,;:!?")
    return max(_MS_MINIMUM, words * _MS_PER_WORD + pauses * _MS_PER_PAUSE)
