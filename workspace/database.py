"""SQLite as a server's database: WAL, foreign keys, and when a request takes the write lock.

WAL lets readers work while one writer writes; foreign keys are off in SQLite by default.

A request that writes takes SQLite's write lock when its transaction begins (BEGIN IMMEDIATE),
waiting up to the busy timeout for another writer, and lets it go when it commits. With the
default deferred BEGIN, a transaction that read first and then tries to write fails at once
with "database is locked" when another writer got there in between: the busy timeout cannot
help it.

A view whose writing is a plain insertion, checked by foreign keys, may ask for the lock late
(`write_lock_late`): what it reads first is read outside any transaction, and the lock is taken
just before its first change. Every writing request works this way after its commit. Twenty
tablets posting observations at once then queue for the lock only as long as an INSERT and a
COMMIT take, not for the whole request. The exports work this way too: a Word report, a workbook
or a data export reads for a second or more and then writes one line to the activity feed, and
held from the start, the lock would keep every tablet's post waiting while the file was built.
Their statements then each read what is committed when they run, as on PostgreSQL (read
committed).

PostgreSQL needs none of this: its rows lock one by one. There, a request that reads (GET,
HEAD, OPTIONS) runs each statement on its own, in autocommit (`tune_postgresql`), and begins a
transaction at its first change, if it makes one.
"""

from __future__ import annotations

import contextvars
import functools
import re
import sqlite3

from flask import Flask, g, has_request_context, request
from psycopg.pq import TransactionStatus
from sqlalchemy import event

from .extensions import db

# How the current request's SQLite transactions begin: READING (plain BEGIN), WRITING (BEGIN
# IMMEDIATE) or LATE (no BEGIN until the first change, then BEGIN IMMEDIATE).
READING, WRITING, LATE = "reading", "writing", "late"
_mode = contextvars.ContextVar("sqlite_transactions", default=READING)
# Statements that may write (a WITH may; a SAVEPOINT starts a transaction that may).
_CHANGES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "WITH", "SAVEPOINT")
# A locking read holds its locks only inside a transaction (PostgreSQL's four strengths).
_LOCKING_READ = re.compile(r"\bFOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)
# Methods that read (HTTP's safe methods).
_READING_METHODS = ("GET", "HEAD", "OPTIONS")


def _may_write(statement: str) -> bool:
    """A statement that changes rows, or reads and locks them."""
    return statement.lstrip()[:9].upper().startswith(_CHANGES) or _LOCKING_READ.search(statement) is not None


def write_lock_late() -> None:
    """For the rest of this request, read without a transaction and take the write lock at the
    first change. Call before the view's first query; does nothing on PostgreSQL."""
    if _mode.get() == WRITING:
        _mode.set(LATE)


def writes_late(view):
    """Decorates a view (outside partnership_route, so that the access check reads lean too)
    whose writing is a plain insertion checked by foreign keys: see write_lock_late."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        write_lock_late()
        return view(*args, **kwargs)

    return wrapped


def reads_alone(view):
    """Decorates a view that only reads and is asked many times a minute (the observation poll),
    outside partnership_route: on SQLite too, each of its statements runs on its own, with no
    transaction around them (as write_lock_late reads), as every reading request's do on PostgreSQL
    (tune_postgresql). Each statement still reads one consistent state; the view must not need two
    statements to agree (the feed reads its signature before its entries for this reason)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if db.engine.dialect.name == "sqlite":
            _mode.set(LATE)  # undone with the request's mark (tune_sqlite)
        return view(*args, **kwargs)

    return wrapped


def tune_postgresql(app: Flask) -> None:
    """A request that reads (GET, HEAD, OPTIONS) runs each statement in autocommit; a transaction
    begins only at its first change or locking read (the single sign-on views write on a GET), and the
    view's commit or rollback ends it.

    What such a request reads is the same: at READ COMMITTED, PostgreSQL's default, every statement
    sees what is committed when it starts, in a transaction or not. Where the server or the engine
    is set to a stricter level, which gives a transaction one snapshot, the rule stands aside.
    What it spares: a BEGIN and a ROLLBACK round trip a request; and the planning of every
    statement of every page, because psycopg forgets the statements it has prepared at every
    ROLLBACK (its cache must not outlive a table dropped in a rolled-back transaction). Without
    one, psycopg prepares a statement from its sixth run on a connection, and the server plans
    it no more. (A server-side cursor, `yield_per`, needs a transaction: none is used.)"""
    if db.engine.dialect.name != "postgresql":
        return
    if db.engine.dialect.skip_autocommit_rollback:
        # The rollback that ends a GET's own transaction would be skipped, and the connection
        # go back to the pool inside it.
        raise RuntimeError("skip_autocommit_rollback cannot be used: GET requests read in autocommit")

    def on_engine_connect(connection):
        # A Connection is made for each of the session's transactions; its isolation level goes
        # back to the engine's when it returns to the pool.
        dialect = connection.dialect
        if (
            has_request_context()
            and request.method in _READING_METHODS
            and (dialect.isolation_level or dialect.default_isolation_level) == "READ COMMITTED"
        ):
            connection.execution_options(isolation_level="AUTOCOMMIT")

    def before_cursor_execute(connection, cursor, statement, parameters, context, executemany):
        if (
            connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            and connection.connection.dbapi_connection.info.transaction_status == TransactionStatus.IDLE
            and _may_write(statement)
        ):
            cursor.execute("BEGIN", prepare=False)

    event.listen(db.engine, "engine_connect", on_engine_connect)
    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)


def tune_sqlite(app: Flask) -> None:
    if db.engine.dialect.name != "sqlite":
        return
    busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    def on_connect(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    def on_begin(connection):
        mode = _mode.get()
        if mode != LATE:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == WRITING else "BEGIN")

    def before_cursor_execute(connection, cursor, statement, parameters, context, executemany):
        if (
            _mode.get() == LATE
            and _may_write(statement)
            and not connection.connection.dbapi_connection.in_transaction
        ):
            cursor.execute("BEGIN IMMEDIATE")

    def on_commit(connection):
        # Once a writing request has committed, what it reads to answer (the page or fragment it
        # sends back) need not hold other writers up; should it write again, it takes the lock
        # again first.
        if _mode.get() != READING:
            _mode.set(LATE)

    event.listen(db.engine, "connect", on_connect)
    event.listen(db.engine, "begin", on_begin)
    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    event.listen(db.engine, "commit", on_commit)

    @app.before_request
    def mark_writes():
        g.sqlite_transactions = _mode.set(READING if request.method in _READING_METHODS else WRITING)

    @app.teardown_request
    def unmark_writes(_error=None):
        token = g.pop("sqlite_transactions", None)
        if token is not None:
            _mode.reset(token)
