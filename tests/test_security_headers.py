"""Headers every response carries, and the promise of no inline script or style."""

import re
from pathlib import Path

import pytest

from tests.conftest import html

TEMPLATES = Path(__file__).resolve().parent.parent / "workspace" / "templates"


def test_headers_on_a_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_lax(client, world):
    response = client.post(
        "/sign-in", data={"email": world["a"]["lead"], "password": "correct horse battery staple"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_when_configured(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/x.sqlite", SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/sign-in")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_strict_transport_security_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_signed_in_pages_are_not_stored(client, world):
    client.sign_in(world["a"]["lead"])
    assert client.get(f"/p/{world['a']['partnership_id']}/").headers["Cache-Control"] == "no-store"


# E-mails (mail/letters/) are not pages: no Content Security Policy reaches them, and mail clients
# read only inline styles; they are held to no script and no handlers (test_letters_...).
PAGES = sorted(
    p.relative_to(TEMPLATES).as_posix()
    for p in TEMPLATES.rglob("*.html")
    if not p.relative_to(TEMPLATES).as_posix().startswith("mail/letters/")
)
LETTERS = sorted(p.relative_to(TEMPLATES).as_posix() for p in (TEMPLATES / "mail" / "letters").glob("*.html"))


@pytest.mark.parametrize("template", LETTERS)
def test_letters_have_no_script_style_sheet_or_handlers(template):
    source = (TEMPLATES / template).read_text()
    assert "<script" not in source and "<style" not in source and "<link" not in source
    assert not re.search(r"\son[a-z]+=", source), "event handler attribute"


@pytest.mark.parametrize("template", PAGES)
def test_no_inline_script_style_or_handlers(template):
    source = (TEMPLATES / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert "<style" not in source
    assert not re.search(r"\sstyle=", source), "style attribute"
    assert not re.search(r"\son[a-z]+=", source), "event handler attribute"
    assert "hx-on" not in source and "js:" not in source


def test_htmx_is_pinned_and_served_from_static(client):
    body = html(client.get("/sign-in"))
    match = re.search(r'src="(/static/vendor/htmx-2\.0\.\d+\.min\.js)"', body)
    assert match
    assert client.get(match.group(1)).status_code == 200
    assert '"allowEval":false' in body and '"selfRequestsOnly":true' in body


def test_body_over_the_limit_is_413(client, world, app):
    client.sign_in(world["a"]["lead"])
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(f"/p/{world['a']['partnership_id']}/schools", data={"name": big})
    assert response.status_code == 413
