"""The single-instance transport through QtNetwork's QLocalServer (a Windows named pipe), for
systems whose Python has no Unix sockets. Same protocol as ``single_instance``: one JSON line."""

from __future__ import annotations

import json
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from stretch_desktop.ui.instance_protocol import CONNECT_TIMEOUT_MS, MAX_MESSAGE, read_lines

log = logging.getLogger(__name__)


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

    def close(self) -> None:
        """Stop listening (Qt removes the socket file where there is one): the app is quitting."""
        self._server.close()

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
        messages, rest = read_lines(data)
        for message in messages:
            self.received.emit(message)
        self._buffers[socket] = rest

    def _done(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()
