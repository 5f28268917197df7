"""A research lesson's plan, edited together: predictions, stages and pupils, what has
observations kept, bad input answered with 422, and two people saving at once (409, then both
kept). The rest of the lesson is in test_lessons.py."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from tests.conftest import html
from tests.test_lessons import lesson_url
from workspace.extensions import db
from workspace.models import Observation, Prediction, ResearchLesson


def current_plan_form(client, url):
    """The plan form's fields as a browser would submit them."""
    return current_form_from(html(client.get(url)))


def current_form_from(body):
    """The fields of a plan form in a page already fetched, unescaped as a browser would."""
    data = {}
    for name, value in re.findall(
        r'<input class="input[^"]*" (?:type="date" )?id="[^"]+" name="([^"]+)" value="([^"]*)"', body
    ):
        data[name] = value
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body):
        data[name] = value
    for name, value in re.findall(
        r'<textarea class="input" id="[^"]+" name="([^"]+)" rows="\d"[^>]*>([^<]*)</textarea>', body
    ):
        data[name] = value
    for name, value in re.findall(
        r'<select class="input" id="[^"]+" name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected',
        body,
        re.S,
    ):
        data[name] = value
    data.pop("csrf_token", None)
    return {k: unescape(v) for k, v in data.items()}


# The plan -----------------------------------------------------------------------------------------


def test_plan_page_and_fragment(client, world):
    client.sign_in(world["a"]["teacher"])
    page = client.get(f"{lesson_url(world)}/plan")
    body = html(page)
    assert page.status_code == 200 and 'hx-history="false"' in body
    assert "Starter" in body and "Main task" in body and 'name="pupil-2-label" value="C"' in body
    assert re.search(
        r'<textarea class="input" id="pupil-0-descriptor" name="pupil-0-descriptor" rows="2"', body
    )
    assert "never a name" in body or "no name" in body
    fragment = html(client.get(f"{lesson_url(world)}/plan", htmx=True))
    assert fragment.lstrip().startswith('<div id="plan"')


def test_save_plan_with_predictions(client, world, app):
    client.sign_in(world["a"]["teacher"])
    data = current_plan_form(client, f"{lesson_url(world)}/plan")
    pupil, stage = world["a"]["pupil_ids"][0], world["a"]["stage_ids"][1]
    data.update(
        {
            "learning_intentions": "Fractions can look different but be equal.",
            # Typed in its two-line box with a line break: kept as one line.
            "pupil-0-descriptor": "A girl who is quiet\r\nin group work ",
            f"prediction-{pupil}-{stage}": "Will let her partner talk.",
            "stage-2-title": "Plenary",
        }
    )
    response = client.post(f"{lesson_url(world)}/plan", data=data)
    assert response.status_code == 303, html(response)[:3000]
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        assert [s.title for s in lesson.stages] == ["Starter", "Main task", "Plenary"]
        assert lesson.case_pupils[0].descriptor == "A girl who is quiet in group work"
        prediction = db.session.scalar(
            select(Prediction).where(Prediction.case_pupil_id == pupil, Prediction.stage_id == stage)
        )
        assert prediction.text == "Will let her partner talk."


def test_removing_a_stage_and_adding_a_pupil(client, world, app):
    client.sign_in(world["a"]["teacher"])
    data = current_plan_form(client, f"{lesson_url(world)}/plan")
    data.update(
        {
            "stage-1-title": "",
            "stage-1-description": "",
            "pupil-3-label": "D",
            "pupil-3-descriptor": "A boy who finds writing hard",
        }
    )
    assert client.post(f"{lesson_url(world)}/plan", data=data).status_code == 303
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        assert [s.title for s in lesson.stages] == ["Starter"]
        assert [p.label for p in lesson.case_pupils] == ["A", "B", "C", "D"]


@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            {"stage-0-title": "", "stage-0-description": ""},
            "stage-0-title",
            "1 observation was recorded in this stage",
        ),
        (
            {"pupil-0-label": "", "pupil-0-descriptor": "", "pupil-0-criterion": ""},
            "pupil-0-label",
            "1 observation and 1 pupil-voice note",
        ),
    ],
)
def test_removing_what_has_observations_is_refused(client, world, app, change, field, message):
    """Nothing is lost: a pupil or stage with observations stays."""
    client.sign_in(world["a"]["teacher"])
    data = current_plan_form(client, f"{lesson_url(world)}/plan") | change
    response = client.post(f"{lesson_url(world)}/plan", data=data)
    assert response.status_code == 422
    assert message in html(response) and f'href="#{field}"' in html(response)
    with app.app_context():
        assert (
            db.session.get(Observation, world["a"]["observation_id"]).stage_id == world["a"]["stage_ids"][0]
        )


@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            {"pupil-0-descriptor": "Born 12/03/2015, quiet"},
            "pupil-0-descriptor",
            "looks like a date of birth",
        ),
        ({"pupil-1-label": "A"}, "pupil-1-label", "Two case pupils are labelled A"),
        (
            {"pupil-0-criterion": "Candidate 1234567 can add"},
            "pupil-0-criterion",
            "looks like a Scottish Candidate Number",
        ),
        ({"lesson_date": "31/02/2026"}, "lesson_date", "31 February 2026 is not a real date"),
        (
            {"stage-0-title": "", "stage-0-description": "still here"},
            "stage-0-title",
            "Give this stage a title",
        ),
    ],
)
def test_invalid_plan_is_422_with_values_kept(client, world, change, field, message):
    client.sign_in(world["a"]["teacher"])
    data = current_plan_form(client, f"{lesson_url(world)}/plan")
    data.update(change)
    data["learning_intentions"] = "Kept while I fix the error"
    response = client.post(f"{lesson_url(world)}/plan", data=data)
    assert response.status_code == 422
    body = html(response)
    assert message in body and f'href="#{field}"' in body
    assert "Kept while I fix the error" in body


def test_stale_plan_is_409_shows_what_changed_and_keeps_my_typing(client, make_client, world, app):
    client.sign_in(world["a"]["teacher"])
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    mine = current_plan_form(client, f"{lesson_url(world)}/plan")
    theirs = current_plan_form(colleague, f"{lesson_url(world)}/plan")
    theirs["success_criteria"] = "Their success criteria, saved first"
    assert colleague.post(f"{lesson_url(world)}/plan", data=theirs).status_code == 303
    mine["learning_intentions"] = "My learning intentions, typed at the same time"
    response = client.post(f"{lesson_url(world)}/plan", data=mine)
    assert response.status_code == 409
    body = html(response)
    assert "Someone else saved the plan" in body and "Teacher2 Alpha" in body
    assert "Their success criteria, saved first" in body  # what changed
    assert "My learning intentions, typed at the same time" in body  # nothing lost
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        assert lesson.learning_intentions == ""  # my stale save did not land
        assert f'name="version" value="{lesson.version}"' in body
    # The conflict as an htmx fragment too.
    assert client.post(f"{lesson_url(world)}/plan", data=mine, htmx=True).status_code == 409


def test_saving_again_after_a_409_keeps_both_peoples_changes(client, make_client, world, app):
    """Two teachers fill in different predictions at once: the second save must not erase the first's."""
    pupils, stages = world["a"]["pupil_ids"], world["a"]["stage_ids"]
    client.sign_in(world["a"]["teacher"])
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    url = f"{lesson_url(world)}/plan"
    mine, theirs = current_plan_form(client, url), current_plan_form(colleague, url)
    for pupil in pupils:  # the colleague fills every prediction for stage 1
        theirs[f"prediction-{pupil}-{stages[0]}"] = f"Their prediction for {pupil}"
    theirs["subject"] = "Numeracy and mathematics"
    assert colleague.post(url, data=theirs).status_code == 303
    mine[f"prediction-{pupils[0]}-{stages[1]}"] = "My prediction"
    mine[f"prediction-{pupils[1]}-{stages[0]}"] = "My own idea for this one"  # both changed this cell
    stale = client.post(url, data=mine)
    assert stale.status_code == 409
    body = html(stale)
    assert "you changed this too" in body and "Numeracy and mathematics" in body
    again = current_form_from(body)
    assert client.post(url, data=again).status_code == 303
    with app.app_context():
        saved = {
            (p.case_pupil_id, p.stage_id): p.text
            for p in db.session.scalars(select(Prediction))
            if p.case_pupil_id in pupils
        }
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
    assert saved[(pupils[0], stages[0])] == f"Their prediction for {pupils[0]}"
    assert saved[(pupils[2], stages[0])] == f"Their prediction for {pupils[2]}"
    assert saved[(pupils[0], stages[1])] == "My prediction"
    assert saved[(pupils[1], stages[0])] == "My own idea for this one"
    assert lesson.subject == "Numeracy and mathematics"


def test_a_row_they_removed_that_i_changed_comes_back(client, make_client, world, app):
    url = f"{lesson_url(world)}/plan"
    client.sign_in(world["a"]["teacher"])
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    mine, theirs = current_plan_form(client, url), current_plan_form(colleague, url)
    theirs.update({"stage-1-title": "", "stage-1-description": ""})  # they remove "Main task"
    assert colleague.post(url, data=theirs).status_code == 303
    mine["stage-1-description"] = "Pairs build fraction walls"  # I had just described it
    stale = client.post(url, data=mine)
    assert stale.status_code == 409
    body = html(stale)
    assert "they removed it; your version is back as a new stage" in body
    assert "Pairs build fraction walls" in body
