"""Session history and the journal of the session in progress, in one SQLite file.

A session's row is written when it starts (status ``running``) and updated at every step
boundary, so a crash or ``kill -9`` loses at most the step in progress: the next launch finds a
``running`` row that no live process holds and offers to resume it at the step it was in.

While a process runs a session it holds that session's lock (:class:`SessionLocks`), so a reader
tells a session in progress from one whose process died (``kill -9``, a power cut) without
trusting a pid that may have been reused: the latter is shown ``interrupted`` and stays
``running`` on disk until the next launch offers to resume it.

WAL mode lets the window read while a session writes, and several processes write safely (each
waits for the lock for up to ``BUSY_TIMEOUT_MS``). A file that is not a database, or fails its
integrity check, is moved aside with a timestamp and a fresh one is started; a disk that is full
or read-only turns history off for the run and says so, and the session itself goes on. A file
written by a newer version is left exactly as it is and history is off for the run. Rows are read
by the columns this version knows; a row that cannot be read is left out and counted, once.

Reading commands open the file read-only (``History(path, read_only=True)``): they need no
write access to the file or its folder, and write no session, repair nothing and move nothing
(where the folder allows, SQLite may leave its own empty ``-wal``/``-shm`` files beside it).

Timestamps are wall-clock local time with its offset (what a person reads); durations come from
the session engine's monotonic clock.

Schema versions: 1 had the sessions alone; 2 adds ``assessments``, where the hands reached in an
assessed hold (source 001's forward fold), one row per session and moment. A version-1 file is
brought up to 2 as it opens for writing, by adding the (empty) table: every session stays as it
was. Opened read-only it is read as it is, with no assessments.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from stretch_desktop.core.assessment import REACH
from stretch_desktop.storage.records import (
    COLUMNS,
    MOMENTS,
    STATUSES,
    AssessmentRecord,
    DamagedRow,
    HistoryUnavailable,
    SessionRecord,
    assessment_from_row,
    now_iso,
    record_from_row,
    week_minutes,
)

if sys.platform != "win32":
    import fcntl

__all__ = [
    "AssessmentRecord",
    "History",
    "HistoryNewer",
    "HistoryUnavailable",
    "SessionLocks",
    "SessionRecord",
    "week_minutes",
]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS: Final = 5_000
SCHEMA_VERSION: Final = 2
SHOWN: Final = 1_000
"""The newest sessions the window and ``history`` list (and check when the file opens)."""

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
CREATE TABLE IF NOT EXISTS assessments (
    session_id  INTEGER NOT NULL REFERENCES sessions(id),
    moment      TEXT    NOT NULL CHECK (moment IN ('before', 'after')),
    reach       TEXT,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (session_id, moment)
);
"""
"""Every table this version writes. ``IF NOT EXISTS`` makes it the migration too: version 2's
``assessments`` table is added to a version-1 file, whose sessions are left as they are."""

_ASSESSMENTS: Final = """
SELECT s.id AS session_id, s.started_at AS date, s.routine_id AS routine_id,
       MAX(CASE WHEN a.moment = 'before' THEN a.reach END) AS before,
       MAX(CASE WHEN a.moment = 'after' THEN a.reach END) AS after
FROM assessments AS a JOIN sessions AS s ON s.id = a.session_id
GROUP BY s.id
ORDER BY s.started_at DESC, s.id DESC
LIMIT ?
"""

_SELECT: Final = f"SELECT {', '.join(COLUMNS)} FROM sessions"

_FOLDER_REFUSED: Final = frozenset({"SQLITE_CANTOPEN", "SQLITE_READONLY_DIRECTORY"})
"""What a read-only open of a WAL database says when it may not create the ``-shm`` index."""

_LOCK_TRIES: Final = 100
"""Attempts at a session's lock before doing without it until the next step boundary."""


def _pid_alive(pid: int) -> bool:
    """Only where there are no ``flock`` locks: a reused pid makes a dead session look alive."""
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


class HistoryNewer(HistoryUnavailable):
    """The file was written by a newer version of the app. It is not damaged, so it is left
    exactly as it is (never moved aside, never migrated back) and history is off for the run."""


class SessionLocks:
    """Which ``running`` sessions a live process is still running.

    A row's pid cannot tell: pids are reused, so a session killed with ``kill -9`` would look
    alive for as long as some other process had its number. Instead, the process running a
    session holds an exclusive ``flock`` on a file of that session's own (``session-ID.lock``
    in a folder beside the database) for as long as it runs it, and the kernel lets go of it
    when the process ends, however it ends. A reader asks with a shared, non-blocking ``flock``
    that it drops at once: that needs no write access and creates nothing.

    ``flock`` locks belong to the open file, not to the process, so a second ``History`` in
    the same process sees a held lock as another process would. Python opens files
    close-on-exec, so the voice and player processes never inherit one (a child outliving the
    app must not keep its session "running"). Without ``fcntl`` (Windows) the pid is all there
    is to go on.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._held: dict[int, int] = {}  # session id -> the descriptor that holds its lock

    def _file(self, session_id: int) -> Path:
        return self.folder / f"session-{session_id}.lock"

    def hold(self, session_id: int) -> bool:
        """Take this session's lock for this process (a no-op when held). True when held.

        Never raises and never blocks: without its lock a session still runs and is journalled,
        readers only see it ``interrupted`` until the next step boundary tries again. The only
        other holders to expect are readers' probes, a shared lock held between two system
        calls, so a few attempts in a row get past them. A file its last holder unlinked while
        this one waited is not the session's file any more: that attempt starts again.
        """
        if session_id in self._held:
            return True
        if sys.platform == "win32":
            return False
        path = self._file(session_id)
        for _ in range(_LOCK_TRIES):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                log.warning("history: session %d runs without its lock: %s", session_id, error)
                return False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    self._held[session_id] = fd
                    return True
            except (BlockingIOError, FileNotFoundError):
                pass  # a reader's probe, or the file was just unlinked: try again
            except OSError as error:
                os.close(fd)
                log.warning("history: session %d runs without its lock: %s", session_id, error)
                return False
            os.close(fd)
        log.warning("history: session %d's lock is busy; trying again later", session_id)
        return False

    def release(self, session_id: int) -> None:
        """This process is done with the session: its file goes first, then the lock."""
        fd = self._held.pop(session_id, None)
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self._file(session_id))
        os.close(fd)

    def release_all(self) -> None:
        for session_id in list(self._held):
            self.release(session_id)

    def discard(self, session_id: int) -> None:
        """A dead session was marked interrupted: remove its file, unless someone holds it."""
        if session_id in self._held:
            self.release(session_id)
            return
        if sys.platform == "win32":
            return
        try:
            fd = os.open(self._file(session_id), os.O_RDONLY)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(self._file(session_id))
        except OSError:
            pass  # held after all, or the folder is read-only: the file is harmless
        finally:
            os.close(fd)

    def held(self, session_id: int, pid: int) -> bool:
        """True while a live process runs this session (``pid`` serves only without flock)."""
        if session_id in self._held:
            return True
        if sys.platform == "win32":
            return _pid_alive(pid)
        try:
            fd = os.open(self._file(session_id), os.O_RDONLY)
        except FileNotFoundError:
            return False  # a holder keeps its file from before its row is seen until it ends
        except OSError:
            return _pid_alive(pid)  # cannot look: the pid is the best left
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return _pid_alive(pid)
        finally:
            os.close(fd)  # closing drops the probe's own shared lock
        return False


class History:
    """The history database. Every method raises only :class:`HistoryUnavailable`.

    ``read_only`` is for commands that only read (``stretch-desktop history``): nothing is
    created, repaired or written, so a read-only folder or file is enough.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self.notice: str | None = None
        """Set once when something had to be repaired or left out: said a single time."""
        self.damaged = 0
        """How many stored sessions cannot be read (left out of every answer, file unchanged)."""
        self.closed = False
        """True once :meth:`close` ran: the app is quitting, so nothing more will be written."""
        self.locks = SessionLocks(path.with_name(f"{path.name}.locks"))
        what = _not_a_file(path)
        if what is not None:  # before SQLite opens it: reading a named pipe waits forever
            raise HistoryUnavailable(f"{path} is {what}, not a history file; it is left as it is")
        self._connection = self._open_for_reading() if read_only else self._open()
        self._count_damaged()

    # --- opening, repairing ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return connection

    def _check_version(self, connection: sqlite3.Connection) -> None:
        """Before anything is written: a newer version's file is not ours to change."""
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryNewer(
                f"{self.path.name} was written by a newer version of Stretch Desktop (schema "
                f"{version}; this version reads {SCHEMA_VERSION}) and is left as it is"
            )

    def _check_columns(self, connection: sqlite3.Connection) -> None:
        found = {row[1] for row in connection.execute("PRAGMA table_info(sessions)")}
        missing = [column for column in COLUMNS if column not in found]
        if missing:
            raise sqlite3.DatabaseError(f"its sessions table has no {', '.join(missing)}")

    def _prepare(self, connection: sqlite3.Connection) -> None:
        self._check_version(connection)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        _check_structure(connection)
        connection.executescript(_SCHEMA)  # idempotent; executescript commits by itself
        self._check_columns(connection)
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

    # --- opening for reading only ---------------------------------------------------------------

    def _open_for_reading(self) -> sqlite3.Connection:
        """The file as it is, opened read-only, with nothing created beside it if need be.

        ``mode=ro`` is SQLite's read-only open. For a WAL database it still needs the ``-shm``
        index: it uses the one beside the file when there is one (the app is running, or was
        killed) and creates it where the folder allows. When the folder refuses it and no
        ``-wal`` log is pending, every session is in the file itself, and ``immutable=1`` reads
        it without the index or any lock; no writer can be at work meanwhile, since one would
        have needed to create those files too. A pending log without its index cannot be read
        without writing: that is said, not guessed around (immutable would silently miss it).
        """
        if not self.path.exists():
            return self._empty()  # nothing written yet: an empty history, and no file made
        try:
            try:
                connection = self._connect_for_reading("mode=ro")
            except sqlite3.OperationalError as error:
                if error.sqlite_errorname not in _FOLDER_REFUSED or self._log_pending():
                    raise
                log.info("history: read-only folder and no pending log: reading the file as is")
                connection = self._connect_for_reading("immutable=1")
            try:
                tables = connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name='sessions'"
                ).fetchall()
                if not tables:
                    connection.close()
                    return self._empty()
                self._check_columns(connection)
                _check_structure(connection)
            except BaseException:
                connection.close()
                raise
            return connection
        except (sqlite3.Error, OSError) as error:
            raise HistoryUnavailable(self._describe_for_reading(error)) from None

    def _connect_for_reading(self, how: str) -> sqlite3.Connection:
        uri = f"{self.path.absolute().as_uri()}?{how}"
        connection = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._check_version(connection)  # the first read: an unopenable file fails here
        except BaseException:
            connection.close()
            raise
        return connection

    def _log_pending(self) -> bool:
        try:
            return Path(f"{self.path}-wal").stat().st_size > 0
        except FileNotFoundError:
            return False

    def _describe_for_reading(self, error: BaseException) -> str:
        code = getattr(error, "sqlite_errorname", "")
        if code in _FOLDER_REFUSED and self._log_pending():
            return (
                f"the history folder is read-only and {self.path.name}-wal holds sessions "
                f"that cannot be read without creating {self.path.name}-shm beside it"
            )
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.OperationalError
        ):
            return (
                f"{self.path.name} is damaged ({error}); the app keeps it aside and starts a "
                "new one when it next opens"
            )
        return _describe(error)

    def _empty(self) -> sqlite3.Connection:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.executescript(_SCHEMA)
        return connection

    def _count_damaged(self) -> None:
        """Count the rows that cannot be read, once, and say so once (the file is unchanged).

        Only among the rows :meth:`sessions` lists (the newest ``SHOWN``), so opening costs the
        same however long the history grows (measured: about 30 ms for those 1,000 rows; all of
        a 10,000-row history took 330 ms, on the GUI thread, at every launch).
        """
        problems: list[str] = []
        try:
            newest = f"{_SELECT} ORDER BY started_at DESC, id DESC LIMIT {SHOWN}"
            for row in self._connection.execute(newest):
                try:
                    record_from_row(dict(row))
                except DamagedRow as damage:
                    problems.append(f"session {row['id']}: {damage}")
        except sqlite3.Error as error:
            self._connection.close()
            raise HistoryUnavailable(_describe(error)) from None
        self.damaged = len(problems)
        if not problems:
            return
        for problem in problems:  # the details, for the log; the person is told once below
            log.info("history: left out %s", problem)
        count = f"{len(problems)} sessions" if len(problems) > 1 else "1 session"
        verb = "are" if len(problems) > 1 else "is"
        notice = (
            f"{count} in {self.path.name} could not be read and {verb} left out ({problems[0]}"
            f"{', …' if len(problems) > 1 else ''}); the file itself is unchanged."
        )
        self.notice = f"{self.notice} {notice}" if self.notice else notice

    # --- writing ---------------------------------------------------------------------------------

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
        self._writable()
        try:
            with self._write() as connection:
                return connection.execute(sql, parameters)
        except (sqlite3.Error, OSError) as error:
            raise HistoryUnavailable(_describe(error)) from None

    def _writable(self) -> None:
        if self.read_only:
            raise HistoryUnavailable(f"{self.path.name} was opened for reading only")

    def close(self) -> None:
        self.closed = True
        self.locks.release_all()
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
        self._writable()
        now = now_iso()
        session_id: int | None = None
        try:
            with self._write() as connection:
                cursor = connection.execute(
                    "INSERT INTO sessions (routine_id, title, origin, started_at, updated_at,"
                    " status, steps_total, current_step, pid, preferences)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
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
                session_id = cursor.lastrowid
                assert session_id is not None
                # Held before the row is committed, so no reader ever sees it running unheld.
                self.locks.hold(session_id)
        except (sqlite3.Error, OSError) as error:
            if session_id is not None:
                self.locks.release(session_id)
            raise HistoryUnavailable(_describe(error)) from None
        return session_id

    def hold(self, session_id: int) -> None:
        """This process now runs this session (a resumed one): readers see it as running."""
        self.locks.hold(session_id)

    def progress(
        self,
        session_id: int,
        steps_done: int,
        steps_skipped: int,
        active_s: float,
        current_step: int,
    ) -> None:
        """A step boundary: what a crash right now must not lose."""
        self.locks.hold(session_id)  # a no-op once held; catches up if it could not be taken
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
        self.locks.release(session_id)  # after the row says how it ended

    def abandoned(self) -> list[SessionRecord]:
        """Sessions left ``running`` that no live process holds: candidates to resume."""
        return [
            record
            for record in self._select("WHERE status='running'")
            if not self.locks.held(record.id, record.pid)
        ]

    def mark_interrupted(self, session_id: int) -> None:
        self._run(
            "UPDATE sessions SET status='interrupted', ended_at=updated_at WHERE id=? AND"
            " status='running'",
            (session_id,),
        )
        self.locks.discard(session_id)

    # --- reading ---------------------------------------------------------------------------------

    def _select(
        self, where: str = "", parameters: tuple[Any, ...] = (), limit: int = -1
    ) -> list[SessionRecord]:
        """The readable rows; the others were counted and said when the file was opened."""
        try:
            rows = self._connection.execute(
                f"{_SELECT} {where} ORDER BY started_at DESC, id DESC LIMIT ?",
                (*parameters, limit),
            ).fetchall()
        except sqlite3.Error as error:
            raise HistoryUnavailable(_describe(error)) from None
        records = []
        for row in rows:
            with contextlib.suppress(DamagedRow):
                records.append(record_from_row(dict(row)))
        return records

    def sessions(self, limit: int = SHOWN) -> list[SessionRecord]:
        """Newest first, as a person should read them: a ``running`` session that no live
        process holds is shown ``interrupted`` (ended when last written). Nothing is written:
        on disk it stays ``running``, so the next launch still offers to resume it."""
        records = self._select(limit=limit)
        gone = [r.id for r in records if r.status == "running" and not self.locks.held(r.id, r.pid)]
        if not gone:
            return records
        # Read those again: one may have ended between the first read and the look at its lock.
        marks = ",".join("?" * len(gone))
        again = {r.id: r for r in self._select(f"WHERE id IN ({marks})", tuple(gone))}
        shown = []
        for record in records:
            if record.id in again:
                record = again[record.id]
                if record.status == "running":
                    record = replace(record, status="interrupted", ended_at=record.updated_at)
            shown.append(record)
        return shown

    def get(self, session_id: int) -> SessionRecord | None:
        """The session as stored (``running`` even when its process is gone)."""
        found = self._select("WHERE id=?", (session_id,))
        return found[0] if found else None

    # --- the flexibility check -------------------------------------------------------------------

    def record_assessment(self, session_id: int, moment: str, reach: str | None) -> None:
        """Where the hands reached at ``moment`` (``before``/``after``) of a session; None when
        the question went unanswered.

        An answer replaces an earlier one for the same moment (the fold was done again, with
        "previous"); a skip never replaces an answer, so doing the fold again and leaving its
        question unanswered keeps what was said the first time.
        """
        if moment not in MOMENTS:
            raise ValueError(f"not a moment: {moment!r} (one of: {', '.join(MOMENTS)})")
        if reach is not None and reach not in REACH:
            raise ValueError(f"not a reach: {reach!r} (one of: {', '.join(REACH)})")
        conflict = (
            "DO NOTHING"
            if reach is None
            else "DO UPDATE SET reach=excluded.reach, answered_at=excluded.answered_at"
        )
        self._run(
            "INSERT INTO assessments (session_id, moment, reach, answered_at) VALUES (?,?,?,?)"
            f" ON CONFLICT (session_id, moment) {conflict}",
            (session_id, moment, reach, now_iso()),
        )

    def answers(self, session_id: int) -> dict[str, str | None]:
        """One session's answers by moment (``before``/``after``; None: skipped): what a
        resumed session was told before it was interrupted, for its done page."""
        rows = self._assessment_rows(
            "SELECT moment, reach FROM assessments WHERE session_id=?", (session_id,)
        )
        return {
            str(row[0]): row[1] if row[1] in REACH else None for row in rows if row[0] in MOMENTS
        }

    def assessments(self, limit: int = SHOWN) -> list[AssessmentRecord]:
        """The assessed sessions, newest first (a chart reverses them), each with its before
        and after reach (None: skipped, or never asked). A row that cannot be read is left out.
        """
        records = []
        for row in self._assessment_rows(_ASSESSMENTS, (limit,)):
            with contextlib.suppress(DamagedRow):
                records.append(assessment_from_row(dict(row)))
        return records

    def _assessment_rows(self, sql: str, parameters: tuple[Any, ...]) -> list[sqlite3.Row]:
        """``sql``'s rows; none from a version-1 file opened read-only, which has no
        assessments table (that is no assessments, not an error)."""
        try:
            rows: list[sqlite3.Row] = self._connection.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise HistoryUnavailable(_describe(error)) from None
        except sqlite3.Error as error:
            raise HistoryUnavailable(_describe(error)) from None
        return rows


_ROW_PROBLEMS: Final = ("CHECK constraint failed", "NULL value in")
"""What ``quick_check`` says about a single row's values (SQLite 3.33 on): such a row is left
out when read, like any other unreadable row; it does not make the whole file damaged."""


def _check_structure(connection: sqlite3.Connection) -> None:
    """Raise when the file itself is damaged (pages, indexes), not when a row's values are."""
    found = [row[0] for row in connection.execute("PRAGMA quick_check")]
    damage = [line for line in found if line != "ok" and not line.startswith(_ROW_PROBLEMS)]
    if damage:
        raise sqlite3.DatabaseError(f"integrity check failed: {damage[0]}")


def _not_a_file(path: Path) -> str | None:
    """What is at ``path`` when it is there and is not a regular file (a link to one is fine).

    SQLite opens whatever the path names: a folder or a named pipe is "disk I/O error" or
    "unable to open database file", which names nothing, and a read-only open of a named pipe
    (``stretch-desktop history``) waits forever for a writer. Neither is a damaged history to
    move aside: it is said, and left as it is.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # nothing there yet (or a link to nothing): SQLite creates or says it
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


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
