"""Two-step sign-in under parallel requests: a code signs in once and a recovery code is spent
once, however many requests bring it at the same moment; "Start set-up" clicked twice leaves one.

On PostgreSQL these race for the row; SQLite takes writing requests one at a time (BEGIN
IMMEDIATE), so there they check only that parallel requests meet no lock error."""

import threading
import time

from sqlalchemy import func, select

from tests.two_step_helpers import code_now, set_up, waiting_for_code
from workspace.auth import authenticator, services, two_step_services
from workspace.extensions import db
from workspace.models import RecoveryCode, TwoStepSetup, User


def _all_at_once(app, make_client, monkeypatch, email, code, requests=6):
    """`requests` browsers, each waiting for the code, send `code` at the same moment. The step after
    the code is judged (recording the attempt) is slowed, so that every request is inside its
    transaction at once: a check-then-write would let them all through."""
    clients = [waiting_for_code(make_client, email) for _ in range(requests)]
    tokens = [c.csrf_token() for c in clients]
    record = services.record_attempt

    def slow_record(*args, **kwargs):
        time.sleep(0.3)
        return record(*args, **kwargs)

    monkeypatch.setattr(services, "record_attempt", slow_record)
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 100)
    barrier = threading.Barrier(requests)
    statuses = [None] * requests

    def send(n):
        barrier.wait()
        statuses[n] = (
            clients[n]
            .post("/sign-in/code", data={"code": code}, headers={"X-CSRFToken": tokens[n]})
            .status_code
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(statuses)


def test_a_recovery_code_sent_by_parallel_requests_is_spent_once(make_client, world, app, monkeypatch):
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    _, codes = set_up(client)
    assert _all_at_once(app, make_client, monkeypatch, email, codes[3]) == [303, 422, 422, 422, 422, 422]
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.used_at.is_not(None)))
            == 1
        )


def test_an_authenticator_code_sent_by_parallel_requests_signs_in_once(make_client, world, app, monkeypatch):
    email = world["a"]["teacher"]
    client = make_client()
    client.sign_in(email)
    secret, _ = set_up(client)
    assert _all_at_once(app, make_client, monkeypatch, email, code_now(secret, 1)) == [
        303,
        422,
        422,
        422,
        422,
        422,
    ]


def test_set_up_started_twice_at_once_leaves_one(make_client, world, app, monkeypatch):
    """A double click on "Start set-up". Sealing the new secret is slowed, so that both requests
    are between removing the old set-up and inserting the new one at once, unless one waits."""
    client = make_client()
    client.sign_in(world["a"]["teacher"])
    token, barrier, statuses = client.csrf_token(), threading.Barrier(2), []
    seal = two_step_services.seal
    monkeypatch.setattr(two_step_services, "seal", lambda secret: (time.sleep(0.3), seal(secret))[1])

    def start():
        barrier.wait()
        statuses.append(client.post("/account/two-step/new", headers={"X-CSRFToken": token}).status_code)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [303, 303]
    with app.app_context():
        assert db.session.scalar(select(func.count(TwoStepSetup.id))) == 1


def test_a_recovery_code_is_spent_once(ctx, world):
    user = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
    db.session.add(RecoveryCode(user_id=user.id, code_hash=authenticator.hash_code("abc123-def456")))
    db.session.commit()
    assert two_step_services.accept_code(user, " ABC123-def456 ")
    assert not two_step_services.accept_code(user, "abc123-def456")
    db.session.commit()
    assert two_step_services.remaining_recovery_codes(user) == 0
