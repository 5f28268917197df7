"""The moment a person is signed in, shared by the password step and the two-step code step.
Kept apart from services.py, which knows nothing of the request: this writes the session."""

from __future__ import annotations

import time

from flask import session
from flask_login import login_user

from ..models import User


def start_session(user: User) -> None:
    """A new session at sign-in: nothing set before it (by anyone) carries over."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = session["last_seen"] = int(time.time())
