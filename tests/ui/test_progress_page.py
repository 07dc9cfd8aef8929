"""The progress page as a person uses it: opened from the history page with a click, the streak
and both charts painted from a real history file, the goal changed with a key, Esc and Back,
Export CSV… answered like the file dialog, and the charts never loaded at start-up."""

import sqlite3
import subprocess
import sys
from datetime import datetime, time, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from stretch_desktop.library import history_path
from stretch_desktop.storage.history import History
from stretch_desktop.storage.records import AssessmentRecord
from stretch_desktop.ui.charts import MINUTES_EMPTY, REACH_EMPTY
from stretch_desktop.ui.dialogs import Dialogs
from stretch_desktop.ui.figure_widget import dark_palette
from stretch_desktop.ui.pages.progress import ProgressData, ProgressPage
from stretch_desktop.ui.settings import Settings


def close(a: QColor, b: QColor, within=12):
    return all(abs(x - y) <= within for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def backdate(history, session_id, when):
    """A session done on another day (the journal writes only "now")."""
    with sqlite3.connect(history.path) as connection:
        connection.execute(
            "UPDATE sessions SET started_at=?, ended_at=?, updated_at=? WHERE id=?",
            (when.isoformat(), when.isoformat(), when.isoformat(), session_id),
        )


def done(history, when, minutes=10.0, before=None, after=None, status="completed"):
    session = history.begin("lunge-flow-for-hamstrings", "Lunge Flow for Hamstrings", "", 7, {})
    history.end(session, status, 7, 0, minutes * 60)
    backdate(history, session, when)
    if before or after:
        history.record_assessment(session, "before", before)
        history.record_assessment(session, "after", after)
    return session


def noon(day):
    return datetime.combine(day, time(12, 0)).astimezone()


@pytest.fixture
def past():
    """Three past weeks at Mon, Wed, Fri (30 min each week) and one session today (10 min);
    three assessed sessions in the last week."""
    history = History(history_path())
    today = datetime.now().astimezone().date()
    monday = today - timedelta(days=today.weekday())
    reaches = [("knees", "ankles"), ("ankles", "toes"), ("toes", "floor")]
    for weeks_back in (3, 2, 1):
        for offset in (0, 2, 4):
            day = monday - timedelta(weeks=weeks_back) + timedelta(days=offset)
            before, after = reaches[offset // 2] if weeks_back == 1 else (None, None)
            done(history, noon(day), before=before, after=after)
    done(history, noon(today))
    yield history
    history.close()


def open_progress(ui):
    ui.click(ui.window.choose_page.history_button)
    assert ui.window.pages.currentWidget() is ui.window.history_page
    ui.click(ui.window.history_page.progress_button)
    page = ui.window.progress_page
    assert ui.window.pages.currentWidget() is page
    return page


def image(chart):
    return chart.grab().toImage()


def test_the_progress_page_opens_from_history_with_the_streak_and_both_charts(ui, past):
    ui.controller.set_history(past)
    page = open_progress(ui)
    assert page.streak.text() == "3 weeks in a row at 3 days a week  ·  This week: 1 of 3 days"
    chart = page.minutes_chart
    assert [round(week.minutes) for week in chart.weeks][-4:] == [30, 30, 30, 10]
    assert len(chart.weeks) == 16 and not any(week.minutes for week in chart.weeks[:-4])
    # The bars are painted in the accent colour where each week's bar must be, and nowhere
    # where a week had no session.
    picture = image(chart)
    accent = chart.palette().color(QPalette.ColorRole.Highlight)
    for index in (12, 13, 14, 15):
        centre = chart.bar_rect(index).center().toPoint()
        assert close(picture.pixelColor(centre), accent), index
    full, part = chart.bar_rect(14), chart.bar_rect(15)
    assert part.height() == pytest.approx(full.height() / 3, abs=1)
    empty_week = chart.bar_rect(5)
    above_axis = empty_week.center().toPoint().x(), round(full.top() + full.height() / 2)
    assert not close(picture.pixelColor(*above_axis), accent)
    # Reach: the after dots filled in the accent colour, the before dots hollow, on the scale.
    reach = page.reach_chart
    assert [(p.before, p.after) for p in reach.points] == [(0, 2), (2, 3), (3, 4)]
    picture = image(reach)
    accent = reach.palette().color(QPalette.ColorRole.Highlight)
    window = reach.palette().color(QPalette.ColorRole.Window)
    for index in range(3):
        after, before = reach.point_at(index, "after"), reach.point_at(index, "before")
        assert after.y() < before.y()  # the reach grew in every session: the after dot is higher
        assert close(picture.pixelColor(after.toPoint()), accent)
        assert close(picture.pixelColor(before.toPoint()), window)  # hollow
    # Palms flat is the top step, knees the bottom one.
    assert reach.labels[0] == "Knees" and reach.labels[-1] == "Palms flat"


def test_with_no_history_yet_each_chart_says_what_to_do(ui):
    history = History(history_path())
    ui.controller.set_history(history)
    page = open_progress(ui)
    assert page.streak.text() == "No week yet at 3 days a week  ·  This week: 0 of 3 days"
    for chart, text in ((page.minutes_chart, MINUTES_EMPTY), (page.reach_chart, REACH_EMPTY)):
        assert chart.empty and chart.empty_text == text
        picture = image(chart)
        accent = chart.palette().color(QPalette.ColorRole.Highlight)
        ink = chart.palette().color(QPalette.ColorRole.WindowText)
        pixels = [
            picture.pixelColor(x, y)
            for x in range(0, picture.width(), 2)
            for y in range(0, picture.height(), 2)
        ]
        assert not any(close(pixel, accent, 4) for pixel in pixels)  # no bar, no dot
        assert sum(close(pixel, ink, 40) for pixel in pixels) > 20  # but words
    assert "Lunge Flow for Hamstrings" in REACH_EMPTY and MINUTES_EMPTY.startswith("No sessions")
    history.close()


def test_the_charts_follow_a_dark_desktop(ui, past):
    ui.controller.set_history(past)
    page = open_progress(ui)
    light = image(page.minutes_chart)
    ui.window.setPalette(dark_palette())
    QApplication.processEvents()
    dark = image(page.minutes_chart)
    chart = page.minutes_chart
    background = chart.palette().color(QPalette.ColorRole.Window)
    assert background.lightness() < 60
    assert close(dark.pixelColor(2, 2), background, 2) and not close(
        light.pixelColor(2, 2), background
    )
    centre = chart.bar_rect(14).center().toPoint()
    assert close(dark.pixelColor(centre), QColor("#4c9be8"))


def test_the_goal_is_changed_with_a_key_updates_the_streak_and_is_kept(ui, past, tmp_path):
    ui.controller.set_history(past)
    page = open_progress(ui)
    page.goal.setFocus()
    ui.qtbot.keyClick(page.goal, Qt.Key.Key_Up)
    assert page.goal.value() == 4
    assert page.streak.text() == "No week yet at 4 days a week  ·  This week: 1 of 4 days"
    for _ in range(3):
        ui.qtbot.keyClick(page.goal, Qt.Key.Key_Down)
    assert page.streak.text() == "4 weeks in a row at 1 day a week  ·  This week: 1 of 1 day"
    # Back on the history page, its summary counts the same streak: one streak in the app.
    ui.click(page.back_button)
    assert ui.window.pages.currentWidget() is ui.window.history_page
    summary = ui.window.history_page.summary.text()
    assert summary.endswith("on 1 of 1 day  ·  Streak: 4 weeks"), summary
    # Kept as a preference: the next launch reads it back.
    again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.progress_goal() == 1


def test_a_goal_out_of_range_in_the_settings_file_is_the_default(tmp_path):
    path = tmp_path / "hand.ini"
    path.write_text("[progress]\ngoal_days=12\n")
    assert Settings(QSettings(str(path), QSettings.Format.IniFormat)).progress_goal() == 3
    path.write_text("[progress]\ngoal_days=5\n")
    assert Settings(QSettings(str(path), QSettings.Format.IniFormat)).progress_goal() == 5


def test_esc_and_back_return_to_the_history(ui, past):
    ui.controller.set_history(past)
    page = open_progress(ui)
    ui.key(Qt.Key.Key_Escape)
    assert ui.window.pages.currentWidget() is ui.window.history_page
    ui.click(ui.window.history_page.progress_button)
    ui.click(page.back_button)
    assert ui.window.pages.currentWidget() is ui.window.history_page


def test_export_csv_writes_what_the_history_csv_command_prints(ui, past, tmp_path):
    ui.controller.set_history(past)
    page = open_progress(ui)
    target = tmp_path / "mine.csv"
    asked = []

    def save_file(title, suggested, kinds):
        asked.append((title, suggested.suffix, kinds))
        return target

    ui.window.dialogs.save_file = save_file
    ui.click(page.export_button)
    assert asked == [("Export history as CSV", ".csv", "CSV files (*.csv);;All files (*)")]
    command = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "history", "--csv"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    assert target.read_bytes() == command.stdout
    assert command.stdout.count(b"\r\n") == 11  # the header and ten sessions
    assert page.notice.text() == f"Exported 10 sessions to {target}."
    # Called off: nothing written. A folder that is not there: said, not raised.
    target.unlink()
    ui.window.dialogs.save_file = lambda title, suggested, kinds: None
    ui.click(page.export_button)
    assert not target.exists() and ui.told == []
    ui.window.dialogs.save_file = lambda title, suggested, kinds: tmp_path / "no" / "x.csv"
    ui.click(page.export_button)
    ((title, text),) = ui.told
    assert title == "Not exported" and "x.csv" in text


FIRST_PAINT = r"""
import sys
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from stretch_desktop.cli import build_parser
from stretch_desktop.ui.app import after_show, build, make_application

WATCHED = ("stretch_desktop.ui.charts", "stretch_desktop.ui.pages.progress")
loaded = lambda: [name for name in WATCHED if name in sys.modules]

class FirstPaint(QObject):
    painted = False
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False

app = make_application()
args = build_parser().parse_args([])
launch = build(args)
first = FirstPaint()
launch.window.installEventFilter(first)
launch.window.show()
while not first.painted:
    app.processEvents()
after_show(launch, args)
app.processEvents()
print("after first paint:", loaded(), flush=True)
click = lambda button: QTest.mouseClick(button, Qt.MouseButton.LeftButton)
click(launch.window.choose_page.history_button)
click(launch.window.history_page.progress_button)
print("after opening:", loaded(), flush=True)
launch.controller.ticker.stop()
launch.window.close()
"""


def test_the_charts_are_loaded_when_the_page_is_first_opened_never_at_start_up(env):
    result = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines == [
        "after first paint: []",
        "after opening: ['stretch_desktop.ui.charts', 'stretch_desktop.ui.pages.progress']",
    ], result.stderr[-2000:]


def test_the_reach_chart_shows_the_last_24_assessed_sessions_and_says_so(qtbot):
    start = datetime(2026, 1, 5, 7, 30).astimezone()
    assessed = [
        AssessmentRecord(n, (start + timedelta(days=n)).isoformat(), "lunge", "ankles", "toes")
        for n in range(1, 31)
    ]
    page = ProgressPage(lambda: ProgressData([], assessed), Dialogs(None))
    qtbot.addWidget(page)
    page.refresh()
    assert [point.session_id for point in page.reach_chart.points] == list(range(7, 31))
    assert page.reach_title.text() == "Reach before and after, the last 24 assessed sessions"
    page._read = lambda: ProgressData([], assessed[:24])
    page.refresh()
    assert page.reach_title.text() == "Reach before and after, each assessed session"
