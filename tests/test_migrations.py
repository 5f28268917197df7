"""The schema comes only from migrations, and the models match them."""
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
    with app.app_context():
        with db.engine.begin() as conn:
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
