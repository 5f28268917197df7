"""The session cookie is verified once per process (sessions.py), and what that remembers never
lets through a cookie Flask itself would refuse: tampered, too old, or signed with another key."""
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import make_app
from workspace import sessions


@pytest.fixture
def bare_app():
    return make_app("sqlite://", PERMANENT_SESSION_LIFETIME=timedelta(hours=12))


def cookie_for(app, payload: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(payload)


def opened(app, cookie: str):
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as context:
        return dict(app.session_interface.open_session(app, context.request))


def test_the_same_cookie_is_verified_once(bare_app, monkeypatch):
    calls = []
    real_loads = URLSafeTimedSerializer.loads
    monkeypatch.setattr(URLSafeTimedSerializer, "loads", lambda self, *a, **k: calls.append(1) or real_loads(self, *a, **k))
    cookie = cookie_for(bare_app, {"_user_id": "7:1"})
    assert opened(bare_app, cookie) == {"_user_id": "7:1"}
    assert opened(bare_app, cookie) == {"_user_id": "7:1"}
    assert len(calls) == 1


def test_a_tampered_cookie_is_refused_even_beside_a_remembered_one(bare_app):
    cookie = cookie_for(bare_app, {"_user_id": "7:1"})
    assert opened(bare_app, cookie) == {"_user_id": "7:1"}
    forged = cookie_for(make_app("sqlite://", SECRET_KEY="someone-elses-key"), {"_user_id": "1:1"})
    assert opened(bare_app, forged) == {}
    payload, _, rest = cookie.partition(".")
    assert opened(bare_app, payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest) == {}


def test_a_remembered_cookie_still_ages(bare_app, monkeypatch):
    cookie = cookie_for(bare_app, {"_user_id": "7:1"})
    assert opened(bare_app, cookie) == {"_user_id": "7:1"}
    now = sessions.time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + 12 * 3600 + 5)
    assert opened(bare_app, cookie) == {}


def test_a_change_made_in_place_is_not_remembered_for_the_next_request(bare_app):
    cookie = cookie_for(bare_app, {"_user_id": "7:1", "_flashes": [("message", "Saved.")]})
    first = opened(bare_app, cookie)
    first["_flashes"].append(("message", "Only in the first request"))
    assert opened(bare_app, cookie)["_flashes"] == [("message", "Saved.")]


def test_a_new_secret_key_forgets_what_the_old_one_verified(bare_app):
    cookie = cookie_for(bare_app, {"_user_id": "7:1"})
    assert opened(bare_app, cookie) == {"_user_id": "7:1"}
    bare_app.secret_key = bare_app.config["SECRET_KEY"] = "a-new-key"
    assert opened(bare_app, cookie) == {}
    bare_app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key"]
    assert opened(bare_app, cookie) == {"_user_id": "7:1"}


def test_the_oldest_cookie_goes_first_when_the_memory_is_full(bare_app, monkeypatch):
    monkeypatch.setattr(sessions, "MAX_REMEMBERED", 2)
    cookies = [cookie_for(bare_app, {"_user_id": f"{n}:1"}) for n in range(3)]
    for cookie in cookies:
        opened(bare_app, cookie)
    assert list(bare_app.session_interface._state[2]) == cookies[1:]


def test_signed_in_pages_still_refuse_a_tampered_cookie(client, world):
    client.sign_in(world["a"]["teacher"])
    assert client.get("/partnerships").status_code == 200
    cookie = client.get_cookie("session", domain="workspace.test").value
    client.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"), domain="workspace.test")
    assert client.get("/partnerships").status_code in (302, 303)
