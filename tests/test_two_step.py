"""Two-step sign-in: setting it up, the code at sign-in, recovery codes, and the requirement."""
import re
import time

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, html
from workspace.auth import totp
from workspace.extensions import db
from workspace.models import RecoveryCode, User


def test_totp_matches_rfc_6238():
    # RFC 6238's SHA-1 test key, "12345678901234567890", at 59 s: 94287082 (8 digits) ends 287082.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.verify(secret, "287082", now=59) and totp.verify(secret, "287 082", now=59)
    assert not totp.verify(secret, "287083", now=59) and not totp.verify(secret, "²87082", now=59)


def set_up(client):
    page = html(client.get("/account/two-step"))
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page
    bad = client.post("/account/two-step", data={"code": "000000"})
    assert bad.status_code == 422
    done = client.post("/account/two-step", data={"code": totp.code_at(secret, int(time.time() // 30))})
    assert done.status_code == 201
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", html(done))
    assert len(codes) == 10
    return secret, codes


def test_set_up_then_sign_in_with_a_code_and_a_recovery_code(make_client, world, app):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    secret, codes = set_up(client)
    assert client.get(f"/p/{world['a']['partnership_id']}/").status_code == 200  # this session goes on

    fresh = make_client()
    response = fresh.post("/sign-in", data={"email": world["a"]["teacher"], "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-in/code")
    assert fresh.get(f"/p/{world['a']['partnership_id']}/").status_code == 302  # not signed in yet
    wrong = fresh.post("/sign-in/code", data={"code": "123456"})
    assert wrong.status_code == 422 and "not right" in html(wrong)
    ok = fresh.post("/sign-in/code", data={"code": totp.code_at(secret, int(time.time() // 30))})
    assert ok.status_code == 303
    assert fresh.get(f"/p/{world['a']['partnership_id']}/").status_code == 200

    # A recovery code works once.
    for expected in (303, 422):
        other = make_client()
        other.post("/sign-in", data={"email": world["a"]["teacher"], "password": TEST_PASSWORD})
        assert other.post("/sign-in/code", data={"code": codes[0]}).status_code == expected
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_not(None))).all()
        assert len(used) == 1


def test_turning_it_off_needs_the_password(make_client, world):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    set_up(client)
    assert client.post("/account/two-step/off", data={"current_password": "wrong one"}).status_code == 422
    assert client.post("/account/two-step/off", data={"current_password": TEST_PASSWORD}).status_code == 302
    fresh = make_client()
    fresh.sign_in(world["a"]["teacher"])  # straight in again


def test_a_deployment_can_require_it_for_leads(app, world):
    app.config["REQUIRE_TWO_STEP_FOR"] = ["admin", "lead"]
    try:
        from tests.conftest import WorkspaceClient
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
            assert db.session.scalar(select(User).where(User.email == world["a"]["lead"])).totp_secret == secret
    finally:
        app.config["REQUIRE_TWO_STEP_FOR"] = []


def test_administrators_read_the_sign_in_audit(app, world):
    from tests.conftest import WorkspaceClient
    app.test_cli_runner().invoke(args=["create-admin", "--email", "audit@example.org", "--name", "Audit",
                                       "--password", "an admin passphrase"])
    visitor = WorkspaceClient(app, app.response_class)
    visitor.post("/sign-in", data={"email": world["a"]["lead"], "password": "wrong password here"})
    admin = WorkspaceClient(app, app.response_class)
    admin.sign_in("audit@example.org", "an admin passphrase")
    page = html(admin.get("/admin/sign-ins"))
    assert world["a"]["lead"] in page and "Failed" in page and "Signed in" in page
