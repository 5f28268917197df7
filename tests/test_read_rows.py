"""extensions.read_rows: statements of columns run on the session's connection, seeing what the
session holds as Session.execute would (both databases)."""

from __future__ import annotations

from sqlalchemy import func, select

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
