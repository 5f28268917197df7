"""The few statements every request (or every tablet, every few seconds) runs, run lean.

SQLAlchemy's execution layer costs about 0.3 ms a statement on a small server, more than the
statement itself when it is answered from an index. The access check of every partnership page
and the observation poll's signature are written as ordinary SQLAlchemy statements, compiled
once per database dialect, and run here on a pooled DB-API connection. What comes back is the
driver's own values: integers, strings and, on PostgreSQL, booleans and datetimes; callers read
them accordingly.

Tests count statements; the functions in `listeners` hear each one as the engine's
before_cursor_execute listeners would.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.sql import Select

from .extensions import db

listeners: list[Callable[[str], None]] = []
_compiled: dict[tuple[int, str], tuple[Any, str]] = {}


def _run(statement: Select, params: dict, fetch: Callable):
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
    connection = engine.raw_connection()
    # One statement, read on its own: on PostgreSQL without BEGIN and ROLLBACK around it (two
    # round trips saved); SQLite's connections already run a statement on its own until BEGIN.
    own = engine.dialect.name == "postgresql"
    try:
        if own:
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            return fetch(cursor)
        finally:
            cursor.close()
    finally:
        if own:
            connection.driver_connection.autocommit = False
        connection.close()  # back to the pool


def first_row(statement: Select, params: dict) -> tuple | None:
    """The statement's first row as the driver returns it, or None."""
    return _run(statement, params, lambda cursor: cursor.fetchone())


def all_rows(statement: Select, params: dict) -> list[tuple]:
    """Every row of the statement as the driver returns them."""
    return _run(statement, params, lambda cursor: cursor.fetchall())
