"""The few statements every request (or every tablet, every few seconds) runs, run lean.

SQLAlchemy's execution layer costs about 0.3 ms a statement on a small server, more than the
statement itself when it is answered from an index. The access check of every partnership page
(with the observation poll's question) and what an observation post reads are written as
ordinary SQLAlchemy statements, compiled once per database dialect, and run here on a DB-API
connection each thread keeps for them (one more connection per worker thread). What comes back is the
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
_compiled: dict[tuple[int, str], tuple[Any, str]] = {}


_held = threading.local()


def _connection(engine):
    """This thread's own DB-API connection to the engine's database, kept for these statements:
    taken from the pool once and detached from it, reading in autocommit (each statement on its
    own, without BEGIN and ROLLBACK round trips; SQLite's connections already do, until BEGIN)."""
    if getattr(_held, "pid", None) != os.getpid():  # a forked process makes its own
        _held.pid, _held.connections = os.getpid(), weakref.WeakKeyDictionary()
    connection = _held.connections.get(engine)
    if connection is None:
        fairy = engine.raw_connection()
        fairy.detach()
        connection = fairy.dbapi_connection
        if engine.dialect.name == "postgresql":
            connection.autocommit = True
        _held.connections[engine] = connection
    return connection


def _forget(engine) -> None:
    connection = _held.connections.pop(engine, None)
    if connection is not None:
        try:
            connection.close()
        except Exception:  # already broken: that is why it is being forgotten
            pass


def _run(statement, params: dict, fetch: Callable):
    engine = db.engine
    key = (id(statement), engine.dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=engine.dialect)
        _compiled[key] = (compiled, str(compiled))
    compiled, sql = _compiled[key]
    values = compiled.construct_params(params)
    arguments = tuple(values[name] for name in compiled.positiontup) if compiled.positional else values
    for listener in listeners:
        listener(sql)
    for attempt in (1, 2):
        try:
            cursor = _connection(engine).cursor()
            try:
                cursor.execute(sql, arguments)
                return fetch(cursor)
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.OperationalError:
            # The server restarted or the connection broke: once more on a new connection.
            _forget(engine)
            if attempt == 2:
                raise


def first_row(statement: Select, params: dict) -> tuple | None:
    """The statement's first row as the driver returns it, or None."""
    return _run(statement, params, lambda cursor: cursor.fetchone())


def all_rows(statement: Select, params: dict) -> list[tuple]:
    """Every row of the statement as the driver returns them."""
    return _run(statement, params, lambda cursor: cursor.fetchall())
