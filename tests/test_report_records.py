"""The trio's lesson-study record and a school's self-evaluation pro-forma as Word documents, read
back with python-docx. The interim report's are in test_reports.py."""

from datetime import date

from sqlalchemy import select

from tests.conftest import html
from tests.factories import set_action_status
from tests.test_reports import all_table_text, download, headings, instructions, reports_url
from workspace.extensions import db
from workspace.models import Action, SelfEvaluation, User


def test_trio_record(client, world, app, dated):
    client.sign_in(world["a"]["teacher"])
    page = html(client.get(f"/p/{world['a']['partnership_id']}/trios/{world['a']['trio_id']}"))
    assert "Download the lesson-study record (Word)" in page
    document, _ = download(client, f"{reports_url(world)}/trios/{world['a']['trio_id']}", {})
    titles = [h[1] for h in headings(document)]
    assert titles[:2] == ["The trio", "Cycle 1, lesson 1: Numeracy"]
    assert titles[2:5] == ["The plan", "Case pupils", "Predictions and observations"]
    rows = all_table_text(document)
    assert ["Starter", "", "Counted on fingers, then used the fraction wall. (Leuven 4) [highlight]"] in rows
    assert ["Pupil A", "What helped you?", "The wall. [highlight]"] in rows
    assert "PAGE" in instructions(document.sections[0].footer._element)


def test_self_evaluation_proforma(client, world, app):
    client.sign_in(world["a"]["reviewer"])
    school = world["a"]["school_ids"][0]
    page = html(
        client.get(
            f"/p/{world['a']['partnership_id']}/self-evaluation/schools/{school}/pro-forma?on=2026-09-01"
        )
    )
    assert "Download this pro-forma (Word)" in page
    document, _ = download(
        client, f"{reports_url(world)}/schools/{school}/self-evaluation", {"on": "2026-09-01"}
    )
    assert headings(document)[0] == (1, "STEM – Our self-evaluation, evidence and actions for improvement")
    header_row = [c.text for c in document.tables[0].rows[0].cells]
    assert header_row == [
        "QI and theme",
        "Level",
        "How well are we doing?",
        "How do we know? What evidence do we have?",
        "What are we going to do now? Actions required?",
    ]
    assert document.tables[0].rows[1].cells[1].text == "Starting the journey"
    assert document.sections[0].orientation == 1
    assert (
        client.post(
            f"{reports_url(world)}/schools/{school}/self-evaluation", data={"on": "2026-01-01"}
        ).status_code
        == 404
    )


def test_the_proforma_download_keeps_every_action_the_page_shows_with_its_owner(client, world, app):
    """An action cited as evidence that has not started is not evidence yet: the download lists it
    under what the school will do, not nowhere; follow-up actions carry their owners, as on the page."""
    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, world["a"]["evaluation_id"])
        db.session.get(Action, world["a"]["action_id"]).status = "not_started"
        owner = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        db.session.add(
            Action(
                partnership_id=evaluation.partnership_id,
                title="Run a STEM club at lunch",
                school_id=evaluation.school_id,
                owner_id=owner.id,
                due_date=date(2027, 3, 5),
                self_evaluation_id=evaluation.id,
            )
        )
        db.session.commit()
        on, owner_name = evaluation.evaluated_on.isoformat(), owner.name
        title = db.session.get(Action, world["a"]["action_id"]).title
    client.sign_in(world["a"]["lead"])
    school = world["a"]["school_ids"][0]
    page = html(
        client.get(f"/p/{world['a']['partnership_id']}/self-evaluation/schools/{school}/pro-forma?on={on}")
    )
    assert f"Action: Run a STEM club at lunch ({owner_name}, due 5 Mar 2027)" in page
    document, _ = download(client, f"{reports_url(world)}/schools/{school}/self-evaluation", {"on": on})
    what_now = document.tables[0].rows[1].cells[4].text
    assert f"• Action: Run a STEM club at lunch ({owner_name}, due 5 Mar 2027)" in what_now
    assert f"• Action (cited as evidence, not started yet): {title}" in what_now


def test_trio_record_and_proforma_craft(client, world, app, dated):
    client.sign_in(world["a"]["teacher"])
    document, _ = download(client, f"{reports_url(world)}/trios/{world['a']['trio_id']}", {})
    text = [p.text for p in document.paragraphs]
    assert any(t.startswith("Leuven involvement scale: 1 extremely low") for t in text)
    assert "Members: Teacher Alpha (Alpha Primary School), Teacher2 Alpha (Alpha High School)" in text
    school = world["a"]["school_ids"][0]
    document, _ = download(
        client, f"{reports_url(world)}/schools/{school}/self-evaluation", {"on": "2026-09-01"}
    )
    assert document.sections[0].header.paragraphs[0].text == "Alpha Primary School · Partnership Alpha"
    # The action cited as evidence has begun (in progress): it is evidence.
    assert "Fraction walls in every P5-P7 class (In progress)" in document.tables[0].rows[1].cells[3].text


def test_an_action_not_started_is_not_evidence_and_none_recorded_is_no_bullet(client, world, app):
    from workspace.models import NextStep

    with app.app_context():
        set_action_status(db.session.get(Action, world["a"]["action_id"]), "not_started")
        db.session.delete(db.session.get(NextStep, world["a"]["step_id"]))
        db.session.commit()
    client.sign_in(world["a"]["teacher"])
    school = world["a"]["school_ids"][0]
    document, _ = download(
        client, f"{reports_url(world)}/schools/{school}/self-evaluation", {"on": "2026-09-01"}
    )
    assert "Fraction walls" not in document.tables[0].rows[1].cells[3].text
    document, _ = download(client, f"{reports_url(world)}/trios/{world['a']['trio_id']}", {})
    none = [p for p in document.paragraphs if p.text == "None recorded."]
    assert none and all(p.style.name != "List Bullet" for p in none)
