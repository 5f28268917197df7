"""Two leads saving or finalising one interim report at the same moment: one goes ahead, the other
is 409 with the merge; a save after someone saved other sections goes ahead."""

import os

import pytest

from tests.conftest import html
from tests.test_report_drafts import described, opened, start_form, url  # noqa: F401 (described: a fixture)
from workspace.extensions import db
from workspace.models import (
    InterimReport,
)


def _saved_underneath(monkeypatch, app, **values):
    """Another save lands after this request read the report and before it writes: the row's
    version moves on under the loaded object, as when two saves arrive at one moment."""
    from sqlalchemy import update

    from workspace.reports import draft_views

    real = draft_views.report_in
    done = []

    def report_in(access, report_id):
        report = real(access, report_id)
        if not done:
            done.append(True)
            table = InterimReport.__table__
            db.session.execute(
                update(table).where(table.c.id == report.id).values(version=table.c.version + 1, **values)
            )
        return report

    monkeypatch.setattr(draft_views, "report_in", report_in)


def test_two_saves_at_one_moment_the_second_is_409_with_the_merge(client, world, app, monkeypatch):
    client.sign_in(world["a"]["lead"])
    form = opened(client, world)
    with app.app_context():
        sections = dict(db.session.get(InterimReport, world["a"]["report_id"]).sections)
    _saved_underneath(monkeypatch, app, sections={**sections, "summary": "Their summary."})
    response = client.post(url(world), data={**form, "section-summary": "My summary."})
    assert response.status_code == 409
    body = html(response)
    assert "Someone else saved this report" in body and "you changed this too" in body
    assert "My summary.</textarea>" in body and "Their summary." in body
    assert f'name="version" value="{int(form["version"]) + 1}"' in body


def test_two_finalisations_at_one_moment_the_second_is_409(client, world, app, monkeypatch):
    client.sign_in(world["a"]["lead"])
    form = opened(client, world)
    _saved_underneath(monkeypatch, app)
    response = client.post(url(world, tail="/final"), data={"version": form["version"]})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(InterimReport, world["a"]["report_id"]).status == "draft"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="SQLite takes one writer at a time (BEGIN IMMEDIATE): the race needs PostgreSQL's row locks",
)
def test_two_saves_in_parallel_on_postgresql_one_409(app, make_client, world, monkeypatch):
    import threading

    from workspace.reports import draft_views

    clients = [make_client(), make_client()]
    for c in clients:
        c.sign_in(world["a"]["lead"])
    forms = [opened(c, world) for c in clients]
    real, barrier = draft_views.report_in, threading.Barrier(2, timeout=20)

    def report_in(access, report_id):
        report = real(access, report_id)
        barrier.wait()  # both have read the report before either writes
        return report

    monkeypatch.setattr(draft_views, "report_in", report_in)
    statuses = []

    def save(n):
        statuses.append(
            clients[n].post(url(world), data={**forms[n], "section-summary": f"Summary {n}."}).status_code
        )

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303, 409]


@pytest.mark.usefixtures("described")
def test_a_save_after_someone_saved_other_sections_goes_ahead(client, make_client, world, app):
    """No needless 409: the trio's member saves their paragraph after the lead saved the summary."""
    teacher, lead = client, make_client()
    teacher.sign_in(world["a"]["teacher"])
    lead.sign_in(world["a"]["lead"])
    form = opened(teacher, world)
    assert (
        lead.post(
            url(world), data={**opened(lead, world), "section-summary": "The lead's summary."}
        ).status_code
        == 303
    )
    key = f"trio:{world['a']['trio_id']}"
    response = teacher.post(url(world), data={**form, f"section-{key}": "We learned to wait."})
    assert response.status_code == 303
    with app.app_context():
        report = db.session.get(InterimReport, world["a"]["report_id"])
        assert (
            report.sections[key] == "We learned to wait."
            and report.sections["summary"] == "The lead's summary."
        )
        assert report.version == int(form["version"]) + 2
    # Their own paragraph changed underneath: still a 409 with the merge.
    form = opened(teacher, world)
    assert (
        lead.post(url(world), data={**opened(lead, world), f"section-{key}": "The lead's words."}).status_code
        == 303
    )
    response = teacher.post(url(world), data={**form, f"section-{key}": "Our words."})
    assert response.status_code == 409 and "Our words.</textarea>" in html(response)
