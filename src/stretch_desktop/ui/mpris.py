"""The running session as an MPRIS media player, so media keys and headset buttons reach it.

Desktop shells route the play/pause key of a keyboard or a Bluetooth headset to the MPRIS player
on the session bus (D-Bus) that played last, whichever window has focus. Publishing the session
as ``org.mpris.MediaPlayer2.StretchDesktop`` makes those buttons pause, resume and skip poses
while the person is on the mat, and lets a desktop's media widget show the pose and its time.

Each phase of the session is a "track": the pose and side are its title, what to do (get ready,
hold, rest…) its artist, the routine its album, the phase its length. Position is read from the
engine when asked; only changes of state and track are signalled (PropertiesChanged), as the
specification expects, so the 60 Hz tick costs a tuple comparison and nothing more.

The bus name is held only while a session is running or paused: an idle app is not a player.
Where there is no session bus (not Linux, a bare X server, a sandbox) the app runs without it and
the log says so once. QtDBus comes with PySide6-Essentials, so this needs no other package.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import ClassInfo, Property, QMetaType, QObject, Slot
from PySide6.QtDBus import (
    QDBusAbstractAdaptor,
    QDBusArgument,
    QDBusConnection,
    QDBusMessage,
    QDBusObjectPath,
)

from stretch_desktop.core.engine import Snapshot, State
from stretch_desktop.core.timeline import PhaseKind, Timeline
from stretch_desktop.ui.actions import WindowActions
from stretch_desktop.ui.session_controller import SessionController

log = logging.getLogger(__name__)

OBJECT_PATH = "/org/mpris/MediaPlayer2"
ROOT_INTERFACE = "org.mpris.MediaPlayer2"
PLAYER_INTERFACE = "org.mpris.MediaPlayer2.Player"
BUS_NAME = "org.mpris.MediaPlayer2.StretchDesktop"
TRACK_PREFIX = "/org/stretchdesktop/StretchDesktop/phase/"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"

_DOING = {
    PhaseKind.PREPARE: "Get ready",
    PhaseKind.HOLD: "Hold",
    PhaseKind.FLOW: "Move with the breath",
    PhaseKind.CONTRACT: "Press",
    PhaseKind.RELAX: "Release",
    PhaseKind.REST: "Rest",
    PhaseKind.ASK: "Where did your hands reach?",
}


# --- what the player shows: plain functions of the snapshot -----------------------------------


def playback_status(snapshot: Snapshot | None) -> str:
    if snapshot is None:
        return "Stopped"
    return {State.RUNNING: "Playing", State.PAUSED: "Paused"}.get(snapshot.state, "Stopped")


def metadata(snapshot: Snapshot | None, timeline: Timeline | None) -> dict[str, Any]:
    """The current phase as MPRIS track metadata (types chosen to marshal as the spec's)."""
    if snapshot is None or timeline is None or snapshot.state is State.FINISHED:
        return {"mpris:trackid": QDBusObjectPath(NO_TRACK)}
    phase, step = snapshot.phase, snapshot.step
    side = f", {step.side.value} side" if step.side else ""
    doing = _DOING[phase.kind]
    if phase.cycles:
        doing = f"{doing} ({phase.cycle} of {phase.cycles})"
    return {
        "mpris:trackid": QDBusObjectPath(f"{TRACK_PREFIX}{phase.index}"),
        # Microseconds. Qt marshals a Python int below 2**31 as int32, not the spec's int64;
        # clients we know read it as a number either way (a phase over 35 minutes gets int64).
        "mpris:length": phase.duration_ms * 1000,
        "xesam:title": f"{step.pose.name}{side}",
        "xesam:artist": [doing],
        "xesam:album": timeline.routine.title,
        "xesam:trackNumber": step.index + 1,
    }


def position_us(snapshot: Snapshot | None) -> int:
    return 0 if snapshot is None else snapshot.phase_elapsed_ms * 1000


# --- the two D-Bus interfaces --------------------------------------------------------------------


def _true(_adaptor: QObject) -> bool:
    """The getter of a property that never changes (shared by both interfaces)."""
    return True


def _false(_adaptor: QObject) -> bool:
    return False


@ClassInfo(**{"D-Bus Interface": ROOT_INTERFACE})  # type: ignore[arg-type]
class _RootAdaptor(QDBusAbstractAdaptor):  # type: ignore[operator]
    """org.mpris.MediaPlayer2: who we are, and "bring the window up"."""

    def __init__(self, parent: QObject, service: MprisService) -> None:
        super().__init__(parent)
        self._service = service

    @Slot()
    def Raise(self) -> None:
        self._service.raise_window()

    @Slot()
    def Quit(self) -> None:
        """Not offered (CanQuit is false): quitting mid-session is the window's decision."""

    def _identity(self) -> str:
        return "Stretch Desktop"

    def _desktop_entry(self) -> str:
        return self._service.desktop_entry

    def _nothing(self) -> list[str]:
        return []

    CanQuit = Property(bool, _false)
    CanRaise = Property(bool, _true)
    CanSetFullscreen = Property(bool, _false)
    Fullscreen = Property(bool, _false)
    HasTrackList = Property(bool, _false)
    Identity = Property(str, _identity)
    DesktopEntry = Property(str, _desktop_entry)
    SupportedUriSchemes = Property("QStringList", _nothing)  # type: ignore[arg-type]
    SupportedMimeTypes = Property("QStringList", _nothing)  # type: ignore[arg-type]


@ClassInfo(**{"D-Bus Interface": PLAYER_INTERFACE})  # type: ignore[arg-type]
class _PlayerAdaptor(QDBusAbstractAdaptor):  # type: ignore[operator]
    """org.mpris.MediaPlayer2.Player: the buttons, and the state a media widget shows."""

    def __init__(self, parent: QObject, service: MprisService) -> None:
        super().__init__(parent)
        self._service = service

    @Slot()
    def PlayPause(self) -> None:
        self._service.command("play-pause")

    @Slot()
    def Play(self) -> None:
        self._service.command("play")

    @Slot()
    def Pause(self) -> None:
        self._service.command("pause")

    @Slot()
    def Stop(self) -> None:
        self._service.command("stop")

    @Slot()
    def Next(self) -> None:
        self._service.command("next")

    @Slot()
    def Previous(self) -> None:
        self._service.command("previous")

    @Slot("qlonglong")
    def Seek(self, offset: int) -> None:
        """Not offered (CanSeek is false): a hold is not a song to scrub through."""

    @Slot(QDBusObjectPath, "qlonglong")
    def SetPosition(self, track: QDBusObjectPath, position: int) -> None:
        """Not offered (CanSeek is false)."""

    @Slot(str)
    def OpenUri(self, uri: str) -> None:
        """Not offered: SupportedUriSchemes is empty."""

    def _status(self) -> str:
        return self._service.status()

    def _metadata(self) -> dict[str, Any]:
        return self._service.metadata()

    def _position(self) -> int:
        return self._service.position()

    def _one(self) -> float:
        return 1.0

    def _volume(self) -> float:
        return 0.0 if self._service.muted() else 1.0

    def _set_volume(self, volume: float) -> None:
        self._service.set_muted(volume <= 0.0)

    def _active(self) -> bool:
        return self._service.status() != "Stopped"

    PlaybackStatus = Property(str, _status)
    Metadata = Property("QVariantMap", _metadata)  # type: ignore[arg-type]
    Position = Property("qlonglong", _position)  # type: ignore[arg-type]
    Rate = Property(float, _one)
    MinimumRate = Property(float, _one)
    MaximumRate = Property(float, _one)
    Volume = Property(float, _volume, _set_volume)
    CanGoNext = Property(bool, _active)
    CanGoPrevious = Property(bool, _active)
    CanPlay = Property(bool, _true)
    CanPause = Property(bool, _true)
    CanSeek = Property(bool, _false)
    CanControl = Property(bool, _true)


# --- the service ---------------------------------------------------------------------------------


class MprisService(QObject):
    """Publishes the controller's session on a D-Bus connection and forwards the buttons to it."""

    def __init__(
        self,
        controller: SessionController,
        window: WindowActions,
        connection: QDBusConnection,
        desktop_entry: str,
        bus_name: str = BUS_NAME,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._window = window
        self._bus = connection
        self._bus_name = bus_name
        self.desktop_entry = desktop_entry
        self._owned = False
        self._sent_status = ""
        self._object = QObject(self)  # the adaptors' parent: what the bus sees at OBJECT_PATH
        _RootAdaptor(self._object, self)
        _PlayerAdaptor(self._object, self)
        self._commands: dict[str, Callable[[], None]] = {
            "play-pause": self._play_pause,
            "play": self._play,
            "pause": controller.pause,
            "stop": controller.stop,
            "next": controller.skip,
            "previous": controller.previous,
        }

    @property
    def owned(self) -> bool:
        """Whether the bus name is ours now (a session is running or paused)."""
        return self._owned

    def publish(self) -> bool:
        """Register the player object; False (and a log line) when there is no usable bus."""
        if not self._bus.isConnected():
            reason = self._bus.lastError().message() or "not connected"
            log.warning(
                "MPRIS: no D-Bus session bus (%s); media keys and headset buttons reach the app "
                "only while its window has focus",
                reason,
            )
            return False
        if not self._bus.registerObject(OBJECT_PATH, self._object):
            log.warning("MPRIS: could not register %s on the session bus", OBJECT_PATH)
            return False
        # Desktops are told of changes of state and track only, never of every tick.
        self._controller.phase_changed.connect(self._on_changed)
        self._controller.state_changed.connect(self._on_state_changed)
        log.info("MPRIS: ready on the session bus")
        return True

    def withdraw(self) -> None:
        """The app is closing: give the name back so desktops drop the player at once."""
        self._release()
        if self._bus.isConnected():
            self._bus.unregisterObject(OBJECT_PATH)

    # --- what the adaptors ask and do ----------------------------------------------------------

    def _snapshot(self) -> Snapshot | None:
        return self._controller.snapshot()

    def status(self) -> str:
        return playback_status(self._snapshot())

    def metadata(self) -> dict[str, Any]:
        return metadata(self._snapshot(), self._controller.timeline)

    def position(self) -> int:
        return position_us(self._snapshot())

    def muted(self) -> bool:
        return self._controller.muted

    def set_muted(self, muted: bool) -> None:
        if muted != self.muted():
            self._window.set_muted(muted)  # the button, the voice and the saved setting together

    def raise_window(self) -> None:
        self._window.bring_to_front()

    def command(self, name: str) -> None:
        log.info("MPRIS: %s", name)
        self._commands[name]()

    def _play_pause(self) -> None:
        self._controller.toggle()

    def _play(self) -> None:
        snapshot = self._snapshot()
        if snapshot is not None and snapshot.state is not State.RUNNING:
            self._controller.toggle()

    # --- keeping desktops up to date -----------------------------------------------------------

    def _on_state_changed(self, snapshot: Snapshot) -> None:
        """Every command reports its state; only a new playback status is news to a desktop."""
        if playback_status(snapshot) != self._sent_status:
            self._on_changed(snapshot)

    def _on_changed(self, snapshot: Snapshot) -> None:
        """A new track (phase, or the same one restarted) or a new state: tell the desktop."""
        self._sent_status = playback_status(snapshot)
        active = self._controller.in_session
        if active and not self._owned:
            self._acquire()
        if not self._owned:
            return
        self._properties_changed(
            {
                "PlaybackStatus": self.status(),
                "Metadata": self.metadata(),
                "CanGoNext": active,
                "CanGoPrevious": active,
            }
        )
        if not active:
            self._release()

    def _acquire(self) -> None:
        if self._bus.registerService(self._bus_name):
            self._owned = True
            return
        # Another copy of the app (another profile) has the name: the spec's instance suffix.
        name = f"{BUS_NAME}.instance{os.getpid()}"
        self._owned = self._bus.registerService(name)
        if self._owned:
            self._bus_name = name
        else:
            log.warning("MPRIS: could not own %s: %s", name, self._bus.lastError().message())

    def _release(self) -> None:
        if self._owned:
            self._owned = False
            self._bus.unregisterService(self._bus_name)

    def _properties_changed(self, changed: dict[str, Any]) -> None:
        invalidated = QDBusArgument()  # an empty array must still say it holds strings ("as")
        invalidated.beginArray(QMetaType(QMetaType.Type.QString))
        invalidated.endArray()
        self._signal(
            "org.freedesktop.DBus.Properties",
            "PropertiesChanged",
            [PLAYER_INTERFACE, changed, invalidated],
        )

    def _signal(self, interface: str, name: str, arguments: list[Any]) -> None:
        message = QDBusMessage.createSignal(OBJECT_PATH, interface, name)
        message.setArguments(arguments)
        self._bus.send(message)


def session_bus() -> QDBusConnection:
    return QDBusConnection.sessionBus()
