"""Interim reports the partnership writes: started, written beside the evidence, saved stale
(409 and a three-way merge), finalised read-only, redrafted and commented on. Their exports are in
test_report_draft_exports.py, saves at one moment in test_report_draft_saves_at_once.py."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import html
from workspace.extensions import db
from workspace.models import (
    Comment,
    InterimReport,
    InterimReportVersion,
    Partnership,
    ResearchLesson,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(world, side="a", tail=""):
    return f"/p/{world[side]['partnership_id']}/reports/drafts/{world[side]['report_id']}{tail}"


def start_form(world, side="a", **changes):
    form = {
        "draft-title": "Spring report",
        "draft-period_from": "2026-09-01",
        "draft-period_to": "2026-11-30",
        "draft-schools": [str(s) for s in world[side]["school_ids"]],
    }
    form.update(changes)
    return form


def opened(client, world, side="a"):
    """The version and fingerprints a form opens with."""
    page = html(client.get(url(world, side)))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    fingerprints = re.search(r'name="fingerprints" value="([^"]*)"', page).group(1).replace("&#34;", '"')
    return {"version": version, "fingerprints": fingerprints}


@pytest.fixture
def described(app, world):
    with app.app_context():
        db.session.get(
            Partnership, world["a"]["partnership_id"]
        ).description = "Six schools improving numeracy."
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        lesson.lesson_date, lesson.discussion_learned = date(2026, 10, 1), "Walls help pupils who rush."
        db.session.commit()


def test_a_lead_starts_a_report_and_bad_input_is_422(client, make_client, world, app, described):
    client.sign_in(world["a"]["lead"])
    base = f"/p/{world['a']['partnership_id']}/reports"
    assert "Start an interim report" in html(client.get(f"{base}/"))
    for changes, message in (
        ({"draft-title": ""}, "Give the report a title."),
        ({"draft-period_to": "2026-01-01"}, "on or after its start"),
        ({"draft-schools": []}, "Choose at least one school."),
    ):
        for htmx in (False, True):
            response = client.post(f"{base}/drafts", data=start_form(world, **changes), htmx=htmx)
            assert response.status_code == 422 and message in html(response)
            assert html(response).lstrip().startswith('<section id="start-report"') == htmx
    response = client.post(f"{base}/drafts", data=start_form(world))
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalar(select(InterimReport).where(InterimReport.title == "Spring report"))
        assert report.status == "draft" and report.school_ids == sorted(world["a"]["school_ids"])
        assert report.sections["purpose"] == "Six schools improving numeracy."
        assert report.sections[f"trio:{world['a']['trio_id']}"] == "Walls help pupils who rush."
        assert report.created_by.email == world["a"]["lead"]
    page = html(client.get(response.headers["Location"]))
    assert "Six schools improving numeracy.</textarea>" in page
    # The evidence beside the section: the figures it is about.
    assert "Improvement actions open in the period: " in page
    # Teachers and reviewers do not start reports.
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    assert teacher.post(f"{base}/drafts", data=start_form(world)).status_code == 403


def test_the_draft_page_and_its_fragment(client, world):
    client.sign_in(world["a"]["reviewer"])
    page = client.get(url(world))
    assert page.status_code == 200 and "The document" in html(page) and "Comments" in html(page)
    assert 'name="section-' not in html(page)  # reviewers read and comment
    fragment = html(client.get(url(world), htmx=True))
    assert fragment.lstrip().startswith('<form id="report-draft"')
    assert client.post(url(world), data={"section-summary": "x", "version": "1"}).status_code == 403


def test_saving_keeps_every_version_and_a_stale_save_merges_three_ways(client, make_client, world, app):
    client.sign_in(world["a"]["lead"])
    other = make_client()
    other.sign_in(world["a"]["lead"])
    mine, theirs = opened(client, world), opened(other, world)
    # They save the summary first.
    response = other.post(
        url(world), data={**theirs, "section-summary": "Their summary.", "section-issues": ""}
    )
    assert response.status_code == 303
    # I change the issues only, from the version I opened: 409, and the form holds both.
    for htmx in (False, True):
        response = client.post(
            url(world),
            htmx=htmx,
            data={**mine, "section-summary": "", "section-issues": "Cover for release days."},
        )
        assert response.status_code == 409
        body = html(response)
        assert "Someone else saved this report" in body
        assert "Their summary.</textarea>" in body and "Cover for release days.</textarea>" in body
        assert body.lstrip().startswith('<form id="report-draft"') == htmx
    merged = opened(client, world) | {
        "fingerprints": re.search(r'name="fingerprints" value="([^"]*)"', body).group(1).replace("&#34;", '"')
    }
    # Both changed the summary: mine is kept and reported as a conflict.
    response = client.post(url(world), data={**mine, "section-summary": "My summary."})
    assert response.status_code == 409 and "you changed this too" in html(response)
    assert "My summary.</textarea>" in html(response)
    # Saving the merged form succeeds.
    response = client.post(
        url(world),
        data={**merged, "section-summary": "Their summary.", "section-issues": "Cover for release days."},
        htmx=True,
    )
    assert response.status_code == 200
    # Said beside the Save button; the page's "Last changed" and Versions list brought up to date.
    body = html(response)
    assert re.search(
        r'Save the report</button>\s*<p class="save-status" role="status">Saved: version 3\.</p>', body
    )
    last_changed = re.search(r'<dd id="report-last-changed" hx-swap-oob="true">(.*?)</dd>', body).group(1)
    assert last_changed.endswith("(version 3)")
    listed = re.search(
        r'<ol class="entries" reversed id="report-versions" hx-swap-oob="true">(.*?)</ol>', body, re.S
    )
    assert "Version 3 (draft)" in listed.group(1)
    page = html(client.get(f"/p/{world['a']['partnership_id']}/reports/drafts/{world['a']['report_id']}"))
    assert '<dd id="report-last-changed">' in page and "hx-swap-oob" not in page.split("Write the report")[0]
    with app.app_context():
        report = db.session.get(InterimReport, world["a"]["report_id"])
        assert (
            report.sections["summary"] == "Their summary."
            and report.sections["issues"] == "Cover for release days."
        )
        versions = db.session.scalars(
            select(InterimReportVersion.version)
            .where(InterimReportVersion.report_id == report.id)
            .order_by(InterimReportVersion.version)
        ).all()
        assert versions == [1, 2, 3]
    # Too long: 422, the text kept.
    response = client.post(url(world), data={**opened(client, world), "section-summary": "x" * 20_001})
    assert response.status_code == 422 and "Keep a section to 20,000 characters." in html(response)
    # Sent back refused, page and fragment: nothing in it is saved, and the form and Save say so
    # (the page then asks before it is left: js/workspace.js).
    for htmx in (False, True):
        refused = html(
            client.post(
                url(world), data={**opened(client, world), "section-summary": "x" * 20_001}, htmx=htmx
            )
        )
        assert re.search(r'<form id="report-draft"[^>]* data-unsaved-warning data-unsaved>', refused)
        assert '<p class="save-status" role="status">Changes not saved yet.</p>' in refused
    opened_page = html(client.get(url(world)))
    assert re.search(r'<form id="report-draft"[^>]* data-unsaved-warning>', opened_page)
    assert "Changes not saved yet." not in opened_page


def test_trio_members_write_their_own_trios_paragraph_only(client, world, app, described):
    client.sign_in(world["a"]["teacher"])
    key = f"section-trio:{world['a']['trio_id']}"
    page = html(client.get(url(world)))
    assert f'name="{key}"' in page and 'name="section-summary"' not in page
    response = client.post(
        url(world),
        data={**opened(client, world), key: "We learned to wait.", "section-summary": "Not mine to write."},
    )
    assert response.status_code == 303
    with app.app_context():
        sections = db.session.get(InterimReport, world["a"]["report_id"]).sections
        assert (
            sections[f"trio:{world['a']['trio_id']}"] == "We learned to wait." and sections["summary"] == ""
        )


def test_a_final_report_is_read_only_and_a_new_draft_starts_from_it(client, world, app):
    client.sign_in(world["a"]["lead"])
    form = opened(client, world)
    client.post(url(world), data={**form, "section-summary": "Final words."})
    assert (
        client.post(url(world, tail="/final"), data={"version": form["version"]}).status_code == 409
    )  # stale
    response = client.post(url(world, tail="/final"), data={"version": opened(client, world)["version"]})
    assert response.status_code == 303
    page = html(client.get(url(world)))
    assert "Final: read-only" in page and '<textarea class="input" id="section' not in page
    assert (
        client.post(url(world), data={**opened(client, world), "section-summary": "Later."}).status_code
        == 403
    )
    response = client.post(url(world, tail="/redraft"))
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(
            select(InterimReport).where(InterimReport.based_on_id == world["a"]["report_id"])
        )
        assert new.status == "draft" and new.sections["summary"] == "Final words."
        assert db.session.get(InterimReport, world["a"]["report_id"]).sections["summary"] == "Final words."


def test_reviewers_comment_on_a_report(client, world, app):
    client.sign_in(world["a"]["reviewer"])
    path = f"/p/{world['a']['partnership_id']}/comments/report/{world['a']['report_id']}"
    response = client.post(path, data={"text": "Please say more about support."}, htmx=True)
    assert response.status_code == 201
    assert "Please say more about support." in html(client.get(url(world)))
    assert client.post(path, data={"text": ""}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id)).where(Comment.record_type == "report")) == 1


def _figure(texts, label):
    return next(row[1] for row in texts if row and row[0] == label)


def test_a_final_report_keeps_the_figures_and_date_it_was_finalised_with(client, world, app, frozen_clock):

    from workspace.models import Action

    client.sign_in(world["a"]["lead"])
    client.post(url(world), data={**opened(client, world), "section-summary": "As it stood."})
    assert (
        client.post(url(world, tail="/final"), data={"version": opened(client, world)["version"]}).status_code
        == 303
    )
    label = "Improvement actions open in the period"
    with app.app_context():
        action = db.session.get(Action, world["a"]["action_id"])
        action.created_at = datetime(2027, 1, 5, tzinfo=UTC)  # now outside the period: the live figure is 0
        db.session.commit()
    frozen_clock.shift(timedelta(days=40))
    client.sign_in(world["a"]["lead"])  # a new day, a new session

    def word(response):
        document = Document(io.BytesIO(response.data))
        rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
        return rows, " ".join(p.text for p in document.paragraphs)

    rows, text = word(client.post(url(world, tail="/docx")))
    assert (
        _figure(rows, label) == "1"
        and "Final, produced on 20 November 2026" in text
        and "As it stood." in text
    )
    page = html(client.get(url(world)))
    assert re.search(rf"<th scope=\"row\">{label}</th><td>1</td>", page)
    book = load_workbook(io.BytesIO(client.post(url(world, tail="/xlsx")).data))
    assert book["Actions"].max_row == 2  # the one action, still listed
    # A new draft started from it gathers again.
    new_url = client.post(url(world, tail="/redraft")).headers["Location"]
    rows, text = word(client.post(new_url + "/docx"))
    assert _figure(rows, label) == "0" and "Draft, produced on 30 December 2026" in text
    assert re.search(rf"<th scope=\"row\">{label}</th><td>0</td>", html(client.get(new_url)))


def test_a_section_written_for_a_qi_no_work_links_to_any_more_is_kept_shown_and_clearable(client, world, app):
    from workspace.frameworks import linking
    from workspace.models import Action

    with app.app_context():
        linking.set_links(
            world["a"]["partnership_id"], "action", world["a"]["action_id"], [world["a"]["element_id"]]
        )
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    page = html(client.get(url(world)))
    key = re.search(r'name="section-(progress:\d+)"', page).group(1)
    client.post(url(world), data={**opened(client, world), f"section-{key}": "Walls went up in every class."})
    with app.app_context():
        action = db.session.get(Action, world["a"]["action_id"])
        action.created_at = datetime(2027, 1, 5, tzinfo=UTC)  # no action in the period links the QI now
        db.session.commit()
    page = html(client.get(url(world)))
    assert f'name="section-{key}"' in page and "Walls went up in every class.</textarea>" in page
    assert "No work in the period is linked to this any more; edit or clear it." in page
    assert page.count("Walls went up in every class.") == 2  # the form and the document preview
    texts = [p.text for p in Document(io.BytesIO(client.post(url(world, tail="/docx")).data)).paragraphs]
    assert "Walls went up in every class." in texts and "Other sections written for this report" in texts
    # Cleared, it goes.
    response = client.post(url(world), data={**opened(client, world), f"section-{key}": ""})
    assert response.status_code == 303
    page = html(client.get(url(world)))
    assert f'name="section-{key}"' not in page and "Other sections written for this report" not in page


def test_a_section_that_identifies_a_pupil_is_refused_at_that_section(client, world, app):
    client.sign_in(world["a"]["lead"])
    form = opened(client, world)
    for htmx in (False, True):
        response = client.post(
            url(world),
            htmx=htmx,
            data={
                **form,
                "section-summary": "Kept.",
                "section-issues": "Pupil A, DOB 14/03/2016, needs support.",
            },
        )
        assert response.status_code == 422
        body = html(response)
        assert 'id="section-issues-error"' in body and 'href="#section-issues"' in body
        assert "Pupil A, DOB 14/03/2016, needs support.</textarea>" in body and "Kept.</textarea>" in body
        assert f'name="version" value="{form["version"]}"' in body
    with app.app_context():
        assert db.session.get(InterimReport, world["a"]["report_id"]).sections["issues"] == ""


def test_a_save_gathers_the_report_once_and_the_versions_list_reads_no_text(
    client, make_client, world, app, monkeypatch
):
    from sqlalchemy import event

    from workspace.reports import data, drafts

    client.sign_in(world["a"]["lead"])
    other = make_client()
    other.sign_in(world["a"]["lead"])
    stale = opened(other, world)
    gathered = []
    real = data.interim
    monkeypatch.setattr(data, "interim", lambda *a, **k: gathered.append(1) or real(*a, **k))
    for n in range(3):
        form = opened(client, world)
        gathered.clear()
        response = client.post(url(world), htmx=True, data={**form, "section-summary": f"Text {n}."})
        assert response.status_code == 200 and len(gathered) == 1
    gathered.clear()
    response = other.post(url(world), htmx=True, data={**stale, "section-summary": "Stale."})
    assert response.status_code == 409 and len(gathered) == 1
    with app.app_context():
        report = db.session.get(InterimReport, world["a"]["report_id"])
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            listed = drafts.versions(report)
            names = [v.saved_by.name for v in listed]
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert [v.version for v in listed] == [4, 3, 2, 1] and len(names) == 4
        assert len(statements) == 1 and "sections" not in statements[0].split("FROM")[0]


def test_an_unreadable_version_is_not_replaced_by_the_current_one_and_the_docx_has_the_reports_title(
    client, world
):
    client.sign_in(world["a"]["lead"])
    form = opened(client, world)
    response = client.post(url(world), data={**form, "version": "abc", "section-summary": "x" * 20_001})
    assert response.status_code == 422
    draft_form = re.search(r'<form id="report-draft".*?</form>', html(response), re.S).group(0)
    assert re.findall(r'name="version" value="(\d+)"', draft_form) == ["0"]
    document = Document(io.BytesIO(client.post(url(world, tail="/docx")).data))
    assert document.core_properties.title == "Partnership Alpha: Autumn term report"
    assert document.paragraphs[0].text == "Partnership Alpha\nAutumn term report"


def test_making_it_final_asks_first_and_names_the_version_saved_since(client, world, make_client):
    """The report's page links to a step that says what final means; that step reads the version
    afresh, so a save made after the report's page was opened is the one made final."""
    client.sign_in(world["a"]["lead"])
    form = opened(client, world)
    draft = html(client.get(url(world)))
    assert (
        f'href="{url(world, tail="/final")}"' in draft
        and f'action="{url(world, tail="/final")}"' not in draft
    )
    assert 'name="section-summary" rows="6" data-maxlength="20000"' in draft  # its counter
    client.post(url(world), data={**form, "section-summary": "Seen."}, htmx=True)
    saved = int(form["version"]) + 1
    page = html(client.get(url(world, tail="/final")))
    assert "<h1>Make “Autumn term report” final?</h1>" in page and "read-only" in page
    assert f"version {saved}, last changed" in page and f'name="version" value="{saved}"' in page
    fragment = html(client.get(url(world, tail="/final"), htmx=True))
    assert "<html" not in fragment and 'id="finalise"' in fragment and f'value="{saved}"' in fragment
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    assert teacher.get(url(world, tail="/final")).status_code == 403
    other_lead = make_client()
    other_lead.sign_in(world["b"]["lead"])  # another partnership's lead: no such report for them
    assert other_lead.get(url(world, tail="/final")).status_code == 404
    assert (
        other_lead.get(
            f"/p/{world['b']['partnership_id']}/reports/drafts/{world['a']['report_id']}/final"
        ).status_code
        == 404
    )
    assert client.post(url(world, tail="/final"), data={"version": str(saved)}).status_code == 303
    again = client.get(url(world, tail="/final"))  # already final: back to the report
    assert again.status_code == 303 and again.headers["Location"].endswith(url(world))
