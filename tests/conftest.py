"""Fixtures: one migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
emptied after every test; clients that sign in and send CSRF tokens like a browser."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from workspace import create_app
from workspace.auth import passwords

# Full-cost scrypt takes 0.2 s a hash; tests make hundreds. test_passwords checks the real cost.
passwords.HASH_METHOD = "scrypt:1024:8:1"
from tests import factories  # noqa: E402 (after the cheap hash is set)
from workspace.extensions import db  # noqa: E402 (after the cheap hash is set)
from workspace.frameworks import loader  # noqa: E402 (after the cheap hash is set)

TEST_PASSWORD = factories.TEST_PASSWORD

# The SMTP server the mail tests send to, and the fixture that points the workspace at it.
pytest_plugins = ["tests.mailbox", "tests.s3_server", "tests.dashboard_board"]


def database_url(tmp_path_factory) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "workspace-test.sqlite")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base
    # Run in parallel (pytest -n): each worker has a database of its own on the same server.
    return create_postgres_database(base, f"{base.rsplit('/', 1)[1]}_{worker}")


def postgres_admin_url(base: str) -> str:
    return base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"


def create_postgres_database(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(postgres_admin_url(base), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def make_app(url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": "workspace.test",
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        # Making a report final lays it out with LibreOffice (seconds a run): only the tests of
        # that (test_report_page_numbers.py) switch it on.
        "SOFFICE": "",
    }
    if url.startswith("postgresql"):
        # The concurrency test runs twenty clients against one threaded server, each request
        # holding a pooled connection from its access check to its commit: room for all of them.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 10, "max_overflow": 20}
    # Evidence files in a folder of the test's own, never the checkout's instance/uploads/.
    config["UPLOAD_DIR"] = tempfile.mkdtemp(prefix="workspace-uploads-")
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    application = make_app(database_url(tmp_path_factory))
    with application.app_context():
        upgrade()
        loader.load_all()
        db.session.commit()
    return application


# Every test but the browser's runs on this morning's clock, whatever the calendar says: reports,
# retention, overdue and stale all read "today", and a suite that reads the wall clock fails on the day
# its fixed periods fall behind. The clock still moves (tick), so timeouts and throttles behave.
# Browser tests keep the real clock: the browser judges cookies' expiry by its own.
FROZEN_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock(request):
    if "browser" in request.keywords:
        yield None
        return
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


# Reference data loaded once for the run; tests that change frameworks use their own database.
REFERENCE_TABLES = {"framework", "framework_level", "framework_element", "challenge_question"}


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.rollback()


class WorkspaceClient(FlaskClient):
    """A test client that carries a CSRF token on every state-changing request, as a browser
    with a rendered form would; pass csrf=False to leave it out."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf: bool = True, htmx: bool = False, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-CSRFToken", self.csrf_token())
        kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def sign_in(self, email: str, password: str = TEST_PASSWORD):
        response = self.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response


@pytest.fixture
def client(app):
    app.test_client_class = WorkspaceClient
    return app.test_client()


@pytest.fixture
def make_client(app):
    def _make(user=None):
        app.test_client_class = WorkspaceClient
        c = app.test_client()
        if user is not None:
            c.sign_in(user.email)
        return c

    return _make


@pytest.fixture
def world(app):
    """Two partnerships, A and B, each with schools, a lead, teachers, a reviewer and an invite."""
    with app.app_context():
        built = factories.two_partnerships()
        db.session.commit()
        ids = built.ids()
    return ids


@pytest.fixture
def dated(app, world):
    """The report tests' world: give partnership A's lesson a date, a highlight, and link its action to QI 2.3 and B's too."""
    from datetime import date

    from sqlalchemy import select

    from workspace.frameworks import linking
    from workspace.models import Observation, ProgressUpdate, PupilVoice, ResearchLesson

    with app.app_context():
        for side in ("a", "b"):
            lesson = db.session.get(ResearchLesson, world[side]["lesson_id"])
            lesson.lesson_date = date(2026, 10, 1)
            lesson.discussion_learned = f"Learned in {side}"
            db.session.get(Observation, world[side]["observation_id"]).is_highlight = True
            db.session.get(PupilVoice, world[side]["note_id"]).is_highlight = True
            linking.set_links(
                world[side]["partnership_id"], "action", world[side]["action_id"], [world[side]["element_id"]]
            )
            update = db.session.scalar(
                select(ProgressUpdate).where(ProgressUpdate.action_id == world[side]["action_id"])
            )
            update.created_at = datetime(2026, 10, 5, 12, tzinfo=UTC)
        db.session.commit()


def html(response) -> str:
    return response.get_data(as_text=True)


def csrf_field_present(body: str) -> bool:
    return re.search(r'name="csrf_token" (type="hidden" )?value="[^"]+"', body) is not None


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the same kind as the suite's, for migration tests."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / "empty.sqlite")
        return
    import psycopg

    name = "migrate_" + uuid.uuid4().hex[:10]
    yield create_postgres_database(base, name)
    with psycopg.connect(postgres_admin_url(base), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def approve_button(client, partnership_id, finding_id, **post):
    """Presses the finding page's approve button: its form sends the version the page shows."""
    page = html(client.get(f"/p/{partnership_id}/findings/{finding_id}"))
    version = re.search(
        r'/approve"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"', page
    )
    assert version, "the approve button's form carries the finding's version"
    return client.post(
        f"/p/{partnership_id}/findings/{finding_id}/approve", data={"version": version.group(1)}, **post
    )
