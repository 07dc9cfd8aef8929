"""One app at a time: a second launch hands its request to the running window, then exits.

The running app listens on a Unix socket named after the application id, the user and the data
folder, in a folder only this user can enter. A new launch first tries to connect: if someone
answers, it sends its ``--routine``/``--start`` as one JSON line and exits; the running window
comes to the front and acts on it. A socket left behind by a crashed app is detected (nobody
answers) and replaced; a quit, and a SIGTERM (the composition root turns it into a quit), remove
it.

Another local user must not be able to answer for us (and so make our launch exit) nor hand us
requests: the folder is the user's runtime folder (``XDG_RUNTIME_DIR``) or one of our own in the
temp folder, and either is used only if ``lstat`` shows a real folder (not a link) owned by this
user with mode 0700; one of ours is made if missing. Otherwise single instance is off for the run
(a log line says why) and the app simply starts. On top of that, each side checks the other's uid
(``SO_PEERCRED``, where the system has it): the server ignores other users' connections, and a
launch does not hand over to a server run by another user: it starts on its own.

Plain ``socket`` and a QSocketNotifier rather than QtNetwork's QLocalServer: QtNetwork (and the
Kerberos libraries it links) was 3.4 MiB of a running session's memory and 8 ms of imports,
measured (RSS; -X importtime), for one short message per launch. Where Python has no Unix
sockets (Windows), the composition root picks the QLocalServer version in ``single_instance_qt``
instead; both speak ``instance_protocol``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import struct
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from stretch_desktop.digest import digest
from stretch_desktop.ui.instance_protocol import CONNECT_TIMEOUT_MS, MAX_MESSAGE, read_lines

log = logging.getLogger(__name__)

_MAX_SOCKET_PATH: Final = 100
"""Unix socket paths must fit in 104 (macOS) or 108 (Linux) bytes."""


class NoPlace(OSError):
    """No folder only this user can enter (or no path short enough) is to be had for the
    socket: single instance is off for the run."""


def private_problem(folder: Path) -> str | None:
    """What makes ``folder`` unfit to hold our socket, or None if only this user can enter it.

    ``lstat``, not ``stat``: a link to a folder someone else controls is refused as a link.
    """
    try:
        info = os.lstat(folder)
    except OSError as error:
        return f"cannot be examined ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "not a folder"
    if info.st_uid != os.getuid():
        return f"owned by uid {info.st_uid}, not by this user (uid {os.getuid()})"
    if stat.S_IMODE(info.st_mode) != 0o700:
        return f"mode {stat.S_IMODE(info.st_mode):04o}, not 0700"
    return None


def own_folder() -> Path:
    """Our folder in the temp folder, for systems without a runtime folder; one per user."""
    return Path(os.environ.get("TMPDIR") or "/tmp") / f"stretch-desktop-{os.getuid()}"


def _make_private(folder: Path) -> None:
    """Make ``folder`` with mode 0700 unless something is there already (checked after)."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        return
    except OSError as error:
        raise NoPlace(f"{folder} cannot be made ({error.strerror})") from error
    os.chmod(folder, 0o700)  # mkdir's mode went through the umask


def _fitting(folder: Path, name: str) -> Path:
    """``folder/name``, or a shorter name for the same thing if that is too long for a socket."""
    for path in (folder / name, folder / digest(name, 8)):
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            return path
    raise NoPlace(f"{folder} is too long a path for a socket")


def socket_path(name: str) -> Path:
    """Where our socket lives: in the user's runtime folder if it is private (as it should be),
    else in our own private folder in the temp folder. NoPlace if neither can be had."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime:
        problem = private_problem(Path(runtime))
        if problem is None:
            try:
                return _fitting(Path(runtime), name)
            except NoPlace as error:
                problem = str(error)
        log.info("single instance: not using XDG_RUNTIME_DIR %s: %s", runtime, problem)
    folder = own_folder()
    _make_private(folder)
    problem = private_problem(folder)
    if problem is not None:
        raise NoPlace(f"{folder} is {problem}")
    return _fitting(folder, name)


def peer_uid(connection: socket.socket) -> int | None:
    """The user id of the process at the other end, or None where the system cannot tell
    (there the private folder is the only guard)."""
    option = getattr(socket, "SO_PEERCRED", None)  # Linux
    if option is None:
        return None
    credentials = connection.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("iII"))
    _pid, uid, _gid = struct.unpack("iII", credentials)
    return int(uid)


def hand_over(name: str, message: dict[str, Any]) -> bool:
    """Give ``message`` to a running instance; False if there is none (or none of ours)."""
    try:
        path = socket_path(name)
    except NoPlace:  # the server side says so in the log
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CONNECT_TIMEOUT_MS / 1000)
        try:
            connection.connect(os.fspath(path))
            uid = peer_uid(connection)
            if uid is not None and uid != os.getuid():
                log.warning(
                    "single instance: %s is answered by another user (uid %d), "
                    "not handing over: starting on our own",
                    path,
                    uid,
                )
                return False
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
        self._connections: list[_Connection] = []
        self._bound: _Bound | None = None
        try:
            self._path = socket_path(name)
        except NoPlace as error:
            log.warning("single instance is off for this run: %s", error)
            return
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listen()
        except OSError as error:
            log.warning("single instance: cannot listen on %s: %s", self._path, error)
            self._listener.close()
            return
        self._notifier = QSocketNotifier(self._listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        bound = self._bound = _Bound(self._listener, self._path)
        self.destroyed.connect(lambda *_: bound.remove())
        log.info("listening for other launches on %s", self._path)

    def close(self) -> None:
        """Stop listening and remove the socket: the app is quitting (normally or on SIGTERM)."""
        for connection in self._connections:  # their notifiers go with the server
            connection.notifier.setEnabled(False)
            connection.socket.close()
        self._connections.clear()
        if self._bound is not None:
            self._notifier.setEnabled(False)
            self._bound.remove()

    def _listen(self) -> None:
        path = os.fspath(self._path)
        try:
            self._listener.bind(path)
        except OSError:
            # Nobody of ours answered (we tried before getting here), so the socket is a crashed
            # app's; it is in our private folder, so it is ours to replace.
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
            uid = peer_uid(connection)
            if uid is not None and uid != os.getuid():
                log.warning("single instance: ignored a connection from another user (uid %d)", uid)
                connection.close()
                continue
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


class _Bound:
    """The listening socket and its file, removed once: at quit, or when the server goes.

    Only the file this server bound is removed: by the time a late removal runs, a new launch
    may already be listening at the same path.
    """

    def __init__(self, listener: socket.socket, path: Path) -> None:
        self._listener = listener
        self._path = path
        info = os.stat(path)
        self._identity: tuple[int, int] | None = (info.st_dev, info.st_ino)

    def remove(self) -> None:
        if self._identity is None:
            return
        identity, self._identity = self._identity, None
        self._listener.close()
        try:
            info = os.lstat(self._path)
            if (info.st_dev, info.st_ino) == identity:
                os.unlink(self._path)
        except OSError:  # already gone
            pass
