"""Stretch Desktop: a hands-free guide through stretching routines."""

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy: importlib.metadata costs ~28 ms at start-up, and only --version needs the version.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("stretch-desktop")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(name)
