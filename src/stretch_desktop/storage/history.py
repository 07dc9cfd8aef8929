"""Session history and the journal of the session in progress, in one SQLite file.

A session's row is written when it starts (status ``running``) and updated at every step
boundary, so a crash or ``kill -9`` loses at most the step in progress: the next launch finds the
``running`` row of a process that is gone and offers to resume it at the step it was in.

WAL mode lets the window read while a session writes, and several processes write safely (each
waits for the lock for up to ``BUSY_TIMEOUT_MS``). A file that is not a database, or fails its
integrity check, is moved aside with a timestamp and a fresh one is started; a disk that is full
or read-only turns history off for the run and says so, and the session itself goes on.

Timestamps are wall-clock local time with its offset (what a person reads); durations come from
the session engine's monotonic clock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from stretch_desktop.storage.records import (
    STATUSES,
    HistoryUnavailable,
    SessionRecord,
    now_iso,
    streak_days,
    week_minutes,
)

__all__ = ["History", "HistoryUnavailable", "SessionRecord", "streak_days", "week_minutes"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS: Final = 5_000
SCHEMA_VERSION: Final = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id            INTEGER PRIMARY KEY,
    routine_id    TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    origin        TEXT    NOT NULL DEFAULT '',
    started_at    TEXT    NOT NULL,
    ended_at      TEXT,
    updated_at    TEXT    NOT NULL,
    status        TEXT    NOT NULL
                  CHECK (status IN ('running', 'completed', 'stopped', 'interrupted')),
    steps_done    INTEGER NOT NULL DEFAULT 0,
    steps_skipped INTEGER NOT NULL DEFAULT 0,
    steps_total   INTEGER NOT NULL DEFAULT 0,
    active_s      REAL    NOT NULL DEFAULT 0,
    current_step  INTEGER NOT NULL DEFAULT 0,
    pid           INTEGER NOT NULL DEFAULT 0,
    preferences   TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started_at);
"""


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    except OSError:
        return False
    return True


class History:
    """The history database. Every method raises only :class:`HistoryUnavailable`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice: str | None = None
        """Set once when something had to be repaired: the window shows it a single time."""
        self.closed = False
        """True once :meth:`close` ran: the app is quitting, so nothing more will be written."""
        self._connection = self._open()

    # --- opening, repairing ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        check = connection.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check}")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"written by a newer version (schema {version})")
        connection.executescript(_SCHEMA)  # idempotent; executescript commits by itself
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connect_and_prepare(self) -> sqlite3.Connection:
        connection = self._connect()
        try:
            self._prepare(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _open(self) -> sqlite3.Connection:
        try:
            try:
                return self._connect_and_prepare()
            except sqlite3.DatabaseError as error:
                if _is_unwritable(error) or not self.path.exists():
                    raise
                self._move_aside(str(error))
                return self._connect_and_prepare()
        except (sqlite3.Error, OSError) as error:
            raise HistoryUnavailable(_describe(error)) from None

    def _move_aside(self, reason: str) -> None:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{self.path}{suffix}")
        self.notice = (
            f"The history file was damaged ({reason}); it was kept as {aside.name} and a new "
            "one was started."
        )
        log.warning("history: %s", self.notice)

    @contextlib.contextmanager
    def _write(self, connection: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        connection = connection or self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:  # SQLite already rolled back after some errors (FULL)
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _run(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            with self._write() as connection:
                return connection.execute(sql, parameters)
        except (sqlite3.Error, OSError) as error:
            raise HistoryUnavailable(_describe(error)) from None

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(sqlite3.Error):
            self._connection.close()

    # --- the journal -----------------------------------------------------------------------------

    def begin(
        self,
        routine_id: str,
        title: str,
        origin: str,
        steps_total: int,
        preferences: dict[str, Any],
        at_step: int = 0,
    ) -> int:
        now = now_iso()
        cursor = self._run(
            "INSERT INTO sessions (routine_id, title, origin, started_at, updated_at, status,"
            " steps_total, current_step, pid, preferences) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                routine_id,
                title,
                origin,
                now,
                now,
                "running",
                steps_total,
                at_step,
                os.getpid(),
                json.dumps(preferences),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def progress(
        self,
        session_id: int,
        steps_done: int,
        steps_skipped: int,
        active_s: float,
        current_step: int,
    ) -> None:
        """A step boundary: what a crash right now must not lose."""
        self._run(
            "UPDATE sessions SET steps_done=?, steps_skipped=?, active_s=?, current_step=?,"
            " updated_at=?, pid=?, status='running' WHERE id=?",
            (steps_done, steps_skipped, active_s, current_step, now_iso(), os.getpid(), session_id),
        )

    def end(
        self, session_id: int, status: str, steps_done: int, steps_skipped: int, active_s: float
    ) -> None:
        if status not in STATUSES[1:]:
            raise ValueError(status)
        now = now_iso()
        self._run(
            "UPDATE sessions SET status=?, steps_done=?, steps_skipped=?, active_s=?, ended_at=?,"
            " updated_at=? WHERE id=?",
            (status, steps_done, steps_skipped, active_s, now, now, session_id),
        )

    def abandoned(self) -> list[SessionRecord]:
        """Sessions left ``running`` by a process that is gone: candidates to resume."""
        return [r for r in self._select("WHERE status='running'") if not _pid_alive(r.pid)]

    def mark_interrupted(self, session_id: int) -> None:
        self._run(
            "UPDATE sessions SET status='interrupted', ended_at=updated_at WHERE id=? AND"
            " status='running'",
            (session_id,),
        )

    # --- reading ---------------------------------------------------------------------------------

    def _select(
        self, where: str = "", parameters: tuple[Any, ...] = (), limit: int = -1
    ) -> list[SessionRecord]:
        try:
            rows = self._connection.execute(
                f"SELECT * FROM sessions {where} ORDER BY started_at DESC, id DESC LIMIT ?",
                (*parameters, limit),
            ).fetchall()
        except sqlite3.Error as error:
            raise HistoryUnavailable(_describe(error)) from None
        return [SessionRecord(**dict(row)) for row in rows]

    def sessions(self, limit: int = 1000) -> list[SessionRecord]:
        """Newest first."""
        return self._select(limit=limit)

    def get(self, session_id: int) -> SessionRecord | None:
        found = self._select("WHERE id=?", (session_id,))
        return found[0] if found else None


def _is_unwritable(error: BaseException) -> bool:
    text = str(error).lower()
    return any(
        word in text
        for word in (
            "readonly",
            "read-only",
            "disk is full",
            "unable to open",
            "disk i/o",
            "locked",
        )
    )


def _describe(error: BaseException) -> str:
    text = str(error)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered or isinstance(error, PermissionError):
        return f"the history folder is read-only ({text})"
    if "disk is full" in lowered or getattr(error, "errno", None) == 28:
        return f"the disk is full ({text})"
    return text or type(error).__name__
