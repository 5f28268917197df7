"""Signing in and out, passwords, throttling, session renewal and safe redirects."""

from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.security import generate_password_hash

from tests.conftest import TEST_PASSWORD, html
from workspace.auth import passwords
from workspace.auth.redirects import safe_next
from workspace.extensions import db
from workspace.models import SignInAttempt, User


def test_sign_in_page_renders_with_csrf_field(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert 'name="csrf_token"' in html(response)
    assert 'autocomplete="current-password"' in html(response)


def test_sign_in_and_out(client, world):
    response = client.post("/sign-in", data={"email": world["a"]["lead"].upper(), "password": TEST_PASSWORD})
    assert response.status_code == 303
    assert client.get("/partnerships").status_code == 200
    response = client.post("/sign-out")
    assert response.status_code == 303
    assert client.get("/partnerships").status_code == 302  # to the sign-in page


def test_wrong_password_is_422_with_email_kept_and_summary(client, world):
    response = client.post("/sign-in", data={"email": world["a"]["lead"], "password": "not the password"})
    assert response.status_code == 422
    body = html(response)
    assert "The e-mail address or password is not right." in body
    assert f'value="{world["a"]["lead"]}"' in body
    assert "There is a problem" in body


def test_missing_fields_link_from_the_summary_to_each_field(client):
    response = client.post("/sign-in", data={})
    assert response.status_code == 422
    body = html(response)
    assert 'href="#email"' in body and 'href="#password"' in body
    assert 'aria-invalid="true"' in body


def test_sign_out_needs_csrf(client, world):
    client.sign_in(world["a"]["lead"])
    assert client.post("/sign-out", csrf=False).status_code == 400
    assert client.get("/partnerships").status_code == 200


def test_session_is_renewed_at_sign_in(client, world):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    client.sign_in(world["a"]["lead"])
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_failures_per_account_answer_429(client, world, app):
    email = world["a"]["teacher"]
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert client.post("/sign-in", data={"email": email, "password": "wrong-password"}).status_code == 422
    response = client.post("/sign-in", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "too many failed attempts" in html(response)
    # Another account from elsewhere is not affected.
    other = app.test_client()
    assert (
        other.post(
            "/sign-in",
            data={"email": world["a"]["lead"], "password": TEST_PASSWORD},
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        ).status_code
        == 303
    )


def test_failures_per_address_answer_429(client, world, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        client.post("/sign-in", data={"email": f"nobody{n}@example.org", "password": "wrong-password"})
    response = client.post("/sign-in", data={"email": world["a"]["lead"], "password": TEST_PASSWORD})
    assert response.status_code == 429


def test_throttle_is_counted_in_the_database(client, world, app):
    """Every worker process sees the same count: it lives in the database, not in memory."""
    client.post("/sign-in", data={"email": world["a"]["lead"], "password": "wrong-password"})
    with app.app_context():
        attempts = db.session.scalars(db.select(SignInAttempt)).all()
        assert [(a.email, a.succeeded) for a in attempts] == [(world["a"]["lead"], False)]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http:evil.example",
        "\\\\evil.example",
        "/%0d%0aLocation:%20https://evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\tevil",
        "",
    ],
)
def test_next_refuses_other_sites(client, world, target):
    response = client.post(
        "/sign-in", data={"email": world["a"]["lead"], "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    # Resolved as a browser would, the redirect stays on this site.
    assert urlsplit(urljoin("http://workspace.test/sign-in", location)).netloc == "workspace.test"
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location


def test_next_keeps_paths_of_this_site(client, world):
    target = f"/p/{world['a']['partnership_id']}/schools?x=1"
    response = client.post(
        "/sign-in", data={"email": world["a"]["lead"], "password": TEST_PASSWORD, "next": target}
    )
    assert response.headers["Location"] == target


def test_safe_next_unit():
    assert safe_next("/p/1/schools") == "/p/1/schools"
    for bad in ("//x", "/\\x", "https://x", "x", None, "/a\nb"):
        assert safe_next(bad) is None


def test_signed_out_page_request_goes_to_sign_in_with_next(client, world):
    response = client.get(f"/p/{world['a']['partnership_id']}/schools")
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]


def test_expired_session_htmx_request_gets_hx_redirect_not_a_form(client, world):
    pid = world["a"]["partnership_id"]
    response = client.get(
        f"/p/{pid}/schools", htmx=True, headers={"HX-Current-URL": f"http://workspace.test/p/{pid}/schools"}
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/sign-in?next=")
    assert "<form" not in html(response)


def test_expired_session_htmx_post_gets_hx_redirect(client, world):
    pid = world["a"]["partnership_id"]
    response = client.post(f"/p/{pid}/schools", htmx=True, csrf=False, data={"name": "X"})
    assert response.headers.get("HX-Redirect", "").startswith("/sign-in")


def test_change_password(client, world, app):
    client.sign_in(world["a"]["teacher"])
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a new long passphrase",
            "confirm_password": "a new long passphrase",
        },
    )
    assert response.status_code == 303
    client.post("/sign-out")
    client.sign_in(world["a"]["teacher"], "a new long passphrase")


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        (
            "wrong password!",
            "a new long passphrase",
            "a new long passphrase",
            "current password is not right",
        ),
        (TEST_PASSWORD, "short", "short", "at least 8 characters"),
        (TEST_PASSWORD, "password1", "password1", "most commonly used"),
        (TEST_PASSWORD, "a new long passphrase", "something else", "do not match"),
        (TEST_PASSWORD, "x" * 129, "x" * 129, "at most 128"),
    ],
)
def test_change_password_refusals(client, world, current, new, confirm, message):
    client.sign_in(world["a"]["teacher"])
    response = client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
    )
    assert response.status_code == 422
    assert message in html(response)


def account_attempts(app, email) -> int:
    """The attempts counting against the account in the throttle's window now."""
    from workspace.models import SignInThrottle

    with app.app_context():
        return (
            db.session.scalar(
                db.select(SignInThrottle.attempts).where(SignInThrottle.key == f"account:{email}")
            )
            or 0
        )


def test_the_current_password_is_behind_the_sign_in_throttle_when_changing_it(client, world, app):
    """A stolen session cannot guess the password on the change-password page."""
    email = world["a"]["teacher"]
    client.sign_in(email)
    change = {"new_password": "a new long passphrase", "confirm_password": "a new long passphrase"}
    # A right current password gives its attempt back, as at sign-in.
    assert (
        client.post(
            "/account/password",
            data={"current_password": TEST_PASSWORD, "new_password": "short", "confirm_password": "short"},
        ).status_code
        == 422
    )
    assert account_attempts(app, email) == 0
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        wrong = client.post("/account/password", data={"current_password": "a wrong guess", **change})
        assert wrong.status_code == 422 and "current password is not right" in html(wrong)
    refused = client.post("/account/password", data={"current_password": TEST_PASSWORD, **change})
    assert refused.status_code == 429
    assert (
        "There have been too many failed attempts to sign in. Please wait 15 minutes and try again."
        in html(refused)
    )
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert passwords.verify_password(user.password_hash, TEST_PASSWORD)  # unchanged
        recorded = db.session.scalars(
            db.select(SignInAttempt).where(SignInAttempt.email == email).order_by(SignInAttempt.id)
        ).all()
        assert [(a.step, a.succeeded) for a in recorded] == [("password", True), ("password_again", True)] + [
            ("password_again", False)
        ] * app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]


def test_the_throttle_says_how_long_its_window_is(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW_SECONDS", 600)
    email = world["a"]["teacher"]
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post("/sign-in", data={"email": email, "password": "wrong-password"})
    response = client.post("/sign-in", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 429 and "Please wait 10 minutes and try again." in html(response)
    assert "15 minutes" not in html(response)


@pytest.mark.parametrize(
    "seconds, words", [(900, "15 minutes"), (60, "1 minute"), (90, "2 minutes"), (20, "1 minute")]
)
def test_the_wait_is_the_window_in_whole_minutes(seconds, words):
    from datetime import timedelta

    from workspace.auth import services

    limits = services.ThrottleLimits(window=timedelta(seconds=seconds), per_account=5, per_address=30)
    assert f"Please wait {words} and try again." in services.too_many_attempts(limits)


def test_password_rules():
    assert passwords.password_problem("correct horse battery staple") is None
    assert passwords.password_problem("x" * 64 + "yz") is None  # up to at least 64 characters
    assert "at least 8" in passwords.password_problem("abc1234")
    assert "commonly used" in passwords.password_problem("qwerty123")
    assert "commonly used" in passwords.password_problem("Password")
    assert passwords.password_problem("aaaaaaaaaa")


def test_password_hash_is_scrypt_at_full_cost(monkeypatch):
    monkeypatch.setattr(passwords, "HASH_METHOD", "scrypt")
    hashed = passwords.hash_password("correct horse battery staple")
    assert hashed.startswith("scrypt:32768:8:1$")
    assert passwords.verify_password(hashed, "correct horse battery staple")


def test_unknown_email_costs_a_hash_too(client, world, app, monkeypatch):
    calls = []
    original = passwords.verify_password
    from workspace.auth import services

    def counting(h, p):
        calls.append(h)
        return original(h, p)

    monkeypatch.setattr(services, "verify_password", counting)
    client.post("/sign-in", data={"email": "nobody@example.org", "password": "whatever-it-is"})
    assert len(calls) == 1


def test_user_text_is_escaped(client, world, app):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == world["a"]["teacher"]))
        user.name = "<script>alert('x')</script>"
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    body = html(client.get(f"/p/{world['a']['partnership_id']}/members"))
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(" in body


def test_unused_generate_password_hash_default_is_not_weaker():
    # Werkzeug's own default is what HASH_METHOD names: scrypt.
    assert generate_password_hash("x").startswith("scrypt:")
