"""Actions: who creates and changes them, progress history, stale edits, comments and activity."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import html
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Action, Activity, Comment, Partnership, ProgressUpdate, User
from workspace.models.activity import ActivityIsAppendOnly
from workspace.privacy import services as privacy


def actions_url(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/actions"


def uid(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def action_data(app, world, **changes):
    data = {
        "title": "Number talks every morning",
        "description": "Five minutes, every class.",
        "school_id": str(world["a"]["school_ids"][0]),
        "owner_id": str(uid(app, world["a"]["teacher"])),
        "due_date": "2027-03-31",
        "status": "not_started",
    }
    data.update(changes)
    return data


def test_new_action_page_and_create_with_links(client, world, app):
    client.sign_in(world["a"]["teacher"])
    page = html(client.get(f"{actions_url(world)}/new"))
    school_select = re.search(r'<select[^>]*name="school_id".*?</select>', page, re.S).group(0)
    assert (
        "Alpha Primary School" in school_select and "Alpha High School" not in school_select
    )  # own school only
    assert "Partnership-wide" not in school_select
    assert (
        html(client.get(f"{actions_url(world)}/new", htmx=True)).lstrip().startswith('<div id="action-form"')
    )
    response = client.post(
        f"{actions_url(world)}/new", data=action_data(app, world, links=str(world["a"]["element_id"]))
    )
    assert response.status_code == 303
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.title == "Number talks every morning"))
        assert action.school_id == world["a"]["school_ids"][0]
        assert [e.id for e in linking.links_for("action", [action.id])[action.id]] == [
            world["a"]["element_id"]
        ]
        entry = db.session.scalar(
            select(Activity).where(Activity.record_type == "action", Activity.record_id == action.id)
        )
        assert entry.verb == "created" and entry.actor_name == "Teacher Alpha"


def test_an_action_with_no_update_says_so_not_its_creation_date(client, world, app):
    client.sign_in(world["a"]["lead"])
    assert client.post(f"{actions_url(world)}/new", data=action_data(app, world)).status_code == 303
    with app.app_context():
        aid = db.session.scalar(select(Action.id).where(Action.title == "Number talks every morning"))

    def last_update_cell(body):
        row = body.split(f'href="/p/{world["a"]["partnership_id"]}/actions/{aid}"')[1].split("</tr>")[0]
        return re.findall(r"<td>(.*?)</td>", row, re.S)[4]

    page = html(client.get(f"{actions_url(world)}/{aid}"))
    assert re.search(r"<dt>Last update</dt><dd>No update yet \(added [^)]+\)", page)
    for htmx in (False, True):  # the dashboard, and its results fragment
        assert last_update_cell(html(client.get(f"{actions_url(world)}/", htmx=htmx))).startswith(
            "No update yet"
        )
    client.post(f"{actions_url(world)}/{aid}/progress", data={"text": "Started in P5.", "status_to": ""})
    assert "No update yet" not in html(client.get(f"{actions_url(world)}/{aid}"))
    assert not last_update_cell(html(client.get(f"{actions_url(world)}/"))).startswith("No update yet")


def test_an_action_opened_from_filtered_results_leads_back_to_them(client, world, app):
    client.sign_in(world["a"]["lead"])
    lead = str(uid(app, world["a"]["lead"]))
    assert (
        client.post(f"{actions_url(world)}/new", data=action_data(app, world, owner_id=lead)).status_code
        == 303
    )
    with app.app_context():
        aid = db.session.scalar(select(Action.id).where(Action.title == "Number talks every morning"))
    filtered = f"{actions_url(world)}/?q=number&status=not_started&status=in_progress&sort=-updated"
    for htmx in (False, True):  # the dashboard, and the results a new filter brings
        body = html(client.get(filtered, htmx=htmx))
        link = re.search(rf'href="(/p/\d+/actions/{aid}\?[^"]+)"', body)
        assert link, body
        detail = html(client.get(unescape(link.group(1))))
        back = re.search(r'<a href="([^"]+)">Back to the actions you filtered</a>', detail).group(1)
        assert parse_qs(urlsplit(unescape(back)).query) == {
            "q": ["number"],
            "status": ["not_started", "in_progress"],
            "sort": ["-updated"],
        }
        assert f"/actions/{aid}" in html(client.get(unescape(back)))
    # Edited from there, or updated without JavaScript: the filters stay with the page.
    query = "q=number&status=not_started&status=in_progress&sort=-updated"
    detail = html(client.get(f"{actions_url(world)}/{aid}?{query}"))
    assert (
        f'href="{actions_url(world)}/{aid}/edit?{query.replace("&", "&amp;")}">Edit the action</a>' in detail
    )
    assert f'action="{actions_url(world)}/{aid}/progress?{query.replace("&", "&amp;")}"' in detail
    edit_page = html(client.get(f"{actions_url(world)}/{aid}/edit?{query}"))
    assert f'action="{actions_url(world)}/{aid}/edit?{query.replace("&", "&amp;")}"' in edit_page
    version = re.search(r'name="version" value="(\d+)"', edit_page).group(1)
    saved = client.post(
        f"{actions_url(world)}/{aid}/edit?{query}",
        data=action_data(app, world, owner_id=lead, version=version),
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/actions/{aid}?{query}")
    posted = client.post(
        f"{actions_url(world)}/{aid}/progress?{query}", data={"text": "Begun.", "status_to": ""}
    )
    assert posted.status_code == 303 and posted.headers["Location"].endswith(f"/actions/{aid}?{query}")
    # Sorted or paged only: back to that list.
    assert "Back to the list of actions</a>" in html(client.get(f"{actions_url(world)}/{aid}?sort=title"))
    # Opened from anywhere else, or with nothing the dashboard reads: all actions.
    for query in ("", "?colour=red&status=nonsense"):
        detail = html(client.get(f"{actions_url(world)}/{aid}{query}"))
        assert f'<a href="{actions_url(world)}/">All actions</a>' in detail
    # What was typed goes back into the link as a URL's text, never as markup.
    hostile = html(client.get(f"{actions_url(world)}/{aid}?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"))
    assert (
        "<script>alert(1)" not in hostile and '?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E">Back to' in hostile
    )
    # "Your actions" is a page of its own: its links are plain.
    for htmx in (False, True):
        assert re.search(
            rf'href="/p/\d+/actions/{aid}"',
            html(client.get(f"{actions_url(world)}/mine?sort=title", htmx=htmx)),
        )


@pytest.mark.parametrize(
    "who, change, status",
    [
        ("teacher", {"school_id": "OTHER_SCHOOL"}, 422),  # teachers make actions for their own school
        ("teacher", {"school_id": ""}, 422),  # not partnership-wide
        ("lead", {"school_id": ""}, 303),  # leads may
        ("lead", {"school_id": "B_SCHOOL"}, 422),  # never another partnership's school
        ("lead", {"owner_id": "REVIEWER"}, 422),  # reviewers own nothing
        ("lead", {"title": ""}, 422),
        ("lead", {"due_date": "2027-02-30"}, 422),
        ("lead", {"status": "done"}, 422),
    ],
)
def test_who_creates_what(client, world, app, who, change, status):
    client.sign_in(world["a"][who])
    values = {
        "OTHER_SCHOOL": str(world["a"]["school_ids"][1]),
        "B_SCHOOL": str(world["b"]["school_ids"][0]),
        "REVIEWER": str(uid(app, world["a"]["reviewer"])),
    }
    data = action_data(app, world, **{k: values.get(v, v) for k, v in change.items()})
    response = client.post(f"{actions_url(world)}/new", data=data)
    assert response.status_code == status, html(response)[:2000]
    if status == 422:
        assert "There is a problem" in html(response)
        if data["title"]:
            assert 'value="Number talks every morning"' in html(response)


def test_reviewers_create_and_change_nothing(client, world):
    client.sign_in(world["a"]["reviewer"])
    aid = world["a"]["action_id"]
    assert client.get(f"{actions_url(world)}/new").status_code == 403
    assert client.get(f"{actions_url(world)}/{aid}/edit").status_code == 403
    assert client.post(f"{actions_url(world)}/{aid}/progress", data={"text": "x"}).status_code == 403
    page = html(client.get(f"{actions_url(world)}/{aid}"))
    assert "Post an update" not in page and "Edit the action" not in page and "Add a comment" in page


def test_teachers_change_only_the_actions_they_own(client, make_client, world, app):
    aid = world["a"]["action_id"]  # owned by the teacher
    other = make_client()
    other.sign_in(world["a"]["other_teacher"])
    assert other.get(f"{actions_url(world)}/{aid}/edit").status_code == 403
    assert other.post(f"{actions_url(world)}/{aid}/progress", data={"text": "Not mine"}).status_code == 403
    client.sign_in(world["a"]["teacher"])
    assert client.get(f"{actions_url(world)}/{aid}/edit").status_code == 200
    assert client.post(f"{actions_url(world)}/{aid}/progress", data={"text": "Mine"}).status_code == 303


def test_progress_history_is_kept_newest_first(client, world, app):
    client.sign_in(world["a"]["teacher"])
    aid = world["a"]["action_id"]
    first = client.post(
        f"{actions_url(world)}/{aid}/progress",
        htmx=True,
        data={"text": "P5 now using the walls.", "evidence": "Exit tickets up.", "status_to": ""},
    )
    assert first.status_code == 201
    assert html(first).lstrip().startswith('<section id="progress"')
    second = client.post(
        f"{actions_url(world)}/{aid}/progress",
        htmx=True,
        data={"text": "All classes done.", "status_to": "complete"},
    )
    body = html(second)
    assert (
        body.index("All classes done.")
        < body.index("P5 now using the walls.")
        < body.index("Walls bought for P6.")
    )
    with app.app_context():
        action = db.session.get(Action, aid)
        assert action.status == "complete"
        updates = db.session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.action_id == aid).order_by(ProgressUpdate.id)
        ).all()
        assert [u.text for u in updates] == [
            "Walls bought for P6.",
            "P5 now using the walls.",
            "All classes done.",
        ]
        assert updates[2].status_from == "in_progress" and updates[2].status_to == "complete"
        assert updates[1].evidence == "Exit tickets up."
    bad = client.post(
        f"{actions_url(world)}/{aid}/progress", htmx=True, data={"text": "", "evidence": "kept evidence"}
    )
    assert bad.status_code == 422 and "Write what has happened." in html(bad) and "kept evidence" in html(bad)


def test_stale_action_edit_is_409_and_shows_what_changed(client, make_client, world, app):
    aid = world["a"]["action_id"]
    url = f"{actions_url(world)}/{aid}/edit"
    client.sign_in(world["a"]["teacher"])
    version = re.search(r'name="version" value="(\d+)"', html(client.get(url))).group(1)
    lead = make_client()
    lead.sign_in(world["a"]["lead"])
    data = action_data(app, world, title="Fraction walls in every P5-P7 class", version=version)
    assert (
        lead.post(
            url, data=data | {"due_date": "2027-06-30", "description": "The lead's description"}
        ).status_code
        == 303
    )
    mine = client.post(url, data=data | {"description": "My careful description"})
    assert mine.status_code == 409
    body = html(mine)
    assert "Someone else saved this action" in body
    assert "The lead&#39;s description" in body and "30 June 2027" in body  # what changed
    assert "My careful description" in body  # nothing lost
    # A progress update moves the version on too, so an edit made before it is stale.
    with app.app_context():
        assert db.session.get(Action, aid).description == "The lead's description"


def test_comments_by_members_and_reviewers(client, world, app):
    client.sign_in(world["a"]["reviewer"])
    pid, aid = world["a"]["partnership_id"], world["a"]["action_id"]
    for record_type, record_id in (
        ("action", aid),
        ("trio", world["a"]["trio_id"]),
        ("lesson", world["a"]["lesson_id"]),
    ):
        response = client.post(
            f"/p/{pid}/comments/{record_type}/{record_id}",
            htmx=True,
            data={"text": f"Reviewer's note on the {record_type}"},
        )
        assert response.status_code == 201
        assert html(response).lstrip().startswith('<section id="comments"')
        assert f"Reviewer&#39;s note on the {record_type}" in html(response)
    assert client.post(f"/p/{pid}/comments/action/{aid}", data={"text": ""}).status_code == 422
    assert client.post(f"/p/{pid}/comments/school/{aid}", data={"text": "x"}).status_code == 404
    page = html(client.get(f"/p/{pid}/trios/{world['a']['trio_id']}"))
    assert "Reviewer&#39;s note on the trio" in page and "Graham" not in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Comment.id))) == 3
        verbs = db.session.scalars(select(Activity.verb).where(Activity.verb == "commented")).all()
        assert len(verbs) == 3


def test_nobody_comments_in_an_archived_partnership(make_client, world, app):
    """Archived is read-only for everyone: the comments stay readable, the form goes, and a post
    (a page left open from before) is refused with nothing stored."""
    pid, aid = world["a"]["partnership_id"], world["a"]["action_id"]
    clients = {who: make_client() for who in ("reviewer", "lead")}
    for who, client in clients.items():
        client.sign_in(world["a"][who])
    before = clients["reviewer"].post(f"/p/{pid}/comments/action/{aid}", data={"text": "Before the archive"})
    assert before.status_code == 303
    with app.app_context():
        privacy.archive(db.session.get(Partnership, pid))
        db.session.commit()
    for client in clients.values():
        page = html(client.get(f"/p/{pid}/actions/{aid}"))
        assert "Before the archive" in page and "Add a comment" not in page
        assert "no more can be added" in page
        for htmx in (False, True):
            response = client.post(f"/p/{pid}/comments/action/{aid}", htmx=htmx, data={"text": "After"})
            assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Comment.text)).all() == ["Before the archive"]


def test_activity_feed_page_poll_and_append_only(client, world, app):
    client.sign_in(world["a"]["lead"])
    pid = world["a"]["partnership_id"]
    client.post(f"{actions_url(world)}/{world['a']['action_id']}/progress", data={"text": "Feed me"})
    page = html(client.get(f"/p/{pid}/activity"))
    assert "posted progress on" in page and "Fraction walls" in page
    newest = re.search(r"since=(\d+)", page).group(1)
    assert client.get(f"/p/{pid}/activity?since={newest}", htmx=True).status_code == 204
    client.post(f"/p/{pid}/comments/action/{world['a']['action_id']}", data={"text": "New thing"})
    fresh = client.get(f"/p/{pid}/activity?since={newest}", htmx=True)
    assert fresh.status_code == 200 and "commented on" in html(fresh)
    with app.app_context():
        entry = db.session.scalars(select(Activity)).first()
        entry.summary = "rewritten"
        with pytest.raises(ActivityIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalars(select(Activity)).first()
        db.session.delete(entry)
        with pytest.raises(ActivityIsAppendOnly):
            db.session.flush()
        db.session.rollback()
    # Another partnership's feed shows none of it.
    other = app.test_client()
    other.post("/sign-in", data={"email": world["b"]["lead"], "password": "correct horse battery staple"})
    assert "Feed me" not in html(other.get(f"/p/{world['b']['partnership_id']}/activity"))


def test_my_actions(client, make_client, world, app):
    client.sign_in(world["a"]["teacher"])
    page = html(client.get(f"{actions_url(world)}/mine"))
    assert "Fraction walls in every P5-P7 class" in page
    other = make_client()
    other.sign_in(world["a"]["other_teacher"])
    assert "Fraction walls in every P5-P7 class" not in html(other.get(f"{actions_url(world)}/mine"))
    assert (
        html(client.get(f"{actions_url(world)}/mine", htmx=True)).lstrip().startswith('<section id="results"')
    )
    assert "My actions</a>" in html(client.get(f"{actions_url(world)}/"))
    # A reviewer owns none: no link to an empty list, and the page says why it is empty.
    reviewer = make_client()
    reviewer.sign_in(world["a"]["reviewer"])
    assert "My actions</a>" not in html(reviewer.get(f"{actions_url(world)}/"))
    assert "As a reviewer you own no actions" in html(reviewer.get(f"{actions_url(world)}/mine"))
    assert "As a reviewer" not in html(client.get(f"{actions_url(world)}/mine"))
