"""Every check of a password or a code goes through the sign-in throttle (services.take_attempt),
wherever it is asked: at sign-in, at the code step, and in a session, where the password is asked
again to change it or to turn two-step sign-in off. Otherwise whoever holds a stolen session could
guess the password there without limit. This side reads the request's address and the settings;
the counting itself is in services."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request

from ..extensions import db
from ..models import SignInStep, User
from . import services
from .passwords import verify_password


class TooManyAttempts(Exception):
    """Over the throttle's limit: answer 429 with `message`, checking nothing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _address() -> str:
    return request.remote_addr or "unknown"


def _limits() -> services.ThrottleLimits:
    return services.throttle_limits(current_app.config)


def too_many_attempts_message() -> str:
    return services.too_many_attempts(_limits())


def count(email: str) -> None:
    """Counts an attempt for `email` from this request's address and commits it, so that other
    workers see it before the slow check; raises TooManyAttempts over the limit."""
    allowed = services.take_attempt(email, _address(), _limits())
    db.session.commit()
    if not allowed:
        raise TooManyAttempts(too_many_attempts_message())


def record(email: str, succeeded: bool, step: SignInStep) -> None:
    """The outcome, into the sign-in history (a success gives its attempt back); committed."""
    services.record_attempt(email, _address(), succeeded, step)
    db.session.commit()


def checked(email: str, step: SignInStep, check: Callable[[], bool]) -> bool:
    """Counts the attempt, runs `check` once the count is committed, records what it found."""
    count(email)
    ok = check()
    record(email, ok, step)
    return ok


def password_checked_again(user: User, password: str) -> bool:
    """Whether `password` is the signed-in person's, asked again in a session; throttled and
    recorded like a sign-in. Raises TooManyAttempts."""
    email, password_hash = user.email, user.password_hash  # read before the commit, not during the hash
    return checked(email, SignInStep.PASSWORD_AGAIN, lambda: verify_password(password_hash, password))
