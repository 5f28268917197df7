"""On PostgreSQL a request that reads runs its statements in autocommit, and begins a transaction
only at its first change (database.tune_postgresql). SQLite keeps its own rules (test_concurrency,
test_exports_hold_no_lock)."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, func, select

from workspace.extensions import db
from workspace.models import Partnership


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's rule: SQLite reads in a transaction (database.tune_sqlite)")


def _status():
    return db.session.connection().connection.dbapi_connection.info.transaction_status


def _partnerships_named(app, name):
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(select(func.count()).where(Partnership.name == name)).scalar()


def test_a_get_reads_outside_any_transaction_and_a_post_inside_one(app):
    with app.test_request_context("/", method="GET"):
        db.session.execute(select(Partnership.id)).all()
        assert _status() == TransactionStatus.IDLE
        db.session.remove()
    with app.test_request_context("/", method="POST"):
        db.session.execute(select(Partnership.id)).all()
        assert _status() == TransactionStatus.INTRANS
        db.session.remove()


def test_a_change_made_on_a_get_is_one_transaction_kept_by_commit_and_undone_by_rollback(app):
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


def test_a_locking_read_on_a_get_holds_its_lock_in_a_transaction(app):
    with app.test_request_context("/", method="GET"):
        db.session.execute(select(Partnership.id).with_for_update()).all()
        assert _status() == TransactionStatus.INTRANS
        db.session.remove()


def test_a_page_read_again_runs_prepared_statements(app, client, world):
    """The point of the rule: psycopg forgets what it prepared at every ROLLBACK, so with a
    transaction around every page, every statement of every page was planned again."""
    with app.app_context():
        engine = db.engine
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
