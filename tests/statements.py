"""Counting the SQL statements a request runs."""

from contextlib import contextmanager

from sqlalchemy import event

from workspace.extensions import db


@contextmanager
def recorded(app):
    """Yields the list that fills with every statement run inside the block."""
    statements: list[str] = []

    def on_engine(conn, cursor, statement, *args):
        # SQLite's BEGIN is sent as a statement of its own (database.py), PostgreSQL's by the
        # driver with the first query: leave it out, so that both count the same.
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_engine)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_engine)
