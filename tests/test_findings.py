"""Findings: written in a trio's partnership, approved by a lead before they travel, read in the
library by everyone signed in, reused elsewhere; never with a case pupil's descriptor. Searching
and reading the library is in test_library.py, edit conflicts in test_finding_edits.py."""

import pytest
from sqlalchemy import select

from tests.conftest import approve_button, html
from workspace.exchange import findings, quotes
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import CasePupil, Finding, FindingReuse, Observation, ResearchLesson, Trio, User
from workspace.services_errors import ServiceError

DESCRIPTOR = "a girl who is quiet in group work"


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _approve(app, world, side="a"):
    with app.app_context():
        finding = db.session.get(Finding, world[side]["finding_id"])
        findings.approve(finding, _user(world[side]["lead"]))
        db.session.commit()


def test_a_finding_travels_only_while_a_lead_has_approved_it(app, make_client, world):
    a, b = world["a"], world["b"]
    reader = make_client()
    reader.sign_in(b["teacher"])
    url = f"/library/{a['finding_id']}"
    assert reader.get(url).status_code == 404
    assert "Fraction walls help" not in html(reader.get("/library"))

    author = make_client()
    author.sign_in(a["teacher"])  # a teacher writes; only a lead approves
    approve_url = f"/p/{a['partnership_id']}/findings/{a['finding_id']}/approve"
    assert author.post(approve_url).status_code == 403
    lead = make_client()
    lead.sign_in(a["lead"])
    assert approve_button(lead, a["partnership_id"], a["finding_id"]).status_code == 303

    page = reader.get(url)
    assert page.status_code == 200
    assert "Partnership Alpha" in html(page) and "Falkirk" in html(page)
    assert "Fraction walls help" in html(reader.get("/library"))
    # The same finding, as a fragment for htmx: the article alone.
    fragment = html(reader.get(url, htmx=True))
    assert fragment.lstrip().startswith("<article") and "<html" not in fragment

    assert lead.post(f"/p/{a['partnership_id']}/findings/{a['finding_id']}/withdraw").status_code == 303
    assert reader.get(url).status_code == 404
    assert "Fraction walls help" not in html(reader.get("/library"))
    # Withdrawn, it can be changed and approved again.
    edit = lead.get(f"/p/{a['partnership_id']}/findings/{a['finding_id']}/edit")
    assert edit.status_code == 200


def test_a_published_finding_holds_no_descriptor_and_only_starred_observations(app, make_client, world):
    a = world["a"]
    with app.app_context():
        pupil = db.session.get(CasePupil, a["pupil_ids"][0])
        pupil.descriptor = DESCRIPTOR
        trio = db.session.get(Trio, a["trio_id"])
        unstarred = db.session.get(Observation, a["observation_id"])
        starred = Observation(
            partnership_id=unstarred.partnership_id,
            lesson_id=unstarred.lesson_id,
            case_pupil_id=pupil.id,
            stage_id=unstarred.stage_id,
            text="Explained 2/4 = 1/2 to her partner using the wall.",
            is_highlight=True,
        )
        db.session.add(starred)
        db.session.flush()
        # The descriptor, repeated in any text field, is refused at that field.
        with pytest.raises(ServiceError) as refused:
            findings.create_finding(
                trio,
                findings.FindingInput(title="T", focus="F", learned=f"Pupil B, {DESCRIPTOR.upper()}, grew."),
                _user(a["teacher"]),
            )
        assert refused.value.field == "learned"
        # Only the trio's starred observations can be quoted.
        with pytest.raises(ServiceError):
            findings.create_finding(
                trio,
                findings.FindingInput(title="T", focus="F", observation_ids=[unstarred.id]),
                _user(a["teacher"]),
            )
        finding = db.session.get(Finding, a["finding_id"])
        data = findings.input_of(finding)
        data.observation_ids = [starred.id]
        findings.update_finding(finding, data)
        findings.approve(finding, _user(a["lead"]))
        db.session.commit()
    reader = make_client()
    reader.sign_in(world["b"]["teacher"])
    body = html(reader.get(f"/library/{a['finding_id']}"))
    assert "Explained 2/4 = 1/2 to her partner" in body
    assert DESCRIPTOR not in body and "Pupil A:" not in body
    assert "Counted on fingers" not in body  # the unstarred observation stays in the partnership


def _starred(a, text):
    unstarred = db.session.get(Observation, a["observation_id"])
    observation = Observation(
        partnership_id=unstarred.partnership_id,
        lesson_id=unstarred.lesson_id,
        case_pupil_id=a["pupil_ids"][0],
        stage_id=unstarred.stage_id,
        text=text,
        is_highlight=True,
    )
    db.session.add(observation)
    db.session.flush()
    return observation


def _quote(finding, observation):
    data = findings.input_of(finding)
    data.observation_ids = [observation.id]
    findings.update_finding(finding, data)


def test_a_quoted_observation_is_checked_when_a_lead_approves_and_refused_by_name(app, make_client, world):
    a = world["a"]
    with app.app_context():
        db.session.get(CasePupil, a["pupil_ids"][0]).descriptor = DESCRIPTOR
        finding = db.session.get(Finding, a["finding_id"])
        observation = _starred(a, "Explained 2/4 = 1/2 to her partner.")
        _quote(finding, observation)
        # Written into the observation after the finding was saved: the approval refuses it.
        observation.text = f"Explained 2/4 = 1/2; {DESCRIPTOR.upper()}."
        with pytest.raises(ServiceError) as refused:
            findings.approve(finding, _user(a["lead"]))
        assert refused.value.field == "observations"
        assert "The quoted observation “Explained 2/4 = 1/2;" in refused.value.message
        assert DESCRIPTOR in refused.value.message and "Cycle 1, lesson 1" in refused.value.message
        observation.text = "Explained 2/4 = 1/2; born on 3 May 2016."
        with pytest.raises(ServiceError, match="looks like a date of birth"):
            findings.approve(finding, _user(a["lead"]))
        assert not finding.is_published
        # Saving a draft that quotes it is refused at the quotes too.
        with pytest.raises(ServiceError) as refused:
            _quote(finding, observation)
        assert refused.value.field == "observations"
        db.session.commit()
    # The lead's approve button: refused with the reason, nothing published.
    lead = make_client()
    lead.sign_in(a["lead"])
    response = approve_button(lead, a["partnership_id"], a["finding_id"], follow_redirects=True)
    assert "The quoted observation" in html(response)
    with app.app_context():
        assert not db.session.get(Finding, a["finding_id"]).is_published


def test_the_library_shows_the_copy_approved_not_the_observation_as_it_is_now(app, make_client, world):
    from workspace.trios import observing

    a = world["a"]
    with app.app_context():
        finding = db.session.get(Finding, a["finding_id"])
        observation = _starred(a, "Explained 2/4 = 1/2 to her partner.")
        _quote(finding, observation)
        findings.approve(finding, _user(a["lead"]))
        db.session.commit()
        observation_id, lesson_id = observation.id, observation.lesson_id
    url = f"/library/{a['finding_id']}"
    reader = make_client()
    reader.sign_in(world["b"]["teacher"])
    assert "Explained 2/4 = 1/2 to her partner." in html(reader.get(url))

    with app.app_context():
        # A teacher edits the observation (and unstars it): the published quote stays as approved.
        observation = db.session.get(Observation, observation_id)
        lesson = db.session.get(ResearchLesson, lesson_id)
        observing.update_observation(
            observation,
            lesson,
            observing.ObservationInput(observation.case_pupil_id, None, "Rewritten later.", None, []),
            observation.version,
        )
        observation.is_highlight = False
        db.session.commit()
    body = html(reader.get(url))
    assert "Explained 2/4 = 1/2 to her partner." in body and "Rewritten later." not in body

    with app.app_context():
        # Withdrawn and approved again: a fresh copy, of the observation as it is now.
        finding = db.session.get(Finding, a["finding_id"])
        findings.withdraw(finding)
        db.session.get(Observation, observation_id).is_highlight = True
        findings.approve(finding, _user(a["lead"]))
        db.session.commit()
    body = html(reader.get(url))
    assert "Rewritten later." in body and "Explained 2/4" not in body

    with app.app_context():
        # Deleting the observation takes its quote out of the finding: the teacher may be
        # removing what they regret writing.
        observing.delete_observation(db.session.get(Observation, observation_id))
        db.session.commit()
        assert db.session.get(Finding, a["finding_id"]).is_published
        assert quotes.quotes_of(db.session.get(Finding, a["finding_id"])) == []
    assert "Rewritten later." not in html(reader.get(url))


def test_only_leads_teachers_and_administrators_read_the_quotes(app, ctx, world):
    from workspace import access
    from workspace.models import Membership
    from workspace.reference import Role

    a, b = world["a"], world["b"]
    assert access.reads_pupil_quotes(_user(b["teacher"])) and access.reads_pupil_quotes(_user(b["lead"]))
    reviewer = _user(b["reviewer"])
    assert not access.reads_pupil_quotes(reviewer)
    # A reviewer here and there is still no one who works with pupils; a lead somewhere is.
    db.session.add(Membership(user_id=reviewer.id, partnership_id=a["partnership_id"], role=Role.REVIEWER))
    db.session.flush()
    assert not access.reads_pupil_quotes(reviewer)
    db.session.scalar(
        select(Membership).where(
            Membership.user_id == reviewer.id, Membership.partnership_id == a["partnership_id"]
        )
    ).role = Role.LEAD
    db.session.flush()
    assert access.reads_pupil_quotes(reviewer)


def test_the_form_refuses_pupil_details_with_422_and_keeps_the_values(make_client, world):
    a = world["a"]
    client = make_client()
    client.sign_in(a["teacher"])
    url = f"/p/{a['partnership_id']}/findings/trio/{a['trio_id']}/new"
    page = client.get(url)
    assert page.status_code == 200 and "We want to learn how to improve the way we teach fractions" in html(
        page
    )
    response = client.post(
        url,
        data={
            "title": "Walls",
            "focus": "Fractions",
            "advice": "Pupil A, DOB 12/03/2016, liked it.",
            "stage": "P6",
        },
    )
    assert response.status_code == 422
    body = html(response)
    assert "There is a problem" in body and "date of birth" in body and "Pupil A, DOB 12/03/2016" in body
    fragment = client.post(url, data={"title": "", "focus": "Fractions"}, htmx=True)
    assert fragment.status_code == 422 and "<html" not in html(fragment)


def test_start_a_trio_from_a_finding_copies_focus_and_links_and_records_the_source(app, make_client, world):
    a, b = world["a"], world["b"]
    with app.app_context():
        finding = db.session.get(Finding, a["finding_id"])
        linking.set_links(finding.partnership_id, "finding", finding.id, [a["element_id"]])
        db.session.commit()
    reader = make_client()
    reader.sign_in(b["lead"])
    new_url = f"/p/{b['partnership_id']}/trios/new?from_finding={a['finding_id']}"
    assert reader.get(new_url).status_code == 404  # a draft is nobody's to reuse
    _approve(app, world)
    form = reader.get(new_url)
    assert form.status_code == 200
    body = html(form)
    assert "We want to learn how to improve the way we teach fractions to P6." in body
    assert f'name="links" value="{a["element_id"]}"' in body and "Started from the finding" in body
    with app.app_context():
        members = [_user(b["teacher"]).id, _user(b["other_teacher"]).id]
    response = reader.post(
        f"/p/{b['partnership_id']}/trios/new",
        data={
            "name": "Fraction walls in Beta",
            "focus": "We want to learn how to improve the way we teach fractions to P6.",
            "status": "planning",
            "members": members,
            "links": [a["element_id"]],
            "from_finding": a["finding_id"],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        reuse = db.session.scalar(select(FindingReuse))
        assert reuse.finding_id == a["finding_id"] and reuse.partnership_id == b["partnership_id"]
        trio = db.session.get(Trio, reuse.trio_id)
        assert trio.partnership_id == b["partnership_id"] and trio.focus.endswith("fractions to P6.")
        assert [e.id for e in linking.links_for("trio", [trio.id])[trio.id]] == [a["element_id"]]
    # The new trio says where it came from; the author's partnership sees that its finding travelled.
    assert "Started from" in html(reader.get(response.headers["Location"]))
    author = make_client()
    author.sign_in(a["teacher"])
    travelled = html(author.get(f"/p/{a['partnership_id']}/findings/{a['finding_id']}"))
    assert "Partnership Beta" in travelled
    assert "it has started trios elsewhere" in html(author.get(f"/p/{a['partnership_id']}/findings"))
    assert "started a trio in Partnership Beta" in html(author.get(f"/p/{a['partnership_id']}/activity"))


def test_the_migration_copies_the_quotes_of_findings_already_published(fresh_database_url):
    from sqlalchemy import text

    from tests import factories
    from tests.conftest import make_app
    from workspace.frameworks import loader

    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        loader.load_all()
        a = factories.two_partnerships().ids()["a"]
        finding = db.session.get(Finding, a["finding_id"])
        observation = _starred(a, "Explained 2/4 = 1/2 to her partner.")
        _quote(finding, observation)
        findings.approve(finding, _user(a["lead"]))
        db.session.commit()
        db.session.remove()
    # Back to before the copies, and up again: the published finding's quote is copied.
    assert runner.invoke(args=["db", "downgrade", "34004ecf9e4b"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        row = db.session.execute(
            text("SELECT quoted_text, quoted_lesson FROM finding_observation WHERE finding_id = :id"),
            {"id": a["finding_id"]},
        ).one()
        db.session.remove()
    assert tuple(row) == ("Explained 2/4 = 1/2 to her partner.", "Cycle 1, lesson 1")
