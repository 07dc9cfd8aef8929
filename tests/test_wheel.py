"""The built-in routines travel inside the wheel: a non-editable install finds them anywhere."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("stretch_desktop-*.whl")
    return path


def test_the_wheel_contains_every_routine(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("stretch_desktop/resources/routines/")}
    on_disk = {p.name for p in (ROOT / "src/stretch_desktop/resources/routines").glob("*.toml")}
    assert shipped == on_disk and len(on_disk) == 5


def test_an_installed_wheel_finds_its_routines_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import stretch_desktop, sys; from stretch_desktop.library import builtin_routines\n"
        "print(stretch_desktop.__file__); print(len(builtin_routines()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    where, count = result.stdout.split()
    assert where.startswith(str(target)), "imported the source tree, not the installed wheel"
    assert count == "5"
