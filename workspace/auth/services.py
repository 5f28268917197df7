"""Accounts, sign-in throttling and invites accepted. No request globals here."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Invite, Membership, SignInAttempt, SignInStep, SignInThrottle, User
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


@dataclass(frozen=True)
class ThrottleLimits:
    window: timedelta
    per_account: int
    per_address: int


def throttle_limits(config) -> ThrottleLimits:
    """The limits as the application's settings give them."""
    return ThrottleLimits(
        window=timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    )


def too_many_attempts(limits: ThrottleLimits) -> str:
    """What a throttled person reads: the window's own length, in whole minutes (at most that long)."""
    minutes = max(1, math.ceil(limits.window.total_seconds() / 60))
    return (
        f"There have been too many failed attempts to sign in. Please wait {minutes} "
        f"minute{'' if minutes == 1 else 's'} and try again."
    )


def take_attempt(email: str, address: str, limits: ThrottleLimits, now: datetime | None = None) -> bool:
    """Counts an attempt against the account and the address before its password or code is
    checked, and says whether it may go on (False: too many in the window; answer 429).

    Counting and deciding are one statement per key, an upsert that returns the new count: a
    row lock on PostgreSQL, the write lock on SQLite. Sixteen workers trying one account at once
    each get their own count, so no more than the limit reach the password check. A success
    gives its attempt back (record_attempt); a failure keeps it until the window has passed.
    The caller commits before checking, so that other workers see the attempt meanwhile."""
    now = now or utcnow()
    allowed = True
    for key, limit in (
        (_account_key(email), limits.per_account),
        (_address_key(address), limits.per_address),
    ):
        allowed = _count_attempt(key, now, now - limits.window) <= limit and allowed
    return allowed


def record_attempt(email: str, address: str, succeeded: bool, step: SignInStep = SignInStep.PASSWORD) -> None:
    """The attempt goes into the sign-in history, with the step it checked; a success no longer
    counts against the limits (a two-step account's right password too: its code is counted anew)."""
    db.session.add(
        SignInAttempt(
            email=normalise_email(email)[:320], address=address[:64], succeeded=succeeded, step=step
        )
    )
    if succeeded:
        # One key at a time, in take_attempt's order: on PostgreSQL a single UPDATE ... IN takes
        # the two rows in whatever order it finds them, and deadlocks with a sign-in counting them.
        for key in (_account_key(email), _address_key(address)):
            db.session.execute(
                update(SignInThrottle)
                .where(SignInThrottle.key == key, SignInThrottle.attempts > 0)
                .values(attempts=SignInThrottle.attempts - 1)
            )


def _account_key(email: str) -> str:
    return "account:" + normalise_email(email)[:320]


def _address_key(address: str) -> str:
    return "address:" + address[:64]


def _count_attempt(key: str, now: datetime, window_start: datetime) -> int:
    # Both dialects spell the upsert the same way; the window starts again once it has passed.
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    window_over = SignInThrottle.window_started_at < window_start
    upsert = insert(SignInThrottle).values(key=key, window_started_at=now, attempts=1)
    statement = upsert.on_conflict_do_update(
        index_elements=[SignInThrottle.key],
        set_={
            "attempts": case((window_over, 1), else_=SignInThrottle.attempts + 1),
            "window_started_at": case((window_over, now), else_=SignInThrottle.window_started_at),
        },
    ).returning(SignInThrottle.attempts)
    return db.session.execute(statement).scalar_one()


@dataclass(frozen=True)
class Credentials:
    user_id: int
    password_hash: str
    disabled: bool


def credentials_of(email: str) -> Credentials | None:
    row = db.session.execute(
        select(User.id, User.password_hash, User.is_disabled).where(User.email == normalise_email(email))
    ).first()
    return Credentials(*row) if row else None


def check_password(credentials: Credentials | None, password: str) -> bool:
    """Whether the password opens the account; as slow for an unknown address as for a known one.
    Needs no database: callers check it outside any transaction, so no lock is held meanwhile."""
    if credentials is None:
        verify_password(_dummy_password_hash(), password)
        return False
    return verify_password(credentials.password_hash, password) and not credentials.disabled


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


def accept_invite(invite: Invite, user: User, check_email: bool = True) -> Membership:
    """Adds the partnership to the user's account with the invited role; the invite is spent.
    Single sign-on checks the address itself (identities.py): the provider's may be the one invited."""
    if check_email and normalise_email(user.email) != invite.email:
        raise ServiceError(f"This invitation is for {invite.email}. Sign in with that address to accept it.")
    membership = db.session.scalar(
        select(Membership).where(
            Membership.partnership_id == invite.partnership_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(
            partnership_id=invite.partnership_id,
            user_id=user.id,
            role=invite.role,
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
