"""flask backup: a consistent copy that passes integrity_check and, restored, holds every record."""

import os
import sqlite3

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from workspace.extensions import db

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's online backup; PostgreSQL backups use pg_dump"
)


def counts(url: str) -> dict:
    app = make_app(url)
    with app.app_context():
        return {
            t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
        }


def test_backup_round_trip(app, world, tmp_path):
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = counts(source_url)
    assert before["observation"] > 0 and before["action"] > 0
    target = tmp_path / "backup.sqlite"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Restore: the copy, opened as the workspace's database, holds every record.
    assert counts(f"sqlite:///{target}") == before
    again = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists already" in again.output
