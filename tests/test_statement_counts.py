"""The busy pages of a research lesson run the same number of SQL statements whatever the size
of the data: the observation page, posting an observation, the poll (nothing new, and something
new) and the trio page, with a lesson of a handful of observations and then of thousands, in a
trio of one cycle and then of many."""

from datetime import timedelta

from sqlalchemy import insert, select

from tests.statements import recorded
from workspace.extensions import db
from workspace.models import Observation, Trio, User
from workspace.models.base import utcnow
from workspace.trios import observation_feed
from workspace.trios import services as trio_services


def grow(app, world, observations: int, cycles: int) -> None:
    a = world["a"]
    with app.app_context():
        observers = list(
            db.session.scalars(select(User.id).where(User.email.in_((a["teacher"], a["other_teacher"]))))
        )
        now = utcnow()
        db.session.execute(
            insert(Observation),
            [
                {
                    "partnership_id": a["partnership_id"],
                    "lesson_id": a["lesson_id"],
                    "case_pupil_id": a["pupil_ids"][n % len(a["pupil_ids"])],
                    "stage_id": a["stage_ids"][n % 2],
                    "observer_id": observers[n % 2],
                    "text": f"Seen {n}",
                    "leuven_score": n % 5 + 1,
                    "created_at": now - timedelta(seconds=n),
                    "updated_at": now - timedelta(seconds=n),
                }
                for n in range(observations)
            ],
        )
        trio = db.session.get(Trio, a["trio_id"])
        for _ in range(cycles):
            cycle = trio_services.add_cycle(trio)
            trio_services.add_lesson(trio, cycle, None, a["school_ids"][0], "P6", "Numeracy", None, None)
        db.session.commit()


def counts(app, client, world) -> dict[str, int]:
    a = world["a"]
    lesson = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}"
    with app.app_context():
        since = observation_feed.feed_signature(a["partnership_id"], a["trio_id"], a["lesson_id"])
    result = {}
    requests = {
        "observation page": lambda: client.get(f"{lesson}/observe"),
        "poll, nothing new": lambda: client.get(f"{lesson}/observations/feed?since={since}", htmx=True),
        "observation post": lambda: client.post(
            f"{lesson}/observations",
            htmx=True,
            data={
                "case_pupil_id": a["pupil_ids"][0],
                "stage_id": a["stage_ids"][0],
                "text": "Explained it to a partner",
                "leuven_score": "4",
            },
        ),
        "poll, something new": lambda: client.get(f"{lesson}/observations/feed?since={since}", htmx=True),
        "trio page": lambda: client.get(f"/p/{a['partnership_id']}/trios/{a['trio_id']}"),
    }
    for name, request in requests.items():
        with recorded(app) as statements:
            response = request()
        assert response.status_code in (200, 201, 204), (name, response.status_code)
        result[name] = len(statements)
    return result


def test_statement_counts_do_not_grow_with_the_data(app, client, world):
    client.sign_in(world["a"]["teacher"])
    grow(app, world, observations=5, cycles=1)
    client.get("/partnerships")  # a first request reads what a process reads once (framework labels)
    small = counts(app, client, world)
    grow(app, world, observations=3000, cycles=12)
    large = counts(app, client, world)
    assert small == large, (small, large)
    # The observation page and a poll with news read the feed's evidence files in one query; the
    # trio page reads its cycles, lessons and their observation counts in one. A poll with news:
    # access with the feed's signature, the trio with its members' ids, the lesson, the entries,
    # their tags and their files (no second look at the signature, no look-up of membership).
    assert small["observation page"] <= 7 and small["poll, something new"] <= 6 and small["trio page"] <= 6
    # The post: access, trio with its members, lesson with its stages and pupils (one statement),
    # the trio's tags, the lesson's feed version moved on and the INSERT.
    assert small["poll, nothing new"] == 1 and small["observation post"] <= 6


def test_the_poll_runs_outside_a_transaction(app, client, world):
    """The poll asks one thing many times a minute: no BEGIN and ROLLBACK around it (PostgreSQL's
    autocommit, SQLite without BEGIN). On SQLite a page is read in a transaction as usual; on
    PostgreSQL every GET reads in autocommit (test_reading_requests)."""
    from psycopg.pq import TransactionStatus
    from sqlalchemy import event

    a = world["a"]
    client.sign_in(a["teacher"])
    lesson = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}"
    with app.app_context():
        since = observation_feed.feed_signature(a["partnership_id"], a["trio_id"], a["lesson_id"])
        engine = db.engine
    in_transaction: list[bool] = []

    def note(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            in_transaction.append(True)
            return
        raw = conn.connection.dbapi_connection
        if hasattr(raw, "autocommit"):  # psycopg: no transaction begun, none to begin
            in_transaction.append(not raw.autocommit or raw.info.transaction_status != TransactionStatus.IDLE)
        else:
            in_transaction.append(raw.in_transaction)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(f"{lesson}/observations/feed?since={since}", htmx=True).status_code == 204
        polled, in_transaction[:] = list(in_transaction), []
        assert client.get(f"{lesson}/observe").status_code == 200
        page = list(in_transaction)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert polled == [False]
    if engine.dialect.name == "postgresql":
        assert page and not any(page), page
    else:
        assert page and all(page[1:]), page
