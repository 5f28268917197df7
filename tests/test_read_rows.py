"""extensions.read_rows: statements of columns run on the session's connection, seeing what the
session holds as Session.execute would (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from workspace.access.core import _ACCESS
from workspace.extensions import db, read_rows
from workspace.models import Partnership, User


def _named(name: str):
    return select(func.count()).select_from(Partnership).where(Partnership.name == name)


def test_a_record_added_but_not_flushed_is_read(ctx):
    db.session.add(Partnership(name="Added in this request"))
    assert read_rows(_named("Added in this request")).scalar_one() == 1
    assert db.session.execute(_named("Added in this request")).scalar_one() == 1  # the same answer


def test_inside_no_autoflush_nothing_is_flushed_first(ctx):
    with db.session.no_autoflush:
        db.session.add(Partnership(name="Still pending"))
        assert read_rows(_named("Still pending")).scalar_one() == 0
        assert db.session.execute(_named("Still pending")).scalar_one() == 0
    assert read_rows(_named("Still pending")).scalar_one() == 1


def test_it_gives_the_rows_session_execute_gives(ctx, world):
    lead = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
    params = {"user_id": lead.id, "partnership_id": world["a"]["partnership_id"]}
    assert read_rows(_ACCESS, params).all() == db.session.execute(_ACCESS, params).all()
    assert read_rows(_ACCESS, params).first().role == "lead"


def test_it_reads_in_the_session_transaction(ctx):
    """Not a connection of its own: what the session has written and not committed is read, and
    a rollback takes it away from both."""
    db.session.add(Partnership(name="Written, not committed"))
    db.session.flush()
    assert read_rows(_named("Written, not committed")).scalar_one() == 1
    db.session.rollback()
    assert read_rows(_named("Written, not committed")).scalar_one() == 0


class _Recording:
    """The session's connection, noting each statement run on it."""

    def __init__(self, connection, seen: list):
        self._connection, self._seen = connection, seen

    def execute(self, statement, *args, **kwargs):
        self._seen.append(statement)
        return self._connection.execute(statement, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._connection, name)


def _records_loaded_by(statement) -> list:
    """The mapped classes a statement selects whole: on a connection those come back as bare
    columns, not records, without an error."""
    described = getattr(statement, "column_descriptions", [])
    return [d["type"] for d in described if inspect(d["type"], raiseerr=False) is not None]


@pytest.fixture
def on_the_connection(monkeypatch):
    seen: list = []
    original = Session.connection
    monkeypatch.setattr(
        Session, "connection", lambda self, *a, **k: _Recording(original(self, *a, **k), seen)
    )
    return seen


def test_the_checker_sees_a_statement_of_records(ctx, on_the_connection):
    read_rows(select(Partnership.id)).all()
    read_rows(select(Partnership)).all()
    assert [_records_loaded_by(s) for s in on_the_connection] == [[], [Partnership]]


def test_the_busy_pages_run_no_statement_of_records_on_the_connection(client, world, on_the_connection):
    """Every statement the busy pages run through read_rows (or on the connection otherwise)
    selects columns."""
    a = world["a"]
    p = f"/p/{a['partnership_id']}"
    lesson = f"{p}/trios/{a['trio_id']}/lessons/{a['lesson_id']}"
    client.sign_in(a["lead"])
    on_the_connection.clear()
    dashboard = f"{p}/actions/?status=in_progress&status=not_started&sort=due"
    for path, htmx in [
        (dashboard, False),
        (dashboard, True),
        (f"{p}/actions/summary/by-school", True),
        (f"{p}/actions/summary/qi", True),
        (f"{p}/actions/summary/igbe", True),
        (f"{p}/actions/owners", True),
        (f"{lesson}/observe", False),
        (f"{lesson}/observations/feed", True),
        (f"{p}/trios/{a['trio_id']}", False),
    ]:
        assert client.get(path, htmx=htmx).status_code == 200, path
    assert len(on_the_connection) >= 20  # the access checks, the dashboard's, the feed's...
    assert [s for s in on_the_connection if _records_loaded_by(s)] == []
