"""Test-wide set-up: Qt without a screen, and a data folder of the test's own."""

import os
import shutil
import subprocess

# Before anything imports Qt: the tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path, monkeypatch):
    """Keep every test away from the real user's routines, settings and history."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def bus_address():
    """A private D-Bus session bus of the test's own (the MPRIS tests talk over it)."""
    daemon = shutil.which("dbus-daemon")
    assert daemon, "dbus-daemon is missing: `make test` installs it (Debian package dbus)"
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        address = process.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()
