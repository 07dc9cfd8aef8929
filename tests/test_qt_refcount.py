"""A canary for PySide6 6.12.0 on Python < 3.12, which drops a reference to None on every Qt
call that returns nothing and then aborts (none_dealloc). If an upgrade brings it back, this fails.
"""

import sys

import pytest

pytest.importorskip("PySide6.QtWidgets", reason="PySide6 is a hard dependency; see pyproject")


def test_none_refcount_is_stable_across_ten_thousand_qt_calls(qapp):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    for i in range(100):  # warm up caches that legitimately hold a None
        label.setText(str(i))
    before = sys.getrefcount(None)
    for i in range(10_000):
        label.setText(str(i))  # returns nothing: the buggy build loses a None reference here
    after = sys.getrefcount(None)
    assert abs(after - before) < 100, f"None refcount moved by {after - before}"
