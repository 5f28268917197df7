"""Two-step sign-in: setting it up, the code at sign-in, recovery codes, and the requirement.

A code signs in once; a recovery code is spent once, however many requests bring it at the same
moment (test_two_step_races.py); the secret being set up waits on the server, not in the cookie;
secrets are sealed at rest (test_two_step_keys.py). Codes are computed with pyotp at the suite's
clock (frozen, ticking)."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select, update

from tests.conftest import TEST_PASSWORD, WorkspaceClient, html
from tests.two_step_helpers import code_now, failures_of, field_error, set_up, waiting_for_code
from workspace.auth import authenticator, two_step_keys, two_step_services
from workspace.auth.two_step import CODE_NOT_ACCEPTED
from workspace.extensions import db
from workspace.models import RecoveryCode, SignInAttempt, TwoStepSetup, User
from workspace.models.base import utcnow


def test_codes_are_rfc_6238s():
    # RFC 6238's SHA-1 test key, "12345678901234567890", at 59 s (step 1): 94287082, 6 digits 287082.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert authenticator.matching_step(secret, "287082", now=59) == 1
    assert authenticator.matching_step(secret, "287 082", now=59) == 1
    assert authenticator.matching_step(secret, "287082", now=59 + 30) == 1  # a step late: drift allowed
    assert authenticator.matching_step(secret, "287082", now=59 + 60) is None  # two steps: not
    assert authenticator.matching_step(secret, "287083", now=59) is None
    assert authenticator.matching_step(secret, "²87082", now=59) is None
    app_view = pyotp.parse_uri(authenticator.provisioning_uri(secret, "ann@example.org"))
    assert (app_view.digits, app_view.interval, app_view.issuer) == (6, 30, "Partnership Workspace")
    assert app_view.now() == pyotp.TOTP(secret).now()


@pytest.mark.parametrize(
    "typed", ["{a}-{b}", "{a} {b}", "{a}{b}", " {A} - {B} ", "{a1} {a2}-{b}", "{a}\t{b}"]
)
def test_a_recovery_code_typed_with_spaces_or_without_its_dash_is_accepted(make_client, world, typed):
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    _, codes = set_up(client)
    a, b = codes[0].split("-")
    given = typed.format(a=a, b=b, A=a.upper(), B=b.upper(), a1=a[:3], a2=a[3:])
    assert waiting_for_code(make_client, email).post("/sign-in/code", data={"code": given}).status_code == 303
    # Spent: the same code, however typed, does not sign in again.
    assert (
        waiting_for_code(make_client, email).post("/sign-in/code", data={"code": codes[0]}).status_code == 422
    )


def test_only_spaces_and_dashes_are_forgiven_in_a_recovery_code():
    code = "abc123-def456"
    assert {
        authenticator.hash_code(c)
        for c in ("abc123-def456", "ABC123 DEF456", "abc123def456", "abc-123-def-456")
    } == {authenticator.hash_code(code)}
    assert authenticator.hash_code("abc123-def457") != authenticator.hash_code(code)
    assert authenticator.hash_code("abc123_def456") != authenticator.hash_code(code)


def test_set_up_then_sign_in_with_a_code_and_a_recovery_code(make_client, world, app):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    secret, codes = set_up(client)
    assert client.get(f"/p/{world['a']['partnership_id']}/").status_code == 200  # this session goes on

    fresh = waiting_for_code(make_client, world["a"]["teacher"])
    assert fresh.get(f"/p/{world['a']['partnership_id']}/").status_code == 302  # not signed in yet
    wrong = fresh.post("/sign-in/code", data={"code": "123456"})
    assert wrong.status_code == 422 and field_error(wrong) == CODE_NOT_ACCEPTED
    # The set-up used this step's code: the next step's, which the app shows within 30 s, signs in.
    ok = fresh.post("/sign-in/code", data={"code": code_now(secret, 1)})
    assert ok.status_code == 303
    assert fresh.get(f"/p/{world['a']['partnership_id']}/").status_code == 200

    # A recovery code works once.
    for expected in (303, 422):
        other = waiting_for_code(make_client, world["a"]["teacher"])
        assert other.post("/sign-in/code", data={"code": codes[0]}).status_code == expected
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        used = db.session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None))
        ).all()
        assert len(used) == 1


def test_a_code_signs_in_once_and_no_earlier_code_after_it(make_client, world, app, frozen_clock):
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    secret, _ = set_up(client)

    # The code that confirmed the set-up is spent already.
    first = waiting_for_code(make_client, email)
    wrong = first.post("/sign-in/code", data={"code": "123456"})
    setup_code = first.post("/sign-in/code", data={"code": code_now(secret)})
    assert (wrong.status_code, setup_code.status_code) == (422, 422)
    assert field_error(setup_code) == field_error(wrong) == CODE_NOT_ACCEPTED

    code = code_now(secret, 1)
    assert first.post("/sign-in/code", data={"code": code}).status_code == 303
    before = failures_of(app, email)
    # The same code in a second, fresh session, well inside its 90 seconds: refused, in the same
    # words as a wrong code, and counted as a failure.
    second = waiting_for_code(make_client, email)
    replay = second.post("/sign-in/code", data={"code": code})
    assert replay.status_code == 422 and field_error(replay) == CODE_NOT_ACCEPTED
    assert failures_of(app, email) == before + 1
    assert second.get(f"/p/{world['a']['partnership_id']}/").status_code == 302
    # And a code of an earlier step, still inside the drift allowed, is refused too.
    earlier = second.post("/sign-in/code", data={"code": code_now(secret)})
    assert earlier.status_code == 422 and field_error(earlier) == CODE_NOT_ACCEPTED
    assert failures_of(app, email) == before + 2
    # Half a minute on, the app's next code works.
    frozen_clock.shift(30)
    assert second.post("/sign-in/code", data={"code": code_now(secret, 1)}).status_code == 303


def test_replaying_a_code_runs_into_the_throttle(make_client, world, app):
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    secret, _ = set_up(client)
    code = code_now(secret, 1)
    assert waiting_for_code(make_client, email).post("/sign-in/code", data={"code": code}).status_code == 303
    attacker = waiting_for_code(make_client, email)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert attacker.post("/sign-in/code", data={"code": code}).status_code == 422
    throttled = attacker.post("/sign-in/code", data={"code": code_now(secret, 2)})
    assert throttled.status_code == 429 and "too many failed attempts" in html(throttled)


def test_the_secret_being_set_up_waits_on_the_server_not_in_the_cookie(make_client, world, app):
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    assert client.post("/account/two-step/new").status_code == 303
    secret = re.search(
        r'<code class="secret">([A-Z2-7]+)</code>', html(client.get("/account/two-step"))
    ).group(1)

    cookie = client.get_cookie("session", domain="workspace.test").value
    payload = app.session_interface.get_signing_serializer(app).loads(cookie)  # what anyone holding it reads
    assert secret not in cookie and secret not in repr(payload) and "totp_setup" not in payload
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        pending = db.session.scalars(select(TwoStepSetup).where(TwoStepSetup.user_id == user_id)).all()
        assert len(pending) == 1 and secret not in pending[0].sealed_secret
        assert two_step_keys.unseal(pending[0].sealed_secret) == secret

    # The page shows the same secret again (a reload does not undo a scan)...
    assert secret in html(client.get("/account/two-step"))
    # ...until a new set-up replaces it.
    assert client.post("/account/two-step/new").status_code == 303
    renewed = re.search(
        r'<code class="secret">([A-Z2-7]+)</code>', html(client.get("/account/two-step"))
    ).group(1)
    assert renewed != secret
    assert (
        client.post("/account/two-step", data={"code": code_now(secret)}).status_code == 422
    )  # the old one's gone
    with app.app_context():
        assert db.session.scalar(select(func.count(TwoStepSetup.id))) == 1

    # Left too long, it expires: the page starts afresh and the code no longer turns it on.
    with app.app_context():
        db.session.execute(
            update(TwoStepSetup).values(
                created_at=utcnow() - timedelta(minutes=two_step_services.PENDING_SETUP_MINUTES + 1)
            )
        )
        db.session.commit()
    late = client.post("/account/two-step", data={"code": code_now(renewed)})
    assert late.status_code == 303
    assert "Start set-up" in html(client.get("/account/two-step"))
    # Starting again clears expired set-ups; confirming removes the one confirmed.
    set_up(client)
    with app.app_context():
        assert db.session.scalar(select(func.count(TwoStepSetup.id))) == 0
        assert db.session.scalar(select(User).where(User.id == user_id)).uses_two_step


def test_turning_it_off_needs_the_password(make_client, world):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    set_up(client)
    assert client.post("/account/two-step/off", data={"current_password": "wrong one"}).status_code == 422
    assert client.post("/account/two-step/off", data={"current_password": TEST_PASSWORD}).status_code == 302
    fresh = make_client()
    fresh.sign_in(world["a"]["teacher"])  # straight in again


def test_turning_it_off_is_behind_the_sign_in_throttle(make_client, world, app):
    """A stolen session cannot guess the password that turns two-step sign-in off."""
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    set_up(client)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert (
            client.post("/account/two-step/off", data={"current_password": "a wrong guess"}).status_code
            == 422
        )
    refused = client.post("/account/two-step/off", data={"current_password": TEST_PASSWORD})
    assert refused.status_code == 429
    assert (
        "There have been too many failed attempts to sign in. Please wait 15 minutes and try again."
        in html(refused)
    )
    assert "Two-step sign-in is on" in html(refused)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == email)).uses_two_step  # still on
    assert failures_of(app, email) == app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]


def test_the_code_step_says_the_real_wait_too(make_client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW_SECONDS", 300)
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    secret, _ = set_up(client)
    attacker = waiting_for_code(make_client, email)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        attacker.post("/sign-in/code", data={"code": "000000"})
    throttled = attacker.post("/sign-in/code", data={"code": code_now(secret, 1)})
    assert throttled.status_code == 429 and "Please wait 5 minutes and try again." in html(throttled)


def test_the_history_tells_a_password_awaiting_its_code_from_a_sign_in(make_client, world, app):
    from tests.test_auth import account_attempts

    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    secret, _ = set_up(client)

    def steps():
        with app.app_context():
            return [
                (a.step, a.succeeded)
                for a in db.session.scalars(
                    select(SignInAttempt).where(SignInAttempt.email == email).order_by(SignInAttempt.id)
                )
            ][1:]

    half_done = waiting_for_code(make_client, email)
    assert steps() == [("password_code_next", True)]
    assert account_attempts(app, email) == 0  # the right password gave its attempt back
    assert half_done.post("/sign-in/code", data={"code": code_now(secret, 1)}).status_code == 303
    assert steps() == [("password_code_next", True), ("code", True)]
    assert account_attempts(app, email) == 0
    waiting_for_code(make_client, email)  # and this one never gives its code

    app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            "audit@example.org",
            "--name",
            "Audit",
            "--password",
            "an admin passphrase",
        ]
    )
    admin = make_client()
    admin.sign_in("audit@example.org", "an admin passphrase")
    rows = re.findall(
        r"<tr><td>[^<]*</td><th scope=\"row\">([^<]*)</th><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
        html(admin.get("/admin/sign-ins")),
    )
    assert [row for row in rows if row[0] == email] == [  # newest first
        (email, "Password", "Password right, code not yet given"),
        (email, "Two-step code", "Signed in"),
        (email, "Password", "Password right, code not yet given"),
        (email, "Password", "Signed in"),
    ]


def test_a_deployment_can_require_it_for_leads(app, world):
    app.config["REQUIRE_TWO_STEP_FOR"] = ["admin", "lead"]
    try:
        lead = WorkspaceClient(app, app.response_class)
        lead.sign_in(world["a"]["lead"])
        response = lead.get(f"/p/{world['a']['partnership_id']}/schools")
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-step")
        teacher = WorkspaceClient(app, app.response_class)
        teacher.sign_in(world["a"]["teacher"])
        assert teacher.get(f"/p/{world['a']['partnership_id']}/schools").status_code == 200
        secret, _ = set_up(lead)
        assert lead.get(f"/p/{world['a']['partnership_id']}/schools").status_code == 200
        assert lead.post("/account/two-step/off", data={"current_password": TEST_PASSWORD}).status_code == 302
        with app.app_context():
            sealed = db.session.scalar(
                select(User).where(User.email == world["a"]["lead"])
            ).sealed_totp_secret
            assert two_step_keys.unseal(sealed) == secret
    finally:
        app.config["REQUIRE_TWO_STEP_FOR"] = []


def test_administrators_read_the_sign_in_audit(app, world):
    app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            "audit@example.org",
            "--name",
            "Audit",
            "--password",
            "an admin passphrase",
        ]
    )
    visitor = WorkspaceClient(app, app.response_class)
    visitor.post("/sign-in", data={"email": world["a"]["lead"], "password": "wrong password here"})
    admin = WorkspaceClient(app, app.response_class)
    admin.sign_in("audit@example.org", "an admin passphrase")
    page = html(admin.get("/admin/sign-ins"))
    assert world["a"]["lead"] in page and "Failed" in page and "Signed in" in page
