"""The breath pacer paints opaque colours worked out ahead of time; they must match the blend a
translucent circle over the window would give, on every part of the picture."""

import pytest
from PySide6.QtGui import QColor, QFontMetricsF, QPalette

from stretch_desktop.ui.presenter import PacerView
from stretch_desktop.ui.widgets import PacerWidget, tone_colour

SIDE = 300


def blend(below: QColor, above: QColor, alpha: float) -> tuple[int, int, int]:
    return tuple(
        round(b + (a - b) * alpha)
        for b, a in zip(
            (below.red(), below.green(), below.blue()),
            (above.red(), above.green(), above.blue()),
            strict=True,
        )
    )


def rgb(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def close(found: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(f - e) <= 2 for f, e in zip(found, expected, strict=True))


@pytest.fixture
def pacer(qtbot):
    widget = PacerWidget()
    qtbot.addWidget(widget)
    widget.resize(SIDE, SIDE)
    return widget


@pytest.mark.parametrize("tone", ["breath", "rest", "paused"])
@pytest.mark.parametrize("reduced", [False, True])
def test_margin_track_and_breath_have_the_blended_colours(pacer, tone, reduced):
    pacer.set_reduced_motion(reduced)
    pacer.set_view(PacerView(0.5, "", "", tone))
    image = pacer.grab().toImage()
    palette = pacer.palette()
    window = QColor(palette.color(QPalette.ColorRole.Window))
    colour = tone_colour(tone, palette)
    track = QColor(*blend(window, colour, 0.16))
    centre = SIDE // 2
    # The breath is 35–100 % of the track (side - 8 wide); at size 0.5 the ring near the edge
    # shows the track alone, and the middle (or, with reduced motion, the bottom) the breath.
    assert close(rgb(image.pixelColor(1, 1)), rgb(window))
    assert close(rgb(image.pixelColor(centre, 10)), rgb(track))
    breath_point = (centre, SIDE - 40) if reduced else (centre - 60, centre)
    assert close(rgb(image.pixelColor(*breath_point)), blend(track, colour, 0.55))


def test_a_new_breath_size_repaints_the_circle_not_the_margins(pacer, qtbot):
    painted = []
    original = pacer.paintEvent

    def record(event):
        painted.append(event.rect())
        original(event)

    pacer.paintEvent = record
    pacer.resize(SIDE + 200, SIDE)
    pacer.show()
    qtbot.waitUntil(lambda: bool(painted))  # the first, whole paint
    assert painted[0].width() == SIDE + 200
    painted.clear()
    pacer.set_view(PacerView(0.9, "", "", "breath"))
    qtbot.waitUntil(lambda: bool(painted))
    assert painted[-1].width() < SIDE + 200
    assert painted[-1].contains(pacer.rect().center())


def test_a_new_palette_recolours_the_pacer_at_once(pacer):
    """The colours are worked out once per tone and palette: a switch to a dark palette (the
    desktop's theme changing mid-session) must still show in the very next picture."""
    pacer.set_view(PacerView(0.5, "", "", "breath"))
    light = pacer.grab().toImage()
    dark = QPalette(pacer.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.Highlight, QColor(200, 120, 40))
    pacer.setPalette(dark)
    image = pacer.grab().toImage()
    centre = SIDE // 2
    track = blend(QColor(30, 30, 30), QColor(200, 120, 40), 0.16)
    assert rgb(light.pixelColor(1, 1)) != (30, 30, 30)
    assert close(rgb(image.pixelColor(1, 1)), (30, 30, 30))
    assert close(rgb(image.pixelColor(centre, 10)), track)
    assert close(
        rgb(image.pixelColor(centre - 60, centre)),
        blend(QColor(*track), QColor(200, 120, 40), 0.55),
    )


def test_frames_that_repaint_part_of_the_circle_leave_the_picture_a_whole_repaint_gives(
    pacer, qapp
):
    """Most frames repaint only the square around the breath's larger edge. What is on screen
    after a run of such frames (words and tone changing now and then) must be exactly what
    painting the whole pacer afresh gives."""
    partial = []
    original = pacer.paintEvent

    def record(event):
        partial.append(event.rect().width() < SIDE - 8)
        original(event)

    pacer.paintEvent = record
    pacer.resize(SIDE + 200, SIDE)
    pacer.show()
    qapp.processEvents()
    sizes = [*(n / 20 for n in range(21)), *(1 - n / 13 for n in range(14))]
    for frame, size in enumerate(sizes):
        title = "Inhale" if frame < 21 else "Exhale"
        tone = "rest" if frame > 30 else "breath"
        pacer.set_view(PacerView(size, title, "Breath 3 of 10", tone))
        qapp.processEvents()
    assert sum(partial) > 20, "most frames repainted less than the whole circle"
    on_screen = pacer.windowHandle().screen().grabWindow(pacer.winId()).toImage()
    afresh = pacer.grab().toImage()
    assert on_screen.size() == afresh.size()
    differing = [
        (x, y)
        for y in range(afresh.height())
        for x in range(afresh.width())
        if on_screen.pixel(x, y) != afresh.pixel(x, y)
    ]
    assert not differing, f"{len(differing)} pixels differ, first at {differing[:3]}"


def test_long_beat_words_shrink_to_fit_inside_the_pacer(pacer, qtbot):
    """Found on the roll-down's screenshot: "Round down, hands on the box" ran off both sides."""
    pacer.set_view(PacerView(0.5, "Round down, hands on the box", "2 of 3", "beat"))
    image = pacer.grab().toImage()
    window = rgb(QColor(pacer.palette().color(QPalette.ColorRole.Window)))
    edges = [(x, y) for x in (0, 1, SIDE - 2, SIDE - 1) for y in range(SIDE)]
    assert all(close(rgb(image.pixelColor(x, y)), window) for x, y in edges)
    # and it is still drawn: some of the middle row is text
    title_row = round(SIDE / 2 - SIDE * 0.07)
    text = [x for x in range(SIDE) if sum(rgb(image.pixelColor(x, title_row))) < 200]
    assert text and max(text) - min(text) > SIDE / 2


def test_beat_words_too_long_for_the_smallest_pacer_wrap_onto_two_lines(pacer, qtbot):
    """In the smallest window (a pacer 108 px wide) "Round down, hands on the box" ran off both
    sides even at the smallest size; it wraps instead, clear of the count below."""
    side = 108
    pacer.setMinimumSize(side, side)  # as the session page sets it in a 720x480 window
    pacer.resize(side, side)
    assert pacer.width() == side
    pacer.set_view(PacerView(0.5, "Round down, hands on the box", "2 of 3", "beat"))
    image = pacer.grab().toImage()
    edges = [(x, y) for x in (0, 1, side - 2, side - 1) for y in range(side)]
    assert not [(x, y) for x, y in edges if sum(rgb(image.pixelColor(x, y))) < 200]  # no text
    inked = [  # rows with dark text across the middle third of the circle
        y
        for y in range(side)
        if any(sum(rgb(image.pixelColor(x, y))) < 200 for x in range(side // 3, 2 * side // 3))
    ]
    bands = [y for y in inked if y - 1 not in inked]  # where each line of text starts
    assert len(bands) >= 3  # two lines of words and the count


LONG_BEAT = "Roll up slowly, stacking each vertebra"


@pytest.mark.parametrize("words", [LONG_BEAT, f"{LONG_BEAT} " * 3])
def test_beat_words_never_take_more_than_two_lines_over_the_count(pacer, qtbot, words):
    """A review: wrapped words in a user's routine took three lines, over "2 of 3"."""
    side = 108
    pacer.setMinimumSize(side, side)
    pacer.resize(side, side)
    pacer.set_view(PacerView(0.5, words, "2 of 3", "beat"))
    image = pacer.grab().toImage()
    inked = [
        y
        for y in range(side)
        if any(sum(rgb(image.pixelColor(x, y))) < 200 for x in range(side // 4, 3 * side // 4))
    ]
    bands = [y for y in inked if y - 1 not in inked]
    assert 2 <= len(bands) <= 3  # the words (one band, or a line each), apart from the count
    title = pacer._fonts(side)[0]
    static, font = pacer.fitted(words, title, side * 0.96)
    assert static.size().width() <= side * 0.96
    assert static.size().height() < 2.5 * QFontMetricsF(font).lineSpacing()  # two lines
