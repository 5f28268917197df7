"""A research lesson after it is planned: pupil voice, the post-lesson discussion, next steps
made actions, and the sheet. Its plan is in test_lesson_plan.py, observing it in
test_observing.py and its feed in test_observation_feed.py."""

import re
from html import unescape

from sqlalchemy import select

from tests.conftest import html
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Action, CasePupil, NextStep, Prediction, PupilVoice, ResearchLesson


def lesson_url(world, side="a"):
    w = world[side]
    return f"/p/{w['partnership_id']}/trios/{w['trio_id']}/lessons/{w['lesson_id']}"


# Pupil voice, discussion, next steps ------------------------------------------------------------


def test_pupil_voice(client, world, app):
    client.sign_in(world["a"]["other_teacher"])
    page = html(client.get(f"{lesson_url(world)}/voice"))
    assert "What helped you to learn?" in page and 'hx-history="false"' in page
    assert html(client.get(f"{lesson_url(world)}/voice", htmx=True)).lstrip().startswith('<div id="voice"')
    data = {
        "case_pupil_id": str(world["a"]["pupil_ids"][1]),
        "question": "What helped you to learn?",
        "own_question": "",
        "response": "Working with my partner.",
    }
    response = client.post(f"{lesson_url(world)}/voice", data=data, htmx=True)
    assert response.status_code == 201 and "Working with my partner." in html(response)
    bad = client.post(f"{lesson_url(world)}/voice", data=data | {"response": ""})
    assert bad.status_code == 422 and "Write what the pupil said." in html(bad)
    own = client.post(f"{lesson_url(world)}/voice", data=data | {"own_question": "Which part was fun?"})
    assert own.status_code == 303  # a plain form is redirected, so a reload cannot post it twice
    no_question = client.post(f"{lesson_url(world)}/voice", data=data | {"question": "", "own_question": ""})
    assert no_question.status_code == 422 and "Write the question you asked" in html(no_question)
    with app.app_context():
        assert db.session.scalar(
            select(PupilVoice.question).where(PupilVoice.question == "Which part was fun?")
        )
    nid = world["a"]["note_id"]
    assert client.post(f"{lesson_url(world)}/voice/{nid}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(PupilVoice, nid) is None


def test_discussion_save_and_stale(client, make_client, world, app):
    client.sign_in(world["a"]["teacher"])
    page = html(client.get(f"{lesson_url(world)}/discussion"))
    assert "1. The case pupils" in page and "Counted on fingers" in page  # observations beside the prediction
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    pupil = world["a"]["pupil_ids"][0]
    data = {
        "version": version,
        f"progress-{pupil}": "Met the prediction.",
        "discussion_teaching": "Pairs helped.",
        "discussion_learned": "Rehearsal matters.",
    }
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    assert (
        colleague.post(
            f"{lesson_url(world)}/discussion", data=data | {"discussion_learned": "Theirs"}
        ).status_code
        == 303
    )
    stale = client.post(f"{lesson_url(world)}/discussion", data=data)
    assert stale.status_code == 409
    assert "Theirs" in html(stale) and "Rehearsal matters." in html(stale)
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        fresh_version = lesson.version
    ok = client.post(f"{lesson_url(world)}/discussion", data=data | {"version": str(fresh_version)})
    assert ok.status_code == 303
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        assert lesson.discussion_learned == "Rehearsal matters."
        assert db.session.get(CasePupil, pupil).discussion_progress == "Met the prediction."


def test_the_discussion_shows_notes_of_no_one_stage_with_the_pupils_predictions(client, world):
    """The sheet shows a pupil's notes taken at no one stage; the discussion, where the trio talks
    about that pupil's progress, has them too."""
    client.sign_in(world["a"]["teacher"])
    note = {
        "case_pupil_id": str(world["a"]["pupil_ids"][0]),
        "stage_id": "",
        "text": "Explained it to the whole table.",
    }
    assert client.post(f"{lesson_url(world)}/observations", data=note, htmx=True).status_code == 201
    for htmx in (False, True):
        page = unescape(html(client.get(f"{lesson_url(world)}/discussion", htmx=htmx)))
        pupil = page.split(f'id="progress-{world["a"]["pupil_ids"][0]}-title"')[1].split("</section>")[0]
        assert "<dt>Not one stage</dt>" in pupil and "Explained it to the whole table." in pupil
        other = page.split(f'id="progress-{world["a"]["pupil_ids"][1]}-title"')[1].split("</section>")[0]
        assert "Not one stage" not in other


def test_next_step_becomes_an_action_in_one_step(client, world, app):
    client.sign_in(world["a"]["teacher"])
    with app.app_context():
        linking.set_links(
            world["a"]["partnership_id"], "trio", world["a"]["trio_id"], [world["a"]["element_id"]]
        )
        db.session.commit()
    page = html(client.get(f"{lesson_url(world)}/discussion"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    fingerprints = unescape(re.search(r'name="fingerprints" value="([^"]*)"', page).group(1))
    too_long = client.post(
        f"{lesson_url(world)}/discussion",
        data={
            "version": version,
            "fingerprints": fingerprints,
            "discussion_learned": "Unsaved learning",
            "next_step": "x" * 2001,
        },
    )
    assert too_long.status_code == 422 and "Unsaved learning" in html(too_long)
    added = client.post(
        f"{lesson_url(world)}/discussion",
        data={
            "version": version,
            "fingerprints": fingerprints,
            "discussion_learned": "Saved with the step",
            "next_step": "Try paired talk first.",
        },
    )
    assert added.status_code == 303
    with app.app_context():
        assert (
            db.session.get(ResearchLesson, world["a"]["lesson_id"]).discussion_learned
            == "Saved with the step"
        )
        assert db.session.scalar(select(NextStep).where(NextStep.text == "Try paired talk first."))
    url = f"{lesson_url(world)}/next-steps/{world['a']['step_id']}/action"
    form = client.get(url)
    assert "Make this next step an action" in html(form)
    response = client.post(
        url, data={"title": "Fraction walls from the start", "owner_id": "", "due_date": "2027-01-15"}
    )
    assert response.status_code == 422  # an owner is required: "Not a valid choice"
    with app.app_context():
        from workspace.models import User

        other = db.session.scalar(select(User.id).where(User.email == world["a"]["other_teacher"]))
    response = client.post(
        url, data={"title": "Fraction walls from the start", "owner_id": str(other), "due_date": "2027-01-15"}
    )
    assert response.status_code == 303
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.title == "Fraction walls from the start"))
        assert (action.trio_id, action.lesson_id, action.owner_id) == (
            world["a"]["trio_id"],
            world["a"]["lesson_id"],
            other,
        )
        assert action.school_id == world["a"]["school_ids"][0] and action.status == "not_started"
        assert [e.id for e in linking.links_for("action", [action.id])[action.id]] == [
            world["a"]["element_id"]
        ]
        assert db.session.get(NextStep, world["a"]["step_id"]).action_id == action.id
        # Nobody has posted an update to it yet, and no page says otherwise.
        assert action.last_progress_at == action.created_at
        action_id = action.id
    link = re.search(
        r"Action: <a href=\"([^\"]+/actions/\d+)\">Fraction walls from the start</a>",
        html(client.get(f"{lesson_url(world)}/discussion")),
    )
    assert link
    assert "<dt>Last update</dt><dd>No update yet (added " in html(client.get(link.group(1)))
    listed = f"/p/{world['a']['partnership_id']}/actions/?q=Fraction+walls"
    for page in (html(client.get(listed)), html(client.get(listed, htmx=True))):
        row = page.split(f"/actions/{action_id}?")[1].split("</tr>")[0]  # the link keeps the filter
        assert "No update yet" in row
    assert client.post(url, data={"title": "Again", "owner_id": str(other)}).status_code == 422  # only once


def test_sheet_has_predictions_observations_and_voice(client, world, app):
    client.sign_in(world["a"]["reviewer"])
    with app.app_context():
        db.session.add(
            Prediction(
                case_pupil_id=world["a"]["pupil_ids"][0],
                stage_id=world["a"]["stage_ids"][0],
                text="Will count on fingers.",
            )
        )
        db.session.commit()
    body = html(client.get(f"{lesson_url(world)}/sheet"))
    assert "Will count on fingers." in body and "Counted on fingers, then used the fraction wall." in body
    assert "The wall." in body and "Leuven 4" in body
    assert html(client.get(f"{lesson_url(world)}/sheet", htmx=True)).lstrip().startswith('<div id="sheet"')


def test_no_pupil_detail_in_urls_and_pupil_pages_not_stored(client, world, app):
    client.sign_in(world["a"]["teacher"])
    with app.app_context():
        pupil = db.session.get(CasePupil, world["a"]["pupil_ids"][0])
        pupil.descriptor = "Quietvoiced-girl-descriptor"
        db.session.commit()
    for page in ("plan", "observe", "voice", "discussion", "sheet"):
        response = client.get(f"{lesson_url(world)}/{page}")
        body = html(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert 'hx-history="false"' in body
        for url in re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*)"', body):
            assert "Quietvoiced" not in url
