"""E-mail: the outbox and its sender, invitations, reminders of what is due, the weekly digest, and
each person's choice of what they receive (with the unsubscribe links that need no sign-in)."""

from flask import Blueprint

bp = Blueprint("mail", __name__)

from . import views  # noqa: E402,F401 (the routes register on bp)
