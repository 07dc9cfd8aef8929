"""Desktop notifications over the session bus, with the tray as a fallback and silence as the last.

Why not ``notify-send``: it is a separate program that, on a machine without a session bus,
lets GLib try to autolaunch one and print ``Failed to execute child process "dbus-launch"``
straight to our terminal. Why not QtDBus: the ``Notify`` method takes an unsigned 32-bit
``replaces_id``, a type PySide6 cannot marshal. So we speak the freedesktop notification
protocol (https://specifications.freedesktop.org/notification-spec/latest/) ourselves, through
jeepney, a small pure-Python D-Bus client.

The calls are blocking and made from the GUI thread, so every one is bounded by a short timeout:
a notification service that hangs costs the window at most that long, never a freeze. Failures
never raise and never print; each kind is logged once through ``logging``.

Actions (buttons such as "Start" or "Skip today") are part of the API from the start: the
server reports a click with the ``ActionInvoked`` signal, which :meth:`take_actions` collects.
This module imports neither Qt nor, until the first notification, jeepney (which is a Linux-only
dependency and costs nothing at start-up this way).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from jeepney.io.blocking import DBusConnection

log = logging.getLogger(__name__)

QUIET = logging.DEBUG
"""The level for "there is no way to notify here" (no bus, no daemon, no tray): a normal state of
many machines, not a fault, so it stays off the terminal, where the app logs INFO and up."""

APP_NAME = "Stretch Desktop"
DESKTOP_ENTRY = "org.stretchdesktop.StretchDesktop"
BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
# Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout) -> id
NOTIFY_SIGNATURE = "susssasa{sv}i"
EXPIRE_MS = 8_000
# Long enough for the bus to start a notification daemon on first use (D-Bus activation), short
# enough that a hung one costs the GUI thread a moment, not a freeze.
CALL_TIMEOUT_S = 1.0
SESSION = "SESSION"
_PENDING_SIGNALS = 64  # ActionInvoked signals kept until take_actions(): far more than clicks


class Action(NamedTuple):
    """A button on a notification: ``key`` comes back in :class:`ActionInvoked`, ``label`` shows."""

    key: str
    label: str


class ActionInvoked(NamedTuple):
    """The person chose ``action_key`` on the notification ``notification_id`` we sent."""

    notification_id: int
    action_key: str


class Notifications(Protocol):
    """What :class:`Notifier` (and later the reminders) need of a notification service."""

    def notify(
        self,
        title: str,
        body: str,
        *,
        icon: str | None = None,
        actions: Sequence[tuple[str, str]] = (),
        expire_ms: int = EXPIRE_MS,
    ) -> int | None: ...

    def take_actions(self) -> list[ActionInvoked]: ...

    def close(self) -> None: ...


def session_bus_address() -> str | None:
    """Where the session bus is, the way libdbus and GDBus look, or None where there is none.

    ``DBUS_SESSION_BUS_ADDRESS`` first; else the per-user bus that systemd puts at
    ``$XDG_RUNTIME_DIR/bus`` (jeepney itself only reads the variable). We never autolaunch a bus:
    that is the very thing that printed "dbus-launch" errors.
    """
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        path = os.path.join(runtime, "bus")
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                return f"unix:path={path}"
        except OSError:
            pass
    return None


class DesktopNotifications:
    """The desktop's notification service (``org.freedesktop.Notifications``) over the session bus.

    ``bus`` is ``"SESSION"`` for the user's session bus, or a D-Bus address such as
    ``unix:path=/run/user/1000/bus`` (tests pass the address of a private bus). The connection
    is opened on the first notification, kept for the next ones (and for action signals), and
    opened again after the bus drops it. Not thread-safe: use it from one thread (the GUI's).
    """

    def __init__(self, bus: str = SESSION, *, timeout: float = CALL_TIMEOUT_S) -> None:
        self._bus = bus
        self._timeout = timeout
        self._connection: DBusConnection | None = None
        self._signals: deque[Any] = deque(maxlen=_PENDING_SIGNALS)
        self._signal_filter: Any = None
        self._ids_with_actions: set[int] = set()
        self._said: set[str] = set()

    def notify(
        self,
        title: str,
        body: str,
        *,
        icon: str | None = None,
        actions: Sequence[tuple[str, str]] = (),
        expire_ms: int = EXPIRE_MS,
    ) -> int | None:
        """Show a notification; the server's id for it, or None if it could not be shown.

        ``icon`` is an icon name or an absolute path; ``actions`` are (key, label) pairs, shown
        as buttons where the server supports them; ``expire_ms`` is -1 for the server's default,
        0 for never. None means no bus, no notification service, a timeout or another error,
        already logged: the caller only decides whether to try another way.
        """
        connection = self._connect()
        if connection is None:
            return None
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        try:
            if actions:
                self._listen_for_actions(connection)
            flat_actions = [part for action in actions for part in (action[0], action[1])]
            hints = {"desktop-entry": ("s", DESKTOP_ENTRY)}
            message = new_method_call(
                DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE),
                "Notify",
                NOTIFY_SIGNATURE,
                (APP_NAME, 0, icon or "", title, body, flat_actions, hints, expire_ms),
            )
            reply = connection.send_and_get_reply(message, timeout=self._timeout)
            notification_id = int(unwrap_msg(reply)[0])
        except DBusErrorResponse as error:
            # Most often ServiceUnknown: a bus, but no notification daemon on it.
            self._say_once("refused", QUIET, "no desktop notification service: %s", error)
            return None
        except TimeoutError:
            self._say_once(
                "timeout",
                logging.WARNING,
                "the notification service did not answer within %.1f s",
                self._timeout,
            )
            return None
        except Exception as error:  # a notification is never worth a crash
            self._say_once("broken", logging.WARNING, "notification failed: %r", error)
            self._drop_connection()  # the socket may be half-written or reset: start afresh
            return None
        if actions:
            self._ids_with_actions.add(notification_id)
        self._said.clear()  # it works again: say so if it stops working later
        return notification_id

    def take_actions(self) -> list[ActionInvoked]:
        """The actions chosen on our notifications since the last call, without waiting.

        Reads whatever the bus has already sent. A caller that wants to react at once can watch
        :meth:`fileno` for input (a QSocketNotifier) and call this then, and also after each
        :meth:`notify`, which may have read a signal while it waited for its own reply.
        """
        connection = self._connection
        if connection is None:
            return []
        try:
            while True:
                connection.recv_messages(timeout=0)
        except TimeoutError:
            pass  # nothing more to read now
        except Exception as error:
            self._say_once("broken", logging.WARNING, "notification signals lost: %r", error)
            self._drop_connection()
        chosen = []
        while self._signals:
            notification_id, action_key = self._signals.popleft().body
            if notification_id in self._ids_with_actions:  # other apps' clicks are theirs
                chosen.append(ActionInvoked(int(notification_id), str(action_key)))
        return chosen

    def fileno(self) -> int | None:
        """The connection's socket, to watch for incoming signals; None while not connected."""
        return None if self._connection is None else int(self._connection.sock.fileno())

    def close(self) -> None:
        """Close the connection to the bus (a later notify() opens a new one)."""
        self._drop_connection()

    def _connect(self) -> DBusConnection | None:
        if self._connection is not None:
            return self._connection
        address = session_bus_address() if self._bus == SESSION else self._bus
        if address is None:
            self._say_once("no-bus", QUIET, "no session bus: no desktop notifications")
            return None
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            self._say_once("no-jeepney", QUIET, "jeepney is not installed: no notifications")
            return None
        try:
            # auth_timeout bounds the connect and the authentication; the Hello that follows is
            # answered by the bus daemon itself, which has just answered the authentication.
            self._connection = open_dbus_connection(bus=address, auth_timeout=self._timeout)
        except Exception as error:  # no socket, refused, odd address, timed out...
            self._say_once("no-bus", QUIET, "no session bus at %s: %r", address, error)
            return None
        return self._connection

    def _listen_for_actions(self, connection: DBusConnection) -> None:
        """Subscribe to ActionInvoked before the first notification with buttons goes out.

        The bus only forwards a broadcast signal to connections that asked for it (AddMatch), and
        jeepney only keeps a signal that arrives during another call if a filter catches it.
        """
        if self._signal_filter is not None:
            return
        from jeepney.bus_messages import MatchRule, message_bus
        from jeepney.wrappers import unwrap_msg

        def rule(sender: str | None) -> Any:
            return MatchRule(
                type="signal",
                sender=sender,
                interface=INTERFACE,
                path=OBJECT_PATH,
                member="ActionInvoked",
            )

        # The bus resolves the well-known name; locally, a signal's sender is the unique name.
        reply = connection.send_and_get_reply(
            message_bus.AddMatch(rule(BUS_NAME)), timeout=self._timeout
        )
        unwrap_msg(reply)
        self._signal_filter = connection.filter(rule(None), queue=self._signals)

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        self._signal_filter = None  # it belonged to the old connection
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()

    def _say_once(self, reason: str, level: int, message: str, *args: object) -> None:
        """Log a failure the first time it happens, not at every notification after it."""
        if reason not in self._said:
            self._said.add(reason)
            log.log(level, message, *args)


class Notifier:
    """Tells the desktop something happened, by the best way this desktop offers.

    The notification service on the session bus first (it has the app's name and icon, and
    buttons later); else ``tray_message`` (the tray icon's balloon, where there is a tray);
    else nothing, said once in the log at INFO. ``bus`` is None where there is no session bus
    to try (not Linux).
    """

    def __init__(
        self,
        tray_message: Callable[[str, str], bool] | None,
        icon_path: str | None,
        *,
        bus: Notifications | None,
    ) -> None:
        self._tray_message = tray_message
        self._icon_path = icon_path
        self._bus = bus

    def notify(self, title: str, text: str) -> bool:
        """True if a notification was handed to the desktop by one way or the other."""
        if self._bus is not None and self._bus.notify(title, text, icon=self._icon_path):
            return True
        if self._tray_message is not None:
            return self._tray_message(title, text)
        log.log(QUIET, "no notification service and no tray: not notified (%s)", title)
        return False

    def close(self) -> None:
        """Close the bus connection, if there is one."""
        if self._bus is not None:
            self._bus.close()


@dataclass(frozen=True)
class SentNotification:
    """One notification a :class:`FakeNotifications` was asked to show."""

    id: int
    title: str
    body: str
    icon: str | None
    actions: tuple[Action, ...]
    expire_ms: int


@dataclass
class FakeNotifications:
    """The twin of :class:`DesktopNotifications` for tests: records, and clicks on request.

    ``available=False`` behaves like a desktop without a notification service (notify() returns
    None), so tests can drive :class:`Notifier` to its fallbacks.
    """

    available: bool = True
    sent: list[SentNotification] = field(default_factory=list)
    closed: bool = False
    _clicks: list[ActionInvoked] = field(default_factory=list)

    def notify(
        self,
        title: str,
        body: str,
        *,
        icon: str | None = None,
        actions: Sequence[tuple[str, str]] = (),
        expire_ms: int = EXPIRE_MS,
    ) -> int | None:
        if not self.available or self.closed:
            return None
        notification = SentNotification(
            len(self.sent) + 1, title, body, icon, tuple(Action(*a) for a in actions), expire_ms
        )
        self.sent.append(notification)
        return notification.id

    def click(self, notification_id: int, action_key: str) -> None:
        """Act as the person choosing an action; only one that notification really offered."""
        offered = {a.key for n in self.sent if n.id == notification_id for a in n.actions}
        if action_key not in offered:
            raise ValueError(f"notification {notification_id} has no action {action_key!r}")
        self._clicks.append(ActionInvoked(notification_id, action_key))

    def take_actions(self) -> list[ActionInvoked]:
        clicks, self._clicks = self._clicks, []
        return clicks

    def close(self) -> None:
        self.closed = True
