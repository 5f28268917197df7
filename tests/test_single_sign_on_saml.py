"""Signing in with Glow (RM Unify, SAML 2.0) against pysaml2's identity provider, started here
(tests/saml_provider.py): signed assertions only, for this workspace, in their time window, each
once, answering a request of ours or none (the Launch Pad); the provider's metadata refreshed by
its command, with two signing certificates accepted side by side during a rollover."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import WorkspaceClient, html, make_app
from tests.saml_provider import IDP_ENTITY_ID, IdentityProvider, MetadataServer, metadata_with_both, tamper
from tests.single_sign_on_world import small_world
from workspace.extensions import db
from workspace.models import ExternalIdentity, SamlAssertionSeen, SamlRequest, SignInAttempt

if not shutil.which("xmlsec1"):
    if os.environ.get("REQUIRE_XMLSEC"):
        raise RuntimeError("REQUIRE_XMLSEC is set but xmlsec1 is not installed (apt-get install xmlsec1)")
    pytest.skip(
        "xmlsec1 is not installed (apt-get install xmlsec1): SAML is not tested", allow_module_level=True
    )

ACS = "http://workspace.test/sign-in/with/glow/acs"
SP_ENTITY_ID = "http://workspace.test/sign-in/with/glow/metadata"


@pytest.fixture
def world(app):
    """A smaller world than the suite's (tests/single_sign_on_world.py)."""
    return small_world(app)


@pytest.fixture(scope="module")
def metadata_server():
    with MetadataServer() as running:
        yield running


@pytest.fixture(scope="module")
def saml_app(app, metadata_server, tmp_path_factory):
    return make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SAML_METADATA_DIR=str(tmp_path_factory.mktemp("saml-metadata")),
        BASE_URL="http://workspace.test",
        SAML_PROVIDERS={
            "glow": {
                "name": "Glow",
                "metadata_url": metadata_server.url,
                "idp_entity_id": IDP_ENTITY_ID,
                "attributes": {"subject": "uid", "email": "mail", "name": "displayName"},
                # The Launch Pad's unsolicited responses, which most tests here post.
                "allow_idp_initiated": True,
            }
        },
    )


@pytest.fixture(scope="module")
def sp_metadata(saml_app):
    client = saml_app.test_client()
    response = client.get("/sign-in/with/glow/metadata")
    assert response.status_code == 200 and response.mimetype == "application/samlmetadata+xml"
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def keys(tmp_path_factory, sp_metadata):
    folder = tmp_path_factory.mktemp("idp-keys")
    return {name: IdentityProvider(folder, name, sp_metadata) for name in ("old", "new")}


@pytest.fixture
def publish(saml_app, metadata_server):
    """Puts metadata where RM would and runs the cron command that fetches it."""

    def _publish(xml: str):
        metadata_server.xml = xml
        return saml_app.test_cli_runner().invoke(args=["refresh-saml-metadata"])

    return _publish


@pytest.fixture
def glow(keys, publish, metadata_server, world):
    """The provider signing with its old key, as its published metadata says."""
    if metadata_server.xml != keys["old"].metadata():
        result = publish(keys["old"].metadata())
        assert result.exit_code == 0, result.output
    return keys["old"]


@pytest.fixture
def sso_client(saml_app):
    saml_app.test_client_class = WorkspaceClient
    return saml_app.test_client()


def start(client, idp, **query):
    response = client.get("/sign-in/with/glow", query_string=query)
    assert response.status_code == 303, html(response)[:300]
    return idp.read_request(response.headers["Location"])


BROWSER_COOKIE = "saml_browser_glow"


def carry_browser_cookie(from_client, to_client):
    cookie = from_client.get_cookie(BROWSER_COOKIE, domain="workspace.test", path="/sign-in/with/glow/acs")
    assert cookie is not None and cookie.http_only
    to_client.set_cookie(BROWSER_COOKIE, cookie.value, domain="workspace.test", path=cookie.path)


def post(client, saml_response):
    return client.post("/sign-in/with/glow/acs", data={"SAMLResponse": saml_response}, csrf=False)


def last_audit(saml_app):
    with saml_app.app_context():
        attempt = db.session.scalars(select(SignInAttempt).order_by(SignInAttempt.id.desc())).first()
        return attempt.succeeded, attempt.detail


def link_teacher(saml_app, world, subject="glow-guid-1"):
    from workspace.auth import identities
    from workspace.models import User

    with saml_app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        identities.link_identity(teacher, identities.Profile("glow", "Glow", IDP_ENTITY_ID, subject))
        db.session.commit()


def test_the_service_provider_metadata_says_where_to_post_and_wants_signed_assertions(sp_metadata):
    assert f'entityID="{SP_ENTITY_ID}"' in sp_metadata
    assert ACS in sp_metadata and "HTTP-POST" in sp_metadata
    assert 'WantAssertionsSigned="true"' in sp_metadata


def test_an_invited_teacher_joins_with_glow_and_needs_no_password(sso_client, saml_app, glow, world):
    from datetime import timedelta as days

    from workspace.models import Partnership
    from workspace.partnerships import services as partnership_services
    from workspace.reference import Role

    with saml_app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        _invite, token = partnership_services.create_invite(
            partnership,
            "morag@falkirk.example.org",
            Role.TEACHER,
            world["a"]["school_ids"][0],
            None,
            days(14),
        )
        db.session.commit()
    assert "Sign in with Glow" in html(sso_client.get(f"/invite/{token}"))
    request = start(sso_client, glow, invite=token)
    assert request.assertion_consumer_service_url in (None, ACS)
    response = post(sso_client, glow.response(ACS, SP_ENTITY_ID, request.id))
    assert response.status_code == 303, last_audit(saml_app)
    assert response.headers["Location"].endswith(f"/p/{world['a']['partnership_id']}/")
    assert sso_client.get(f"/p/{world['a']['partnership_id']}/").status_code == 200
    assert last_audit(saml_app) == (True, "Glow: invitation accepted")
    with saml_app.app_context():
        identity = db.session.scalar(select(ExternalIdentity))
        assert (identity.issuer, identity.subject, identity.user.email) == (
            IDP_ENTITY_ID,
            "glow-guid-1",
            "morag@falkirk.example.org",
        )
        assert db.session.get(SamlRequest, request.id) is None  # answered: spent


def test_the_launch_pad_signs_in_without_a_request_of_ours(sso_client, saml_app, glow, world):
    link_teacher(saml_app, world)
    response = post(sso_client, glow.response(ACS, SP_ENTITY_ID, None))
    assert response.status_code == 303
    assert sso_client.get("/partnerships").status_code == 200
    assert last_audit(saml_app) == (True, "Glow: linked identity")


def refused(saml_app, response, reason):
    assert response.status_code == 400, html(response)[:500]
    assert "You are not signed in" in html(response)
    succeeded, detail = last_audit(saml_app)
    assert not succeeded and detail.startswith(f"Glow: {reason}"), detail


def test_an_unsigned_assertion_is_refused(sso_client, saml_app, glow, world):
    link_teacher(saml_app, world)
    refused(saml_app, post(sso_client, glow.response(ACS, SP_ENTITY_ID, None, sign=False)), "signature")
    assert sso_client.get("/partnerships").status_code == 302


def test_a_tampered_assertion_is_refused(sso_client, saml_app, glow, world):
    link_teacher(saml_app, world, subject="someone-else")
    genuine = glow.response(ACS, SP_ENTITY_ID, None, subject="glow-guid-1")
    forged = tamper(genuine, "glow-guid-1", "someone-else")
    refused(saml_app, post(sso_client, forged), "signature")


def test_an_assertion_for_another_service_is_refused(sso_client, saml_app, glow, world):
    link_teacher(saml_app, world)
    other = glow.response(ACS, "https://another-app.example.org/saml", None)
    refused(saml_app, post(sso_client, other), "audience")


def test_an_expired_assertion_is_refused(sso_client, saml_app, glow, world, frozen_clock):
    link_teacher(saml_app, world)
    late = glow.response(ACS, SP_ENTITY_ID, None)
    frozen_clock.shift(timedelta(minutes=10))
    refused(saml_app, post(sso_client, late), "outside its time window")


def test_a_replayed_assertion_is_refused(saml_app, glow, world, frozen_clock):
    link_teacher(saml_app, world)
    saml_app.test_client_class = WorkspaceClient
    once = glow.response(ACS, SP_ENTITY_ID, None)
    assert post(saml_app.test_client(), once).status_code == 303
    refused(saml_app, post(saml_app.test_client(), once), "assertion replayed")
    with saml_app.app_context():
        assert db.session.scalar(select(db.func.count(SamlAssertionSeen.id))) == 1
    # Kept until it expires, then `flask purge` lets it go: its own time window refuses it by then.
    assert "erased 0 expired" in saml_app.test_cli_runner().invoke(args=["purge"]).output
    frozen_clock.shift(timedelta(minutes=15))
    assert "erased 1 expired" in saml_app.test_cli_runner().invoke(args=["purge"]).output


def test_a_response_to_a_request_that_is_not_ours_is_refused(sso_client, saml_app, glow, world):
    link_teacher(saml_app, world)
    start(sso_client, glow)
    refused(
        saml_app,
        post(sso_client, glow.response(ACS, SP_ENTITY_ID, "id-this-workspace-never-sent")),
        "InResponseTo",
    )
    # Nor is one request answered twice.
    request = start(sso_client, glow)
    assert post(sso_client, glow.response(ACS, SP_ENTITY_ID, request.id)).status_code == 303
    refused(saml_app, post(sso_client, glow.response(ACS, SP_ENTITY_ID, request.id)), "InResponseTo")


def test_a_certificate_rollover_accepts_both_then_only_the_new(make_client, saml_app, keys, publish, world):
    link_teacher(saml_app, world)
    saml_app.test_client_class = WorkspaceClient
    old, new = keys["old"], keys["new"]
    assert publish(old.metadata()).exit_code == 0
    refused(saml_app, post(saml_app.test_client(), new.response(ACS, SP_ENTITY_ID, None)), "signature")

    result = publish(metadata_with_both(old, new))  # RM publishes the new certificate beside the old
    assert result.exit_code == 0 and "2 signing certificate(s)" in result.output, result.output
    for key in (old, new):
        assert post(saml_app.test_client(), key.response(ACS, SP_ENTITY_ID, None)).status_code == 303

    assert publish(new.metadata()).exit_code == 0  # the old one retired
    assert post(saml_app.test_client(), new.response(ACS, SP_ENTITY_ID, None)).status_code == 303
    refused(saml_app, post(saml_app.test_client(), old.response(ACS, SP_ENTITY_ID, None)), "signature")


def test_metadata_that_does_not_check_out_leaves_the_copy_kept(saml_app, glow, publish, sso_client, world):
    result = publish("<html>RM Unify is down for maintenance</html>")
    assert result.exit_code == 1 and "unchanged" in result.output
    link_teacher(saml_app, world)
    assert post(sso_client, glow.response(ACS, SP_ENTITY_ID, None)).status_code == 303


def test_a_signed_in_teacher_links_glow_though_the_answer_carries_no_session_cookie(
    sso_client, saml_app, glow, world
):
    sso_client.sign_in(world["a"]["teacher"])
    assert "Sign in with Glow" in html(sso_client.get("/account/password"))
    request = start(sso_client, glow)
    # The identity provider's POST is cross-site: a SameSite=Lax cookie (the session's) does not
    # come with it; the SameSite=None one that binds the request to this browser does.
    saml_app.test_client_class = WorkspaceClient
    browser_without_cookie = saml_app.test_client()
    carry_browser_cookie(sso_client, browser_without_cookie)
    response = post(browser_without_cookie, glow.response(ACS, SP_ENTITY_ID, request.id))
    assert response.status_code == 303
    assert last_audit(saml_app) == (True, "Glow: identity linked to the signed-in account")
    with saml_app.app_context():
        assert db.session.scalar(select(ExternalIdentity)).user.email == world["a"]["teacher"]


def test_a_request_answered_in_another_browser_links_nothing_and_signs_nobody_in(saml_app, glow, world):
    """The attack: a signed-in attacker starts a link without following it and sends the identity
    provider's address to a victim, whose answer would link the victim's Glow to the attacker."""
    saml_app.test_client_class = WorkspaceClient
    attacker, victim = saml_app.test_client(), saml_app.test_client()
    attacker.sign_in(world["a"]["lead"])
    request = start(attacker, glow)
    refused(saml_app, post(victim, glow.response(ACS, SP_ENTITY_ID, request.id)), "InResponseTo")
    assert victim.get("/partnerships").status_code == 302
    with saml_app.app_context():
        assert db.session.scalar(select(ExternalIdentity)) is None
    # A forged cookie does not pass either; the request stays the attacker's browser's, once.
    victim.set_cookie(BROWSER_COOKIE, "guessed", domain="workspace.test", path="/sign-in/with/glow/acs")
    refused(saml_app, post(victim, glow.response(ACS, SP_ENTITY_ID, request.id)), "InResponseTo")
    assert post(attacker, glow.response(ACS, SP_ENTITY_ID, request.id)).status_code == 303
    assert last_audit(saml_app) == (True, "Glow: identity linked to the signed-in account")
    refused(saml_app, post(attacker, glow.response(ACS, SP_ENTITY_ID, request.id)), "InResponseTo")


def test_the_browser_cookie_is_http_only_limited_to_the_acs_and_secure_over_https(
    sso_client, saml_app, glow, world, monkeypatch
):
    monkeypatch.setitem(saml_app.config, "SESSION_COOKIE_SECURE", True)
    response = sso_client.get("/sign-in/with/glow")
    header = response.headers["Set-Cookie"]
    for part in ("saml_browser_glow=", "HttpOnly", "Secure", "SameSite=None", "Path=/sign-in/with/glow/acs"):
        assert part in header, header


def test_unsolicited_responses_are_refused_unless_the_deployment_allows_them(
    sso_client, saml_app, glow, world, monkeypatch
):
    link_teacher(saml_app, world)
    monkeypatch.delitem(saml_app.config["SAML_PROVIDERS"]["glow"], "allow_idp_initiated")
    refused(saml_app, post(sso_client, glow.response(ACS, SP_ENTITY_ID, None)), "unsolicited")
    assert sso_client.get("/partnerships").status_code == 302


def test_an_unsolicited_response_never_links_an_identity_to_the_signed_in_account(
    sso_client, saml_app, glow, world
):
    sso_client.sign_in(world["a"]["teacher"])  # this client brings its session cookie along
    response = post(sso_client, glow.response(ACS, SP_ENTITY_ID, None, subject="attackers-glow"))
    assert response.status_code == 403
    assert last_audit(saml_app)[1].startswith("Glow: unsolicited response for an identity not linked")
    with saml_app.app_context():
        assert db.session.scalar(select(ExternalIdentity)) is None


def test_a_forged_host_header_moves_neither_the_audience_nor_the_recipient(
    sso_client, saml_app, glow, world, monkeypatch
):
    link_teacher(saml_app, world)
    monkeypatch.setitem(saml_app.config, "SERVER_NAME", None)  # as behind a proxy that passes Host on
    evil = "http://evil.example/sign-in/with/glow"
    metadata = sso_client.get("/sign-in/with/glow/metadata", headers={"Host": "evil.example"})
    assert "evil.example" not in metadata.get_data(as_text=True)
    for host in ("evil.example", "workspace.test", "other.example"):
        response = sso_client.post(
            "/sign-in/with/glow/acs",
            data={"SAMLResponse": glow.response(f"{evil}/acs", f"{evil}/metadata", None)},
            headers={"Host": host},
            csrf=False,
        )
        refused(saml_app, response, "")
    assert len(saml_app.extensions["workspace_saml_configs"]) == 1  # one per provider, not per host
    assert post(sso_client, glow.response(ACS, SP_ENTITY_ID, None)).status_code == 303


def test_saml_without_base_url_or_its_own_urls_does_not_start(app):
    provider = {
        "name": "Glow",
        "metadata_url": "https://idp.example/metadata",
        "idp_entity_id": IDP_ENTITY_ID,
    }
    with pytest.raises(RuntimeError, match="BASE_URL"):
        make_app(app.config["SQLALCHEMY_DATABASE_URI"], SAML_PROVIDERS={"glow": provider})
    own = {
        **provider,
        "sp_entity_id": "https://w.example/saml",
        "acs_url": "https://w.example/sign-in/with/glow/acs",
    }
    configured = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SAML_PROVIDERS={"glow": own})
    metadata = configured.test_client().get("/sign-in/with/glow/metadata").get_data(as_text=True)
    assert (
        'entityID="https://w.example/saml"' in metadata
        and "https://w.example/sign-in/with/glow/acs" in metadata
    )
