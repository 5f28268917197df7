"""Members and their roles: leads change roles in place and remove members; others read."""

import re

import pytest

from tests.conftest import html
from workspace.extensions import db
from workspace.models import Membership


def members_url(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/members"


def role_url(world, membership_key, side="a"):
    return f"{members_url(world, side)}/{world[side][membership_key]}/role"


def role_data(membership_id, role, school_id=""):
    return {f"m{membership_id}-role": role, f"m{membership_id}-school_id": str(school_id)}


def test_members_page_and_fragment(client, world):
    client.sign_in(world["a"]["reviewer"])
    page = client.get(members_url(world))
    assert page.status_code == 200
    body = html(page)
    assert world["a"]["teacher"] in body and world["b"]["teacher"] not in body
    assert "Invite a member" not in body and "Open invitations" not in body
    fragment = client.get(members_url(world), htmx=True)
    assert html(fragment).lstrip().startswith('<div id="members"')


def test_lead_sees_role_forms_and_open_invites(client, world):
    client.sign_in(world["a"]["lead"])
    body = html(client.get(members_url(world)))
    assert "Invite a member" in body
    assert "new.alpha@example.org" in body
    assert f'hx-post="{role_url(world, "teacher_membership_id")}"' in body


def test_change_role_in_place_with_htmx(client, world, app):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["teacher_membership_id"]
    response = client.post(
        role_url(world, "teacher_membership_id"),
        htmx=True,
        data=role_data(mid, "teacher", world["a"]["school_ids"][1]),
    )
    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith(f'<tr id="member-{mid}"') and "Saved" in body
    with app.app_context():
        assert db.session.get(Membership, mid).school_id == world["a"]["school_ids"][1]


def test_change_role_without_javascript(client, world, app):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["teacher_membership_id"]
    response = client.post(role_url(world, "teacher_membership_id"), data=role_data(mid, "lead"))
    assert response.status_code == 303
    assert "is now: Partnership lead" in html(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Membership, mid).role == "lead"


@pytest.mark.parametrize("htmx", [False, True])
def test_teacher_role_needs_a_school(client, world, htmx):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["lead_membership_id"]
    # Make a second lead so the only-lead rule does not answer first.
    client.post(
        role_url(world, "other_teacher_membership_id"),
        data=role_data(world["a"]["other_teacher_membership_id"], "lead"),
    )
    response = client.post(role_url(world, "lead_membership_id"), htmx=htmx, data=role_data(mid, "teacher"))
    assert response.status_code == 422
    assert "Choose the teacher&#39;s school." in html(response)
    assert ("<html" in html(response)) is (not htmx)


def test_the_only_lead_cannot_be_demoted(client, world):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["lead_membership_id"]
    response = client.post(role_url(world, "lead_membership_id"), htmx=True, data=role_data(mid, "reviewer"))
    assert response.status_code == 422
    assert "only lead" in html(response)


def test_school_from_another_partnership_is_refused(client, world):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["teacher_membership_id"]
    response = client.post(
        role_url(world, "teacher_membership_id"),
        htmx=True,
        data=role_data(mid, "teacher", world["b"]["school_ids"][0]),
    )
    assert response.status_code == 422
    assert "Not a valid choice" in html(response)


def test_nonsense_school_id_is_422_not_500(client, world):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["teacher_membership_id"]
    response = client.post(
        role_url(world, "teacher_membership_id"), htmx=True, data=role_data(mid, "teacher", "abc")
    )
    assert response.status_code == 422


def test_reviewers_have_no_school(client, world, app):
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["teacher_membership_id"]
    client.post(
        role_url(world, "teacher_membership_id"), data=role_data(mid, "reviewer", world["a"]["school_ids"][0])
    )
    with app.app_context():
        membership = db.session.get(Membership, mid)
        assert (membership.role, membership.school_id) == ("reviewer", None)


def test_remove_member(client, world, app):
    client.sign_in(world["a"]["lead"])
    url = f"{members_url(world)}/{world['a']['teacher_membership_id']}/remove"
    assert "will no longer see" in html(client.get(url))
    assert "<html" not in html(client.get(url, htmx=True))
    assert client.post(url).status_code == 303
    with app.app_context():
        assert db.session.get(Membership, world["a"]["teacher_membership_id"]) is None
    # The removed teacher no longer sees the partnership.
    other = app.test_client()
    other.post("/sign-in", data={"email": world["a"]["teacher"], "password": "correct horse battery staple"})
    assert other.get(f"/p/{world['a']['partnership_id']}/").status_code == 404


def test_the_only_lead_cannot_be_removed(client, world):
    client.sign_in(world["a"]["lead"])
    response = client.post(f"{members_url(world)}/{world['a']['lead_membership_id']}/remove")
    assert response.status_code == 422
    assert "only lead" in html(response)


@pytest.mark.parametrize("who", ["teacher", "reviewer"])
def test_only_leads_manage_members(client, world, who):
    client.sign_in(world["a"][who])
    mid = world["a"]["other_teacher_membership_id"]
    assert (
        client.post(role_url(world, "other_teacher_membership_id"), data=role_data(mid, "lead")).status_code
        == 403
    )
    assert client.post(f"{members_url(world)}/{mid}/remove").status_code == 403
    assert client.get(f"/p/{world['a']['partnership_id']}/invites/new").status_code == 403


def test_htmx_row_shows_what_was_stored(client, world):
    """A reviewer's school is cleared; the row must not keep showing the school that was sent."""
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["teacher_membership_id"]
    response = client.post(
        role_url(world, "teacher_membership_id"),
        htmx=True,
        data=role_data(mid, "reviewer", world["a"]["school_ids"][0]),
    )
    body = html(response)
    assert response.status_code == 200
    assert re.search(
        r'<option selected value="">No school</option>|<option value="" selected>No school</option>', body
    ), body


def test_only_lead_hears_the_real_reason_first(client, world):
    """Demoting the only lead to teacher with no school: the only-lead rule is what matters."""
    client.sign_in(world["a"]["lead"])
    mid = world["a"]["lead_membership_id"]
    response = client.post(role_url(world, "lead_membership_id"), htmx=True, data=role_data(mid, "teacher"))
    assert response.status_code == 422
    assert "only lead" in html(response) and "Choose the teacher" not in html(response)
