"""Test-wide set-up: Qt without a screen, and a data folder of the test's own."""

import os

# Before anything imports Qt: the tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path, monkeypatch):
    """Keep every test away from the real user's routines, settings and history."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
