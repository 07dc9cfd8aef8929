"""PySide6 checks each later import for the word "PySide6"; ours gives its answers without
keeping every module's source in memory (see stretch_desktop/ui/__init__.py)."""

import inspect
import json
import linecache
import math
import socket
import sys

import pytest

import stretch_desktop.core.engine
import stretch_desktop.ui
import stretch_desktop.ui.widgets


def pyside_s_own_check(module):
    """What PySide6 6.11's shibokensupport.feature._mod_uses_pyside does."""
    try:
        source = inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False
    return "PySide6" in source


def test_the_trimmed_check_is_the_one_pyside_calls():
    feature = sys.modules["shibokensupport.feature"]
    assert feature._mod_uses_pyside is stretch_desktop.ui.uses_pyside


@pytest.mark.parametrize(
    "module", [stretch_desktop.ui.widgets, stretch_desktop.core.engine, json, math, socket]
)
def test_it_answers_as_pyside_s_own_check_does(module):
    assert stretch_desktop.ui.uses_pyside(module) == pyside_s_own_check(module)


def test_a_module_imported_after_pyside_leaves_no_source_behind(tmp_path, monkeypatch):
    uses = tmp_path / "uses_qt_here.py"
    uses.write_text("import PySide6.QtCore  # PySide6\nVALUE = 1\n")
    plain = tmp_path / "plain_module_here.py"
    plain.write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("uses_qt_here", "plain_module_here"):
        exec(f"import {name}", {})  # through builtins.__import__, where PySide6 looks
        monkeypatch.delitem(sys.modules, name)
    feature = sys.modules["shibokensupport.feature"]
    assert feature.pyside_feature_dict.get("uses_qt_here") != -1  # seen as a PySide6 user
    assert feature.pyside_feature_dict.get("plain_module_here") == -1  # and this one not
    assert str(uses) not in linecache.cache
    assert str(plain) not in linecache.cache
