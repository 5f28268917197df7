"""The observation poll is answered from the process's memory while nothing has been written to
the database (freshness.py, hotpath.first_row_while_unwritten), and never after a write it can
see: this process's own at once, another connection's as soon as it is known (SQLite: at once;
PostgreSQL: when its notification arrives)."""
import re
import time

import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import html
from tests.statements import recorded
from workspace import freshness, hotpath
from workspace.extensions import db
from workspace.models import ResearchLesson, User


@pytest.fixture
def polling(client, world):
    a = world["a"]
    base = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/observations/feed"
    client.sign_in(a["teacher"])
    since = re.search(r"since=([v0-9.]+)", html(client.get(f"{base}?since=x", htmx=True))).group(1)

    def poll():
        return client.get(f"{base}?since={since}", htmx=True).status_code

    assert poll() == 204
    return poll


def statements_of(app, poll):
    with recorded(app) as statements:
        status = poll()
    return status, len(statements)


def test_a_repeated_poll_asks_the_database_nothing_while_nothing_is_written(app, polling):
    assert statements_of(app, polling) == (204, 0)
    assert statements_of(app, polling) == (204, 0)


def test_a_write_here_is_seen_by_the_next_poll(app, world, polling):
    assert statements_of(app, polling) == (204, 0)
    with app.app_context():
        db.session.scalar(select(User).where(User.email == world["a"]["teacher"])).is_disabled = True
        db.session.commit()
    assert statements_of(app, polling) == (401, 1)


def test_a_write_through_another_connection_is_seen(app, world, polling):
    """Another engine stands for another gunicorn worker: its commit is seen through SQLite's
    data version at once, or through PostgreSQL's notification as soon as it arrives."""
    assert statements_of(app, polling) == (204, 0)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.begin() as connection:
            connection.execute(text("UPDATE research_lesson SET feed_version = feed_version + 1 WHERE id = :id"),
                               {"id": world["a"]["lesson_id"]})
    finally:
        other.dispose()
    deadline = time.monotonic() + 5
    while polling() == 204 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert polling() == 200


def test_what_is_remembered_is_kept_only_a_short_while(app, polling, monkeypatch):
    now = time.monotonic()
    monkeypatch.setattr(hotpath.time, "monotonic", lambda: now + app.config["REMEMBERED_ANSWER_SECONDS"] + 1)
    assert statements_of(app, polling) == (204, 1)


def test_remembering_can_be_turned_off(app, polling, monkeypatch):
    monkeypatch.setitem(app.config, "REMEMBERED_ANSWER_SECONDS", 0)
    assert statements_of(app, polling) == (204, 1)
    assert statements_of(app, polling) == (204, 1)


def test_when_the_watching_connection_breaks_the_poll_asks_the_database(app, polling, monkeypatch):
    with app.app_context():
        watch = freshness._watch(db.engine)
    assert watch.connection is not None
    watch.connection.close()
    assert statements_of(app, polling) == (204, 1)  # cannot tell: asks
    assert statements_of(app, polling) == (204, 1)  # and keeps asking until it may try again
    monkeypatch.setattr(freshness, "RETRY_AFTER_SECONDS", 0)
    assert statements_of(app, polling) == (204, 1)  # a new watching connection: a fresh start
    assert statements_of(app, polling) == (204, 0)


def test_another_lessons_poll_is_its_own_question(app, make_client, world, polling):
    b = world["b"]
    client = make_client()
    client.sign_in(b["teacher"])
    base = f"/p/{b['partnership_id']}/trios/{b['trio_id']}/lessons/{b['lesson_id']}/observations/feed"
    with app.app_context():
        version = db.session.scalar(select(ResearchLesson.feed_version).where(ResearchLesson.id == b["lesson_id"]))
    assert client.get(f"{base}?since=v{version}.1", htmx=True).status_code == 204
    # Partnership A's lesson through partnership B's address: not theirs, whatever was remembered.
    a = world["a"]
    assert client.get(f"/p/{b['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/observations/feed"
                      f"?since=v{version}.1", htmx=True).status_code == 404


def test_an_in_memory_database_is_never_remembered():
    engine = create_engine("sqlite://")
    try:
        assert freshness.mark(engine) is None
    finally:
        engine.dispose()


def test_an_answer_reading_an_unwatched_table_cannot_be_remembered():
    from sqlalchemy import select as select_
    from workspace.access import AlongWith, partnership_route
    from workspace.models import Observation

    with pytest.raises(ValueError, match="observation"):
        partnership_route(along=AlongWith(columns=(select_(Observation.id).limit(1).scalar_subquery(),),
                                          params=(), remember=True))


def test_marks_read_on_different_watching_connections_are_never_taken_for_one_another(app, monkeypatch):
    """SQLite's data version starts afresh on every connection: a mark carries its connection's
    generation, so an answer kept under the old connection is not served under the new."""
    monkeypatch.setattr(freshness, "RETRY_AFTER_SECONDS", 0)
    with app.app_context():
        first = freshness.mark(db.engine)
        freshness._watch(db.engine)._drop()
        second = freshness.mark(db.engine)
    assert first is not None and second is not None and first != second
