"""Who wants which e-mail, and the signed links that turn one kind off without signing in."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import MailKind, Membership, User
from ..reference import Role
from .settings import absolute_url

OPTIONAL_KINDS = (MailKind.REMINDERS, MailKind.DIGEST)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="mail-unsubscribe")


def unsubscribe_token(user: User, kind: MailKind) -> str:
    # No expiry: a link in last month's digest must still work. It can only turn one kind of
    # e-mail off for one person, which they can turn back on from their account.
    return _serializer().dumps({"user": user.id, "kind": str(kind)})


def unsubscribe_url(user: User, kind: MailKind) -> str:
    return absolute_url("mail.unsubscribe", token=unsubscribe_token(user, kind))


def read_unsubscribe_token(token: str) -> tuple[User, MailKind] | None:
    try:
        data = _serializer().loads(token)
        kind = MailKind(data["kind"])
        user = db.session.get(User, int(data["user"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or kind not in OPTIONAL_KINDS:
        return None
    return user, kind


def digest_roles(user: User) -> set[str]:
    """The roles in which the person is offered the digest: leads get it unless they turn it off;
    reviewers when they turn it on."""
    roles = set(db.session.scalars(select(Membership.role).where(Membership.user_id == user.id)))
    return roles & {Role.LEAD, Role.REVIEWER}


def gets_digest_as(user: User, role: str) -> bool:
    if user.mail_digest is None:
        return role == Role.LEAD
    return user.mail_digest and role in (Role.LEAD, Role.REVIEWER)


def wants(user: User, kind: MailKind | str) -> bool:
    if kind == MailKind.REMINDERS:
        return user.mail_reminders
    if kind == MailKind.DIGEST:
        return any(gets_digest_as(user, role) for role in digest_roles(user))
    return True  # invitations are not optional


def digest_is_on(user: User) -> bool:
    """What the E-mail page's box shows: on where the person would get it in any of their roles."""
    return wants(user, MailKind.DIGEST)


def choose(user: User, reminders: bool, digest: bool | None) -> None:
    user.mail_reminders = reminders
    if digest is not None:
        user.mail_digest = digest
    db.session.flush()


def unsubscribe(user: User, kind: MailKind) -> None:
    if kind == MailKind.REMINDERS:
        user.mail_reminders = False
    elif kind == MailKind.DIGEST:
        user.mail_digest = False
    db.session.flush()
