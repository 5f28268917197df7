"""Signing in with Microsoft Entra ID (OpenID Connect) against a real provider started here
(tests/oidc_provider.py): the code flow with PKCE, state and nonce, the per-tenant issuer and the
tenant allowlist, and each refusal with its page and its line in the sign-in audit."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.conftest import html, make_app
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIDProvider
from tests.single_sign_on_world import small_world
from workspace.extensions import db
from workspace.models import ExternalIdentity, Membership, SignInAttempt, User

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.fixture
def world(app):
    """A smaller world than the suite's (tests/single_sign_on_world.py)."""
    return small_world(app)


@pytest.fixture(scope="module")
def provider():
    with OpenIDProvider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_app(app, provider):
    """The suite's database, with Microsoft configured to sign in through the provider above."""
    return make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        OIDC_PROVIDERS={
            "microsoft": {
                "name": "Microsoft",
                "discovery_url": provider.discovery_url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "tenants": [TENANT],
            }
        },
    )


@pytest.fixture
def sso_client(sso_app, app, world):
    from tests.conftest import WorkspaceClient

    sso_app.test_client_class = WorkspaceClient
    return sso_app.test_client()


@pytest.fixture(autouse=True)
def person(provider):
    provider.person = {"sub": "entra-sub-1", "tid": TENANT, "name": "Morag Campbell", "email": ""}
    provider.tamper = {}
    yield provider.person


def through_provider(client, provider, start="/sign-in/with/microsoft", change_callback=None, **query):
    """Choose Microsoft, let the provider answer, bring its answer back: the callback's response."""
    response = client.get(start + ("?" + urlencode(query) if query else ""))
    assert response.status_code == 302, html(response)[:300]
    to_provider = response.headers["Location"]
    sent = parse_qs(urlsplit(to_provider).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["nonce"][0] and sent["state"][0]
    answer = requests.get(to_provider, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    query_back = parse_qs(back.query)
    if change_callback:
        change_callback(query_back)
    return client.get(back.path, query_string={k: v[0] for k, v in query_back.items()})


def new_invite(sso_app, world, email):
    """An invitation to partnership A as a teacher: its token, address and partnership."""
    from datetime import timedelta

    from workspace.models import Partnership
    from workspace.partnerships import services as partnership_services
    from workspace.reference import Role

    with sso_app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        invite, token = partnership_services.create_invite(
            partnership, email, Role.TEACHER, world["a"]["school_ids"][0], None, timedelta(days=14)
        )
        db.session.commit()
        return token, invite.email, partnership.id


def audit(sso_app):
    with sso_app.app_context():
        return [
            (a.succeeded, a.detail)
            for a in db.session.scalars(select(SignInAttempt).order_by(SignInAttempt.id))
        ]


def identity_of(sso_app, subject):
    with sso_app.app_context():
        found = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.subject == subject))
        return (found.user.email, found.issuer) if found else None


def test_an_invited_teacher_joins_with_microsoft_and_never_chooses_a_password(
    sso_client, sso_app, provider, world
):
    token, email, partnership_id = new_invite(sso_app, world, "morag.campbell@example.org")
    page = html(sso_client.get(f"/invite/{token}"))
    assert "Sign in with Microsoft" in page and f"invite={token}" in page
    provider.person["email"] = email
    response = through_provider(sso_client, provider, invite=token)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/p/{partnership_id}/")
    assert sso_client.get(f"/p/{partnership_id}/").status_code == 200
    assert identity_of(sso_app, "entra-sub-1") == (email, provider.issuer_for(TENANT))
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is not None
        assert not user.password_hash.startswith("scrypt")  # no password was ever chosen
    assert audit(sso_app)[-1] == (True, "Microsoft: invitation accepted")

    # Next time the identity alone signs in, and no invitation is needed.
    sso_client.post("/sign-out")
    again = through_provider(sso_client, provider)
    assert again.status_code == 303 and sso_client.get("/partnerships").status_code == 200
    assert audit(sso_app)[-1] == (True, "Microsoft: linked identity")


def test_someone_with_no_account_and_no_invitation_is_told_how_to_get_one(sso_client, sso_app, provider):
    provider.person["email"] = "stranger@example.org"
    response = through_provider(sso_client, provider)
    assert response.status_code == 403
    assert "ask your partnership lead to invite you" in html(response)
    assert sso_client.get("/partnerships").status_code == 302
    assert identity_of(sso_app, "entra-sub-1") is None
    assert audit(sso_app)[-1] == (
        False,
        f"Microsoft: no account (issuer {provider.issuer_for(TENANT)}, subject entra-sub-1)",
    )


def test_a_signed_in_teacher_links_microsoft_and_two_step_is_not_asked_of_it(
    sso_client, sso_app, provider, world
):
    sso_client.sign_in(world["a"]["teacher"])
    response = through_provider(sso_client, provider)
    assert response.status_code == 303
    assert identity_of(sso_app, "entra-sub-1")[0] == world["a"]["teacher"]
    sso_client.post("/sign-out")
    sso_app.config["REQUIRE_TWO_STEP_FOR"] = ["admin", "lead", "teacher"]
    try:
        assert through_provider(sso_client, provider).status_code == 303
        with sso_client.session_transaction() as session:
            assert session["signed_in_with"] == "microsoft"
    finally:
        sso_app.config["REQUIRE_TWO_STEP_FOR"] = []


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"nonce": "a-nonce-this-browser-never-sent"}, "Microsoft: nonce not accepted"),
        ({"aud": "another-application"}, "Microsoft: aud not accepted"),
        ({"aud": "another-application", "azp": CLIENT_ID}, "Microsoft: aud not accepted"),
        ({"exp": "EXPIRED"}, "Microsoft: token expired"),
        ({"tid": OTHER_TENANT}, "Microsoft: tenant not allowed or issuer wrong"),
        ({"iss": "ISSUER OF ANOTHER TENANT"}, "Microsoft: tenant not allowed or issuer wrong"),
    ],
    ids=[
        "wrong nonce",
        "wrong audience",
        "wrong audience naming us its party",
        "expired",
        "tenant not on the allowlist",
        "issuer of another tenant",
    ],
)
def test_tokens_that_are_not_for_us_are_refused_with_a_page_and_an_audit_line(
    sso_client, sso_app, provider, world, tamper, reason
):
    if tamper.get("exp") == "EXPIRED":
        tamper = {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900, "nbf": int(time.time()) - 900}
    elif tamper.get("iss"):
        # Signed by the provider, for an allowed tid, but issued in another tenant's name.
        tamper = {"iss": provider.issuer_for(OTHER_TENANT)}
    provider.tamper = tamper
    response = through_provider(sso_client, provider)
    assert response.status_code in (400, 403)
    body = html(response)
    assert "You are not signed in" in body and "Traceback" not in body
    assert sso_client.get("/partnerships").status_code == 302
    assert audit(sso_app)[-1] == (False, reason)
    assert identity_of(sso_app, "entra-sub-1") is None


def test_a_wrong_state_is_refused(sso_client, sso_app, provider):
    response = through_provider(
        sso_client, provider, change_callback=lambda q: q.update(state=["state-of-another-browser"])
    )
    assert response.status_code == 400 and "did not match the request" in html(response)
    assert audit(sso_app)[-1] == (False, "Microsoft: state does not match")


def test_a_deployment_can_turn_passwords_off_for_accounts_that_use_a_provider(
    sso_client, sso_app, provider, world
):
    sso_client.sign_in(world["a"]["teacher"])
    through_provider(sso_client, provider)  # linked
    sso_client.post("/sign-out")
    sso_app.config["PASSWORD_SIGN_IN_WITH_SINGLE_SIGN_ON"] = False
    try:
        response = sso_client.post(
            "/sign-in", data={"email": world["a"]["teacher"], "password": "correct horse battery staple"}
        )
        assert response.status_code == 403 and "signs in with Microsoft" in html(response)
        # Others still sign in with their password.
        sso_client.sign_in(world["a"]["lead"])
    finally:
        sso_app.config["PASSWORD_SIGN_IN_WITH_SINGLE_SIGN_ON"] = True


def test_the_sign_in_page_offers_only_the_configured_providers(sso_client, client):
    assert "Sign in with Microsoft" in html(sso_client.get("/sign-in"))
    assert "Sign in with" not in html(client.get("/sign-in"))
    assert sso_client.get("/sign-in/with/glow").status_code == 404


def test_the_redirect_uri_comes_from_base_url_not_the_request_host(sso_app, provider, world):
    """A request naming another host does not change where the provider is asked to send people."""
    sso_app.config["BASE_URL"] = "https://workspace.example.org"
    try:
        client = sso_app.test_client()
        response = client.get("/sign-in/with/microsoft", headers={"Host": "attacker.example"})
        assert response.status_code == 302
        sent = parse_qs(urlsplit(response.headers["Location"]).query)
        assert sent["redirect_uri"] == ["https://workspace.example.org/sign-in/with/microsoft/callback"]
    finally:
        sso_app.config["BASE_URL"] = None
