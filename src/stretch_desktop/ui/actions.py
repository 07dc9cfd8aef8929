"""What the tray and the media keys may ask of the window, and nothing more.

The tray icon and the MPRIS player drive the session through the ``SessionController``; for the
few things that belong to the window (bring it up, quit, mute) they hold this protocol, never the
window itself, so neither imports the window and the window imports neither.
"""

from __future__ import annotations

from typing import Protocol


class WindowActions(Protocol):
    def bring_to_front(self) -> None:
        """Show the window wherever it was: in the tray, minimised or behind others."""

    def hide_to_tray(self) -> None:
        """Take the window off the screen; the session goes on."""

    def is_on_screen(self) -> bool:
        """Shown and not minimised."""

    def quit_app(self) -> None:
        """Quit for good, asking first when a session is in progress."""

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute the voice: the button, the voice and the saved setting together."""
