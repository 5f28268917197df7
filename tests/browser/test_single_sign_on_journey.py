"""A newcomer's first day without a password, in a real browser: invited, they join with Microsoft
through the provider's page, link Glow from their account page, then sign in with Glow alone. The
Glow provider is reached as another site (localhost, the workspace being 127.0.0.1), so its answer
is a cross-site POST that brings no session cookie, as RM Unify's does."""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIDProvider
from tests.saml_provider import IDP_ENTITY_ID, IdentityProviderPages, MetadataServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("xmlsec1"), reason="xmlsec1 is not installed: SAML is not tested"),
]

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


@pytest.fixture(scope="module")
def providers():
    with OpenIDProvider() as microsoft, MetadataServer() as metadata:
        microsoft.ask_first = True
        microsoft.person = {"sub": "journey-sub", "tid": TENANT, "name": "Eilidh Fraser", "email": ""}
        yield microsoft, metadata


@pytest.fixture(scope="module")
def workspace(providers, tmp_path_factory):
    """A live workspace with Microsoft and Glow configured, a partnership and an invitation."""
    from flask_migrate import upgrade

    from workspace.extensions import db
    from workspace.partnerships import services
    from workspace.reference import Role, Sector

    microsoft, metadata = providers
    folder = tmp_path_factory.mktemp("sso-journey")
    app = make_app(
        f"sqlite:///{folder / 'live.sqlite'}",
        SERVER_NAME=None,
        BASE_URL="http://127.0.0.1",  # its port is known once the server is up, below
        # Cookies Secure, as in production (a browser keeps them on http://127.0.0.1 too): the Glow
        # answer's cross-site POST brings the request's browser cookie only if it is SameSite=None,
        # and browsers keep a SameSite=None cookie only if it is Secure.
        SESSION_COOKIE_SECURE=True,
        SAML_METADATA_DIR=str(folder / "saml"),
        OIDC_PROVIDERS={
            "microsoft": {
                "name": "Microsoft",
                "discovery_url": microsoft.discovery_url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "tenants": [TENANT],
            }
        },
        SAML_PROVIDERS={
            "glow": {
                "name": "Glow",
                "metadata_url": metadata.url,
                "idp_entity_id": IDP_ENTITY_ID,
                "attributes": {"subject": "uid"},
            }
        },
    )
    with app.app_context():
        upgrade()
        partnership = services.create_partnership("Forth Valley Partnership")
        school = services.add_school(partnership, "Bainsford Primary School", Sector.PRIMARY, "Falkirk")
        _invite, token = services.create_invite(
            partnership,
            "eilidh.fraser@falkirk.example.org",
            Role.TEACHER,
            school.id,
            None,
            timedelta(days=14),
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    sp_metadata = app.test_client().get(f"{base}/sign-in/with/glow/metadata").get_data(as_text=True)
    with IdentityProviderPages(folder, sp_metadata, "glow-journey", "efraser@glow.sch.uk") as glow:
        metadata.xml = glow.idp.metadata()
        result = app.test_cli_runner().invoke(args=["refresh-saml-metadata"])
        assert result.exit_code == 0, result.output
        yield base, token
    server.shutdown()


def test_an_invited_teacher_joins_with_microsoft_links_glow_and_signs_in_with_it(workspace, browser):
    base, token = workspace
    context = browser.new_context()
    page = context.new_page()

    page.goto(f"{base}/invite/{token}")
    page.get_by_role("link", name="Sign in with Microsoft").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Test OpenID provider"
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/p/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Forth Valley Partnership"

    page.goto(f"{base}/account/password")
    page.get_by_role("link", name="Sign in with Glow").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Test Glow"
    page.get_by_role("button", name="Continue").click()  # a cross-site POST to the workspace
    page.wait_for_url(f"{base}/p/*/")
    assert "Your Glow account is now linked" in page.content()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/sign-in")
    page.get_by_role("link", name="Sign in with Glow").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/p/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Forth Valley Partnership"
    context.close()
