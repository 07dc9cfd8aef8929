"""Stretch Desktop: a hands-free guide through stretching routines."""

__version__ = "0.1.0"
"""The one place the version lives: pyproject.toml reads it from here for the package metadata."""
