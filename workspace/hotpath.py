"""The few statements every request (or every tablet, every few seconds) runs, run lean.

SQLAlchemy's execution layer costs about 0.3 ms a statement on a small server, more than the
statement itself when it is answered from an index. The access check of every partnership page
(with the observation poll's question) and what an observation post reads are written as
ordinary SQLAlchemy statements, compiled once per database dialect, and run here on DB-API
connections the process keeps for them (`_Kept`). They read outside the request's
transaction: what a request reads through the session may come from a snapshot a moment older
or newer, and callers that combine the two say how they stay right. What comes back is the
driver's own values: integers, strings and, on PostgreSQL, booleans and datetimes; callers read
them accordingly.

Tests count statements; the functions in `listeners` hear each one as the engine's
before_cursor_execute listeners would.
"""
from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy.sql import Select

from .extensions import db

listeners: list[Callable[[str], None]] = []
_compiled: dict[tuple[Any, str], tuple[Any, str]] = {}  # (statement, dialect) -> compiled, SQL
MAX_KEPT = 8  # idle connections a process keeps for these statements, per database


class _Kept:
    """The process's idle connections for these statements, per engine: taken out for one
    statement and put back, so a server that runs each request on a new thread (flask run) or
    greenlet reuses them too. Taken from the engine's pool once and detached from it; on
    PostgreSQL in autocommit, so a statement reads on its own without BEGIN and ROLLBACK round
    trips (SQLite's connections already do, until BEGIN)."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def take(self, engine):
        with self.lock:
            idle = self.idle.setdefault(engine, [])
            connection = idle.pop() if idle else None
        if connection is None:
            fairy = engine.raw_connection()
            fairy.detach()
            connection = fairy.dbapi_connection
            if engine.dialect.name == "postgresql":
                connection.autocommit = True
        return connection

    def forget(self, engine) -> None:
        with self.lock:
            idle = self.idle.pop(engine, [])
        for connection in idle:
            _close(connection)

    def give_back(self, engine, connection) -> None:
        with self.lock:
            idle = self.idle.setdefault(engine, [])
            keep = len(idle) < MAX_KEPT
            if keep:
                idle.append(connection)
        if not keep:
            connection.close()


_kept = _Kept()


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - already broken, which is why it is being closed
        pass


def _run(statement, params: dict, fetch: Callable, retry: bool = True):
    global _kept
    engine = db.engine
    key = (statement, engine.dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=engine.dialect)
        _compiled[key] = (compiled, str(compiled))
    compiled, sql = _compiled[key]
    values = compiled.construct_params(params)
    arguments = tuple(values[name] for name in compiled.positiontup) if compiled.positional else values
    for listener in listeners:
        listener(sql)
    if _kept.pid != os.getpid():  # a forked process opens its own
        _kept = _Kept()
    for attempt in (1, 2):
        connection = _kept.take(engine)
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, arguments)
                result = fetch(cursor)
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error as error:
            _close(connection)
            # The server restarted or the connection broke: the kept ones are as likely broken,
            # so let them all go and try once more on a new connection.
            if attempt == 2 or not retry or not engine.dialect.is_disconnect(error, connection, None):
                raise
            _kept.forget(engine)
            continue
        except BaseException:
            _close(connection)
            raise
        _kept.give_back(engine, connection)
        return result


def first_row(statement: Select, params: dict, retry: bool = True) -> tuple | None:
    """The statement's first row as the driver returns it, or None. A statement that writes
    passes retry=False: after a broken connection it may have been committed all the same."""
    return _run(statement, params, lambda cursor: cursor.fetchone(), retry)


def all_rows(statement: Select, params: dict) -> list[tuple]:
    """Every row of the statement as the driver returns them."""
    return _run(statement, params, lambda cursor: cursor.fetchall())
