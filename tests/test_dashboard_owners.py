"""The dashboard's owner filter: a box for part of a name (the form's), an owner's id (the links in
reminders and digests), and the names it suggests, fetched only when the box is first focused."""

import re

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


def test_an_owner_link_shows_their_name_in_the_box(client, world, board):
    """A reminder's link names the owner by id; the box shows who that is, so the next change
    of the filter keeps them."""
    other = user_id(client.application, world["a"]["other_teacher"])
    client.sign_in(world["a"]["lead"])
    body = html(client.get(f"/p/{world['a']['partnership_id']}/actions/?owner={other}"))
    assert re.search(r'<input[^>]*id="filter-owner"[^>]*value="Teacher2 Alpha"', body, re.S)
    assert "Careers evening" in body and "Fraction walls overdue" not in body


def test_an_owner_link_never_names_someone_of_another_partnership(client, world, board):
    outsider = user_id(client.application, world["b"]["teacher"])
    client.sign_in(world["a"]["lead"])
    body = html(client.get(f"/p/{world['a']['partnership_id']}/actions/?owner={outsider}"))
    assert "Teacher Beta" not in body
    assert re.search(r'<input[^>]*id="filter-owner"[^>]*value=""', body, re.S)
    assert "No actions match these filters." in body


def test_the_suggestions_are_the_partnerships_leads_and_teachers(client, world):
    client.sign_in(world["a"]["reviewer"])  # a reviewer filters too
    body = html(client.get(f"/p/{world['a']['partnership_id']}/actions/owners", htmx=True))
    assert body.startswith('<datalist id="owner-names">') and body.endswith("</datalist>")
    options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', body)
    assert options == [
        ("Lead Alpha", "Lead"),
        ("Teacher Alpha", "Alpha Primary School"),
        ("Teacher2 Alpha", "Alpha High School"),
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
