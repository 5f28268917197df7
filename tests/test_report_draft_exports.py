"""A draft interim report exported: the lead's text in the .docx, with its breaks and tabs, and the
full lists in the workbook, read back against the database, never a formula."""

import io
from datetime import UTC, date, datetime, timedelta

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import html
from tests.test_report_drafts import opened, start_form, url
from workspace.extensions import db
from workspace.models import (
    Observation,
    ResearchLesson,
    Trio,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_docx_of_a_draft_holds_the_leads_text_with_words_breaks_and_tabs(client, world):
    client.sign_in(world["a"]["lead"])
    client.post(
        url(world),
        data={
            **opened(client, world),
            "section-summary": "First line\r\nSecond line\twith a tab\r\n\r\nA new paragraph.",
            "section-next_steps": "Share the walls.",
        },
    )
    response = client.post(url(world, tail="/docx"))
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    document = Document(io.BytesIO(response.data))
    paragraphs = list(document.paragraphs)
    texts = [p.text for p in paragraphs]
    first = next(p for p in paragraphs if p.text.startswith("First line"))
    assert first.text == "First line\nSecond line\twith a tab"
    assert first._p.findall(".//" + qn("w:br")) and first._p.findall(".//" + qn("w:tab"))
    assert "\r" not in " ".join(t.text or "" for t in first._p.iter(qn("w:t")))
    assert "A new paragraph." in texts and "Share the walls." in texts
    assert "Draft, produced on" in " ".join(texts)
    # The page shows the same text in the document preview.
    assert "Share the walls." in html(client.get(url(world)))


def test_the_workbook_read_back_against_the_database(client, world, app):
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        lesson.lesson_date = date(2026, 10, 1)
        db.session.get(Observation, world["a"]["observation_id"]).text = "Counted\x07 on her fingers"
        db.session.commit()
    client.sign_in(world["a"]["reviewer"])
    response = client.post(url(world, tail="/xlsx"))
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "no-store" in response.headers["Cache-Control"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Actions", "Progress updates", "Observations", "Self-evaluations", "Files"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.b for cell in sheet[1])
    actions, updates, observations, evaluations, _files = (
        list(s.iter_rows(values_only=True)) for s in book.worksheets
    )
    with app.app_context():
        observed = db.session.scalars(
            select(Observation).where(Observation.partnership_id == world["a"]["partnership_id"])
        ).all()
        trio = db.session.get(Trio, world["a"]["trio_id"])
        assert len(observations) - 1 == len(observed) == 1
        row = dict(zip(observations[0], observations[1], strict=True))
        assert row["Trio"] == trio.name and row["Case pupil"] == "Pupil A" and "Descriptor" not in row
        assert row["Stage"] == "Starter"
        assert row["What was seen"] == "Counted on her fingers"  # a control character XML cannot hold
        # Real date cells, to the moment, in UTC.
        moment = observed[0].created_at.astimezone(UTC).replace(tzinfo=None)
        assert abs(row["Time (UTC)"] - moment) < timedelta(milliseconds=1)
        assert row["Lesson date"] == datetime(2026, 10, 1)
    action = dict(zip(actions[0], actions[1], strict=True))
    assert action["Action"] == "Fraction walls in every P5-P7 class"
    assert action["Status at the period's end"] == "In progress"
    assert [r[2] for r in updates[1:]] == ["Fraction walls in every P5-P7 class"]
    assert isinstance(updates[1][0], datetime)
    evaluation = dict(zip(evaluations[0], evaluations[1], strict=True))
    assert evaluation["Level"] == "Starting the journey" and isinstance(evaluation["Date"], datetime)
    flat = " ".join(
        str(v) for sheet in (actions, updates, observations, evaluations) for row in sheet for v in row
    )
    assert "Beta" not in flat


def test_the_workbook_has_descriptors_only_when_the_lead_ticks_them(client, world, app):
    client.sign_in(world["a"]["lead"])
    base = f"/p/{world['a']['partnership_id']}/reports"
    response = client.post(
        f"{base}/drafts",
        data=start_form(world, **{"draft-include_descriptors": "y", "draft-period_from": "2026-11-01"}),
    )
    report_url = response.headers["Location"]
    book = load_workbook(io.BytesIO(client.post(report_url + "/xlsx").data))
    header = [c.value for c in book["Observations"][1]]
    assert "Descriptor" in header


def test_typed_text_in_the_workbook_is_never_a_formula(client, world, app):
    from workspace.models import Action

    with app.app_context():
        db.session.get(Action, world["a"]["action_id"]).title = '=HYPERLINK("http://example.com","x")'
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    book = load_workbook(io.BytesIO(client.post(url(world, tail="/xlsx")).data))
    cell = book["Actions"]["B2"]
    assert cell.value == '=HYPERLINK("http://example.com","x")' and cell.data_type == "s"
