"""Reminders in the window: a notification with buttons on a private bus, the buttons' effects,
the tray where there is no notification server, Preferences → Reminders, start at login.

Time is a fake wall clock the test moves; the service's 30-second tick is ``service.check()``.
The notification server is a stand-in on the test's own D-Bus (``tests/notification_daemon.py``):
it records each ``Notify`` before it replies and, when the test says so, sends ``ActionInvoked``
as a desktop does when a button is clicked. Every wait is on a queue, a signal or a condition,
never on time.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
from configparser import ConfigParser
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jeepney import DBusAddress, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import unwrap_msg
from PySide6.QtCore import QTime, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from stretch_desktop.cli import build_parser
from stretch_desktop.core.clock import FakeWallClock
from stretch_desktop.core.reminders import DAYS, Reminder
from stretch_desktop.core.timeline import measure
from stretch_desktop.storage.reminders import load_reminders, reminders_path, save_reminders
from stretch_desktop.ui import autostart
from stretch_desktop.ui.app import app_icon, show_window
from stretch_desktop.ui.notifications import (
    APP_NAME,
    DESKTOP_ENTRY,
    DesktopNotifications,
    FakeNotifications,
)
from stretch_desktop.ui.preferences_dialog import PreferencesDialog
from stretch_desktop.ui.reminders import (
    CHECK_MS,
    LOGIND,
    LOGIND_MANAGER,
    LOGIND_PATH,
    ReminderService,
    WakeWatcher,
)
from stretch_desktop.ui.reminders_page import LAST_ROUTINE, RemindersTab
from stretch_desktop.ui.tray import Tray
from tests.notification_daemon import StandInDaemon

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY_0729 = datetime(2026, 12, 1, 7, 29, tzinfo=BERLIN)
LUNGE = "lunge-flow-for-hamstrings"
MORNING = Reminder("r1", "07:30", DAYS, LUNGE)
BUTTONS = ["start", "Start", "snooze", "In 10 minutes", "skip", "Skip today"]


@pytest.fixture
def daemon(bus_address):
    server = StandInDaemon(bus_address, first_id=7)
    yield server
    server.stop()


@pytest.fixture
def wall():
    return FakeWallClock(TUESDAY_0729)


@pytest.fixture
def reminders(ui, wall):
    """``reminders(notifications, tray=None, saved=[MORNING])``: the service on the harness's
    window, reading the real reminders file (the one the command line reads), written with
    ``saved`` first unless that is None."""
    made = []

    def make(notifications, tray=None, saved=(MORNING,), wake=None):
        if saved is not None:  # None: the file as it is
            save_reminders(reminders_path(), list(saved))
        service = ReminderService(
            ui.window,
            ui.controller,
            wall,
            reminders_path(),
            routines=lambda: ui.window.choose_page.routines,
            last_routine=ui.settings.last_routine,
            pacing=lambda: ui.preferences.current.pacing,
            notifications=notifications,
            tray=tray,
            wake=wake,
            parent=ui.window,
        )
        made.append((service, notifications))
        return service

    yield make
    for service, notifications in made:
        service.stop()  # as at quit: the socket is no longer watched before it is closed
        if notifications is not None:
            notifications.close()


def expected_title(ui, routine_id):
    routine = next(r for r in ui.window.choose_page.routines if r.id == routine_id)
    minutes = round(measure(routine, ui.preferences.current.pacing).total_ms / 60_000)
    return f"Time to stretch: {routine.title}, {minutes} min"


def due_now(wall, service):
    """07:30 on the wall: the tick."""
    wall.set(TUESDAY_0729 + timedelta(minutes=1))
    service.check()


def notified(daemon):
    notification_id, body = daemon.calls.get(timeout=5)
    return notification_id, body


def click_and_wait(qtbot, daemon, service, notification_id, key):
    """A button clicked on the desktop, and the service done acting on it (it said so)."""
    with qtbot.waitSignal(service.changed, timeout=10_000):
        daemon.click(notification_id, key)


# --- the notification and its buttons ------------------------------------------------------------


def test_a_reminder_falling_due_is_a_notification_with_three_buttons(
    ui, wall, daemon, bus_address, reminders
):
    service = reminders(DesktopNotifications(bus_address))
    assert service.timer.isActive() and service.timer.interval() == CHECK_MS
    service.check()  # 07:29: not yet
    assert daemon.calls.empty()
    due_now(wall, service)
    _id, (app, _replaces, _icon, title, body, actions, hints, expire) = notified(daemon)
    assert title == expected_title(ui, LUNGE)
    assert title.startswith("Time to stretch: Lunge Flow for Hamstrings, ")
    assert title.endswith(" min")
    assert actions == BUTTONS
    assert (app, hints) == (APP_NAME, {"desktop-entry": ("s", DESKTOP_ENTRY)})
    assert expire == 0  # it waits for an answer
    assert body == "Your 07:30 reminder."
    service.check()  # once, not at every tick
    wall.advance(timedelta(minutes=5))
    service.check()
    assert daemon.calls.empty()


def test_start_brings_the_window_up_on_the_routine_ready_to_go(
    ui, wall, daemon, bus_address, reminders, qtbot
):
    ui.window.select_routine("toe-touch")
    ui.window.show_history()  # somewhere else, and out of sight
    ui.window.showMinimized()
    service = reminders(DesktopNotifications(bus_address))
    due_now(wall, service)
    notification_id, _ = notified(daemon)
    click_and_wait(qtbot, daemon, service, notification_id, "start")
    window, page = ui.window, ui.window.choose_page
    assert window.is_on_screen()
    assert window.pages.currentWidget() is page
    assert page.selected_routine().id == LUNGE
    assert not ui.controller.in_session  # ready, not started: the person may not be on the mat
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    assert page.start_button.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), "\r")  # Enter on the focused Start
    assert ui.controller.in_session
    assert ui.controller.timeline.routine.id == LUNGE


def test_start_never_starts_over_a_running_session(ui, wall, daemon, bus_address, reminders, qtbot):
    service = reminders(DesktopNotifications(bus_address))
    due_now(wall, service)
    notification_id, _ = notified(daemon)
    ui.start("toe-touch")  # begun before the click came
    click_and_wait(qtbot, daemon, service, notification_id, "start")
    assert ui.controller.timeline.routine.id == "toe-touch"
    assert ui.window.pages.currentWidget() is ui.session
    assert "A session is running" in ui.window.statusBar().currentMessage()


def test_in_10_minutes_brings_it_back_ten_minutes_later(
    ui, wall, daemon, bus_address, reminders, qtbot
):
    service = reminders(DesktopNotifications(bus_address))
    due_now(wall, service)
    first, _ = notified(daemon)
    click_and_wait(qtbot, daemon, service, first, "snooze")
    wall.advance(timedelta(minutes=9, seconds=30))
    service.check()
    assert daemon.calls.empty()
    wall.advance(timedelta(seconds=30))
    service.check()
    again, (*_, title, _body, actions, _hints, _expire) = notified(daemon)
    assert again != first
    assert title == expected_title(ui, LUNGE)
    assert actions == BUTTONS
    click_and_wait(qtbot, daemon, service, again, "start")  # the snoozed one works like the first
    assert ui.window.choose_page.selected_routine().id == LUNGE


def test_skip_today_silences_it_until_tomorrow(ui, wall, daemon, bus_address, reminders, qtbot):
    service = reminders(DesktopNotifications(bus_address))
    due_now(wall, service)
    first, _ = notified(daemon)
    click_and_wait(qtbot, daemon, service, first, "skip")
    for minutes in (10, 60, 16 * 60):  # through the day to 23:30
        wall.set(TUESDAY_0729 + timedelta(minutes=1 + minutes))
        service.check()
    assert daemon.calls.empty()
    wall.set(TUESDAY_0729 + timedelta(days=1, minutes=1))  # Wednesday 07:30
    service.check()
    notified(daemon)


def test_no_reminder_during_a_running_session(ui, wall, reminders):
    bus = FakeNotifications()
    service = reminders(bus)
    ui.start("toe-touch")
    due_now(wall, service)
    assert bus.sent == []
    ui.controller.stop()
    wall.advance(timedelta(minutes=1))
    service.check()
    assert bus.sent == []  # dropped, not kept for later: the person has just stretched


def test_a_reminder_added_on_the_command_line_is_used_by_the_running_app(ui, wall, reminders):
    bus = FakeNotifications()
    service = reminders(bus, saved=())
    subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "reminders", "add", "07:30", "--routine",
         "toe-touch"],
        check=True, capture_output=True,
    )  # fmt: skip
    due_now(wall, service)
    assert [n.title for n in bus.sent] == [expected_title(ui, "toe-touch")]


def test_my_last_routine_is_the_one_started_last(ui, wall, reminders):
    bus = FakeNotifications()
    service = reminders(bus, saved=[Reminder("r1", "07:30", DAYS, None)])
    ui.start("down-dog-from-tabletop")
    ui.controller.stop()
    due_now(wall, service)
    assert [n.title for n in bus.sent] == [expected_title(ui, "down-dog-from-tabletop")]


def test_without_a_notification_server_the_tray_message_opens_the_routine(
    ui, wall, reminders, tmp_path
):
    tray = Tray(ui.controller, ui.window, app_icon(), parent=ui.window)
    shown = []
    tray.show_message = lambda title, text: shown.append((title, text)) or True
    ui.window.select_routine("toe-touch")
    ui.window.hide()
    service = reminders(DesktopNotifications(f"unix:path={tmp_path}/no-bus"), tray=tray)
    due_now(wall, service)
    assert shown == [(expected_title(ui, LUNGE), "Click here to get ready.")]
    tray.icon.messageClicked.emit()  # the person clicks the message
    assert ui.window.isVisible()
    assert ui.window.choose_page.selected_routine().id == LUNGE
    assert not ui.controller.in_session


def test_a_reminder_missed_in_sleep_is_shown_when_the_machine_wakes(
    ui, wall, reminders, bus_address, qtbot
):
    """logind's PrepareForSleep(false), from a stand-in on the test's bus, checks at once:
    no waiting for the next tick."""
    logind = open_dbus_connection(bus=bus_address)
    try:
        reply = logind.send_and_get_reply(message_bus.RequestName(LOGIND), timeout=5)
        assert unwrap_msg(reply) == (1,)
        watcher = WakeWatcher(bus_address)
        assert watcher.listening
        bus = FakeNotifications()
        service = reminders(bus, wake=watcher)
        woken = []
        watcher.woke.connect(lambda: woken.append(True))
        manager = DBusAddress(LOGIND_PATH, interface=LOGIND_MANAGER)
        logind.send(new_signal(manager, "PrepareForSleep", "b", (True,)))  # going to sleep
        wall.set(TUESDAY_0729 + timedelta(minutes=41))  # slept through 07:30; 40 min late
        with qtbot.waitSignal(service.reminded, timeout=10_000):
            logind.send(new_signal(manager, "PrepareForSleep", "b", (False,)))  # awake
        assert woken == [True]  # the wake, not the going to sleep
        assert [n.title for n in bus.sent] == [expected_title(ui, LUNGE)]
    finally:
        logind.close()


def test_one_missed_while_the_machine_was_off_is_shown_as_the_app_starts(
    ui, wall, reminders, qtbot
):
    before = reminders(FakeNotifications())
    before.check()
    before.stop()  # the app quits at 07:29 (its state saved); the machine is off until 07:50
    wall.set(TUESDAY_0729 + timedelta(minutes=21))
    bus = FakeNotifications()
    reminders(bus)  # started at login: no tick needed, it looks as it starts
    assert [n.title for n in bus.sent] == [expected_title(ui, LUNGE)]
    again = FakeNotifications()
    restarted = reminders(again)  # started again a minute later: not shown twice
    wall.set(TUESDAY_0729 + timedelta(minutes=22))
    restarted.check()
    assert again.sent == []


def test_one_added_on_the_command_line_while_the_app_was_off_is_not_shown_as_missed(
    ui, wall, reminders
):
    """At 07:45, with the app not running, the command line adds a reminder for 07:42: the app
    started at 07:50 does not show it as one missed. The one that was there at 07:40 is."""
    before = reminders(FakeNotifications(), saved=[Reminder("r9", "07:40", DAYS, "toe-touch")])
    before.check()
    before.stop()  # the app quits at 07:29
    wall.set(TUESDAY_0729 + timedelta(minutes=16))
    subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "reminders", "add", "07:42", "--routine", LUNGE],
        check=True, capture_output=True,
    )  # fmt: skip
    edited = (TUESDAY_0729 + timedelta(minutes=16)).timestamp()
    os.utime(reminders_path(), (edited, edited))  # the command ran at 07:45 on the wall clock
    wall.set(TUESDAY_0729 + timedelta(minutes=21))
    bus = FakeNotifications()
    (saved, problem) = load_reminders(reminders_path())
    assert problem is None and {r.time for r in saved} == {"07:40", "07:42"}
    reminders(bus, saved=None)  # started at login with the file as the command left it
    assert [n.title for n in bus.sent] == [expected_title(ui, "toe-touch")]


def test_without_a_system_bus_the_tick_is_all_there_is(tmp_path):
    watcher = WakeWatcher(f"unix:path={tmp_path}/no-system-bus")
    assert not watcher.listening
    watcher.close()  # and closing it is harmless


def test_a_damaged_reminders_file_is_said_above_the_page_and_the_app_goes_on(ui, wall):
    path = reminders_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00 not json")
    service = ReminderService(
        ui.window,
        ui.controller,
        wall,
        path,
        routines=lambda: ui.window.choose_page.routines,
        last_routine=ui.settings.last_routine,
        pacing=lambda: ui.preferences.current.pacing,
        notifications=FakeNotifications(),
        parent=ui.window,
    )
    assert "Your reminders were damaged" in ui.window.notices.text()
    assert service.reminders == []
    (kept,) = path.parent.glob("reminders.json*")  # moved aside, not overwritten
    assert kept.name.startswith("reminders.json.corrupt-")
    assert kept.read_bytes() == b"\x00 not json"
    service.stop()


# --- Preferences → Reminders ---------------------------------------------------------------------


def in_preferences(ui, qtbot, act):
    """Open Preferences with the button, run ``act(dialog, tab)`` inside it, close it."""
    failures = []

    def run():
        dialog = QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, PreferencesDialog)
            (tab,) = [t for t in dialog.tabs if isinstance(t, RemindersTab)]
            qtbot.mouseClick(dialog.pages.tabBar(), *tab_point(dialog, tab))
            assert dialog.pages.currentWidget() is tab
            act(dialog, tab)
        except BaseException as error:  # a failure must not leave the dialog open for ever
            failures.append(error)
            dialog.reject()

    QTimer.singleShot(0, run)
    ui.click(ui.window.choose_page.preferences_button)
    if failures:
        raise failures[0]


def tab_point(dialog, tab):
    from PySide6.QtCore import Qt

    bar = dialog.pages.tabBar()
    return (
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        bar.tabRect(dialog.pages.indexOf(tab)).center(),
    )


def tick_box(qtbot, box):
    """A click on the box itself (the middle of a wide row may be past its label)."""
    from PySide6.QtCore import QPoint, Qt

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def ok_button(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_a_reminder_added_in_preferences_is_saved_and_listed_by_the_command_line(
    ui, wall, reminders, qtbot
):
    service = reminders(FakeNotifications(), saved=())
    seen = {}

    def add(dialog, tab):
        seen["before"] = tab.next_label.text()
        ui.click(tab.add_button)
        (row,) = tab.rows
        assert dialog.focusWidget() is row.time  # ready for the time to be typed
        row.time.setSelectedSection(row.time.Section.HourSection)
        qtbot.keyClicks(row.time, "0745")  # typed, as into any time field
        assert row.time.time() == QTime(7, 45)
        for day in ("sat", "sun"):
            ui.click(row.day_buttons[day])
        assert [row.routine.itemText(i) for i in range(2)] == [
            LAST_ROUTINE,
            "Down Dog from Tabletop",
        ]
        row.routine.setCurrentIndex(row.routine.findData("toe-touch"))
        seen["next"] = tab.next_label.text()
        ui.click(ok_button(dialog))

    in_preferences(ui, qtbot, add)
    assert seen == {"before": "No reminder set", "next": "Next reminder: Tue 07:45"}
    wanted = Reminder("r1", "07:45", DAYS[:5], "toe-touch")
    assert load_reminders(reminders_path()) == ([wanted], None)
    assert service.schedule.reminders == (wanted,)
    listed = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "reminders", "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(listed.stdout) == [
        {"id": "r1", "time": "07:45", "days": list(DAYS[:5]), "routine": "toe-touch"}
    ]


def test_ok_keeps_a_reminder_the_command_added_while_preferences_was_open(
    ui, wall, reminders, qtbot
):
    service = reminders(FakeNotifications(), saved=[MORNING])

    def add_while_the_command_adds(dialog, tab):
        subprocess.run(
            [sys.executable, "-m", "stretch_desktop", "reminders", "add", "12:00"],
            check=True, capture_output=True,
        )  # fmt: skip
        ui.click(tab.add_button)
        row = tab.rows[-1]
        row.time.setSelectedSection(row.time.Section.HourSection)
        qtbot.keyClicks(row.time, "1800")
        ui.click(ok_button(dialog))

    in_preferences(ui, qtbot, add_while_the_command_adds)
    saved, _notice = load_reminders(reminders_path())
    assert [(r.id, r.time) for r in saved] == [("r1", "07:30"), ("r3", "18:00"), ("r2", "12:00")]
    assert service.schedule.reminders == tuple(saved)


def test_cancel_keeps_the_reminders_and_remove_removes_one(ui, wall, reminders, qtbot):
    evening = Reminder("r2", "18:00", ("sat",), None)
    service = reminders(FakeNotifications(), saved=[MORNING, evening])

    def add_then_cancel(dialog, tab):
        assert [row.reminder_id for row in tab.rows] == ["r1", "r2"]
        assert tab.rows[1].routine.currentText() == LAST_ROUTINE
        assert tab.next_label.text() == "Next reminder: Tue 07:30"
        ui.click(tab.add_button)
        dialog.reject()

    in_preferences(ui, qtbot, add_then_cancel)
    assert load_reminders(reminders_path()) == ([MORNING, evening], None)

    def remove_the_first(dialog, tab):
        ui.click(tab.rows[0].remove_button)
        assert tab.next_label.text() == "Next reminder: Sat 18:00"
        ui.click(ok_button(dialog))

    in_preferences(ui, qtbot, remove_the_first)
    assert load_reminders(reminders_path()) == ([evening], None)
    due_now(wall, service)
    assert service.schedule.next_due() == datetime(2026, 12, 5, 18, 0, tzinfo=BERLIN)


# --- start at login, in the tray -----------------------------------------------------------------


def validate(path):
    tool = shutil.which("desktop-file-validate")
    assert tool, "desktop-file-validate is missing (Debian package desktop-file-utils)"
    result = subprocess.run([tool, str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout + result.stderr


def read_entry(path):
    parser = ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_start_at_login_writes_a_valid_autostart_entry_and_unticking_removes_it(
    ui, reminders, qtbot, tmp_path
):
    reminders(FakeNotifications(), saved=())
    entry = tmp_path / "config" / "autostart" / "org.stretchdesktop.StretchDesktop.desktop"
    assert autostart.autostart_path() == entry

    def tick(dialog, tab):
        assert not tab.autostart.isChecked()
        tick_box(qtbot, tab.autostart)
        ui.click(ok_button(dialog))

    in_preferences(ui, qtbot, tick)
    validate(entry)
    # The launcher by absolute path (a login's PATH lacks a venv's bin), and it is ours.
    launcher, flag = shlex.split(read_entry(entry)["Exec"])
    assert launcher == str(Path(sys.executable).parent / "stretch-desktop") and flag == "--tray"
    version = subprocess.run([launcher, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("stretch-desktop ")
    assert build_parser().parse_args(["--tray"]).tray  # what it starts is a real option

    def untick(dialog, tab):
        assert tab.autostart.isChecked()
        tick_box(qtbot, tab.autostart)
        ui.click(ok_button(dialog))

    in_preferences(ui, qtbot, untick)
    assert not entry.exists()


def test_a_bundle_starts_its_own_executable_quoted_as_the_spec_asks(tmp_path, monkeypatch):
    odd = "/opt/My Apps/stretch$desk\\top"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", odd)
    autostart.set_enabled(True)
    path = autostart.autostart_path()
    validate(path)
    assert read_entry(path)["Exec"] == '"/opt/My Apps/stretch\\\\$desk\\\\\\\\top" --tray'


def test_without_a_launcher_the_entry_runs_the_package_with_this_python(tmp_path, monkeypatch):
    python = tmp_path / "env" / "bin" / "python3"  # no stretch-desktop beside it, none on PATH
    monkeypatch.setattr(sys, "executable", str(python))
    with monkeypatch.context() as bare:
        bare.setenv("PATH", str(tmp_path / "empty"))
        autostart.set_enabled(True)
    path = autostart.autostart_path()
    validate(path)
    assert read_entry(path)["Exec"] == f"{python} -m stretch_desktop --tray"


# --- the --tray start ----------------------------------------------------------------------------


def test_tray_start_without_a_tray_shows_the_window_minimised(ui):
    ui.window.hide()
    assert show_window(ui.window, build_parser().parse_args(["--tray"]))
    assert ui.window.isVisible()
    assert ui.window.isMinimized()


def test_the_app_wires_the_reminders_tab_into_preferences(window_for):
    save_reminders(reminders_path(), [MORNING])
    window = window_for("--mute")
    assert len(window.preferences_tabs) == 1
    dialog = PreferencesDialog(window.preferences.current, parent=window.choose_page)
    (tab,) = dialog.tabs
    assert isinstance(tab, RemindersTab)
    assert [row.reminder_id for row in tab.rows] == ["r1"]
    dialog.reject()


def test_the_app_started_with_tray_still_starts_its_reminders(launch):
    """The real app: with no window painted, what waits for the first paint must not wait."""
    app = launch("--tray", "--mute")
    app.wait_for("no system tray: started minimised")
    app.wait_for("reminders: 0 reminder(s)")
