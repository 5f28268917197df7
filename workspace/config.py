"""Configuration: defaults here, then instance/config.py, then WORKSPACE_* variables.

DATABASE_URL and SECRET_KEY are also read without the prefix, as most hosts set them that way.
"""
from __future__ import annotations

import json
import os
from datetime import timedelta


class Defaults:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True when served over HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is sent again when the session changes (last-seen moves on once a minute), not
    # re-signed on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    # A session ends after this long without a request, and this long after signing in, whatever.
    SESSION_IDLE_MINUTES = 120
    SESSION_ABSOLUTE_HOURS = 12
    # Roles that must use two-step sign-in: any of "admin", "lead" (e.g. WORKSPACE_REQUIRE_TWO_STEP_FOR='["admin","lead"]').
    REQUIRE_TWO_STEP_FOR: list = []
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Sign-in throttling: failures counted in the database, so every worker sees them.
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    INVITE_VALID_DAYS = 14
    # Writers queue for the write lock this long. Generous: under a burst, SQLite's waiting is not
    # first come, first served, and a failed write is worse than a slow one.
    SQLITE_BUSY_TIMEOUT_MS = 30000
    # The actions dashboard's results are remembered per process this long at most (and only while
    # no action changes: actions/results_cache.py); 0 renders them afresh every time.
    DASHBOARD_CACHE_SECONDS = 60
    # The observation poll's answer is kept per process while nothing is written, for at most
    # this long (freshness.py). 0 asks the database every time: for PostgreSQL behind a pooler
    # in transaction mode, where LISTEN cannot work.
    REMEMBERED_ANSWER_SECONDS = 10
    # How many proxies in front set X-Forwarded-*; 0 trusts none (the client address is the peer's).
    PROXY_FIX_FORWARDED = 0
    # The protective marking in the header of every interim report ("" for none).
    REPORT_MARKING = "OFFICIAL-SENSITIVE"


def _coerce(value: str):
    """WORKSPACE_* values are JSON where they parse as JSON (true, 5, "x"), else plain strings."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def environment_overrides(environ=os.environ) -> dict:
    overrides = {}
    for name in ("SECRET_KEY", "DATABASE_URL"):
        if environ.get(name):
            overrides[name] = environ[name]
    for name, value in environ.items():
        if name.startswith("WORKSPACE_") and len(name) > len("WORKSPACE_"):
            overrides[name[len("WORKSPACE_"):]] = _coerce(value)
    return overrides


def normalise_database_url(url: str) -> str:
    """Hosts hand out postgres:// URLs, which SQLAlchemy 2 no longer accepts; we use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
