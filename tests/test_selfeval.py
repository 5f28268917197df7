"""Self-evaluation: who evaluates which school, the form beside the framework's wording, evidence,
history ordering and movement, the pro-forma, the partnership table and follow-up actions."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import html
from workspace.extensions import db
from workspace.models import Action, Framework, FrameworkElement, SelfEvaluation, SelfEvaluationEvidence, User
from workspace.selfeval import overview as selfeval_overview
from workspace.selfeval import services


def base(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/self-evaluation"


def element_id(app, key="stem", number="2.3", kind="theme"):
    with app.app_context():
        framework = db.session.scalar(
            select(Framework).where(Framework.key == key, Framework.is_current.is_(True))
        )
        return db.session.scalar(
            select(FrameworkElement.id)
            .where(
                FrameworkElement.framework_id == framework.id,
                FrameworkElement.number == number,
                FrameworkElement.kind == kind,
            )
            .order_by(FrameworkElement.position)
        )


def evaluation_data(app, **changes):
    data = {
        "element_id": str(element_id(app)),
        "evaluated_on": "2026-11-20",
        "level": "building",
        "how_well": "Most learners are engaged in enquiry.",
        "how_know": "Learning walks.",
        "what_now": "Extend paired talk.",
    }
    data.update(changes)
    return data


def test_new_page_shows_progression_side_by_side_and_challenge_questions(client, world, app):
    client.sign_in(world["a"]["teacher"])
    url = f"{base(world)}/schools/{world['a']['school_ids'][0]}/new?element_id={element_id(app)}"
    body = html(client.get(url))
    assert (
        "Starting the journey" in body
        and "Building on achievements" in body
        and "Features of highly-effective practice" in body
    )
    assert "Challenge questions for QI 2.3" in body
    assert re.search(r'name="level"[^>]*type="radio" value="building"', body)
    fragment = html(client.get(url, htmx=True))
    assert fragment.lstrip().startswith('<div id="evaluation"')
    hgios4 = html(
        client.get(
            f"{base(world)}/schools/{world['a']['school_ids'][0]}/new?element_id={element_id(app, 'hgios4', '2.3', 'qi')}"
        )
    )
    assert "Very good" in hgios4 and "Unsatisfactory" in hgios4  # the six-point scale


def test_teacher_records_an_evaluation_of_their_school_with_evidence(client, world, app):
    client.sign_in(world["a"]["teacher"])
    url = f"{base(world)}/schools/{world['a']['school_ids'][0]}/new"
    data = evaluation_data(
        app, evidence=[f"action:{world['a']['action_id']}", f"observation:{world['a']['observation_id']}"]
    )
    response = client.post(url, data=data)
    assert response.status_code == 303
    page = html(client.get(response.headers["Location"]))
    assert (
        "Building on achievements" in page
        and "Counted on fingers" in page
        and "Fraction walls in every P5-P7 class" in page
    )
    with app.app_context():
        evaluation = db.session.scalar(
            select(SelfEvaluation).where(SelfEvaluation.how_well == data["how_well"])
        )
        kinds = {
            e.evidence_type
            for e in db.session.scalars(
                select(SelfEvaluationEvidence).where(
                    SelfEvaluationEvidence.self_evaluation_id == evaluation.id
                )
            )
        }
        assert kinds == {"action", "observation"}


@pytest.mark.parametrize(
    "who, school_index, status",
    [("teacher", 0, 303), ("teacher", 1, 403), ("lead", 1, 303), ("reviewer", 0, 403)],
)
def test_who_evaluates_which_school(client, world, app, who, school_index, status):
    client.sign_in(world["a"][who])
    url = f"{base(world)}/schools/{world['a']['school_ids'][school_index]}/new"
    assert client.post(url, data=evaluation_data(app)).status_code == status


@pytest.mark.parametrize(
    "change, message",
    [
        ({"level": "excellent"}, "Not a valid choice"),  # not on the STEM scale
        ({"level": ""}, "Choose a level."),
        ({"how_well": ""}, "How well are we doing?"),
        ({"evaluated_on": "2999-01-01"}, "between 2000 and 2100"),
        # Made in the test, on the suite's clock: at collection the clock is not frozen yet.
        ({"evaluated_on": lambda: (date.today() + timedelta(days=3)).isoformat()}, "cannot be in the future"),
        ({"evidence": "action:999999"}, "must come from this partnership"),
    ],
)
def test_invalid_evaluation_is_422_with_values_kept(client, world, app, change, message):
    change = {name: value() if callable(value) else value for name, value in change.items()}
    client.sign_in(world["a"]["lead"])
    response = client.post(
        f"{base(world)}/schools/{world['a']['school_ids'][0]}/new", data=evaluation_data(app, **change)
    )
    assert response.status_code == 422
    body = html(response)
    assert message in body
    if change.get("how_well") != "":
        assert "Most learners are engaged in enquiry." in body


def test_evidence_from_another_partnership_is_refused(client, world, app):
    client.sign_in(world["a"]["lead"])
    for evidence in (f"action:{world['b']['action_id']}", f"observation:{world['b']['observation_id']}"):
        response = client.post(
            f"{base(world)}/schools/{world['a']['school_ids'][0]}/new",
            data=evaluation_data(app, evidence=evidence),
        )
        assert response.status_code == 422 and "must come from this partnership" in html(response)


def test_qi_itself_is_not_evaluable_in_the_stem_framework(client, world, app):
    client.sign_in(world["a"]["lead"])
    data = evaluation_data(app, element_id=str(element_id(app, "stem", "2.3", "qi")))
    response = client.post(f"{base(world)}/schools/{world['a']['school_ids'][0]}/new", data=data)
    assert response.status_code == 422 and "Choose the theme or QI" in html(response)


def test_history_is_ordered_and_shows_movement(app, world):
    with app.app_context():
        from workspace.models import Partnership, School

        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        school = db.session.get(School, world["a"]["school_ids"][1])
        author = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
        theme = element_id(app)
        for on, level in (
            (date(2026, 6, 1), "building"),
            (date(2026, 1, 10), "starting"),
            (date(2026, 10, 1), "highly_effective"),
            (date(2026, 11, 1), "building"),
        ):
            services.record_evaluation(partnership, school, theme, on, level, "x", "", "", [], author)
        db.session.commit()
        [entry] = [h for h in selfeval_overview.history(school) if h.element.id == theme]
        assert [p.evaluation.evaluated_on for p in entry.points] == [
            date(2026, 1, 10),
            date(2026, 6, 1),
            date(2026, 10, 1),
            date(2026, 11, 1),
        ]
        assert [p.movement for p in entry.points] == ["first", "up", "up", "down"]


def test_school_page_pro_forma_and_partnership_table(client, world, app):
    client.sign_in(world["a"]["reviewer"])  # reviewers read
    school = world["a"]["school_ids"][0]
    page = client.get(f"{base(world)}/schools/{school}")
    assert (
        page.status_code == 200
        and "Movement over time" in html(page)
        and "Record a self-evaluation" not in html(page)
    )
    assert (
        html(client.get(f"{base(world)}/schools/{school}", htmx=True))
        .lstrip()
        .startswith('<section id="history"')
    )
    proforma = html(client.get(f"{base(world)}/schools/{school}/pro-forma?on=2026-09-01"))
    assert "STEM – Our self-evaluation, evidence and actions for improvement" in proforma
    assert "Leadership and management" in proforma and "We are beginning." in proforma
    assert "Plan collaborative self-evaluation." in proforma and "Staff survey." in proforma
    assert (
        html(client.get(f"{base(world)}/schools/{school}/pro-forma?on=nonsense", htmx=True))
        .lstrip()
        .startswith('<div id="proforma"')
    )
    table = html(client.get(f"{base(world)}/"))
    assert "Starting the journey" in table and "1 Sep 26" in table
    assert html(client.get(f"{base(world)}/", htmx=True)).lstrip().startswith('<div id="selfeval-table"')


def test_follow_up_action_is_linked_back(client, make_client, world, app):
    client.sign_in(world["a"]["teacher"])
    eid = world["a"]["evaluation_id"]
    with app.app_context():
        owner = db.session.scalar(select(User.id).where(User.email == world["a"]["teacher"]))
    assert (
        client.post(f"{base(world)}/{eid}/actions", data={"title": "", "owner_id": str(owner)}).status_code
        == 422
    )
    response = client.post(
        f"{base(world)}/{eid}/actions",
        data={"title": "Involve pupils in evaluating STEM", "owner_id": str(owner), "due_date": "2027-02-01"},
    )
    assert response.status_code == 303
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.title == "Involve pupils in evaluating STEM"))
        evaluation = db.session.get(SelfEvaluation, eid)
        assert action.self_evaluation_id == eid and action.school_id == evaluation.school_id
        from workspace.frameworks import linking

        assert [e.id for e in linking.links_for("action", [action.id])[action.id]] == [evaluation.element_id]
    assert "Involve pupils in evaluating STEM" in html(client.get(f"{base(world)}/{eid}"))
    other = make_client()
    other.sign_in(world["a"]["other_teacher"])  # a teacher at another school
    assert (
        other.post(f"{base(world)}/{eid}/actions", data={"title": "x", "owner_id": str(owner)}).status_code
        == 403
    )
