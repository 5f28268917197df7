"""Observing a research lesson live: the tablet page, recording, the feed and its poll, editing,
tags and highlights, from several tablets at once."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import FROZEN_NOW, html
from tests.statements import recorded
from tests.test_lessons import lesson_url
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Observation, PupilVoice, ResearchLesson, User
from workspace.trios import observation_feed, observing


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
        ({"case_pupil_id": "999999"}, "Not a valid choice"),
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


def test_feed_poll_is_one_query_when_nothing_is_new(client, world, app):
    client.sign_in(world["a"]["teacher"])
    with app.app_context():
        since = observation_feed.feed_signature(
            world["a"]["partnership_id"], world["a"]["trio_id"], world["a"]["lesson_id"]
        )
    with recorded(app) as statements:
        assert (
            client.get(f"{lesson_url(world)}/observations/feed?since={since}", htmx=True).status_code == 204
        )
    # One query in all: the session's account and access, the lesson and its feed's version together;
    # no count over the lesson's observations, however many there are.
    assert len(statements) == 1, statements
    assert all(part in statements[0].lower() for part in ("membership", "research_lesson", "feed_version"))
    assert "observation" not in statements[0].lower().replace("research_lesson", "")


def test_feed_without_htmx_is_a_page(client, world):
    client.sign_in(world["a"]["reviewer"])
    response = client.get(f"{lesson_url(world)}/observations/feed?since=x")
    assert response.status_code == 200 and "<html" in html(response)


def test_observers_edit_and_delete_only_their_own(client, make_client, world, app):
    oid = world["a"]["observation_id"]
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    assert colleague.get(f"{lesson_url(world)}/observations/{oid}/edit").status_code == 403
    assert colleague.post(f"{lesson_url(world)}/observations/{oid}/delete").status_code == 403
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


@pytest.mark.parametrize(
    "who, outside_the_trio, archived, may_change",
    [
        ("lead", False, False, True),
        ("teacher", False, False, True),  # a member of the trio
        ("other_teacher", True, False, False),  # a teacher of the partnership, not of the trio
        ("reviewer", False, False, False),
        ("teacher", False, True, False),  # an archived partnership is read-only
        ("lead", False, True, False),
    ],
)
def test_the_feed_offers_highlights_and_photos_to_those_who_may_change_the_trio(
    client, world, app, who, outside_the_trio, archived, may_change
):
    """The poll's feed (read with the trio's members' ids) and the observation page agree."""
    from workspace.models import Partnership, TrioMember
    from workspace.privacy import services as privacy

    a = world["a"]
    with app.app_context():
        if outside_the_trio:
            user_id = db.session.scalar(select(User.id).where(User.email == a[who]))
            db.session.execute(
                TrioMember.__table__.delete().where(
                    TrioMember.trio_id == a["trio_id"], TrioMember.user_id == user_id
                )
            )
        if archived:
            privacy.archive(db.session.get(Partnership, a["partnership_id"]))
        db.session.commit()
    client.sign_in(a[who])
    oid = a["observation_id"]
    for body in (
        html(client.get(f"{lesson_url(world)}/observations/feed", htmx=True)),
        html(client.get(f"{lesson_url(world)}/observe")),
    ):
        assert f'id="observation-{oid}"' in body
        assert (f"/observations/{oid}/highlight" in body) is may_change
        assert (f"/observations/{oid}/files" in body) is may_change


def test_observation_text_is_escaped(client, world):
    client.sign_in(world["a"]["teacher"])
    client.post(f"{lesson_url(world)}/observations", data=observation(world, "<img src=x onerror=alert(1)>"))
    body = html(client.get(f"{lesson_url(world)}/observe"))
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_the_poll_answers_only_a_session_that_still_holds_for_a_lesson_of_the_partnership(client, world, app):
    a, b = world["a"], world["b"]
    base = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/observations/feed"
    client.sign_in(a["teacher"])
    since = re.search(r"since=([v0-9.]+)", html(client.get(f"{base}?since=x", htmx=True))).group(1)
    assert client.get(f"{base}?since={since}", htmx=True).status_code == 204
    # Another partnership's lesson, through either partnership's id: 404, whatever `since` says.
    assert (
        client.get(
            f"/p/{a['partnership_id']}/trios/{b['trio_id']}/lessons/{b['lesson_id']}/observations/feed"
            f"?since={since}",
            htmx=True,
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/p/{b['partnership_id']}/trios/{b['trio_id']}/lessons/{b['lesson_id']}/observations/feed"
            f"?since={since}",
            htmx=True,
        ).status_code
        == 404
    )
    with app.app_context():
        db.session.scalar(select(User).where(User.email == a["teacher"])).is_disabled = True
        db.session.commit()
    disabled = client.get(f"{base}?since={since}", htmx=True)
    assert disabled.status_code == 401 and "sign-in" in disabled.headers["HX-Redirect"]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == a["teacher"]))
        user.is_disabled = False
        user.end_all_sessions()
        db.session.commit()
    assert client.get(f"{base}?since={since}", htmx=True).status_code == 401


def test_an_observation_saved_while_the_feed_is_read_is_brought_in_by_the_next_poll(
    client, world, app, monkeypatch
):
    """The signature is read on its own connection, before the entries: an observation saved in
    between makes the next poll bring the feed again, never a 204 that hides it."""
    a = world["a"]
    real_feed = observation_feed.feed
    saved = []

    def feed_while_another_tablet_posts(lesson, *args):
        if not saved:
            with app.app_context():
                colleague = db.session.scalar(select(User.id).where(User.email == a["other_teacher"]))
                desk = db.session.get(ResearchLesson, a["lesson_id"])
                saved.append(
                    observing.record_observation(
                        desk,
                        colleague,
                        observing.ObservationInput(
                            a["pupil_ids"][0], None, "Saved between the two reads", None, []
                        ),
                    ).id
                )
                db.session.commit()
        return real_feed(lesson, *args)

    monkeypatch.setattr(observation_feed, "feed", feed_while_another_tablet_posts)
    client.sign_in(a["teacher"])
    base = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/observations/feed"
    body = html(client.get(f"{base}?since=0.0.0", htmx=True))
    monkeypatch.setattr(observation_feed, "feed", real_feed)
    since = re.search(r"since=([v0-9.]+)", body).group(1)
    poll = client.get(f"{base}?since={since}", htmx=True)
    assert "Saved between the two reads" in body or poll.status_code == 200
    assert "Saved between the two reads" in body + html(poll)


def test_the_feed_shows_the_newest_entries_first_and_all_of_them_on_request(client, world, app):
    """A lesson gathers a hundred entries or more: the feed shows the newest FEED_FIRST, with
    the lesson's whole count, and "Show all" (a page, or the feed by htmx) brings the rest; the
    polls of a feed showing all keep showing all. The observer's last pupil and stage are still
    offered when their last entry is not among those shown."""
    from datetime import timedelta

    from sqlalchemy import insert

    a = world["a"]
    with app.app_context():
        other = db.session.scalar(select(User.id).where(User.email == a["other_teacher"]))
        now = FROZEN_NOW  # the notes' times are built from the suite's frozen "now"
        db.session.execute(
            insert(Observation),
            [
                {
                    "partnership_id": a["partnership_id"],
                    "lesson_id": a["lesson_id"],
                    "case_pupil_id": a["pupil_ids"][0],
                    "stage_id": a["stage_ids"][0],
                    "observer_id": other,
                    "text": f"Bulk note {n}",
                    "created_at": now - timedelta(seconds=n),
                    "updated_at": now - timedelta(seconds=n),
                }
                for n in range(observation_feed.FEED_FIRST + 3)
            ],
        )
        db.session.commit()
        total = db.session.scalar(
            select(db.func.count(Observation.id)).where(Observation.lesson_id == a["lesson_id"])
        )
    client.sign_in(a["teacher"])
    body = html(client.get(f"{lesson_url(world)}/observe"))
    assert body.count('<li class="entry') == observation_feed.FEED_FIRST and f"({total})" in body
    assert "Bulk note 0<" in body and f"Bulk note {observation_feed.FEED_FIRST}<" not in body
    assert f"Show all {total} observations" in body and "observe?all=1#observation-feed" in body
    pupil, stage = a["pupil_ids"][0], a["stage_ids"][0]  # the teacher's own entry, not shown
    assert re.search(
        rf'<input checked id="case_pupil_id-\d" name="case_pupil_id"[^>]* value="{pupil}">', body
    )
    assert re.search(rf'<input checked id="stage_id-\d" name="stage_id"[^>]* value="{stage}">', body)
    every = html(client.get(f"{lesson_url(world)}/observations/feed?all=1", htmx=True))
    assert every.count('<li class="entry') == total and "Show all" not in every
    poll = re.search(r'hx-get="([^"]+)"', every).group(1).replace("&amp;", "&")
    assert "all=1" in poll and client.get(poll, htmx=True).status_code == 204
    assert html(client.get(f"{lesson_url(world)}/observe?all=1")).count('<li class="entry') == total


def test_the_feed_reads_its_lessons_pupils_and_stages_and_names_each_entrys(client, world, app):
    """The feed's query joins only the pupils and stages of the lesson it reads (so PostgreSQL
    reads those rows by their index, not every lesson's, hashed), and each entry still has its
    pupil's label and its stage's title; an entry of no stage has none."""
    a = world["a"]
    with app.app_context():
        lesson = db.session.get(ResearchLesson, a["lesson_id"])
        pupils = {p.id: p.label for p in lesson.case_pupils}
        stages = {s.id: s.title for s in lesson.stages}
        teacher = db.session.scalar(select(User.id).where(User.email == a["teacher"]))
        for text, stage in (("Staged note", a["stage_ids"][1]), ("Unstaged note", None)):
            observing.record_observation(
                lesson, teacher, observing.ObservationInput(a["pupil_ids"][1], stage, text, None, [])
            )
        db.session.commit()
        expected = {
            (o.text, pupils[o.case_pupil_id], stages.get(o.stage_id))
            for o in db.session.scalars(select(Observation).where(Observation.lesson_id == lesson.id))
        }
    with recorded(app) as statements, app.app_context():
        page = observation_feed.feed(db.session.get(ResearchLesson, a["lesson_id"]), everything=True)
    assert {(e.text, e.pupil, e.stage) for e in page.entries} == expected
    assert page.total == len(expected)
    assert {(e.text, e.stage) for e in page.entries} >= {
        ("Unstaged note", None),
        ("Staged note", stages[a["stage_ids"][1]]),
    }
    [query] = [s for s in statements if "FROM observation" in s]
    joins = " ".join(query.split())
    assert "case_pupil.lesson_id = " in joins.split("LEFT OUTER JOIN lesson_stage")[0]
    assert (
        "lesson_stage.lesson_id = "
        in joins.split("LEFT OUTER JOIN lesson_stage")[1].split("LEFT OUTER JOIN")[0]
    )
