"""A stand-in notification server for tests on a private session bus (``bus_address``).

It is a jeepney connection served from a thread: it owns ``org.freedesktop.Notifications``
before the test's client exists (so there is no race), records each ``Notify`` in a queue
*before* it replies, answers with an id of its own (or never, to test the client's timeout), and
sends ``ActionInvoked`` as a desktop does when a button is clicked. Tests wait on its queue and on
replies, never on time.
"""

import queue
import socket
import threading

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import unwrap_msg

from stretch_desktop.ui.notifications import BUS_NAME, INTERFACE, OBJECT_PATH

SOMEONE_ELSES_ID = 999
"""The id of another app's notification, whose clicks our client must ignore."""


class StandInDaemon:
    """The notification server. ``calls`` holds ``(id, body)`` for every ``Notify``.

    ``answer=False``: it records calls but never replies. ``auto_click``: for each notification
    with buttons it sends a click on someone else's notification, then on this one's first
    button, right after replying.
    """

    def __init__(self, address, *, first_id=1, answer=True, auto_click=False):
        self.first_id = first_id
        self.answer = answer
        self.auto_click = auto_click
        self.calls = queue.Queue()
        self.connection = open_dbus_connection(bus=address)
        reply = self.connection.send_and_get_reply(message_bus.RequestName(BUS_NAME), timeout=5)
        assert unwrap_msg(reply) == (1,), "the stand-in is not the name's primary owner"
        self.thread = threading.Thread(target=self._serve, name="stand-in-notifications")
        self.thread.start()

    def next_body(self, timeout=5):
        """The next ``Notify`` call's arguments, waiting for it."""
        return self.calls.get(timeout=timeout)[1]

    def _serve(self):
        next_id = self.first_id
        while True:
            try:
                message = self.connection.receive()
            except OSError:  # stop() shut the socket down
                return
            if message.header.message_type is not MessageType.method_call:
                continue  # NameAcquired and other signals from the bus
            if message.header.fields.get(HeaderFields.member) != "Notify":
                self.connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))
                continue
            self.calls.put((next_id, message.body))  # before the reply: notify() has returned
            if not self.answer:
                continue
            self.connection.send(new_method_return(message, "u", (next_id,)))
            actions = message.body[5]
            if self.auto_click and actions:
                # A click on another app's notification first: the client must not take it.
                self.click(SOMEONE_ELSES_ID, actions[0])
                self.click(next_id, actions[0])
            next_id += 1

    def click(self, notification_id, action_key):
        """The person clicks a button: the signal a desktop sends (from the name's owner)."""
        self.connection.send(
            new_signal(
                DBusAddress(OBJECT_PATH, interface=INTERFACE),
                "ActionInvoked",
                "us",
                (notification_id, action_key),
            )
        )

    def stop(self):
        self.connection.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread out of receive()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        self.connection.close()
