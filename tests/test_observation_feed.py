"""The observation feed and its poll: what every tablet watching a lesson reads back. One
statement when nothing is new; the newest entries first, all on request; each entry's pupil and
stage from its own lesson; nothing missed when an entry is saved while the feed is read; only a
session that still holds, for a lesson of the partnership; and the highlight and photo actions only
for those who may change the trio."""

import re

import pytest
from sqlalchemy import delete, select

from tests.conftest import FROZEN_NOW, html
from tests.statements import recorded
from tests.test_lessons import lesson_url
from workspace.extensions import db
from workspace.models import Observation, Partnership, ResearchLesson, TrioMember, User
from workspace.privacy import services as privacy
from workspace.trios import observation_feed, observing


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
    a = world["a"]
    with app.app_context():
        if outside_the_trio:
            user_id = db.session.scalar(select(User.id).where(User.email == a[who]))
            db.session.execute(
                delete(TrioMember).where(TrioMember.trio_id == a["trio_id"], TrioMember.user_id == user_id)
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
