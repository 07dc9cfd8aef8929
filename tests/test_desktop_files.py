"""The launcher, AppStream file and icons: valid for the desktops' own validators, and in step
with the code (app id, version, screenshots) and with each other."""

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

import stretch_desktop
from stretch_desktop.ui.app import APP_ID

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
SVG = ROOT / "src" / "stretch_desktop" / "resources" / "icons" / f"{APP_ID}.svg"


def tool(name):
    path = shutil.which(name)
    assert path, f"{name} is missing: `make test` installs it (desktop-file-utils, appstream)"
    return path


def desktop_entry(path):
    parser = ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def validate_desktop_file(path):
    result = subprocess.run([tool("desktop-file-validate"), path], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout


def test_the_desktop_file_validates():
    validate_desktop_file(DESKTOP)


def test_the_metainfo_validates():
    result = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", METAINFO], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_names_follow_the_app_id_in_the_code():
    entry = desktop_entry(DESKTOP)
    assert entry["Icon"] == APP_ID
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert SVG.is_file()


def test_the_latest_release_is_the_packaged_version():
    version = stretch_desktop.__version__
    releases = ET.parse(METAINFO).getroot().find("releases")
    assert releases[0].get("version") == version
    assert releases[0].find("description") is not None  # release notes


def test_every_screenshot_is_one_of_ours():
    images = [e.text for e in ET.parse(METAINFO).getroot().iter("image")]
    assert images
    for url in images:
        assert (ROOT / "docs" / "screenshots" / url.rsplit("/", 1)[-1]).is_file(), url


def test_the_png_icons_are_square_and_the_size_their_folder_says():
    pngs = sorted(SVG.parent.glob(f"hicolor/*/apps/{APP_ID}.png"))
    sizes = set()
    for png in pngs:
        size = int(re.fullmatch(r"(\d+)x\1", png.parent.parent.name).group(1))
        image = QImage(str(png))
        assert (image.width(), image.height()) == (size, size), png
        assert image.hasAlphaChannel()
        sizes.add(size)
    assert {48, 128, 256} <= sizes


def test_install_desktop_puts_a_working_launcher_in_the_users_menu_and_takes_it_out(tmp_path):
    exe = tmp_path / "bin" / "stretch-desktop"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    script = LINUX / "install-desktop.sh"
    subprocess.run(["sh", script, str(exe)], env=env, check=True, capture_output=True)
    share = tmp_path / "share"
    installed = share / "applications" / DESKTOP.name
    entry = desktop_entry(installed)
    assert entry["Exec"] == str(exe)  # absolute: the menu has no venv on its PATH
    assert entry["TryExec"] == str(exe)
    validate_desktop_file(installed)
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / SVG.name).is_file()
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "metainfo" / METAINFO.name).is_file()

    subprocess.run(["sh", script, "--uninstall"], env=env, check=True, capture_output=True)
    assert not installed.exists()
    assert not list(share.rglob(f"{APP_ID}*"))


@pytest.mark.parametrize("exe", ["relative/stretch-desktop", "/no/such/stretch-desktop"])
def test_install_desktop_refuses_a_launcher_that_could_not_start(tmp_path, exe):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    result = subprocess.run(
        ["sh", LINUX / "install-desktop.sh", exe], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert exe in result.stderr
    assert not (tmp_path / "share" / "applications").exists()


def test_the_package_metadata_carries_the_code_s_version():
    """pyproject.toml takes the version from the code; an install must report the same one."""
    from importlib.metadata import version

    assert version("stretch-desktop") == stretch_desktop.__version__
