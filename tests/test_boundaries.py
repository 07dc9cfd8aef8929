"""The core stays pure: no Qt, no speech engine, no I/O libraries. Enforced, not hoped for."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).parents[1] / "src" / "stretch_desktop" / "core"
ALLOWED = {
    "itertools",
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "difflib",
    "enum",
    "math",
    "re",
    "time",
    "tomllib",
    "typing",
    "stretch_desktop",
}


def test_core_modules_import_only_the_standard_library_and_core():
    for path in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in ALLOWED, f"{path.name} imports {name}"
                if name.startswith("stretch_desktop"):
                    assert name.startswith("stretch_desktop.core"), f"{path.name} imports {name}"


def test_importing_the_core_loads_neither_qt_nor_pyttsx3():
    code = (
        "import sys, pkgutil, importlib, stretch_desktop.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('stretch_desktop.core.' + m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyttsx3')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
