"""Sessions end: by sign-out and password change everywhere, by timeouts, and when an
administrator disables an account."""

import time

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, html
from workspace.extensions import db
from workspace.models import User


def signed_in(client, world):
    return client.get(f"/p/{world['a']['partnership_id']}/").status_code == 200


def test_signing_out_ends_every_session_of_the_user(make_client, world):
    laptop, tablet = make_client(), make_client()
    laptop.sign_in(world["a"]["teacher"])
    tablet.sign_in(world["a"]["teacher"])
    assert signed_in(laptop, world) and signed_in(tablet, world)
    laptop.post("/sign-out")
    assert not signed_in(tablet, world)
    assert tablet.get(f"/p/{world['a']['partnership_id']}/").status_code == 302


def test_changing_the_password_ends_other_sessions_but_not_this_one(make_client, world):
    laptop, tablet = make_client(), make_client()
    laptop.sign_in(world["a"]["teacher"])
    tablet.sign_in(world["a"]["teacher"])
    response = laptop.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 303
    assert signed_in(laptop, world)
    assert not signed_in(tablet, world)


def test_idle_timeout(make_client, world, app):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    response = client.get(f"/p/{world['a']['partnership_id']}/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert not signed_in(client, world)


def test_absolute_timeout_even_when_active(make_client, world, app):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - app.config["SESSION_ABSOLUTE_HOURS"] * 3600 - 5
    response = client.get(f"/p/{world['a']['partnership_id']}/schools", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/sign-in")


def test_active_sessions_stay(make_client, world):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    for _ in range(3):
        assert signed_in(client, world)


def test_a_disabled_account_is_signed_out_at_once_and_cannot_sign_in(make_client, world, app):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    result = app.test_cli_runner().invoke(args=["disable-account", world["a"]["teacher"]])
    assert result.exit_code == 0, result.output
    assert not signed_in(client, world)
    again = make_client()
    response = again.post("/sign-in", data={"email": world["a"]["teacher"], "password": TEST_PASSWORD})
    assert response.status_code == 422 and "not right" in html(response)
    assert app.test_cli_runner().invoke(args=["enable-account", world["a"]["teacher"]]).exit_code == 0
    again.sign_in(world["a"]["teacher"])


def test_session_ids_carry_the_version(app, world):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        assert user.get_id() == f"{user.id}:{user.session_version}"


def test_privacy_notice_and_accessibility_statement_are_public(client):
    for path, text in (
        ("/privacy", "Case pupils are never named"),
        ("/accessibility", "(WCAG) 2.2 at level AA"),
    ):
        response = client.get(path)
        assert response.status_code == 200 and text in html(response)
    assert 'href="/privacy"' in html(client.get("/sign-in"))


def test_signed_in_pages_refuse_a_tampered_cookie(client, world):
    client.sign_in(world["a"]["teacher"])
    assert client.get("/partnerships").status_code == 200
    cookie = client.get_cookie("session", domain="workspace.test").value
    client.set_cookie(
        "session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"), domain="workspace.test"
    )
    assert client.get("/partnerships").status_code in (302, 303)
