"""Child processes that die with the app: the audio players and the voice process.

Why: a player is a process of its own, so an app killed with ``kill -9`` (or crashing) used to
leave it playing on, and a hung voice process could outlive the app too. On Linux each child asks
the kernel, between fork and exec, for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``).

The pitfall: the "parent" the kernel watches is the *thread* that forked, not the process. A
child forked from the speech thread or a render thread would be killed when that thread ends,
while the app runs on (the kernel signals on every reparenting, even to a sibling thread). So
every child is forked from one thread that lives as long as the process (``_Spawner``): its
children die with the process, whichever thread asked for them.

The other pitfall: the app may die between fork and ``prctl``; the child would then have missed
the signal. After asking, the child checks that its parent is still the app, and exits if not.

Elsewhere (macOS, Windows) children start as before; the app stops them when it closes.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from typing import Final, TypeVar

T = TypeVar("T")
PreExec = Callable[[], None]

_PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>
_SIGKILL: Final = int(signal.SIGKILL)
_ORPHANED_EXIT: Final = 125
"""How a child leaves when the app died before it could ask to die with it (never seen by us)."""


def die_with(parent: int, prctl: Callable[..., int]) -> PreExec:
    """The pre-exec step: SIGKILL me when my parent dies; if it already has, leave now.

    Runs in the forked child before exec, where little is safe: it only calls a C function
    looked up beforehand (in the parent), ``getppid`` and ``_exit``.
    """

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the app died before the request took effect
            os._exit(_ORPHANED_EXIT)

    return preexec


class _Spawner:
    """The one thread that forks every child, so that children die with the process only."""

    def __init__(self) -> None:
        import ctypes  # here: only Linux needs it, and only once a child is asked for

        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter runs on
        self._prctl: Callable[..., int] = libc.prctl
        self.pid = os.getpid()  # a forked copy of the app has no such thread: it makes its own
        self._thread = threading.Thread(target=self._serve, name="child-spawner", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            self._jobs.get()()

    def run(self, start: Callable[[PreExec | None], T]) -> T:
        preexec = die_with(os.getpid(), self._prctl)
        if threading.current_thread() is self._thread:
            return start(preexec)
        done = threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def job() -> None:
            try:
                outcome.append(start(preexec))
            except BaseException as error:  # handed to the caller, raised there
                failure.append(error)
            finally:
                done.set()

        self._jobs.put(job)
        done.wait()
        if failure:
            raise failure[0]
        return outcome[0]


_spawner: _Spawner | None = None
_spawner_lock = threading.Lock()


def spawn(start: Callable[[PreExec | None], T]) -> T:
    """Start a child that dies with the app: ``start(preexec)`` must pass ``preexec`` as
    ``subprocess.Popen``'s ``preexec_fn`` (None where the platform has no such request).

    ``start`` runs on the spawner thread on Linux (see the module's docstring); its result or
    error comes back to the caller.
    """
    if not sys.platform.startswith("linux"):
        return start(None)
    global _spawner
    with _spawner_lock:
        if _spawner is None or _spawner.pid != os.getpid():
            _spawner = _Spawner()
        spawner = _spawner
    return spawner.run(start)
