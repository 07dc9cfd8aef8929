"""What a second launch says to the running app, whatever carries it: one JSON line.

Shared by both transports (``single_instance`` over a Unix socket, ``single_instance_qt`` over
QtNetwork's local sockets), so neither imports the other.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any, Final

from stretch_desktop.digest import digest

CONNECT_TIMEOUT_MS: Final = 500
MAX_MESSAGE: Final = 64 * 1024


def server_name(app_id: str, data_dir: Path) -> str:
    """One instance per user and data folder: another profile (XDG_DATA_HOME) is another app."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid: still one instance per data folder
        user = "user"
    folder = digest(str(data_dir.resolve()), 6)
    return f"{app_id}-{user}-{folder}"


def read_lines(data: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """The complete JSON-object lines in ``data``, and the unfinished rest; other lines are
    skipped (anything may connect to a local socket, not only our launches)."""
    messages = []
    *lines, rest = data.split(b"\n")
    for line in lines:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages, rest
