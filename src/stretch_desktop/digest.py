"""Short, stable names derived from text: voice cache files and the single-instance socket.

BLAKE2 comes from CPython's own ``_blake2`` module: importing ``hashlib`` loads OpenSSL's
libcrypto on the spot, measured at 3.6 MiB of the window's memory for two short names.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # a Python built without its own hashes: hashlib's is the same function
    from hashlib import blake2b


def digest(text: str, size: int = 16) -> str:
    """``size`` bytes of BLAKE2b over ``text`` (UTF-8), as hex: 2 × ``size`` characters."""
    return blake2b(text.encode(), digest_size=size).hexdigest()
