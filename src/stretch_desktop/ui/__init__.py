"""The Qt window and its helpers.

Importing this package first trims one cost of PySide6 itself. To support ``from __feature__
import ...``, PySide6 (6.4 to 6.11 at least) checks each module imported after it for the word
"PySide6", and does it with ``inspect.getsource``, which keeps every module's whole source in
``linecache`` for the life of the process: 108 files, 2 MiB of text and 4 MiB of RSS in a running
session (measured). The check below gives the same answers without keeping the text. Should a
PySide6 release change the private function, this does nothing and only the memory is lost.
"""

from __future__ import annotations

import sys
from types import ModuleType

import shiboken6  # noqa: F401  (installs PySide6's import hook, which is what gets trimmed)


def uses_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6; False when it has no source file."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def _trim_feature_check() -> None:
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        vars(feature)["_mod_uses_pyside"] = uses_pyside


_trim_feature_check()
