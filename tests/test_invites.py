"""Invites: single-use links with an expiry, shown once to the lead."""

import re
from datetime import timedelta

import pytest

from tests.conftest import TEST_PASSWORD, html
from workspace.extensions import db
from workspace.models import Invite, Membership, User
from workspace.models.base import utcnow


def invite_url(world):
    return f"/p/{world['a']['partnership_id']}/invites/new"


def make_invite(client, world, email, role="teacher", school_id=None, htmx=False):
    school_id = world["a"]["school_ids"][0] if school_id is None and role == "teacher" else school_id
    response = client.post(
        invite_url(world), htmx=htmx, data={"email": email, "role": role, "school_id": school_id or ""}
    )
    assert response.status_code == 201, html(response)[:2000]
    link = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', html(response)).group(1)
    return response, link.replace("http://workspace.test", "")


def test_invite_page_and_fragment(client, world):
    client.sign_in(world["a"]["lead"])
    assert "Create invitation link" in html(client.get(invite_url(world)))
    assert html(client.get(invite_url(world), htmx=True)).lstrip().startswith('<div id="invite"')


def test_invite_shows_link_once_and_stores_only_a_hash(client, world, app):
    client.sign_in(world["a"]["lead"])
    response, link = make_invite(client, world, "Morag.Campbell@School.Scot", htmx=True)
    token = link.rsplit("/", 1)[1]
    assert "<html" not in html(response)
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).where(Invite.email == "morag.campbell@school.scot"))
        assert token not in invite.token_hash
        assert invite.expires_at - invite.created_at == timedelta(days=app.config["INVITE_VALID_DAYS"])
    assert token not in html(client.get(f"/p/{world['a']['partnership_id']}/members"))


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "not-an-address", "role": "teacher"}, "Enter an e-mail address like"),
        ({"email": "x@example.org", "role": ""}, "Choose a role."),
        ({"email": "x@example.org", "role": "owner"}, "Not a valid choice"),
        ({"email": "x@example.org", "role": "teacher", "school_id": ""}, "Choose the teacher&#39;s school."),
        ({"email": "teacher.alpha@example.org", "role": "teacher", "school_id": "A0"}, "already a member"),
    ],
)
def test_invalid_invites_are_422(client, world, data, message):
    client.sign_in(world["a"]["lead"])
    if data.get("school_id") == "A0":
        data = data | {"school_id": str(world["a"]["school_ids"][0])}
    response = client.post(invite_url(world), data=data)
    assert response.status_code == 422
    assert message in html(response)
    assert "There is a problem" in html(response)


def test_new_person_accepts_and_is_signed_in(client, world, app):
    client.sign_in(world["a"]["lead"])
    _, link = make_invite(client, world, "morag@example.org")
    newcomer = app.test_client()
    from tests.conftest import WorkspaceClient

    newcomer = WorkspaceClient(app, app.response_class, use_cookies=True)
    page = newcomer.get(link)
    assert page.status_code == 200 and "Set up your account" in html(page)
    response = newcomer.post(
        link,
        data={
            "name": "Morag Campbell",
            "password": "lesson study trio",
            "confirm_password": "lesson study trio",
        },
    )
    assert response.status_code == 303
    assert newcomer.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "morag@example.org"))
        membership = db.session.scalar(db.select(Membership).where(Membership.user_id == user.id))
        assert (membership.role, membership.school_id) == ("teacher", world["a"]["school_ids"][0])
    # Single use.
    assert WorkspaceClient(app, app.response_class).get(link).status_code == 404


def test_new_person_with_a_weak_password_gets_422(client, world, app):
    from tests.conftest import WorkspaceClient

    client.sign_in(world["a"]["lead"])
    _, link = make_invite(client, world, "morag@example.org")
    newcomer = WorkspaceClient(app, app.response_class)
    response = newcomer.post(
        link, data={"name": "Morag", "password": "password", "confirm_password": "password"}
    )
    assert response.status_code == 422
    assert "commonly used" in html(response)
    assert 'value="Morag"' in html(response)


def test_existing_account_adds_the_partnership(client, world, app):
    """A member of B is invited to A: they sign in and accept, and then have both."""
    from tests.conftest import WorkspaceClient

    client.sign_in(world["a"]["lead"])
    _, link = make_invite(client, world, world["b"]["teacher"], role="reviewer")
    person = WorkspaceClient(app, app.response_class)
    page = person.get(link)
    assert "Sign in to accept" in html(page)
    response = person.post(
        "/sign-in", data={"email": world["b"]["teacher"], "password": TEST_PASSWORD, "next": link}
    )
    assert response.headers["Location"] == link
    assert "Join Partnership Alpha" in html(person.get(link))
    assert person.post(link).status_code == 303
    body = html(person.get("/partnerships"))
    assert "Partnership Alpha" in body and "Partnership Beta" in body


def test_signed_in_as_someone_else_cannot_accept(client, world, app):
    from tests.conftest import WorkspaceClient

    client.sign_in(world["a"]["lead"])
    _, link = make_invite(client, world, "morag@example.org")
    other = WorkspaceClient(app, app.response_class)
    other.sign_in(world["b"]["lead"])
    assert "You are signed in as" in html(other.get(link))
    assert other.post(link).status_code == 422


def test_expired_and_revoked_invites_do_not_work(client, world, app):
    from tests.conftest import WorkspaceClient

    client.sign_in(world["a"]["lead"])
    _, expired_link = make_invite(client, world, "late@example.org")
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).where(Invite.email == "late@example.org"))
        invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    visitor = WorkspaceClient(app, app.response_class)
    assert visitor.get(expired_link).status_code == 404
    _, revoked_link = make_invite(client, world, "gone@example.org")
    with app.app_context():
        iid = db.session.scalar(db.select(Invite.id).where(Invite.email == "gone@example.org"))
    assert client.post(f"/p/{world['a']['partnership_id']}/invites/{iid}/revoke").status_code == 303
    assert visitor.get(revoked_link).status_code == 404
    assert visitor.get("/invite/made-up-token").status_code == 404


def test_a_new_invite_replaces_the_old_link(client, world, app):
    from tests.conftest import WorkspaceClient

    client.sign_in(world["a"]["lead"])
    _, first = make_invite(client, world, "twice@example.org")
    _, second = make_invite(client, world, "twice@example.org")
    visitor = WorkspaceClient(app, app.response_class)
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200


def test_invite_accept_needs_csrf(client, world, app):
    from tests.conftest import WorkspaceClient

    client.sign_in(world["a"]["lead"])
    _, link = make_invite(client, world, "morag@example.org")
    newcomer = WorkspaceClient(app, app.response_class)
    response = newcomer.post(
        link,
        csrf=False,
        data={"name": "M", "password": "lesson study trio", "confirm_password": "lesson study trio"},
    )
    assert response.status_code == 400
