"""Findings: written in a trio's partnership, approved by a lead before they travel, read in the
library by everyone signed in, reused elsewhere; never with a case pupil's descriptor."""

import pytest
from sqlalchemy import select

from tests.conftest import html
from workspace.exchange import findings, library
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import CasePupil, Finding, FindingReuse, Observation, Trio, User
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
    assert lead.post(approve_url).status_code == 303

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
    reader.sign_in(world["b"]["reviewer"])
    body = html(reader.get(f"/library/{a['finding_id']}"))
    assert "Explained 2/4 = 1/2 to her partner" in body
    assert DESCRIPTOR not in body and "Pupil A:" not in body
    assert "Counted on fingers" not in body  # the unstarred observation stays in the partnership


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


def test_the_library_searches_and_filters(app, ctx, world):
    a, b = world["a"], world["b"]
    finding_a = db.session.get(Finding, a["finding_id"])
    linking.set_links(finding_a.partnership_id, "finding", finding_a.id, [a["element_id"]])
    findings.approve(finding_a, _user(a["lead"]))
    trio_b = db.session.get(Trio, b["trio_id"])
    finding_b = findings.create_finding(
        trio_b,
        findings.FindingInput(
            title="Talk partners in S1 science",
            focus="How S1 pupils explain forces",
            sector="secondary",
            stage="S1",
            subject="Science",
            anonymous=True,
            tried="50% of the lesson as talk",
        ),
        _user(b["teacher"]),
    )
    findings.approve(finding_b, _user(b["lead"]))
    db.session.commit()

    def titles(**filters):
        return [f.title for f in library.search(library.LibraryQuery(**filters))]

    assert len(titles()) == 2
    assert titles(words="WALLS equivalence") == [finding_a.title]
    assert titles(words="50%") == [finding_b.title]  # LIKE's wildcards are escaped
    assert titles(words="walls forces") == []
    assert titles(qi_id=a["element_id"]) == [finding_a.title]
    assert titles(sector="secondary") == [finding_b.title]
    assert titles(stage="P6") == [finding_a.title]
    assert titles(subject="scien") == [finding_b.title]
    anonymous = library.published_views([finding_b])[0]
    assert anonymous.partnership is None and anonymous.authorities == [] and anonymous.school is None


def test_the_library_page_and_its_fragment(app, make_client, world):
    _approve(app, world)
    client = make_client()
    client.sign_in(world["b"]["reviewer"])
    page = client.get("/library?q=walls&stage=P6")
    assert page.status_code == 200 and "Fraction walls help" in html(page) and "<html" in html(page)
    fragment = client.get("/library?q=nothing-like-this", htmx=True)
    assert 'id="library-results"' in html(fragment) and "<html" not in html(fragment)
    assert "No published finding matches" in html(fragment)
    assert make_client().get("/library").status_code == 302  # signed out: to the sign-in page


def test_the_library_asks_the_same_number_of_statements_for_more_findings(app, make_client, world):
    from tests.statements import recorded

    client = make_client()
    client.sign_in(world["b"]["teacher"])

    def count():
        with recorded(app) as statements:
            assert client.get("/library").status_code == 200
        return len(statements)

    def publish(how_many):
        b = world["b"]
        with app.app_context():
            trio = db.session.get(Trio, b["trio_id"])
            for n in range(how_many):
                finding = findings.create_finding(
                    trio,
                    findings.FindingInput(
                        title=f"Finding {n}", focus="F", school_id=b["school_ids"][n % 2], show_school=True
                    ),
                    _user(b["teacher"]),
                )
                findings.approve(finding, _user(b["lead"]))
            db.session.commit()

    _approve(app, world)
    publish(1)
    two = count()
    publish(3)
    assert count() == two
