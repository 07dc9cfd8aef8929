"""Both single-instance transports, in one process: a launch's request reaches the server as a
dict, a stale socket is taken over, and nobody listening means "no instance"."""

import logging
import os
import socket
import stat
import tempfile
from pathlib import Path

import pytest

from stretch_desktop.ui import instance_protocol, single_instance, single_instance_qt
from tests.conftest import NOBODY, as_nobody, foreign_server


@pytest.fixture(params=["unix", "qt"])
def transport(request, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    module = single_instance if request.param == "unix" else single_instance_qt
    return module


def test_a_request_reaches_the_running_instance(transport, qtbot, tmp_path):
    name = instance_protocol.server_name("org.example.Test", tmp_path)
    server = transport.InstanceServer(name)
    with qtbot.waitSignal(server.received, timeout=5000) as got:
        assert transport.hand_over(name, {"routine": "toe-touch", "start": True})
    assert got.args == [{"routine": "toe-touch", "start": True}]
    server.deleteLater()


def test_no_instance_means_no_hand_over(transport, tmp_path):
    assert not transport.hand_over(instance_protocol.server_name("org.example.None", tmp_path), {})


def test_the_unix_socket_is_this_user_s_and_goes_with_the_server(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    server = single_instance.InstanceServer("org.example.Mode")
    path = tmp_path / "org.example.Mode"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with qtbot.waitSignal(server.destroyed, timeout=5000):
        server.deleteLater()
    assert not path.exists()


def test_a_crashed_app_s_socket_is_taken_over(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "org.example.Stale"))
    stale.close()  # the file stays, nobody listens: what a killed app leaves
    assert not single_instance.hand_over("org.example.Stale", {})
    server = single_instance.InstanceServer("org.example.Stale")
    with qtbot.waitSignal(server.received, timeout=5000) as got:
        assert single_instance.hand_over("org.example.Stale", {"start": False})
    assert got.args == [{"start": False}]
    server.deleteLater()


def test_lines_that_are_not_json_objects_are_ignored(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    server = single_instance.InstanceServer("org.example.Junk")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(str(tmp_path / "org.example.Junk"))
        client.sendall(b'not json\n[1, 2]\n{"routine": "x"}\n')
    with qtbot.waitSignal(server.received, timeout=5000) as got:
        pass
    assert got.args == [{"routine": "x"}]
    server.deleteLater()


# --- issue 15, defect 9: a folder only this user can enter, and the peer's uid checked ----------


@pytest.fixture
def no_runtime_dir(monkeypatch):
    """As the audit found it: no XDG_RUNTIME_DIR; the temp folder is shared (mode 1777). A short
    one of the test's own: pytest's folders are too deep for a socket's path."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="sd-") as shared:
        os.chmod(shared, 0o1777)
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
        monkeypatch.setenv("TMPDIR", shared)
        yield Path(shared)


def test_without_a_runtime_folder_the_socket_is_in_a_folder_only_this_user_can_enter(
    qtbot, no_runtime_dir
):
    server = single_instance.InstanceServer("org.example.Private")
    folder = no_runtime_dir / f"stretch-desktop-{os.getuid()}"
    path = single_instance.socket_path("org.example.Private")
    assert path.parent == folder
    info = os.lstat(folder)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert not (no_runtime_dir / "org.example.Private").exists()  # not where anyone can go
    with qtbot.waitSignal(server.received, timeout=5000) as got:
        assert single_instance.hand_over("org.example.Private", {"start": True})
    assert got.args == [{"start": True}]
    server.close()
    assert not path.exists()


@pytest.mark.parametrize("kind", ["link", "mode", "owner", "file"])
def test_a_folder_that_is_not_private_turns_single_instance_off(
    qtbot, no_runtime_dir, tmp_path, caplog, kind
):
    folder = no_runtime_dir / f"stretch-desktop-{os.getuid()}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if kind == "link":  # someone else's link to a folder they can change later
        folder.symlink_to(elsewhere)
    elif kind == "file":
        folder.write_text("")
    else:
        folder.mkdir(mode=0o755 if kind == "mode" else 0o700)
        folder.chmod(0o755 if kind == "mode" else 0o700)
        if kind == "owner":
            if os.getuid() != 0:
                pytest.skip("only root can give a folder to another user; CI runs as root")
            os.chown(folder, NOBODY, NOBODY)
    before = os.lstat(folder)
    with caplog.at_level(logging.INFO):
        server = single_instance.InstanceServer("org.example.Off")
    (line,) = [r.getMessage() for r in caplog.records if "single instance is off" in r.message]
    expected = {
        "link": "a symbolic link",
        "mode": "mode 0755, not 0700",
        "owner": f"owned by uid {NOBODY}",
        "file": "not a folder",
    }[kind]
    assert f"{folder} is {expected}" in line
    assert not single_instance.hand_over("org.example.Off", {})  # and the app starts
    assert list(elsewhere.iterdir()) == []  # nothing made through the link
    after = os.lstat(folder)
    assert (after.st_mode, after.st_uid) == (before.st_mode, before.st_uid)  # left as found
    server.close()


def test_a_runtime_folder_that_is_not_private_is_not_used(
    no_runtime_dir, tmp_path, monkeypatch, caplog
):
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    runtime.chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with caplog.at_level(logging.INFO):
        path = single_instance.socket_path("org.example.Runtime")
    assert path.parent == no_runtime_dir / f"stretch-desktop-{os.getuid()}"
    assert "not using XDG_RUNTIME_DIR" in caplog.text


def test_a_socket_path_too_long_for_the_system_gets_a_short_name(no_runtime_dir):
    path = single_instance.socket_path("x" * 200)
    assert len(os.fsencode(path)) <= 100
    assert path.parent == no_runtime_dir / f"stretch-desktop-{os.getuid()}"
    assert path == single_instance.socket_path("x" * 200)  # every launch finds it


def test_a_temp_folder_too_long_for_any_socket_turns_single_instance_off(
    no_runtime_dir, monkeypatch, caplog
):
    deep = no_runtime_dir / ("y" * 100)
    deep.mkdir()
    monkeypatch.setenv("TMPDIR", str(deep))
    with caplog.at_level(logging.WARNING):
        server = single_instance.InstanceServer("org.example.Deep")
    assert "single instance is off for this run" in caplog.text
    assert "too long a path for a socket" in caplog.text
    assert not single_instance.hand_over("org.example.Deep", {})
    server.close()


def test_a_launch_does_not_hand_over_to_another_user_s_server(no_runtime_dir, caplog):
    path = single_instance.socket_path("org.example.Foreign")
    with foreign_server(path) as received:
        with caplog.at_level(logging.WARNING):
            assert not single_instance.hand_over("org.example.Foreign", {"routine": "secret"})
        assert received() == "b''"  # it was told nothing
    assert f"answered by another user (uid {NOBODY})" in caplog.text


def test_the_server_ignores_another_user_s_connections(qtbot, tmp_path, monkeypatch, caplog):
    """Where the folder does not keep others out (here: one opened on purpose), the uid does."""
    open_folder = tmp_path / "open"
    open_folder.mkdir()
    open_folder.chmod(0o755)
    monkeypatch.setattr(single_instance, "socket_path", lambda name: open_folder / name)
    server = single_instance.InstanceServer("org.example.Ignore")
    got = []
    server.received.connect(got.append)
    (open_folder / "org.example.Ignore").chmod(0o666)
    with caplog.at_level(logging.WARNING):
        other = as_nobody("connect", str(open_folder / "org.example.Ignore"), '{"start": true}\n')
        assert other.stdout.readline() == "sent\n"
        other.wait(timeout=10)
        other.stdout.close()
        qtbot.waitUntil(lambda: "ignored a connection from another user" in caplog.text)
    assert f"(uid {NOBODY})" in caplog.text
    with qtbot.waitSignal(server.received, timeout=5000):  # its own user still gets through
        assert single_instance.hand_over("org.example.Ignore", {"start": False})
    assert got == [{"start": False}]
    server.close()


def test_a_late_removal_leaves_a_newer_server_s_socket_alone(qtbot, no_runtime_dir):
    first = single_instance.InstanceServer("org.example.Again")
    first.close()  # quitting: its socket is gone at once
    path = single_instance.socket_path("org.example.Again")
    assert not path.exists()
    second = single_instance.InstanceServer("org.example.Again")  # a quick relaunch
    with qtbot.waitSignal(first.destroyed, timeout=5000):
        first.deleteLater()  # the quitting app's window goes later
    assert path.exists()
    with qtbot.waitSignal(second.received, timeout=5000):
        assert single_instance.hand_over("org.example.Again", {})
    second.close()
