"""Every free text written about case pupils refuses dates of birth and candidate numbers: a 422
with the reason at the field, the text kept, nothing stored; ordinary text is stored."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import html
from tests.test_lesson_plan import current_plan_form
from tests.test_lessons import lesson_url
from tests.test_observing import observation
from workspace.extensions import db
from workspace.models import CasePupil, NextStep, Observation, Prediction, PupilVoice, ResearchLesson
from workspace.pupil_details import HINT

AISHA = "Aisha Khan (DOB 12/03/2015, SCN 123456789) answered first."
ORDINARY = "At 10:45 she got 3/4 of the fractions right, Leuven 4; stage 2 went well in 2026."


def page_of(response) -> str:
    return unescape(html(response))


def at_field(body: str, field_id: str, message: str) -> None:
    """The message is beside the field, in the error summary, and read out with the field."""
    error = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', body, re.S)
    assert error and message in error.group(1), body[:4000]
    assert f'href="#{field_id}"' in body  # the error summary links to the field
    control = re.search(rf'<(?:textarea|input)[^>]*\bid="{re.escape(field_id)}"[^>]*>', body).group()
    described = re.search(r'aria-describedby="([^"]*)"', control).group(1).split()
    assert f"{field_id}-error" in described and 'aria-invalid="true"' in control


def hint_of(body: str, field_id: str) -> str:
    control = re.search(rf'<(?:textarea|input)[^>]*\bid="{re.escape(field_id)}"[^>]*>', body).group()
    hint_ids = [
        i for i in re.search(r'aria-describedby="([^"]*)"', control).group(1).split() if i.endswith("-hint")
    ]
    return " ".join(re.search(rf'<p class="hint" id="{i}">(.*?)</p>', body, re.S).group(1) for i in hint_ids)


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# Observations -----------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "full page"])
def test_new_observation_with_a_date_of_birth_is_refused_at_the_text_box(client, world, app, htmx):
    client.sign_in(world["a"]["teacher"])
    before = count(app, Observation)
    response = client.post(f"{lesson_url(world)}/observations", data=observation(world, AISHA), htmx=htmx)
    assert response.status_code == 422
    body = page_of(response)
    if htmx:  # the form's fragment, swapped in place of the form
        assert body.lstrip().startswith('<section id="observation-form"')
    else:  # the whole page, the feed beside the form
        assert "<html" in body and 'id="observation-feed"' in body
    at_field(body, "text", "This looks like a date of birth (“DOB”).")
    assert "Write about the pupil by their label (such as Pupil A)" in body
    assert re.search(r'id="text"[^>]*>\s*' + re.escape(AISHA) + r"</textarea>", body)  # the text kept
    assert count(app, Observation) == before


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Wrote SCN 123 456 789 on the sheet", "Scottish Candidate Number"),
        ("Pupil A (born on 3 May) led the group", "date of birth"),
        ("Pupil B, 2015-03-12, counted on", "date of birth"),
    ],
)
def test_other_identifying_observations_are_refused(client, world, app, text, reason):
    client.sign_in(world["a"]["teacher"])
    before = count(app, Observation)
    response = client.post(f"{lesson_url(world)}/observations", data=observation(world, text), htmx=True)
    assert response.status_code == 422 and f"This looks like a {reason}" in page_of(response)
    assert count(app, Observation) == before


def test_an_ordinary_observation_is_stored(client, world, app):
    client.sign_in(world["a"]["teacher"])
    response = client.post(f"{lesson_url(world)}/observations", data=observation(world, ORDINARY), htmx=True)
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Observation.id).where(Observation.text == ORDINARY))


def test_the_observation_text_box_says_what_not_to_write(client, world):
    client.sign_in(world["a"]["teacher"])
    body = page_of(client.get(f"{lesson_url(world)}/observe"))
    assert HINT in hint_of(body, "text")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "full page"])
def test_editing_an_observation_to_add_a_candidate_number_is_refused(client, world, app, htmx):
    oid = world["a"]["observation_id"]
    with app.app_context():
        saved = db.session.get(Observation, oid).text
    client.sign_in(world["a"]["teacher"])
    url = f"{lesson_url(world)}/observations/{oid}/edit"
    response = client.post(
        url, data=observation(world, "Candidate number 123456789 counted on.", version="1"), htmx=htmx
    )
    assert response.status_code == 422
    body = page_of(response)
    at_field(body, "text", "This looks like a Scottish Candidate Number (“Candidate number 123456789”).")
    assert "Edit your observation" in body and "Candidate number 123456789 counted on." in body
    with app.app_context():
        assert db.session.get(Observation, oid).text == saved
    assert client.post(url, data=observation(world, ORDINARY, version="1"), htmx=htmx).status_code == (
        200 if htmx else 303
    )
    with app.app_context():
        assert db.session.get(Observation, oid).text == ORDINARY


# Pupil voice ------------------------------------------------------------------------------------


def voice(world, **change):
    return {
        "case_pupil_id": str(world["a"]["pupil_ids"][1]),
        "question": "What helped you to learn?",
        "own_question": "",
        "response": "Working with my partner.",
    } | change


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "full page"])
@pytest.mark.parametrize(
    "field, text",
    [
        ("response", "I'm Aisha, my birthday is 12 March 2015."),
        ("own_question", "Is your SCN 123456789?"),
    ],
)
def test_pupil_voice_with_an_identifier_is_refused(client, world, app, htmx, field, text):
    client.sign_in(world["a"]["teacher"])
    before = count(app, PupilVoice)
    response = client.post(f"{lesson_url(world)}/voice", data=voice(world, **{field: text}), htmx=htmx)
    assert response.status_code == 422
    body = page_of(response)
    at_field(body, field, "This looks like a")
    assert text in body
    assert body.lstrip().startswith('<div id="voice"') == htmx
    assert count(app, PupilVoice) == before


def test_ordinary_pupil_voice_is_stored_and_its_fields_say_what_not_to_write(client, world, app):
    client.sign_in(world["a"]["teacher"])
    body = page_of(client.get(f"{lesson_url(world)}/voice"))
    assert HINT in hint_of(body, "response") and HINT in hint_of(body, "own_question")
    words = "The fraction wall, and 3/4 of my group helped. It took 10 minutes."
    response = client.post(
        f"{lesson_url(world)}/voice", data=voice(world, response=words, own_question="Was 3/5 hard?")
    )
    assert response.status_code == 303
    with app.app_context():
        assert (
            db.session.scalar(select(PupilVoice.question).where(PupilVoice.response == words))
            == "Was 3/5 hard?"
        )


# The plan's predictions -------------------------------------------------------------------------


def test_a_prediction_naming_a_date_of_birth_is_refused_at_its_cell(client, world, app):
    client.sign_in(world["a"]["teacher"])
    pupil, stage = world["a"]["pupil_ids"][0], world["a"]["stage_ids"][1]
    name = f"prediction-{pupil}-{stage}"
    url = f"{lesson_url(world)}/plan"
    data = current_plan_form(client, url)
    assert HINT in hint_of(page_of(client.get(url)), name)
    data[name] = "Aisha (d.o.b. 12.3.2015) will let her partner talk."
    response = client.post(url, data=data)
    assert response.status_code == 422
    body = page_of(response)
    at_field(body, name, "This looks like a date of birth (“d.o.b.”).")
    assert "Aisha (d.o.b. 12.3.2015) will let her partner talk." in body
    with app.app_context():
        assert not db.session.scalar(
            select(Prediction).where(Prediction.case_pupil_id == pupil, Prediction.stage_id == stage)
        )
    data[name] = "Will let her partner talk for 3/4 of the task."
    assert client.post(url, data=data).status_code == 303
    with app.app_context():
        assert (
            db.session.scalar(
                select(Prediction.text).where(Prediction.case_pupil_id == pupil, Prediction.stage_id == stage)
            )
            == data[name]
        )


def test_the_case_pupils_fields_are_tied_to_the_privacy_hint(client, world):
    client.sign_in(world["a"]["teacher"])
    body = page_of(client.get(f"{lesson_url(world)}/plan"))
    for field in ("pupil-0-label", "pupil-0-descriptor", "pupil-0-criterion"):
        assert "no name, date of birth or candidate number" in hint_of(body, field)


# The post-lesson discussion ---------------------------------------------------------------------


def discussion_form(client, world):
    page = html(client.get(f"{lesson_url(world)}/discussion"))
    return {
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "fingerprints": unescape(re.search(r'name="fingerprints" value="([^"]*)"', page).group(1)),
    }, unescape(page)


@pytest.mark.parametrize("field", ["progress", "discussion_teaching", "discussion_learned", "next_step"])
def test_discussion_text_with_an_identifier_is_refused_at_the_field(client, world, app, field):
    client.sign_in(world["a"]["teacher"])
    pupil = world["a"]["pupil_ids"][0]
    name = f"progress-{pupil}" if field == "progress" else field
    data, page = discussion_form(client, world)
    assert HINT in hint_of(page, name)
    text = "Pupil A (SCN 123 456 789) met the prediction."
    data |= {"discussion_learned": "Kept while I fix it", name: text}
    with app.app_context():
        version = db.session.get(ResearchLesson, world["a"]["lesson_id"]).version
    steps = count(app, NextStep)
    response = client.post(f"{lesson_url(world)}/discussion", data=data)
    assert response.status_code == 422
    body = page_of(response)
    at_field(body, name, "This looks like a Scottish Candidate Number (“SCN 123 456 789”).")
    assert text in body and ("Kept while I fix it" in body or name == "discussion_learned")
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        assert lesson.version == version and lesson.discussion_learned == ""
        assert db.session.get(CasePupil, pupil).discussion_progress == ""
    assert count(app, NextStep) == steps


def test_an_ordinary_discussion_is_stored(client, world, app):
    client.sign_in(world["a"]["teacher"])
    pupil = world["a"]["pupil_ids"][0]
    data, _ = discussion_form(client, world)
    data |= {
        f"progress-{pupil}": "Met the prediction in stage 2; Leuven 3 to 4.",
        "discussion_teaching": "Paired talk for 10 minutes helped 3/4 of the class.",
        "discussion_learned": "Rehearsal matters.",
        "next_step": "Try paired talk first in lesson 2.",
    }
    assert client.post(f"{lesson_url(world)}/discussion", data=data).status_code == 303
    with app.app_context():
        assert (
            db.session.get(CasePupil, pupil).discussion_progress
            == "Met the prediction in stage 2; Leuven 3 to 4."
        )
        assert db.session.scalar(
            select(NextStep).where(NextStep.text == "Try paired talk first in lesson 2.")
        )


def test_a_next_step_too_long_is_shown_at_the_next_step(client, world):
    client.sign_in(world["a"]["teacher"])
    data, _ = discussion_form(client, world)
    response = client.post(f"{lesson_url(world)}/discussion", data=data | {"next_step": "x" * 2001})
    assert response.status_code == 422
    body = page_of(response)
    assert re.search(r'id="next_step-error">.*Enter 2,000 characters or fewer', body)
