"""The real app on a private session bus: `dbus-send PlayPause` pauses a running session."""

import subprocess

import pytest

PLAYER = ["--dest=org.mpris.MediaPlayer2.StretchDesktop", "/org/mpris/MediaPlayer2"]


def dbus_send(address, *arguments):
    result = subprocess.run(
        ["dbus-send", f"--bus={address}", "--print-reply", "--reply-timeout=5000", *PLAYER,
         *arguments],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def app_on_bus(env, bus_address, launch):
    env["DBUS_SESSION_BUS_ADDRESS"] = bus_address  # launch reads env when it starts an app
    return launch("--routine", "e2e", "--start", "--mute")


def test_dbus_send_play_pause_pauses_and_resumes_the_running_app(
    app_on_bus, bus_address, env, history
):
    app = app_on_bus
    app.wait_for("MPRIS: ready on the session bus")
    app.wait_for("journal: session 1 started")
    status = ("string:org.mpris.MediaPlayer2.Player", "string:PlaybackStatus")
    get = "org.freedesktop.DBus.Properties.Get"
    assert '"Playing"' in dbus_send(bus_address, get, *status)
    dbus_send(bus_address, "org.mpris.MediaPlayer2.Player.PlayPause")
    app.wait_for("MPRIS: play-pause")
    assert '"Paused"' in dbus_send(bus_address, get, *status)
    metadata = dbus_send(
        bus_address, get, "string:org.mpris.MediaPlayer2.Player", "string:Metadata"
    )
    assert 'string "Pose A"' in metadata
    assert 'string "Crash test"' in metadata  # the routine, as the album
    dbus_send(bus_address, "org.mpris.MediaPlayer2.Player.PlayPause")
    assert '"Playing"' in dbus_send(bus_address, get, *status)
    dbus_send(bus_address, "org.mpris.MediaPlayer2.Player.Stop")
    app.wait_for("journal: session 1 stopped")
    app.kill()
    (session,) = history(env)
    assert session["status"] == "stopped"
