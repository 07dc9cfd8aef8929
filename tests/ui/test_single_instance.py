"""Both single-instance transports, in one process: a launch's request reaches the server as a
dict, a stale socket is taken over, and nobody listening means "no instance"."""

import os
import socket
import stat

import pytest

from stretch_desktop.ui import instance_protocol, single_instance, single_instance_qt


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
