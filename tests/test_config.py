"""Configuration sources, the secret-key rule, database URLs and SQLite's pragmas."""

import pytest
from sqlalchemy import text

from workspace import create_app
from workspace.config import normalise_database_url
from workspace.extensions import db


def test_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WORKSPACE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", "SECRET_KEY": None})


def test_starts_without_secret_key_when_testing(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"}
    )
    assert app.testing


def test_workspace_environment_variables_override(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSPACE_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("WORKSPACE_INVITE_VALID_DAYS", "3")
    monkeypatch.setenv("WORKSPACE_REQUIRE_TWO_STEP_FOR", '["admin", "lead"]')
    monkeypatch.setenv("WORKSPACE_SECRET_KEY", "from-env")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["INVITE_VALID_DAYS"] == 3
    assert app.config["REQUIRE_TWO_STEP_FOR"] == ["admin", "lead"]
    assert app.config["SECRET_KEY"] == "from-env"
    # The plain name is read too, as most hosts set it; the prefixed one wins.
    monkeypatch.setenv("SECRET_KEY", "plain")
    assert create_app().config["SECRET_KEY"] == "from-env"
    monkeypatch.delenv("WORKSPACE_SECRET_KEY")
    assert create_app().config["SECRET_KEY"] == "plain"


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WORKSPACE_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nINVITE_VALID_DAYS = 9\n")
    import workspace

    original = workspace.Flask

    class InstanceFlask(original):
        def __init__(self, *args, **kwargs):
            kwargs["instance_path"] = str(tmp_path)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(workspace, "Flask", InstanceFlask)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["INVITE_VALID_DAYS"] == 9
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/workspace.sqlite"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@db:5432/ws", "postgresql+psycopg://u:p@db:5432/ws"),
        ("postgresql://u@db/ws", "postgresql+psycopg://u@db/ws"),
        ("postgresql+psycopg://u@db/ws", "postgresql+psycopg://u@db/ws"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_urls(given, expected):
    assert normalise_database_url(given) == expected


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@localhost/workspace")
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@localhost/workspace"


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_sqlite_pragmas_on_a_fresh_connection(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/pragmas.sqlite",
        }
    )
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_proxy_fix_sets_the_client_address_for_throttling(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/p.sqlite", PROXY_FIX_FORWARDED=1)
    assert isinstance(app.wsgi_app, ProxyFix)
    assert not isinstance(make_app(f"sqlite:///{tmp_path}/q.sqlite").wsgi_app, ProxyFix)


def test_gunicorn_workers_freeze_what_the_loaded_app_holds(tmp_path):
    """gunicorn.conf.py, read by gunicorn's own loader, gives each worker a post_worker_init that
    moves what the loaded app holds out of the garbage collector's way (README, Deployment). In a
    process of its own: a freeze lasts the process."""
    import subprocess
    import sys
    from pathlib import Path

    config = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    script = f"""
import gc
from gunicorn.app.base import Application
from workspace import create_app

class Worker(Application):
    def load_config(self):
        self.load_config_from_file({str(config)!r})

    def load(self):
        return create_app({{"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/x.sqlite"}})

server = Worker()
server.wsgi()  # the app loaded, as in a worker
before = gc.get_freeze_count()
server.cfg.post_worker_init(None)
print(before, gc.get_freeze_count(), len(gc.get_objects()))
"""
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    before, frozen, still_tracked = map(int, ran.stdout.split())
    assert before == 0
    assert frozen > 50_000  # the app's modules, mappers and templates
    assert still_tracked < frozen / 10  # what a full collection still walks
