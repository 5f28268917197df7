"""Who a session says it belongs to, without loading anyone.

Flask-Login keeps "id:version" in the session. The session is still theirs while the account's
session version has not moved on (sign-out everywhere, a new password or a disabled account
move it) and the account is not disabled. Both the user loader and the partnership pages (which
check it in the same query that resolves access) ask here, so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Mapping

from .forms_common import parse_id

SESSION_KEY = "_user_id"  # where Flask-Login keeps it


def session_reference(session: Mapping) -> tuple[int, int] | None:
    """(user id, session version) from a session, or None when it names nobody."""
    user_text, _, version_text = str(session.get(SESSION_KEY) or "").partition(":")
    user_id, version = parse_id(user_text), parse_id(version_text)
    if user_id is None or version is None:
        return None
    return user_id, version


def is_signed_in(session: Mapping) -> bool:
    """Whether the session claims a person; it is checked against the account when it matters."""
    return session_reference(session) is not None


def still_valid(version_in_session: int, account_version: int | None, account_disabled: bool | None) -> bool:
    return account_version is not None and not account_disabled and account_version == version_in_session
