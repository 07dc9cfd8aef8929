"""One app at a time: a second launch hands its request to the running window, then exits.

The running app listens on a Unix socket named after the application id, the user and the data
folder, in the user's runtime folder. A new launch first tries to connect: if someone answers,
it sends its ``--routine``/``--start`` as one JSON line and exits; the running window comes to
the front and acts on it. A socket left behind by a crashed app is detected (nobody answers) and
replaced.

Plain ``socket`` and a QSocketNotifier rather than QtNetwork's QLocalServer: QtNetwork (and the
Kerberos libraries it links) was 3.4 MiB of a running session's memory and 8 ms of imports,
measured (RSS; -X importtime), for one short message per launch. Where Python has no Unix
sockets (Windows), the composition root picks the QLocalServer version in ``single_instance_qt``
instead; both speak ``instance_protocol``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from stretch_desktop.ui.instance_protocol import CONNECT_TIMEOUT_MS, MAX_MESSAGE, read_lines

log = logging.getLogger(__name__)

_MAX_SOCKET_PATH: Final = 100
"""Unix socket paths must fit in 104 (macOS) or 108 (Linux) bytes."""


def socket_path(name: str) -> Path:
    """In the user's own runtime folder (mode 0700) where there is one, else the temp folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        path = Path(runtime) / name
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            return path
    return Path(os.environ.get("TMPDIR") or "/tmp") / name


def hand_over(name: str, message: dict[str, Any]) -> bool:
    """Give ``message`` to a running instance; False if there is none."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CONNECT_TIMEOUT_MS / 1000)
        try:
            connection.connect(os.fspath(socket_path(name)))
            connection.sendall((json.dumps(message) + "\n").encode())
        except OSError:  # no socket, nobody listening (a crashed app's), or no answer in time
            return False
    return True


class _Connection:
    """One later launch, read as its bytes arrive; it sends one line and hangs up."""

    def __init__(self, connection: socket.socket, server: InstanceServer) -> None:
        connection.setblocking(False)
        self.socket = connection
        self.buffer = b""
        self.notifier = QSocketNotifier(connection.fileno(), QSocketNotifier.Type.Read, server)
        self.notifier.activated.connect(lambda *_: server._read(self))

    def close(self) -> None:
        self.notifier.setEnabled(False)
        self.notifier.deleteLater()
        self.socket.close()


class InstanceServer(QObject):
    """Listens for later launches; ``received`` carries each one's request."""

    received = Signal(dict)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = socket_path(name)
        self._connections: list[_Connection] = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listen()
        except OSError as error:
            log.warning("single instance: cannot listen on %s: %s", self._path, error)
            self._listener.close()
            return
        self._notifier = QSocketNotifier(self._listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        listener, path = self._listener, self._path
        self.destroyed.connect(lambda *_: _remove(listener, path))
        log.info("listening for other launches on %s", self._path)

    def _listen(self) -> None:
        path = os.fspath(self._path)
        try:
            self._listener.bind(path)
        except OSError:
            # Nobody answered (we tried before getting here), so the socket is a crashed app's.
            os.unlink(path)
            self._listener.bind(path)
        os.chmod(path, 0o600)  # this user's launches only
        self._listener.setblocking(False)
        self._listener.listen(8)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # BlockingIOError: no more waiting
                return
            self._connections.append(_Connection(connection, self))

    def _read(self, connection: _Connection) -> None:
        try:
            data = connection.socket.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        messages, buffer = read_lines(connection.buffer + data)
        for message in messages:
            self.received.emit(message)
        connection.buffer = buffer
        if not data or len(buffer) > MAX_MESSAGE:  # hung up, or not one of ours
            connection.close()
            self._connections.remove(connection)


def _remove(listener: socket.socket, path: Path) -> None:
    listener.close()
    with contextlib.suppress(OSError):
        os.unlink(path)
