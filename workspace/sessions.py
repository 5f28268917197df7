"""The session cookie, verified once per process.

Flask keeps the session in a signed cookie and, on every request, builds a serializer, checks
the signature and decodes the payload: about a third of what a signed-in request costs before it
does anything (measured on the observation poll). A browser sends the same cookie until the
server writes a new one (at most once a minute, security.py), and a tablet on the observation
page sends it every three seconds. So this interface remembers, per process, what each cookie it
has verified holds and when it was signed. The same cookie string again is the same signed
payload; its age is checked as Flask checks it, every time. A new secret key (or new fallbacks)
starts afresh, and a cookie that does not verify is never remembered.
"""
from __future__ import annotations

import copy
import threading
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_REMEMBERED = 4096  # cookies per process; the oldest goes first


class RememberingSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._lock = threading.Lock()
        # (secret key and fallbacks, their serializer, cookie -> (payload, signed at)), replaced whole.
        self._state: tuple = (None, None, {})

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        state = self._state
        if state[0] != keys:
            state = (keys, super().get_signing_serializer(app), {})
            self._state = state
        return state[1]

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        remembered = self._state[2]
        found = remembered.get(cookie)
        if found is None:
            try:
                payload, signed = serializer.loads(cookie, max_age=int(max_age), return_timestamp=True)
            except BadSignature:
                return self.session_class()
            found = (payload, signed.timestamp())
            with self._lock:
                if len(remembered) >= MAX_REMEMBERED:
                    del remembered[next(iter(remembered))]
                remembered[cookie] = found
        payload, signed_at = found
        age = time.time() - signed_at
        if age > max_age or age < 0:  # as itsdangerous refuses it
            return self.session_class()
        # The session may be changed in place (a flash appends to a list): never the remembered one.
        if any(isinstance(value, (list, dict, set)) for value in payload.values()):
            payload = copy.deepcopy(payload)
        return self.session_class(payload)
