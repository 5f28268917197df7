"""Accounts, sign-in throttling and invites accepted. No request globals here."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Invite, Membership, SignInAttempt, User
from ..models.base import utcnow
from ..services_errors import ServiceError
from .passwords import hash_password, password_problem, verify_password

_dummy_hash: str | None = None


def _dummy_password_hash() -> str:
    """A hash to check against when no account matches, so a wrong e-mail address costs as much
    time as a wrong password and timing does not reveal who has an account."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _dummy_hash


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, name: str, password: str, is_admin: bool = False) -> User:
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ServiceError("An account with that e-mail address already exists.", "email")
    problem = password_problem(password, email=email)
    if problem:
        raise ServiceError(problem, "password")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), is_admin=is_admin)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise ServiceError(problem, "new_password")
    user.password_hash = hash_password(password)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise ServiceError("Your current password is not right.", "current_password")
    set_password(user, new_password)


@dataclass(frozen=True)
class ThrottleLimits:
    window: timedelta
    per_account: int
    per_address: int


def is_throttled(email: str, address: str, limits: ThrottleLimits, now: datetime | None = None) -> bool:
    """Too many recent failures for this account, or from this address."""
    since = (now or utcnow()) - limits.window
    failures = select(func.count(SignInAttempt.id)).where(
        SignInAttempt.succeeded.is_(False), SignInAttempt.created_at >= since
    )
    if db.session.scalar(failures.where(SignInAttempt.email == normalise_email(email))) >= limits.per_account:
        return True
    return db.session.scalar(failures.where(SignInAttempt.address == address)) >= limits.per_address


def record_attempt(email: str, address: str, succeeded: bool) -> None:
    db.session.add(SignInAttempt(email=normalise_email(email)[:320], address=address[:64], succeeded=succeeded))


@dataclass(frozen=True)
class Credentials:
    user_id: int
    password_hash: str
    disabled: bool


def credentials_of(email: str) -> Credentials | None:
    row = db.session.execute(select(User.id, User.password_hash, User.is_disabled)
                             .where(User.email == normalise_email(email))).first()
    return Credentials(*row) if row else None


def check_password(credentials: Credentials | None, password: str) -> bool:
    """Whether the password opens the account; as slow for an unknown address as for a known one.
    Needs no database: callers check it outside any transaction, so no lock is held meanwhile."""
    if credentials is None:
        verify_password(_dummy_password_hash(), password)
        return False
    return verify_password(credentials.password_hash, password) and not credentials.disabled


def authenticate(email: str, password: str, address: str) -> User | None:
    """The user whose credentials these are, or None. Every attempt is recorded."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        verify_password(_dummy_password_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and not user.is_disabled
    db.session.add(SignInAttempt(email=email[:320], address=address[:64], succeeded=ok))
    return user if ok else None


# Invites -----------------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invite_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def find_open_invite(token: str, now: datetime | None = None) -> Invite | None:
    """The invite this token opens, if it is still unused, unrevoked and in date."""
    if not token or len(token) > 100:
        return None
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None or not invite.is_open(now or utcnow()):
        return None
    return invite


def accept_invite(invite: Invite, user: User) -> Membership:
    """Adds the partnership to the user's account with the invited role; the invite is spent."""
    if normalise_email(user.email) != invite.email:
        raise ServiceError(
            f"This invitation is for {invite.email}. Sign in with that address to accept it."
        )
    membership = db.session.scalar(
        select(Membership).where(
            Membership.partnership_id == invite.partnership_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(
            partnership_id=invite.partnership_id, user_id=user.id, role=invite.role,
            school_id=invite.school_id,
        )
        db.session.add(membership)
    else:
        # Already a member: the invite updates their role, as the lead intended.
        membership.role = invite.role
        membership.school_id = invite.school_id
    invite.accepted_at = utcnow()
    invite.accepted_by_id = user.id
    db.session.flush()
    return membership


def accept_invite_as_new_person(invite: Invite, name: str, password: str) -> User:
    user = create_user(invite.email, name, password)
    accept_invite(invite, user)
    return user
