"""The dashboard's owner filter: a box for part of a name (the form's), an owner's id (the links in
reminders and digests), and the names it suggests, fetched only when the box is first focused."""

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.conftest import html
from tests.dashboard_board import NOW, TODAY
from workspace.actions import dashboard
from workspace.extensions import db
from workspace.models import User


def found(app, pid, **args):
    with app.app_context():
        page = dashboard.search(pid, dashboard.parse_filters(MultiDict(args)), today=TODAY, now=NOW)
        return {a.id for a in page.actions}


def user_id(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


@pytest.mark.parametrize(
    "words, expected",
    [
        ("Teacher2 Alpha", {"stale", "wide"}),  # the other teacher's name (tests/factories.py)
        ("teacher2", {"stale", "wide"}),  # any case, any part
        ("  TEACHER2 alpha ", {"stale", "wide"}),
        ("Teacher Alpha", {"overdue", "done", "fresh", "fixture"}),
        ("Teacher", {"overdue", "done", "fresh", "fixture", "stale", "wide"}),
        ("%", set()),  # a wildcard in the words is only itself
        ("Teacher_Alpha", set()),
        ("Nobody of that name", set()),
    ],
)
def test_owner_by_part_of_a_name(app, world, board, words, expected):
    pid = world["a"]["partnership_id"]
    assert found(app, pid, owner_name=words) == {board[n] for n in expected}


def test_a_name_in_another_partnership_finds_nothing_here(app, world, board):
    assert found(app, world["a"]["partnership_id"], owner_name="Teacher Beta") == set()


def test_the_name_filter_is_kept_in_the_url(app, world):
    filters = dashboard.parse_filters(MultiDict({"owner_name": " Teacher2 ", "status": "in_progress"}))
    assert filters.owner_name == "Teacher2" and filters.is_filtered
    assert filters.query_args(page=2) == {"owner_name": "Teacher2", "status": ["in_progress"], "page": 2}
    assert dashboard.parse_filters(MultiDict({"owner_name": "x" * 500})).owner_name == "x" * 100


def test_the_form_has_a_box_for_a_name_and_no_list_of_everyone(client, world, board):
    client.sign_in(world["a"]["lead"])
    body = html(client.get(f"/p/{world['a']['partnership_id']}/actions/?owner_name=teacher2"))
    box = re.search(r'<input[^>]*id="filter-owner"[^>]*>', body, re.S).group(0)
    assert 'name="owner_name"' in box and 'value="teacher2"' in box and 'list="owner-names"' in box
    assert 'hx-trigger="focus once"' in box
    assert '<datalist id="owner-names"></datalist>' in body  # filled when the box is first focused
    assert "Careers evening" in body and "Fraction walls overdue" not in body


def board_url(world, **args):
    return f"/p/{world['a']['partnership_id']}/actions/?" + urlencode(args)


def test_an_owner_link_shows_their_name_in_the_box_and_sends_their_id_back(client, world, board):
    other = user_id(client.application, world["a"]["other_teacher"])
    client.sign_in(world["a"]["lead"])
    body = html(client.get(board_url(world, owner=other)))
    assert re.search(r'<input[^>]*id="filter-owner"[^>]*value="Teacher2 Alpha"', body, re.S)
    assert f'<input type="hidden" name="owner" value="{other}">' in body
    assert "Careers evening" in body and "Fraction walls overdue" not in body


@pytest.fixture
def namesake(app, world):
    """A second owner whose name holds the other teacher's: "Teacher2 Alphabet"."""
    from tests.factories import member
    from workspace.models import Action, Partnership, School
    from workspace.reference import Role

    with app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        user = member(
            partnership,
            "namesake@example.org",
            Role.TEACHER,
            db.session.get(School, world["a"]["school_ids"][0]),
            name="Teacher2 Alphabet",
        )
        db.session.add(
            Action(
                partnership_id=partnership.id,
                title="The namesake's action",
                description="",
                status="not_started",
                owner_id=user.id,
                created_at=NOW,
                updated_at=NOW,
                last_progress_at=NOW,
            )
        )
        db.session.commit()


def test_the_form_keeps_a_linked_owner_while_the_box_shows_their_name(client, world, board, namesake):
    """The form sends the id back with the box's words: while they are the owner's name, the id
    holds, and a namesake's actions stay out."""
    other = user_id(client.application, world["a"]["other_teacher"])
    client.sign_in(world["a"]["lead"])
    kept = html(client.get(board_url(world, owner=other, owner_name="Teacher2 Alpha"), htmx=True))
    assert "Careers evening" in kept and "The namesake&#39;s action" not in kept
    by_name = html(client.get(board_url(world, owner_name="Teacher2 Alpha"), htmx=True))
    assert "Careers evening" in by_name and "The namesake&#39;s action" in by_name
    # Words typed over the name, or an emptied box, replace the linked owner.
    typed = html(client.get(board_url(world, owner=other, owner_name="Teacher Alpha"), htmx=True))
    assert "Fraction walls overdue" in typed and "Careers evening" not in typed
    emptied = html(client.get(board_url(world, owner=other, owner_name=""), htmx=True))
    assert "Fraction walls overdue" in emptied and "Careers evening" in emptied
    # The page of a name typed over the link's: no id goes back with the form.
    page = html(client.get(board_url(world, owner=other, owner_name="Teacher Alpha")))
    assert 'type="hidden" name="owner"' not in page
    assert re.search(r'<input[^>]*id="filter-owner"[^>]*value="Teacher Alpha"', page, re.S)


def test_an_owner_link_of_a_member_who_owns_nothing_still_names_them(client, world, board):
    reviewer = user_id(client.application, world["a"]["reviewer"])
    client.sign_in(world["a"]["lead"])
    body = html(client.get(board_url(world, owner=reviewer)))
    assert re.search(r'<input[^>]*id="filter-owner"[^>]*value="Reviewer Alpha"', body, re.S)
    assert "No actions match these filters." in body


def test_an_owner_link_never_names_someone_of_another_partnership(client, world, board):
    """Their id is ignored, as any malformed filter is: every action, an empty box, no name."""
    outsider = user_id(client.application, world["b"]["teacher"])
    client.sign_in(world["a"]["lead"])
    body = html(client.get(board_url(world, owner=outsider)))
    assert "Teacher Beta" not in body and 'type="hidden" name="owner"' not in body
    assert re.search(r'<input[^>]*id="filter-owner"[^>]*value=""', body, re.S)
    assert "Careers evening" in body and "Fraction walls overdue" in body


def test_a_name_with_an_accented_capital_is_found_as_suggested(app, client, world, board):
    """SQLite's lower() leaves Ù as it is: the words and the names are lowercased alike."""
    with app.app_context():
        other = db.session.scalar(select(User).where(User.email == world["a"]["other_teacher"]))
        other.name = "Ùna Macleod"
        db.session.commit()
    assert found(app, world["a"]["partnership_id"], owner_name="Ùna Macleod") == {
        board["stale"],
        board["wide"],
    }
    assert found(app, world["a"]["partnership_id"], owner_name="ÙNA MAC") == {board["stale"], board["wide"]}


def test_the_suggestions_are_the_partnerships_leads_and_teachers(client, world):
    client.sign_in(world["a"]["reviewer"])  # a reviewer filters too
    body = html(client.get(f"/p/{world['a']['partnership_id']}/actions/owners", htmx=True))
    assert body.startswith('<datalist id="owner-names">') and body.endswith("</datalist>")
    assert re.findall(r'<option value="([^"]*)"></option>', body) == [
        "Lead Alpha",
        "Teacher Alpha",
        "Teacher2 Alpha",
    ]


def test_the_page_of_owners_links_each_to_their_actions(client, world):
    """Without JavaScript, "All owners" opens a page of its own: each name opens their actions."""
    pid = world["a"]["partnership_id"]
    other = user_id(client.application, world["a"]["other_teacher"])
    client.sign_in(world["a"]["lead"])
    body = html(client.get(f"/p/{pid}/actions/owners"))
    assert "<h1>Owners of actions</h1>" in body
    assert f'<a href="/p/{pid}/actions/?owner={other}">Teacher2 Alpha</a>' in body
    assert '<datalist id="owner-names"><option value="Lead Alpha">' in body  # the fragment, in the page
    assert "Reviewer Alpha" not in body and "Beta" not in body


def test_names_are_escaped_in_the_suggestions(client, world):
    with client.application.app_context():
        lead = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
        lead.name = '"><script>alert(1)</script>'
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    for htmx in (True, False):
        body = html(client.get(f"/p/{world['a']['partnership_id']}/actions/owners", htmx=htmx))
        assert "<script>alert(1)" not in body and "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body
