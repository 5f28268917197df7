"""Observing a research lesson live: the tablet page, recording, editing and deleting one's own
entries, tags and highlights, from several tablets at once. What the tablets read back (the feed
and its poll) is tested in test_observation_feed.py."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import html
from tests.test_lessons import lesson_url
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Observation, PupilVoice


def observation(world, text, pupil=0, stage=0, score="4", **extra):
    return {
        "case_pupil_id": str(world["a"]["pupil_ids"][pupil]),
        "stage_id": str(world["a"]["stage_ids"][stage]),
        "text": text,
        "leuven_score": score,
        **extra,
    }


def test_observe_page_defaults_to_the_last_pupil_and_stage(client, world):
    client.sign_in(world["a"]["teacher"])  # wrote about pupil A, stage 1 in the fixture
    body = html(client.get(f"{lesson_url(world)}/observe"))
    pupil, stage = world["a"]["pupil_ids"][0], world["a"]["stage_ids"][0]
    assert re.search(
        rf'<input checked id="case_pupil_id-\d" name="case_pupil_id"[^>]* type="radio" value="{pupil}">', body
    )
    assert re.search(
        rf'<input checked id="stage_id-\d" name="stage_id"[^>]* type="radio" value="{stage}">', body
    )
    assert "Extremely high" in body  # each Leuven level described on the page
    assert 'hx-history="false"' in body


def test_record_observation_without_and_with_htmx(client, world, app):
    client.sign_in(world["a"]["teacher"])
    response = client.post(
        f"{lesson_url(world)}/observations", data=observation(world, "Plain form entry", 1, 1)
    )
    assert response.status_code == 303
    response = client.post(
        f"{lesson_url(world)}/observations", data=observation(world, "htmx entry", 2, 1, "5"), htmx=True
    )
    assert response.status_code == 201
    assert response.headers["HX-Trigger"] == "observation-saved"
    body = html(response)
    assert body.lstrip().startswith('<section id="observation-form"')
    pupil_c = world["a"]["pupil_ids"][2]
    assert re.search(
        rf'<input checked id="case_pupil_id-\d" name="case_pupil_id"[^>]* type="radio" value="{pupil_c}">',
        body,
    )
    with app.app_context():
        texts = set(db.session.scalars(select(Observation.text)))
        assert {"Plain form entry", "htmx entry"} <= texts


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": ""}, "Write what you saw."),
        ({"leuven_score": "7"}, "Not a valid choice"),
        ({"case_pupil_id": ""}, "Choose the case pupil"),
        ({"case_pupil_id": "999999"}, "That case pupil is not in the lesson plan now"),
        ({"stage_id": "999999"}, "That stage is not in the lesson plan now"),
    ],
)
def test_invalid_observation_is_422_and_keeps_the_text(client, world, data, message):
    client.sign_in(world["a"]["teacher"])
    payload = observation(world, "Kept text") | data
    response = client.post(f"{lesson_url(world)}/observations", data=payload, htmx=True)
    assert response.status_code == 422
    assert message in html(response)
    if payload["text"]:
        assert "Kept text" in html(response)


def test_case_pupil_of_another_lesson_is_refused(client, world, app):
    client.sign_in(world["a"]["teacher"])
    payload = observation(world, "Wrong lesson") | {"case_pupil_id": str(world["b"]["pupil_ids"][0])}
    assert client.post(f"{lesson_url(world)}/observations", data=payload).status_code == 422


def test_two_observers_posting_at_once_both_see_both(client, make_client, world, app):
    client.sign_in(world["a"]["teacher"])
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    feed_url = f"{lesson_url(world)}/observations/feed"
    since = re.search(r"since=([v0-9.]+)", html(client.get(f"{feed_url}?since=x", htmx=True))).group(1)
    # Nothing new: 204, no body.
    quiet = client.get(f"{feed_url}?since={since}", htmx=True)
    assert quiet.status_code == 204 and quiet.data == b""
    assert (
        client.post(
            f"{lesson_url(world)}/observations", data=observation(world, "Seen by the teacher", 1), htmx=True
        ).status_code
        == 201
    )
    assert (
        colleague.post(
            f"{lesson_url(world)}/observations",
            data=observation(world, "Seen by the colleague", 2),
            htmx=True,
        ).status_code
        == 201
    )
    for who in (client, colleague):
        response = who.get(f"{feed_url}?since={since}", htmx=True)
        assert response.status_code == 200
        body = html(response)
        assert "Seen by the teacher" in body and "Seen by the colleague" in body
        assert "2 new observations." in body
        new_since = re.search(r'hx-get="[^"]*since=([^"&]+)"', body).group(1)
        assert who.get(f"{feed_url}?since={new_since}", htmx=True).status_code == 204


def test_observers_edit_and_delete_only_their_own(client, make_client, world, app):
    oid = world["a"]["observation_id"]
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    # Refused for what it is: the note is not theirs (their role lets them observe).
    for response in (
        colleague.get(f"{lesson_url(world)}/observations/{oid}/edit"),
        colleague.get(f"{lesson_url(world)}/observations/{oid}/edit", htmx=True),
        colleague.post(f"{lesson_url(world)}/observations/{oid}/delete"),
    ):
        assert response.status_code == 403
        assert "Only the teacher who wrote an observation can change or delete it." in html(response)
        assert "Your role in this partnership" not in html(response)
    client.sign_in(world["a"]["teacher"])
    form = client.get(f"{lesson_url(world)}/observations/{oid}/edit", htmx=True)
    assert "Edit your observation" in html(form) and "fraction wall" in html(form)
    assert 'name="version" type="hidden" value="1"' in html(form)
    response = client.post(
        f"{lesson_url(world)}/observations/{oid}/edit",
        htmx=True,
        data=observation(world, "Corrected: counted on fingers first.", version="1"),
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "observation-saved"
    # The same edit again (its reply lost, or from a second tablet): it began from version 1,
    # which is no longer saved, so it is refused with what is saved now, and the text kept.
    stale = client.post(
        f"{lesson_url(world)}/observations/{oid}/edit",
        htmx=True,
        data=observation(world, "An older wording", pupil=1, version="1"),
    )
    assert stale.status_code == 409
    assert "changed after you began editing" in html(stale) and "An older wording" in html(stale)
    assert "Corrected: counted on fingers first." in html(stale)
    assert 'name="version" type="hidden" value="2"' in html(stale)
    with app.app_context():
        saved = db.session.get(Observation, oid)
        assert (saved.text, saved.version) == ("Corrected: counted on fingers first.", 2)
    assert "Delete your observation?" in html(client.get(f"{lesson_url(world)}/observations/{oid}/delete"))
    assert client.post(f"{lesson_url(world)}/observations/{oid}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(Observation, oid) is None
    # A repeated delete is not an error; a GET of what is gone is still a 404.
    again = client.post(f"{lesson_url(world)}/observations/{oid}/delete", htmx=True)
    assert again.status_code == 204 and again.headers["HX-Trigger"] == "observation-saved"
    again = client.post(f"{lesson_url(world)}/observations/{oid}/delete", follow_redirects=True)
    assert "already been deleted" in html(again)
    assert client.get(f"{lesson_url(world)}/observations/{oid}/delete").status_code == 404


def _checked(body, name, value):
    return re.search(rf'<input checked id="{name}-\d" name="{name}"[^>]* type="radio" value="{value}">', body)


def test_after_an_edit_the_next_note_is_offered_where_the_lesson_has_got_to(client, world, app):
    """Correcting an older note does not take the form back to that note's pupil and stage: the
    next note is offered the pupil and stage of the observer's newest note."""
    client.sign_in(world["a"]["teacher"])  # the fixture's note: pupil A, stage 1
    pupils, stages = world["a"]["pupil_ids"], world["a"]["stage_ids"]
    assert (
        client.post(f"{lesson_url(world)}/observations", data=observation(world, "Newest", 2, 1)).status_code
        == 303
    )
    oid = world["a"]["observation_id"]
    edit = f"{lesson_url(world)}/observations/{oid}/edit"
    for htmx in (True, False):
        response = client.post(
            edit, htmx=htmx, data=observation(world, f"Corrected ({htmx})", version="2" if not htmx else "1")
        )
        assert response.status_code == (200 if htmx else 303)
        body = html(response) if htmx else html(client.get(f"{lesson_url(world)}/observe"))
        assert _checked(body, "case_pupil_id", pupils[2]) and _checked(body, "stage_id", stages[1])
        assert not _checked(body, "case_pupil_id", pupils[0])
    # The newest note corrected to another pupil: the form follows the correction.
    with app.app_context():
        newest_id = db.session.scalars(select(Observation.id).where(Observation.text == "Newest")).one()
    response = client.post(
        f"{lesson_url(world)}/observations/{newest_id}/edit",
        htmx=True,
        data=observation(world, "Newest, about pupil B", 1, 1, version="1"),
    )
    assert response.status_code == 200 and _checked(html(response), "case_pupil_id", pupils[1])


def test_tags_on_observations(client, world, app):
    client.sign_in(world["a"]["teacher"])
    element = world["a"]["element_id"]
    # The observation page offers the trio's links as tags: give the trio one.
    with app.app_context():
        linking.set_links(world["a"]["partnership_id"], "trio", world["a"]["trio_id"], [element])
        db.session.commit()
    assert f'name="tags" type="checkbox" value="{element}"' in html(
        client.get(f"{lesson_url(world)}/observe")
    )
    client.post(f"{lesson_url(world)}/observations", data=observation(world, "Tagged", tags=str(element)))
    with app.app_context():
        oid = db.session.scalar(select(Observation.id).where(Observation.text == "Tagged"))
        assert [e.id for e in linking.links_for("observation", [oid])[oid]] == [element]


def test_highlights(client, world, app):
    client.sign_in(world["a"]["other_teacher"])  # any trio member may mark one
    oid, nid = world["a"]["observation_id"], world["a"]["note_id"]
    assert (
        client.post(
            f"{lesson_url(world)}/observations/{oid}/highlight", data={"highlight": "1"}, htmx=True
        ).status_code
        == 204
    )
    assert (
        client.post(f"{lesson_url(world)}/voice/{nid}/highlight", data={"highlight": "1"}).status_code == 303
    )
    with app.app_context():
        assert db.session.get(Observation, oid).is_highlight and db.session.get(PupilVoice, nid).is_highlight
    assert "highlight" in html(client.get(f"{lesson_url(world)}/sheet"))


def test_observation_text_is_escaped(client, world):
    client.sign_in(world["a"]["teacher"])
    client.post(f"{lesson_url(world)}/observations", data=observation(world, "<img src=x onerror=alert(1)>"))
    body = html(client.get(f"{lesson_url(world)}/observe"))
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
