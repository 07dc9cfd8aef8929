"""Stretch Desktop: a hands-free guide through stretching routines."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stretch-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
