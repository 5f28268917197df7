"""Configuration: defaults here, then instance/config.py, then WORKSPACE_* variables (read by
Flask's from_prefixed_env, as JSON where they parse). DATABASE_URL and SECRET_KEY are also read
without the prefix, as most hosts set them that way (create_app)."""

from __future__ import annotations

from datetime import timedelta


class Defaults:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True when served over HTTPS
    HSTS_MAX_AGE_SECONDS = 31536000  # Strict-Transport-Security, sent only with secure cookies
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
    # Fernet keys that seal two-step secrets at rest, newest first (a list, or one string separated by
    # commas or spaces); the first seals, all open. Unset: a key derived from SECRET_KEY (auth/two_step_keys.py).
    TWO_STEP_SECRET_KEYS: list | str | None = None
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Sign-in throttling: failures counted in the database, so every worker sees them.
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    INVITE_VALID_DAYS = 14
    # Single sign-on (README, Single sign-on): providers by the short name in their URLs.
    # {"microsoft": {"client_id": ..., "client_secret": ..., "tenants": ["<tid>", ...]}} or
    # {"<name>": {"discovery_url": ..., "client_id": ..., "client_secret": ...}}
    OIDC_PROVIDERS: dict = {}
    # {"glow": {"metadata_url": ..., "idp_entity_id": ..., "attributes": {...}}}
    SAML_PROVIDERS: dict = {}
    # False: an account with a linked identity signs in through its provider only, never a password.
    PASSWORD_SIGN_IN_WITH_SINGLE_SIGN_ON = True
    # Writers queue for the write lock this long. Generous: under a burst, SQLite's waiting is not
    # first come, first served, and a failed write is worse than a slow one.
    SQLITE_BUSY_TIMEOUT_MS = 30000
    # How many proxies in front set X-Forwarded-*; 0 trusts none (the client address is the peer's).
    PROXY_FIX_FORWARDED = 0
    # E-mail (workspace/mail/). Without MAIL_SERVER, MAIL_SENDER and BASE_URL nothing is queued or
    # sent, and the workspace works as it does without mail (invitation links are passed on by hand).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_SECURITY = "starttls"  # "starttls" (usually port 587), "tls" (port 465) or "none" (a local relay)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER: str | None = None  # the From address, e.g. "Partnership Workspace <workspace@example.org>"
    MAIL_TIMEOUT_SECONDS = 30
    MAIL_MAX_ATTEMPTS = 10  # a message still refused for a while after this many tries is given up
    # Also send the outbox once a response has gone, after a request that queued mail (an
    # invitation), for a deployment without cron; `flask send-mail` is still what retries.
    MAIL_SEND_AFTER_REQUEST = False
    # The address people reach the workspace at: every link in an e-mail starts with it.
    BASE_URL: str | None = None
    # Evidence files (README, Evidence files). The folder they are kept in (default instance/uploads/),
    # or, where UPLOAD_S3_BUCKET is set, a bucket of S3-compatible object storage (credentials as
    # boto3 finds them: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile or an instance role).
    UPLOAD_DIR: str | None = None
    UPLOAD_MAX_MB = 10  # one file; an upload's request may carry 1 MB more (the form around it)
    UPLOAD_S3_BUCKET: str | None = None
    UPLOAD_S3_PREFIX = "evidence/"
    UPLOAD_S3_ENDPOINT_URL: str | None = None  # for storage other than Amazon's (MinIO, Ceph, a provider's)
    UPLOAD_S3_REGION: str | None = None
    # The protective marking in the header of every interim report ("" for none).
    REPORT_MARKING = "OFFICIAL-SENSITIVE"
    # LibreOffice (a name on PATH or a path; "" for none) lays a report out once when it is made final,
    # so that its contents list carries page numbers in every reader (README, The contents list).
    # Without it, final reports have working links and no numbers. Keep the limit under the web
    # server's own request timeout (gunicorn's is 30 s).
    SOFFICE = "soffice"
    SOFFICE_TIMEOUT_SECONDS = 20


def normalise_database_url(url: str) -> str:
    """Hosts hand out postgres:// URLs, which SQLAlchemy 2 no longer accepts; we use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
