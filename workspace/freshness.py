"""Whether the rows a remembered answer was read from have been written since, known without
asking the database.

For a read a process may answer again without a round trip while nothing has been written
(hotpath.first_row_while_unwritten: the observation poll when nothing is new). `mark(engine)` is
taken before the database is read; while `mark(engine)` still returns the same value, nothing
such an answer reads from has been committed since, as far as this process can tell:

- SQLite: `PRAGMA data_version` on a connection this process keeps for the purpose moves on
  whenever any other connection, of this process or another, commits anything. Exact.
- PostgreSQL: triggers on the WATCHED tables (migration 3e338adf7022) send `NOTIFY` on CHANNEL
  from every statement that writes to them, delivered as the transaction commits, whoever
  writes (psql included); each process LISTENs on a connection it keeps. A commit that wrote
  anything in this process moves its mark on at once (engine events, below); another
  process's, once the notification has arrived (within milliseconds).

None means "cannot tell" (an in-memory database, or the listening connection broke): ask the
database. `check_watched` refuses, when a view is declared, a remembered statement that reads a
table outside WATCHED.
"""
from __future__ import annotations

import itertools
import os
import re
import select
import threading
import time
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

CHANNEL = "workspace_written"
WATCHED = frozenset({"user_account", "partnership", "membership", "research_lesson"})
RETRY_AFTER_SECONDS = 5.0  # after the watching connection breaks, before opening another
HEARTBEAT_SECONDS = 5.0  # PostgreSQL: how long the listening connection may stay quiet unasked
_WRITES = re.compile(r"\s*(insert|update|delete|truncate|merge)\b", re.IGNORECASE)
_WROTE = "freshness_wrote"


_generations = itertools.count(1)  # one per watching connection opened in this process


class _Watch:
    """One engine's watching connection in this process. A mark is (generation, value): the
    generation is new with every connection opened, so values read on different connections
    (SQLite's data version starts afresh on each) are never taken for one another."""

    def __init__(self, engine: Engine):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.engine = weakref.ref(engine)
        self.dialect = engine.dialect.name
        self.database = engine.url.database
        self.connection = None
        self.generation = 0
        self.broken_at = -RETRY_AFTER_SECONDS
        self.checked_at = 0.0
        self.received = 0  # PostgreSQL: notifications seen, plus this process's own commits

    def mark(self):
        with self.lock:
            try:
                if self.connection is None and not self._open():
                    return None
                value = self._sqlite_mark() if self.dialect == "sqlite" else self._postgresql_mark()
                return self.generation, value
            except Exception:  # noqa: BLE001 - a broken connection: cannot tell, ask the database
                self._drop()
                return None

    def _open(self) -> bool:
        engine = self.engine()
        if engine is None or time.monotonic() - self.broken_at < RETRY_AFTER_SECONDS:
            return False
        if self.dialect == "sqlite" and (not self.database or self.database == ":memory:"
                                         or "mode=memory" in self.database or self.database.startswith("file::memory:")):
            return False  # another connection would see another database
        if self.dialect not in ("sqlite", "postgresql"):
            return False
        # As the engine connects (its URL, connect arguments and pragmas), then kept apart from its pool.
        fairy = engine.raw_connection()
        fairy.detach()
        connection = fairy.dbapi_connection
        if self.dialect == "postgresql":
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self.checked_at = time.monotonic()
        self.connection = connection
        self.generation = next(_generations)
        return True

    def _sqlite_mark(self):
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def _postgresql_mark(self):
        now = time.monotonic()
        if now - self.checked_at > HEARTBEAT_SECONDS:
            # A connection dropped without a word (a firewall, a restarted server) looks quiet:
            # ask it something now and then, which also takes in what has arrived.
            self.connection.execute("SELECT 1")
            self.checked_at = now
            asked = True
        else:
            asked = False
        waiting = select.poll()  # not select.select: it cannot watch a descriptor above 1023
        waiting.register(self.connection.fileno(), select.POLLIN)
        if asked or waiting.poll(0) or self.connection.closed:
            for _notification in self.connection.notifies(timeout=0):
                self.received += 1
            if self.connection.closed or self.connection.broken:
                raise ConnectionError("the listening connection closed")
        return self.received

    def _drop(self) -> None:
        self.broken_at = time.monotonic()
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


def written_here(engine: Engine) -> None:
    """This process has just committed a write outside the engine's transactions (a statement
    run in a transaction of its own by hotpath): its mark moves on now."""
    watch = _watches.get(engine)
    if watch is not None:
        watch.received += 1


def check_watched(statement) -> None:
    """Raise unless every table `statement` reads is WATCHED (so PostgreSQL announces its writes)."""
    from sqlalchemy import Table
    from sqlalchemy.sql.util import find_tables

    found = find_tables(statement, check_columns=True, include_aliases=True, include_joins=True,
                        include_selects=True)
    read = {getattr(each, "element", each).name for each in found
            if isinstance(getattr(each, "element", each), Table)}
    if not read <= WATCHED:
        raise ValueError(f"An answer remembered until a write reads {sorted(read - WATCHED)}, whose writes "
                         "are not announced: add them to freshness.WATCHED and its triggers.")


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany):
    if conn.dialect.name == "postgresql" and _WRITES.match(statement):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "commit")
def _moved_on(conn):
    """A transaction of this process that wrote is committing: this process's mark moves on now,
    before anything here reads again (its own notification follows, and moves it on again)."""
    if conn.info.pop(_WROTE, False):
        written_here(conn.engine)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    """After a session's commit has gone through: the marks move on again, so that a thread of
    this process that read between the engine's commit event and the commit itself cannot keep
    what it read under the new mark (for threaded servers)."""
    for watch in list(_watches.values()):
        watch.received += 1


@event.listens_for(Engine, "rollback")
def _forget(conn):
    conn.info.pop(_WROTE, None)
