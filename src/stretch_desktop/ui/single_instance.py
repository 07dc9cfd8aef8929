"""One app at a time: a second launch hands its request to the running window, then exits.

The running app listens on a local socket (a Unix socket or a Windows named pipe) named after the
application id and the user. A new launch first tries to connect: if someone answers, it sends
its ``--routine``/``--start`` as one JSON line and exits; the running window comes to the front
and acts on it. A socket left behind by a crashed app is detected (nobody answers) and replaced.
"""

from __future__ import annotations

import getpass
import json
import logging
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from stretch_desktop.digest import digest

log = logging.getLogger(__name__)

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


def hand_over(name: str, message: dict[str, Any]) -> bool:
    """Give ``message`` to a running instance; False if there is none."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write((json.dumps(message) + "\n").encode())
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(CONNECT_TIMEOUT_MS)
    return True


class InstanceServer(QObject):
    """Listens for later launches; ``received`` carries each one's request."""

    received = Signal(dict)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}
        if not self._server.listen(name):
            # Nobody answered (we tried before getting here), so the socket is a crashed app's.
            QLocalServer.removeServer(name)
            if not self._server.listen(name):
                log.warning("single instance: cannot listen: %s", self._server.errorString())
                return
        log.info("listening for other launches on %s", name)

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._done(s))

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if len(data) > MAX_MESSAGE:  # not one of ours
            socket.abort()
            self._buffers.pop(socket, None)
            return
        while b"\n" in data:
            line, data = data.split(b"\n", 1)
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                self.received.emit(message)
        self._buffers[socket] = data

    def _done(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()
