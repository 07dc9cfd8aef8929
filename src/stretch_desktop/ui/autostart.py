"""Start at login, in the tray: the XDG autostart entry that makes reminders work after a reboot.

A reminder can only remind while the app runs, so Preferences → Reminders offers to start it at
login, hidden in the tray (``--tray``). The desktops read autostart entries from
``$XDG_CONFIG_HOME/autostart/`` (https://specifications.freedesktop.org/autostart-spec/); the
entry is ours alone and named after the app id, so writing it again replaces it and removing it
removes exactly what we wrote. A copy of the launcher in ``packaging/`` would not do: it starts
the window, not the tray, and in a PyInstaller bundle ``stretch-desktop`` is not on ``PATH``.

No Qt here: the Preferences tab and the tests call plain functions.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from stretch_desktop.ui.notifications import DESKTOP_ENTRY

TRAY_FLAG = "--tray"
COMMAND = "stretch-desktop"
"""What an installed app (a wheel, a Debian package) is started as: its launcher is on PATH."""

_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
"""Characters that make an Exec argument need quoting (Desktop Entry spec, "The Exec key")."""


def supported() -> bool:
    """Only XDG desktops (Linux, the BSDs) read autostart entries."""
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def config_home() -> Path:
    """``$XDG_CONFIG_HOME``, or ``~/.config`` where it is unset, empty or relative (the spec
    says a relative value is to be ignored)."""
    value = os.environ.get("XDG_CONFIG_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".config"


def autostart_path() -> Path:
    return config_home() / "autostart" / f"{DESKTOP_ENTRY}.desktop"


def program() -> list[str]:
    """The command to start at login, by absolute path: a login session's PATH is not the
    terminal's, and a virtual environment's ``bin`` (``make run``, pipx) is on neither, so a
    bare ``stretch-desktop`` would start nothing. The bundle's own executable when this is a
    PyInstaller bundle; else the ``stretch-desktop`` launcher installed beside this Python (a
    venv, pipx, /usr/bin), else the one on PATH; else this Python running the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    beside = Path(sys.executable).parent / COMMAND
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    found = shutil.which(COMMAND)
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "stretch_desktop"]


def quote_argument(argument: str) -> str:
    """One Exec argument, quoted the way the Desktop Entry spec asks, then escaped as a string
    value (so a backslash is written four times, as the spec's own example shows)."""
    argument = argument.replace("%", "%%")  # a field code otherwise
    if not _RESERVED & set(argument):
        return argument
    inner = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return '"' + inner.replace("\\", "\\\\") + '"'


def entry_text(executable: str | None = None) -> str:
    """The autostart entry: the app, started hidden in the tray."""
    parts = [executable] if executable else program()
    command = " ".join(quote_argument(part) for part in (*parts, TRAY_FLAG))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Stretch Desktop\n"
        "Comment=Stretching reminders, waiting in the tray\n"
        f"Exec={command}\n"
        f"Icon={DESKTOP_ENTRY}\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_enabled(path: Path | None = None) -> bool:
    return (path or autostart_path()).is_file()


def set_enabled(enabled: bool, path: Path | None = None) -> None:
    """Write (atomically: a half-written entry would be a broken launcher) or remove the entry.

    Raises ``OSError`` when the folder cannot be written; the caller says so in one line.
    """
    target = path or autostart_path()
    if not enabled:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".stretch-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(entry_text())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
