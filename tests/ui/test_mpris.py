"""Media keys and headset buttons: the session as an MPRIS player on a private D-Bus.

Each test starts its own ``dbus-daemon --session`` and drives the window's player from outside,
with ``dbus-send`` (the client a person would try) and with a second Qt connection listening for
signals. The window runs on a fake clock; ``dbus-send`` runs as a child process while the test
keeps Qt's event loop turning, because the player answers from the GUI thread.
"""

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot
from PySide6.QtDBus import QDBusConnection

from stretch_desktop.core.engine import State
from stretch_desktop.ui.mpris import BUS_NAME, OBJECT_PATH, PLAYER_INTERFACE, MprisService

APP_ID = "org.stretchdesktop.StretchDesktop"


@pytest.fixture
def connect(bus_address):
    names = []

    def connection(name):
        names.append(name)
        bus = QDBusConnection.connectToBus(bus_address, name)
        assert bus.isConnected(), bus.lastError().message()
        return bus

    yield connection
    for name in names:
        QDBusConnection.disconnectFromBus(name)


@pytest.fixture
def player(ui, connect, bus_address):
    service = MprisService(ui.controller, ui.window, connect("app"), APP_ID, parent=ui.window)
    assert service.publish()
    ui.service = service
    ui.address = bus_address
    yield ui
    service.withdraw()


def dbus_send(ui, *arguments, dest=BUS_NAME):
    """Call from another process, as a desktop or headset daemon would; Qt keeps serving."""
    process = subprocess.Popen(
        ["dbus-send", f"--bus={ui.address}", "--print-reply", "--reply-timeout=5000",
         f"--dest={dest}", OBJECT_PATH, *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ui.qtbot.waitUntil(lambda: process.poll() is not None, timeout=10_000)
    out, err = process.communicate()
    return process.returncode, out + err


def call(ui, method):
    code, out = dbus_send(ui, f"{PLAYER_INTERFACE}.{method}")
    assert code == 0, out


def get(ui, name, interface=PLAYER_INTERFACE):
    code, out = dbus_send(
        ui, "org.freedesktop.DBus.Properties.Get", f"string:{interface}", f"string:{name}"
    )
    assert code == 0, out
    return out


class Listener(QObject):
    """Collects PropertiesChanged signals as a desktop's media widget receives them."""

    def __init__(self, bus):
        super().__init__()
        self.changes = []
        assert bus.connect(
            "", OBJECT_PATH, "org.freedesktop.DBus.Properties", "PropertiesChanged",
            self, "1changed(QString,QVariantMap,QStringList)",  # "1": what SLOT() adds
        )  # fmt: skip

    @Slot(str, "QVariantMap", "QStringList")
    def changed(self, interface, values, invalidated):
        self.changes.append((interface, values, invalidated))


def test_the_name_is_held_only_while_a_session_runs_or_is_paused(player):
    assert not player.service.owned
    code, out = dbus_send(player, f"{PLAYER_INTERFACE}.PlayPause")
    assert code != 0 and "ServiceUnknown" in out  # an idle app is not a player
    player.start("toe-touch")
    assert player.service.owned
    player.controller.stop()
    assert not player.service.owned


def test_dbus_send_play_pause_pauses_and_resumes_a_running_session(player):
    player.start("toe-touch")
    player.run(2000)
    call(player, "PlayPause")
    assert player.controller.engine.state is State.PAUSED
    assert player.session.play_button.text() == "Resume"
    assert 'string "Paused"' in get(player, "PlaybackStatus")
    player.clock.advance(60_000)  # a long pause moves nothing on
    call(player, "PlayPause")
    assert player.controller.engine.state is State.RUNNING
    assert player.snapshot.elapsed_ms == 2000
    assert 'string "Playing"' in get(player, "PlaybackStatus")


def test_play_and_pause_are_idempotent_and_stop_ends_the_session(player):
    player.start("toe-touch")
    call(player, "Play")
    assert player.controller.engine.state is State.RUNNING
    call(player, "Pause")
    call(player, "Pause")
    assert player.controller.engine.state is State.PAUSED
    call(player, "Play")
    assert player.controller.engine.state is State.RUNNING
    call(player, "Stop")
    assert player.controller.engine.state is State.FINISHED
    assert player.window.pages.currentWidget() is player.window.done_page


def test_next_and_previous_move_between_poses(player):
    player.start("seven-stretches-for-back-pain")
    call(player, "Next")
    call(player, "Next")
    assert player.snapshot.step.index == 2
    call(player, "Previous")  # within three seconds of the start: the pose before
    assert player.snapshot.step.index == 1


def test_metadata_names_the_pose_side_routine_and_phase_length(player):
    player.start("lunge-flow-for-hamstrings")
    player.run(1000)
    snapshot = player.snapshot
    out = get(player, "Metadata")
    assert f'string "{snapshot.step.pose.name}' in out
    if snapshot.step.side:
        assert f"{snapshot.step.side.value} side" in out
    assert f'string "{player.controller.engine.timeline.routine.title}"' in out
    assert f" {snapshot.phase.duration_ms * 1000}\n" in out  # mpris:length, microseconds
    assert f'object path "/org/stretchdesktop/StretchDesktop/phase/{snapshot.phase.index}"' in out
    position = get(player, "Position")
    assert f"int64 {snapshot.phase_elapsed_ms * 1000}" in position


def test_properties_changed_follows_pause_and_each_new_pose(player, connect):
    listener = Listener(connect("widget"))
    player.start("seven-stretches-for-back-pain")
    player.qtbot.waitUntil(lambda: bool(listener.changes), timeout=5000)
    first = listener.changes[-1]
    assert first[0] == PLAYER_INTERFACE
    assert first[1]["PlaybackStatus"] == "Playing"
    assert first[2] == []

    player.key(" ")  # paused from the window: the desktop's widget hears of it too
    player.qtbot.waitUntil(
        lambda: listener.changes[-1][1]["PlaybackStatus"] == "Paused", timeout=5000
    )
    before = len(listener.changes)
    player.key(" ")
    player.qtbot.waitUntil(lambda: len(listener.changes) > before, timeout=5000)
    assert "Metadata" in listener.changes[-1][1]
    before = len(listener.changes)
    player.controller.skip()
    player.qtbot.waitUntil(lambda: len(listener.changes) > before, timeout=5000)
    assert "Metadata" in listener.changes[-1][1]  # a new track: widgets read it again
    assert f'string "{player.snapshot.step.pose.name}' in get(player, "Metadata")


def test_ticks_within_a_phase_send_nothing(player, connect):
    listener = Listener(connect("widget"))
    player.start("toe-touch")
    player.qtbot.waitUntil(lambda: bool(listener.changes), timeout=5000)
    phase = player.snapshot.phase.index
    count = len(listener.changes)
    player.run(500, step=16)  # thirty-odd ticks
    assert player.snapshot.phase.index == phase
    call(player, "Play")  # a round trip: anything sent before it has arrived by now
    assert len(listener.changes) == count


def test_volume_zero_mutes_like_the_mute_button(player):
    player.start("toe-touch")
    code, out = dbus_send(
        player, "org.freedesktop.DBus.Properties.Set",
        f"string:{PLAYER_INTERFACE}", "string:Volume", "variant:double:0",
    )  # fmt: skip
    assert code == 0, out
    assert player.controller.muted
    assert player.session.mute_button.isChecked()
    assert "double 0" in get(player, "Volume")


def test_raise_brings_back_a_hidden_window(player):
    player.start("toe-touch")
    player.window.hide()
    code, out = dbus_send(player, "org.mpris.MediaPlayer2.Raise")
    assert code == 0, out
    assert player.window.isVisible()
    assert "Stretch Desktop" in get(player, "Identity", "org.mpris.MediaPlayer2")
    assert APP_ID in get(player, "DesktopEntry", "org.mpris.MediaPlayer2")


def test_a_second_app_on_the_same_bus_takes_an_instance_name(player, make_ui, connect):
    player.start("toe-touch")
    other = make_ui()
    service = MprisService(other.controller, other.window, connect("other"), APP_ID)
    assert service.publish()
    other.start("toe-touch")
    assert service.owned
    code, out = dbus_send(player, "org.freedesktop.DBus.ListNames", dest="org.freedesktop.DBus")
    assert code == 0, out
    assert f'"{BUS_NAME}"' in out
    assert f'"{BUS_NAME}.instance' in out
    service.withdraw()


def test_without_a_session_bus_the_app_says_so_and_runs_on(ui, caplog):
    dead = QDBusConnection.connectToBus("unix:path=/nonexistent/bus", "dead")
    try:
        service = MprisService(ui.controller, ui.window, dead, APP_ID)
        assert not service.publish()
    finally:
        QDBusConnection.disconnectFromBus("dead")
    assert "no D-Bus session bus" in caplog.text
    ui.start("toe-touch")
    ui.run(1000)
    assert ui.controller.engine.state is State.RUNNING


def test_the_readme_try_it_command_pauses_the_running_session(player):
    """The README's command, run as printed (on the test's own bus instead of --session)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    command = re.search(r"Try it:\s*`(dbus-send[^`]+)`", readme).group(1)
    words = [f"--bus={player.address}" if w == "--session" else w for w in shlex.split(command)]
    player.start("toe-touch")
    process = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    player.qtbot.waitUntil(lambda: player.controller.engine.state is State.PAUSED, timeout=10_000)
    player.qtbot.waitUntil(lambda: process.poll() is not None, timeout=10_000)
    process.communicate()
    assert process.returncode == 0
