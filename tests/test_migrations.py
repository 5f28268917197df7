"""The schema comes only from migrations, and the models match them."""

from datetime import UTC

from sqlalchemy import inspect, text

from tests.conftest import make_app
from workspace.extensions import db


def test_flask_db_upgrade_on_an_empty_database_then_check_finds_no_drift(fresh_database_url):
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"partnership", "school", "membership", "user_account", "invite", "alembic_version"} <= tables
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_db_check_notices_drift(fresh_database_url):
    """The check above would be worthless if `db check` passed everything."""
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_school_partnership_id"))
    assert runner.invoke(args=["db", "check"]).exit_code != 0


def test_downgrade_to_base_and_back(fresh_database_url):
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "partnership" not in inspect(db.engine).get_table_names()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_no_write_notifications_are_left_on_postgresql(fresh_database_url):
    """The poll once answered from memory while PostgreSQL's triggers said nothing was written;
    the migrations take the triggers and their function away again."""
    app = make_app(fresh_database_url)
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%\\_written'")) == 0
            assert conn.scalar(text("SELECT count(*) FROM pg_proc WHERE proname = 'workspace_written'")) == 0


def test_status_history_is_backfilled_from_progress_updates_and_the_current_status(fresh_database_url):
    """Before the history existed, an action's status moved by progress updates (dated) or by an
    edit (not dated): the migration rebuilds what it can, and dates an edit by the action's last change."""
    from datetime import datetime

    from sqlalchemy import column, table

    from workspace.models import Action, Partnership

    # The table as it was at that revision: the model has since grown columns.
    from workspace.models.base import UTCDateTime

    progress_update = table(
        "progress_update",
        *(
            column(name)
            for name in ("id", "partnership_id", "action_id", "text", "evidence", "status_from", "status_to")
        ),
        column("created_at", UTCDateTime()),
    )
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b2e7975d5599-1"]).exit_code == 0

    def at(day):
        return datetime(2026, 9, day, 12, tzinfo=UTC)

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(Partnership.__table__.insert().values(id=1, name="P"))
        for action_id, status, updated in (
            (1, "complete", at(20)),
            (2, "on_hold", at(25)),
            (3, "in_progress", at(3)),
            (4, "on_hold", at(25)),
        ):
            conn.execute(
                Action.__table__.insert().values(
                    id=action_id,
                    partnership_id=1,
                    title=f"Action {action_id}",
                    status=status,
                    created_at=at(1),
                    updated_at=updated,
                    last_progress_at=updated,
                )
            )
        conn.execute(
            progress_update.insert().values(
                id=1,
                partnership_id=1,
                action_id=1,
                text="Started",
                evidence="",
                status_from="not_started",
                status_to="in_progress",
                created_at=at(10),
            )
        )
        conn.execute(
            progress_update.insert().values(
                id=2,
                partnership_id=1,
                action_id=1,
                text="Done",
                evidence="",
                status_from="in_progress",
                status_to="complete",
                created_at=at(20),
            )
        )
        conn.execute(
            progress_update.insert().values(
                id=3, partnership_id=1, action_id=2, text="Going", evidence="", created_at=at(15)
            )
        )
        conn.execute(
            progress_update.insert().values(
                id=4,
                partnership_id=1,
                action_id=4,
                text="Begun",
                evidence="",
                status_from="not_started",
                status_to="in_progress",
                created_at=at(5),
            )
        )  # then edited to on hold, which left no dated trace
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action_id, status, changed_at, progress_update_id FROM action_status_change "
                "ORDER BY action_id, changed_at, id"
            )
        ).all()
    found = [(a, s, str(c)[:10], p) for a, s, c, p in rows]
    assert found == [
        (1, "not_started", "2026-09-01", None),
        (1, "in_progress", "2026-09-10", 1),
        (1, "complete", "2026-09-20", 2),
        (2, "on_hold", "2026-09-01", None),
        (3, "in_progress", "2026-09-01", None),
        (4, "not_started", "2026-09-01", None),
        (4, "in_progress", "2026-09-05", 4),
        (4, "on_hold", "2026-09-25", None),
    ]


def test_notes_already_stored_get_a_note_id_and_their_arrival_time(fresh_database_url):
    """The observations and pupil voice notes stored before notes had ids: each gets one of its
    own (never a tablet's UUID), and reached the server when it was created."""
    from tests import factories

    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        from workspace.frameworks import loader

        loader.load_all()
        factories.two_partnerships()
        db.session.commit()
    assert runner.invoke(args=["db", "downgrade", "ceb1332c94f6"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context(), db.engine.connect() as conn:
        for table in ("observation", "pupil_voice"):
            rows = conn.execute(text(f"SELECT id, client_id, created_at, received_at FROM {table}")).all()
            assert rows, table
            for row_id, client_id, created, received in rows:
                assert client_id == f"stored-{row_id}" and received == created
        assert set(conn.execute(text("SELECT version FROM observation")).scalars()) == {1}
        unique = inspect(conn).get_unique_constraints("observation")
        assert {"name": "uq_observation_lesson_id_client_id", "column_names": ["lesson_id", "client_id"]} in [
            {"name": u["name"], "column_names": u["column_names"]} for u in unique
        ]


def test_actions_with_no_progress_update_have_their_creation_as_last_progress(fresh_database_url):
    """Actions made from a next step took their last progress from a later read of the clock than
    their creation, so the pages said they had an update: the migration puts it back where no
    update was posted, and leaves an action with updates as it is."""
    from datetime import datetime, timedelta

    from workspace.models import Action, Partnership, ProgressUpdate

    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "31ff8e361201"]).exit_code == 0
    made = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(Partnership.__table__.insert().values(id=1, name="P"))
        for action_id, last in (
            (1, made + timedelta(microseconds=41)),
            (2, made + timedelta(days=3)),
            (3, made),
        ):
            conn.execute(
                Action.__table__.insert().values(
                    id=action_id,
                    partnership_id=1,
                    title=f"Action {action_id}",
                    status="not_started",
                    created_at=made,
                    updated_at=last,
                    last_progress_at=last,
                )
            )
        conn.execute(
            ProgressUpdate.__table__.insert().values(
                id=1,
                partnership_id=1,
                action_id=2,
                text="Begun",
                evidence="",
                created_at=made + timedelta(days=3),
            )
        )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        last = dict(db.session.execute(db.select(Action.id, Action.last_progress_at)).all())
    assert last == {1: made, 2: made + timedelta(days=3), 3: made}
