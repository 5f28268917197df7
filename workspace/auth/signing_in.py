"""The moment a person is signed in, shared by the password step and the two-step code step.
Kept apart from services.py, which knows nothing of the request: this writes the session."""

from __future__ import annotations

import time

from flask import session
from flask_login import login_user

from ..models import User

PASSWORD = "password"


def start_session(user: User, signed_in_with: str = PASSWORD) -> None:
    """A new session at sign-in: nothing set before it (by anyone) carries over. `signed_in_with`
    is "password" or the single sign-on provider's name: two-step sign-in is asked of passwords only."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = session["last_seen"] = int(time.time())
    session["signed_in_with"] = signed_in_with


def start_session_again(user: User) -> None:
    """A new session for the same sign-in (after a password change or a two-step set-up)."""
    start_session(user, session.get("signed_in_with", PASSWORD))


def signed_in_with_password() -> bool:
    # Sessions begun before single sign-on existed were all password sessions.
    return session.get("signed_in_with", PASSWORD) == PASSWORD
