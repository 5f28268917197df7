"""Whether anything has been written to the database since a moment, known without asking it.

For a read a process may answer again without a round trip while nothing has been written
(hotpath.first_row_while_unwritten: the observation poll when nothing is new). `mark(engine)` is
taken before the database is read; while `mark(engine)` still returns the same value, no
transaction that wrote anything has committed since, as far as this process can tell:

- SQLite: `PRAGMA data_version` on a connection this process keeps for the purpose moves on
  whenever any other connection, of this process or another, commits. Exact.
- PostgreSQL: every transaction that wrote anything sends `NOTIFY` on CHANNEL as it commits (the
  engine events below), and each process LISTENs on a connection it keeps. A commit in this
  process moves its mark on at once; another process's commit, once the notification has arrived
  (within milliseconds). Writes made outside the app (psql, a restore) send nothing: callers keep
  what they remember only for a short while.

None means "cannot tell" (an in-memory database, or the listening connection broke): ask the
database.
"""
from __future__ import annotations

import os
import re
import select
import sqlite3
import threading
import time
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine

CHANNEL = "workspace_written"
RETRY_AFTER_SECONDS = 5.0  # after the listening connection breaks, before opening another
_WRITES = re.compile(r"\s*(insert|update|delete|truncate|merge)\b", re.IGNORECASE)
_WROTE = "freshness_wrote"


class _Watch:
    """One engine's watching connection in this process."""

    def __init__(self, engine: Engine):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.dialect = engine.dialect.name
        self.url = engine.url
        self.connection = None
        self.broken_at = 0.0
        self.received = 0  # PostgreSQL: notifications seen, plus this process's own commits

    def mark(self):
        with self.lock:
            try:
                if self.connection is None and not self._open():
                    return None
                return self._sqlite_mark() if self.dialect == "sqlite" else self._postgresql_mark()
            except Exception:  # noqa: BLE001 - a broken connection: cannot tell, ask the database
                self._drop()
                return None

    def _open(self) -> bool:
        if time.monotonic() - self.broken_at < RETRY_AFTER_SECONDS:
            return False
        if self.dialect == "sqlite":
            path = self.url.database
            if not path or path == ":memory:" or path.startswith("file::memory:"):
                return False  # another connection would see another database
            self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            return True
        if self.dialect == "postgresql":
            import psycopg

            url = self.url.set(drivername="postgresql")
            self.connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
            self.connection.execute(f"LISTEN {CHANNEL}")
            self.received += 1  # what was read before now may predate listening
            return True
        return False

    def _sqlite_mark(self):
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def _postgresql_mark(self):
        readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        if readable:
            for _notification in self.connection.notifies(timeout=0):
                self.received += 1
            if self.connection.closed or self.connection.broken:
                raise ConnectionError("the listening connection closed")
        return self.received

    def _drop(self) -> None:
        self.broken_at = time.monotonic()
        self.received += 1
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - already broken
                pass


_watches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_watches_lock = threading.Lock()


def _watch(engine: Engine) -> _Watch:
    watch = _watches.get(engine)
    if watch is None or watch.pid != os.getpid():  # a forked process opens its own
        with _watches_lock:
            watch = _watches.get(engine)
            if watch is None or watch.pid != os.getpid():
                watch = _watches[engine] = _Watch(engine)
    return watch


def mark(engine: Engine):
    """A value that stays the same while nothing is written; None when this cannot be told."""
    return _watch(engine).mark()


def _moved_on_here(engine: Engine) -> None:
    watch = _watches.get(engine)
    if watch is not None:
        watch.received += 1


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany):
    if conn.dialect.name == "postgresql" and _WRITES.match(statement):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "commit")
def _announce(conn):
    """Just before a transaction that wrote commits: NOTIFY, delivered to every listener when
    (and only if) it commits; and this process's mark moves on now, before anyone here reads."""
    if conn.info.pop(_WROTE, False):
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(f"NOTIFY {CHANNEL}")
        finally:
            cursor.close()
        _moved_on_here(conn.engine)


@event.listens_for(Engine, "rollback")
def _forget(conn):
    conn.info.pop(_WROTE, None)
