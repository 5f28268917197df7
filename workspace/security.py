"""Response headers that hold on every page: a strict CSP and friends."""

import time

from flask import Flask, request, session
from flask_login import logout_user

from .htmx import sign_in_required
from .identity import is_signed_in

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


OBSERVE_WORKER = "/static/js/observe-sw.js"
OBSERVE_WORKER_SCOPE = "/p/"


def _session_expired(app: Flask, now: int) -> bool:
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    return (now - session.get("last_seen", 0) > idle) or (now - session.get("signed_in_at", 0) > absolute)


def init_app(app: Flask) -> None:
    @app.before_request
    def enforce_session_timeouts():
        """Idle and absolute timeouts. The last-seen time is written at most once a minute, so the
        session cookie is sent again at most once a minute (SESSION_REFRESH_EACH_REQUEST is off).
        Only the session is read here: whether its account still holds is checked where it is used."""
        if request.endpoint == "static" or not is_signed_in(session):
            return None
        now = int(time.time())
        if _session_expired(app, now):
            logout_user()
            session.clear()
            return sign_in_required()
        if now - session.get("last_seen", 0) > 60:
            session["last_seen"] = now
        return None

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        if request.path == OBSERVE_WORKER:
            # The observation pages' service worker lives with the other files under /static/ but
            # looks after pages under /p/ (static/js/observe-sw.js says which).
            headers["Service-Worker-Allowed"] = OBSERVE_WORKER_SCOPE
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        # Secure cookies mean the site is served over HTTPS: tell browsers never to try it without.
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE_SECONDS']}")
        # Pages of signed-in people are about colleagues and pupils: keep them out of shared caches.
        if is_signed_in(session) and not request.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        return response
