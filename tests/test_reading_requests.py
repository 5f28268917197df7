"""On PostgreSQL a request that reads runs its statements in autocommit, and begins a transaction
only at its first change (database.tune_postgresql). SQLite keeps its own rules (test_concurrency,
test_exports_hold_no_lock)."""

from __future__ import annotations

import contextlib

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, func, select

from workspace.extensions import db
from workspace.models import Partnership


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's rule: SQLite reads in a transaction (database.tune_sqlite)")


@pytest.fixture
def engine(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def returned(engine):
    """The state of each connection as it goes back to the pool: (autocommit, transaction status)."""
    states = []

    def on_checkin(dbapi_connection, _record):
        if dbapi_connection is not None:
            states.append((dbapi_connection.autocommit, dbapi_connection.info.transaction_status))

    event.listen(engine, "checkin", on_checkin)
    yield states
    event.remove(engine, "checkin", on_checkin)


def _status():
    return db.session.connection().connection.dbapi_connection.info.transaction_status


def _partnerships_named(app, name):
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(select(func.count()).where(Partnership.name == name)).scalar()


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_reading_request_reads_outside_any_transaction(app, returned, method):
    with app.test_request_context("/", method=method):
        db.session.execute(select(Partnership.id)).all()
        assert _status() == TransactionStatus.IDLE
        db.session.remove()
    assert returned == [(False, TransactionStatus.IDLE)]  # given back as the engine made it


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_writing_request_reads_inside_one(app, method):
    with app.test_request_context("/", method=method):
        db.session.execute(select(Partnership.id)).all()
        assert _status() == TransactionStatus.INTRANS
        db.session.remove()


def test_a_change_made_on_a_get_is_one_transaction_kept_by_commit_and_undone_by_rollback(app, returned):
    with app.test_request_context("/", method="GET"):
        db.session.add(Partnership(name="Rolled back"))
        db.session.add(Partnership(name="Rolled back too"))
        db.session.flush()
        assert _status() == TransactionStatus.INTRANS  # begun at the first INSERT
        db.session.rollback()
        db.session.add(Partnership(name="Committed"))
        db.session.commit()
        db.session.remove()
    assert _partnerships_named(app, "Rolled back") == 0
    assert _partnerships_named(app, "Rolled back too") == 0
    assert _partnerships_named(app, "Committed") == 1
    assert returned and all(state == (False, TransactionStatus.IDLE) for state in returned), returned


@pytest.mark.parametrize("ending", ["abandoned", "raised"])
def test_a_get_that_changed_and_never_committed_leaves_nothing_and_a_clean_connection(app, returned, ending):
    with contextlib.suppress(RuntimeError), app.test_request_context("/", method="GET"):
        try:
            db.session.add(Partnership(name="Never committed"))
            db.session.flush()
            if ending == "raised":
                raise RuntimeError("the view failed")
        finally:
            db.session.remove()  # what the request's teardown does
    assert returned == [(False, TransactionStatus.IDLE)]
    assert _partnerships_named(app, "Never committed") == 0


def test_a_savepoint_on_a_get_is_inside_the_transaction_it_begins(app):
    """The sign-in callbacks retry a clashing insertion in a savepoint (auth/identities.py)."""
    with app.test_request_context("/", method="GET"):
        with db.session.begin_nested():
            db.session.add(Partnership(name="In a savepoint"))
        db.session.commit()
        db.session.remove()
    assert _partnerships_named(app, "In a savepoint") == 1


@pytest.mark.parametrize("lock", [{}, {"read": True}, {"key_share": True}, {"read": True, "key_share": True}])
def test_a_locking_read_on_a_get_holds_its_lock_in_a_transaction(app, lock):
    with app.test_request_context("/", method="GET"):
        db.session.execute(select(Partnership.id).with_for_update(**lock)).all()
        assert _status() == TransactionStatus.INTRANS
        db.session.remove()


def test_a_stricter_isolation_level_keeps_each_request_in_one_transaction(app):
    """REPEATABLE READ gives a transaction one snapshot for all its statements: the rule stands
    aside rather than take it from a page."""
    from tests.conftest import make_app

    strict = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"isolation_level": "REPEATABLE READ"},
    )
    try:
        with strict.test_request_context("/", method="GET"):
            db.session.execute(select(Partnership.id)).all()
            assert _status() == TransactionStatus.INTRANS
            db.session.remove()
    finally:
        with strict.app_context():
            db.engine.dispose()


def test_a_page_read_again_runs_prepared_statements(app, client, world, engine):
    """The point of the rule: psycopg forgets what it prepared at every ROLLBACK, so with a
    transaction around every page, every statement of every page was planned again."""
    engine.dispose()  # one connection, used by each request in turn
    used = set()

    def seen(conn, cursor, statement, parameters, context, executemany):
        used.add(conn.connection.dbapi_connection)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        client.sign_in(world["a"]["lead"])
        for _ in range(8):
            trio = f"/p/{world['a']['partnership_id']}/trios/{world['a']['trio_id']}"
            assert client.get(trio).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    (connection,) = used
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
    connection.rollback()
    assert prepared >= 3  # the access check, the trio, its lessons, at least
