"""Two-step secrets sealed at rest: Fernet keys from TWO_STEP_SECRET_KEYS, their rotation, and the
migration that sealed the secrets stored before."""

import time

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, text

from tests.conftest import make_app
from tests.two_step_helpers import code_now, set_up, waiting_for_code
from workspace.auth import two_step_keys, two_step_services
from workspace.extensions import db
from workspace.models import User
from workspace.models.base import utcnow


def sealed_secret_of(app, email) -> str:
    with app.app_context():
        return db.session.execute(
            text("SELECT sealed_totp_secret FROM user_account WHERE email = :email"), {"email": email}
        ).scalar_one()


def test_secrets_are_sealed_at_rest(make_client, world, app):
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    secret, _ = set_up(client)
    stored = sealed_secret_of(app, world["a"]["teacher"])
    assert stored != secret and secret not in stored and stored.startswith("gAAAAA")  # a Fernet token
    # With no TWO_STEP_SECRET_KEYS, the key is derived from SECRET_KEY.
    derived = Fernet(two_step_keys.derived_key(app.config["SECRET_KEY"]))
    assert derived.decrypt(stored.encode()).decode() == secret


def test_rotating_the_keys_keeps_codes_working(make_client, world, app, frozen_clock):
    email = world["a"]["teacher"]
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    runner = app.test_cli_runner()
    try:
        client = make_client()
        client.sign_in(email)
        secret, codes = set_up(client)  # sealed with the key derived from SECRET_KEY

        # A deployment sets its own key: what the default sealed still opens, and rotating moves it.
        app.config["TWO_STEP_SECRET_KEYS"] = first
        assert (
            waiting_for_code(make_client, email)
            .post("/sign-in/code", data={"code": code_now(secret, 1)})
            .status_code
            == 303
        )
        result = runner.invoke(args=["rotate-two-step-keys"])
        assert result.exit_code == 0 and "Sealed 1 two-step secret " in result.output
        assert Fernet(first).decrypt(sealed_secret_of(app, email).encode()).decode() == secret

        # A new key first, the old after it (comma and space, as an environment variable would give them).
        app.config["TWO_STEP_SECRET_KEYS"] = f"{second}, {first}"
        frozen_clock.shift(30)
        assert (
            waiting_for_code(make_client, email)
            .post("/sign-in/code", data={"code": code_now(secret, 1)})
            .status_code
            == 303
        )  # still the old key's row
        assert runner.invoke(args=["rotate-two-step-keys"]).exit_code == 0
        stored = sealed_secret_of(app, email)
        assert Fernet(second).decrypt(stored.encode()).decode() == secret
        with pytest.raises(InvalidToken):
            Fernet(first).decrypt(stored.encode())

        # The old key removed: the re-sealed secret still signs in.
        app.config["TWO_STEP_SECRET_KEYS"] = [second]
        frozen_clock.shift(30)
        assert (
            waiting_for_code(make_client, email)
            .post("/sign-in/code", data={"code": code_now(secret, 1)})
            .status_code
            == 303
        )

        # Had it been removed too early, the code would be refused (not an error) and the command
        # says whose secret it cannot open; a recovery code still signs in.
        app.config["TWO_STEP_SECRET_KEYS"] = [Fernet.generate_key().decode()]
        frozen_clock.shift(30)
        lost = waiting_for_code(make_client, email)
        assert lost.post("/sign-in/code", data={"code": code_now(secret, 1)}).status_code == 422
        assert lost.post("/sign-in/code", data={"code": codes[0]}).status_code == 303
        result = runner.invoke(args=["rotate-two-step-keys"])
        assert result.exit_code == 1 and "opens the two-step secret of account id" in result.output
    finally:
        app.config["TWO_STEP_SECRET_KEYS"] = None


def test_the_keys_setting(app, monkeypatch):
    keys = [Fernet.generate_key().decode() for _ in range(3)]
    assert two_step_keys.configured_keys(f" {keys[0]},{keys[1]}  {keys[2]}\n") == keys
    assert two_step_keys.configured_keys(keys) == keys
    assert two_step_keys.configured_keys(None) == two_step_keys.configured_keys("") == []
    # As the environment gives it: Flask's from_prefixed_env reads a JSON list as a list.
    from flask import Config

    config = Config(".")
    environ_keys = f'["{keys[0]}", "{keys[1]}"]'
    monkeypatch.setenv("WORKSPACE_TWO_STEP_SECRET_KEYS", environ_keys)
    config.from_prefixed_env("WORKSPACE")
    assert two_step_keys.configured_keys(config["TWO_STEP_SECRET_KEYS"]) == keys[:2]
    with pytest.raises(ValueError, match="Fernet key"):
        make_app(app.config["SQLALCHEMY_DATABASE_URI"], TWO_STEP_SECRET_KEYS="not-a-key")
    # The first key seals; any opens.
    config = {"TWO_STEP_SECRET_KEYS": keys[:2], "SECRET_KEY": "k"}
    sealed = two_step_keys.seal("JBSWY3DPEHPK3PXP", config)
    assert Fernet(keys[0]).decrypt(sealed.encode()) == b"JBSWY3DPEHPK3PXP"
    assert (
        two_step_keys.unseal(Fernet(keys[1]).encrypt(b"JBSWY3DPEHPK3PXP").decode(), config)
        == "JBSWY3DPEHPK3PXP"
    )


def test_the_migration_seals_the_secrets_already_stored(fresh_database_url):
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b4223280f26d-1"]).exit_code == 0
    secret = pyotp.random_base32()
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (email, name, password_hash, is_admin, is_disabled, session_version,"
                " totp_secret, created_at) VALUES ('old@example.org', 'Old', 'x', :no, :no, 1, :secret, :now)"
            ),
            {"no": False, "secret": secret, "now": utcnow()},
        )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    stored = sealed_secret_of(app, "old@example.org")
    assert stored != secret and secret not in stored
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "old@example.org"))
        made_at = time.time()  # the step the code is made at, not the one the check happens in
        assert two_step_services.accept_code(user, pyotp.TOTP(secret).at(made_at))
        db.session.commit()
        assert user.totp_last_step == int(made_at // 30)
    # And back: the plain secret again, as the older code expects.
    assert runner.invoke(args=["db", "downgrade", "b4223280f26d-1"]).exit_code == 0
    with app.app_context():
        assert db.session.execute(text("SELECT totp_secret FROM user_account")).scalar_one() == secret
        db.engine.dispose()
