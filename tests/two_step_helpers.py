"""Steps of two-step sign-in that its tests share: a code at the suite's clock, setting it up,
a browser waiting for its code, the code field's error, and the failures on record."""

import re
import time

import pyotp
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD, html
from workspace.extensions import db
from workspace.models import SignInAttempt


def code_now(secret: str, steps_later: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_later)


def set_up(client):
    start = client.get("/account/two-step")
    assert start.status_code == 200 and "Start set-up" in html(start) and "<svg" not in html(start)
    assert client.post("/account/two-step/new").status_code == 303
    page = html(client.get("/account/two-step"))
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page
    bad = client.post("/account/two-step", data={"code": "000000"})
    assert bad.status_code == 422
    done = client.post("/account/two-step", data={"code": code_now(secret)})
    assert done.status_code == 201
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", html(done))
    assert len(codes) == 10
    return secret, codes


def waiting_for_code(make_client, email):
    """A fresh browser that has given the password and is asked for the code."""
    client = make_client()
    response = client.post("/sign-in", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-in/code")
    return client


def field_error(response) -> str:
    return re.search(
        r'<p class="field-error" id="code-error"><span class="visually-hidden">Error: </span>(.*?)</p>',
        html(response),
    ).group(1)


def failures_of(app, email) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(SignInAttempt.id)).where(
                SignInAttempt.email == email, SignInAttempt.succeeded.is_(False)
            )
        )
