"""Desktop notifications: over a private session bus to a stand-in notification daemon
(``tests/notification_daemon.py``: it answers with an id of its own, or never answers at all),
and without a bus. The test waits on replies, queues and sockets, never on time.
"""

import errno
import logging
import os
import select
import socket
import threading

import pytest

from stretch_desktop.ui.notifications import (
    APP_NAME,
    DESKTOP_ENTRY,
    EXPIRE_MS,
    Action,
    ActionInvoked,
    DesktopNotifications,
    FakeNotifications,
    Notifier,
    SentNotification,
    session_bus_address,
)
from tests.conftest import hold_routine
from tests.notification_daemon import StandInDaemon

FIRST_ID = 41


@pytest.fixture
def daemon(bus_address):
    """Starts a stand-in notification daemon on the private bus: daemon(answer=..., click=...)."""
    started = []

    def start(*, answer=True, click=False):
        started.append(
            StandInDaemon(bus_address, first_id=FIRST_ID, answer=answer, auto_click=click)
        )
        return started[-1]

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def client(bus_address):
    notifications = DesktopNotifications(bus_address)
    yield notifications
    notifications.close()


class Tray:
    """The tray balloon's stand-in: records messages and says whether it could show them."""

    def __init__(self, shown=True):
        self.shown = shown
        self.messages = []

    def __call__(self, title, text):
        self.messages.append((title, text))
        return self.shown


# --- over the bus, to a notification daemon ---------------------------------------------------


def test_notify_hands_the_daemon_everything_and_returns_its_id(daemon, client):
    server = daemon()
    first = client.notify(
        "Time to stretch",
        "Morning routine: 10 minutes",
        icon="/icons/app.svg",
        actions=[Action("start", "Start"), ("later", "In 10 minutes")],
        expire_ms=5_000,
    )
    assert first == FIRST_ID
    assert server.next_body() == (
        APP_NAME,
        0,
        "/icons/app.svg",
        "Time to stretch",
        "Morning routine: 10 minutes",
        ["start", "Start", "later", "In 10 minutes"],
        {"desktop-entry": ("s", DESKTOP_ENTRY)},
        5_000,
    )
    # The id is the daemon's, not counted by the client: the next one is the daemon's next.
    assert client.notify("Session complete", "Toe touch: 0:30") == FIRST_ID + 1
    app, _replaces, icon, *_, actions, _hints, expire = server.next_body()
    assert (app, icon, actions, expire) == (APP_NAME, "", [], EXPIRE_MS)


def test_the_notifier_prefers_the_daemon_to_the_tray(daemon, client):
    server = daemon()
    tray = Tray()
    assert Notifier(tray, "/icons/app.svg", bus=client).notify("Session complete", "0:30")
    _app, _replaces, icon, title, body, *_ = server.next_body()
    assert (icon, title, body) == ("/icons/app.svg", "Session complete", "0:30")
    assert tray.messages == []


def test_a_bus_without_a_notification_daemon_falls_back_to_the_tray(client, caplog):
    caplog.set_level(logging.DEBUG)
    assert client.notify("Session complete", "0:30") is None
    assert "ServiceUnknown" in caplog.text
    tray = Tray()
    assert Notifier(tray, None, bus=client).notify("Session complete", "0:30")
    assert tray.messages == [("Session complete", "0:30")]


def test_a_daemon_that_never_answers_costs_one_timeout_not_a_hang(daemon, bus_address, caplog):
    server = daemon(answer=False)
    slow = DesktopNotifications(bus_address, timeout=0.2)
    tray = Tray()
    results = []
    # In a thread of its own, so that a hang fails this test instead of stalling the run. (Should
    # it hang, the daemon's teardown disconnects it, and the bus then answers NoReply.)
    worker = threading.Thread(
        target=lambda: results.append(Notifier(tray, None, bus=slow).notify("Done", "0:30")),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "notify() waited past its timeout"
    slow.close()
    assert server.next_body()[3] == "Done"  # the daemon had the call: it was the wait
    assert results == [True]
    assert tray.messages == [("Done", "0:30")]
    assert "did not answer" in caplog.text


def test_a_click_on_our_notification_comes_back_and_others_do_not(daemon, client):
    daemon(click=True)
    ours = client.notify("Time to stretch", "", actions=[Action("start", "Start")])
    assert ours == FIRST_ID
    chosen = client.take_actions()
    while not chosen:
        readable, _, _ = select.select([client.fileno()], [], [], 10)
        assert readable, "no ActionInvoked signal arrived"
        chosen = client.take_actions()
    assert chosen == [ActionInvoked(ours, "start")]
    assert client.take_actions() == []


def test_close_closes_the_connection_and_the_next_notify_opens_another(daemon, client):
    server = daemon()
    assert client.fileno() is None  # lazily: nothing is opened before the first notification
    assert client.notify("One", "") == FIRST_ID
    descriptor = client.fileno()
    assert descriptor is not None
    client.close()
    assert client.fileno() is None
    with pytest.raises(OSError, match=rf"\[Errno {errno.EBADF}\]"):  # closed, not reused
        os.fstat(descriptor)
    assert client.notify("Two", "") == FIRST_ID + 1
    assert [server.next_body()[3] for _ in range(2)] == ["One", "Two"]


# --- without a bus ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [None, "unix:path={tmp}/no-such-socket", "unix:abstract=no-such-bus", "tcp:host=localhost"],
    ids=["unset", "missing-socket", "missing-abstract", "unsupported-transport"],
)
def test_without_a_session_bus_nothing_is_notified_and_nothing_printed(
    address, tmp_path, monkeypatch, capfd, caplog
):
    caplog.set_level(logging.DEBUG)
    if address is None:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address.format(tmp=tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # and no systemd user bus in it
    notifications = DesktopNotifications()
    try:
        assert notifications.notify("Session complete", "0:30") is None
        assert not Notifier(None, None, bus=notifications).notify("Session complete", "0:30")
    finally:
        notifications.close()
    assert capfd.readouterr() == ("", "")
    assert "no session bus" in caplog.text
    assert "not notified" in caplog.text
    # The app sends INFO and up to the terminal: a machine with no way to notify is no news.
    ours = [r for r in caplog.records if r.name == "stretch_desktop.ui.notifications"]
    assert ours and all(r.levelno < logging.INFO for r in ours)


def test_each_kind_of_failure_is_logged_once(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    notifications = DesktopNotifications(f"unix:path={tmp_path}/no-such-socket")
    for _ in range(3):
        assert notifications.notify("Session complete", "0:30") is None
    said = [r for r in caplog.records if r.name == "stretch_desktop.ui.notifications"]
    assert len(said) == 1, [r.getMessage() for r in said]


def test_the_session_bus_is_found_where_libdbus_looks(tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
    assert session_bus_address() == "unix:path=/run/user/1000/bus"

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    runtime = tmp_path / "run"
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert session_bus_address() is None  # no bus socket: and no autolaunch either
    (runtime / "bus").write_text("not a socket")
    assert session_bus_address() is None
    (runtime / "bus").unlink()
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(runtime / "bus"))
        assert session_bus_address() == f"unix:path={runtime / 'bus'}"

    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert session_bus_address() is None


# --- the Notifier's choice, and the fake twin -------------------------------------------------


def test_the_notifier_passes_title_text_and_icon_to_the_bus():
    bus = FakeNotifications()
    tray = Tray()
    assert Notifier(tray, "/icons/app.svg", bus=bus).notify("Session complete", "0:30")
    assert bus.sent == [
        SentNotification(1, "Session complete", "0:30", "/icons/app.svg", (), EXPIRE_MS)
    ]
    assert tray.messages == []


@pytest.mark.parametrize("bus", [FakeNotifications(available=False), None], ids=["down", "none"])
@pytest.mark.parametrize("shown", [True, False])
def test_without_the_bus_the_tray_decides(bus, shown):
    tray = Tray(shown=shown)
    assert Notifier(tray, None, bus=bus).notify("Session complete", "0:30") is shown
    assert tray.messages == [("Session complete", "0:30")]


def test_with_neither_bus_nor_tray_it_says_so_and_carries_on(caplog):
    caplog.set_level(logging.DEBUG)
    assert not Notifier(None, None, bus=FakeNotifications(available=False)).notify("Done", "…")
    assert "not notified (Done)" in caplog.text


def test_the_notifier_closes_its_bus():
    bus = FakeNotifications()
    Notifier(None, None, bus=bus).close()
    assert bus.closed
    assert bus.notify("After close", "") is None


def test_the_fake_clicks_only_actions_its_notifications_offered():
    bus = FakeNotifications()
    reminder = bus.notify("Time to stretch", "", actions=[("start", "Start"), ("skip", "Skip")])
    assert reminder is not None
    assert bus.sent[0].actions == (Action("start", "Start"), Action("skip", "Skip"))
    with pytest.raises(ValueError, match="no action 'later'"):
        bus.click(reminder, "later")
    bus.click(reminder, "skip")
    assert bus.take_actions() == [ActionInvoked(reminder, "skip")]
    assert bus.take_actions() == []


QUICK = hold_routine("quick", "Quick", 1)


def test_a_session_completed_out_of_sight_with_no_way_to_notify_prints_nothing_of_it(
    env, launch, tmp_path
):
    """The real app, minimised (so it notifies), with no session bus and no tray: the session
    completes and the terminal hears nothing about notifications (it once printed a raw
    'Failed to execute child process "dbus-launch"' from notify-send)."""
    (tmp_path / "data" / "stretch-desktop" / "routines" / "quick.toml").write_text(QUICK)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "no-runtime")  # no systemd user bus either
    env["STRETCH_DESKTOP_BENCH"] = "minimise-at:1"  # away: a completed session is notified
    app = launch("--routine", "quick", "--start", "--mute")
    app.wait_for("journal: session 1 completed")
    app.wait_for("session ended")  # the window's finish handler, which notifies, has run
    app.kill()
    assert not [line for line in app.seen if "notif" in line.lower() or "dbus-launch" in line]
