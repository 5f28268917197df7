"""Counting the SQL statements a request runs: through SQLAlchemy and through hotpath."""
from contextlib import contextmanager

from sqlalchemy import event

from workspace import hotpath
from workspace.extensions import db


@contextmanager
def recorded(app):
    """Yields the list that fills with every statement run inside the block."""
    statements: list[str] = []

    def on_engine(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_engine)
    hotpath.listeners.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_engine)
        hotpath.listeners.remove(statements.append)
