"""An export reads for a second or more and writes one line to the activity feed. On SQLite it takes
the write lock only for that line (database.writes_late), so the tablets' observation posts do not
wait while a report, a workbook or a data export is built."""

import sqlite3

import pytest
from sqlalchemy import select

from tests.test_reports import interim_form, reports_url
from workspace.extensions import db
from workspace.models import Activity
from workspace.privacy import services as privacy_services
from workspace.reports import documents


def lock_while(module, name, seen, path):
    """Wraps module.name so that, while it builds, another connection tries for the write lock
    without waiting: 'free' if it got it."""
    real = getattr(module, name)

    def building(*args, **kwargs):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as error:
            seen.append(str(error))
        finally:
            other.close()
        return real(*args, **kwargs)

    return building


EXPORTS = {
    "interim report": (documents, "interim_report", lambda w: (f"{reports_url(w)}/interim", interim_form(w))),
    "trio record": (documents, "trio_record", lambda w: (f"{reports_url(w)}/trios/{w['a']['trio_id']}", {})),
    "all the data": (
        privacy_services,
        "zip_of",
        lambda w: (f"/p/{w['a']['partnership_id']}/data/export", {}),
    ),
}


@pytest.mark.parametrize("export", list(EXPORTS))
def test_an_export_is_built_without_holding_the_write_lock(app, client, world, monkeypatch, export):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL locks rows, not the database")
        path = db.engine.url.database
        before = db.session.scalar(select(db.func.count(Activity.id)))
    module, name, target = EXPORTS[export]
    seen: list[str] = []
    monkeypatch.setattr(module, name, lock_while(module, name, seen, path))
    client.sign_in(world["a"]["lead"])
    url, form = target(world)
    response = client.post(url, data=form)
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    assert seen == ["free"]
    with app.app_context():  # and the export is still in the activity feed
        assert db.session.scalar(select(db.func.count(Activity.id))) == before + 1
