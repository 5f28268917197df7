"""The sign-in throttle counts and decides in one step per account, across worker processes:
sixteen wrong passwords sent at the same moment to three gunicorn workers let no more than the
limit through to the password check. Runs on the suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from workspace.auth import services
from workspace.extensions import db
from workspace.models import User

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 5
PARALLEL = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(app):
    port = free_port()
    env = dict(
        os.environ,
        SECRET_KEY="throttle-test-key",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        WORKSPACE_LOGIN_MAX_FAILURES_PER_ACCOUNT=str(LIMIT),
        WORKSPACE_LOGIN_MAX_FAILURES_PER_ADDRESS="1000",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),  # as the README deploys it
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{port}",
            "workspace:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # a busy machine boots slowly: a deadline, not a timing target
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not start: " + process.stderr.read1().decode(errors="replace"))
        time.sleep(1)  # all three workers booted, not just the first
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def sign_in_form(port: int) -> tuple[str, str]:
    """A browser's first visit: the session cookie and the form's CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/sign-in")
    response = connection.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    return cookie, token


def test_parallel_wrong_passwords_are_all_counted_before_any_is_checked(app, gunicorn, world):
    # A password hash at full cost, as a real account has: checking it takes long enough for the
    # other workers to decide meanwhile, which is when a count-then-check throttle lets too many in.
    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        teacher.password_hash = generate_password_hash("a real account's phrase", method="scrypt")
        db.session.commit()
    port = gunicorn
    forms = [sign_in_form(port) for _ in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)
    statuses: list[int] = []

    def attempt(cookie: str, token: str) -> None:
        body = urllib.parse.urlencode(
            {"csrf_token": token, "email": world["a"]["teacher"], "password": "wrong-password"}
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        connection.request(
            "POST",
            "/sign-in",
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        statuses.append(connection.getresponse().status)

    threads = [threading.Thread(target=attempt, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    # 422: the password was checked (and was wrong); 429: refused before any check.
    assert sorted(statuses) == [422] * LIMIT + [429] * (PARALLEL - LIMIT), statuses


def test_a_success_gives_its_attempt_back_and_the_window_starts_again(app, ctx, world, frozen_clock):
    limits = services.ThrottleLimits(window=timedelta(minutes=15), per_account=2, per_address=100)
    email, address = world["a"]["lead"], "192.0.2.7"
    assert services.take_attempt(email, address, limits)
    services.record_attempt(email, address, succeeded=True)  # given back
    assert services.take_attempt(email, address, limits)
    services.record_attempt(email, address, succeeded=False)
    assert services.take_attempt(email, address, limits)
    services.record_attempt(email, address, succeeded=False)
    assert not services.take_attempt(email, address, limits)  # a third in the window
    assert services.take_attempt(" Other@Example.org ", address, limits)  # another account is its own count
    frozen_clock.shift(timedelta(minutes=16))
    assert services.take_attempt(email.upper(), address, limits)  # the window has passed
    db.session.rollback()
