"""Two-step sign-in's rules, without request globals: codes accepted once, recovery codes spent
once, the secret being set up kept on the server, and secrets sealed again with a new key.

"Once" holds under parallel requests too: each is decided by one guarded UPDATE or DELETE whose
row count says whether this request was the one that did it. On PostgreSQL a second request's
UPDATE waits for the first's row lock and then finds its condition no longer true; on SQLite
writers take turns. A check first and a write after would let both requests through.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, func, or_, select, update

from ..extensions import db
from ..models import RecoveryCode, TwoStepSetup, User
from ..models.base import utcnow
from . import authenticator
from .two_step_keys import SecretUnreadable, reseal, seal, unseal

log = logging.getLogger(__name__)

PENDING_SETUP_MINUTES = 10


def _rows_changed(statement: Executable) -> int:
    """Runs a guarded UPDATE or DELETE: how many rows it changed."""
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def accept_code(user: User, code: str, now: float | None = None) -> bool:
    """An authenticator code of a later step than any accepted before, or an unused recovery code
    (which is then spent). A code used once, or one older than the last used, is refused like a
    wrong one."""
    now = time.time() if now is None else now
    return _accept_authenticator_code(user, code, now) or _spend_recovery_code(user, code)


def _accept_authenticator_code(user: User, code: str, now: float) -> bool:
    if user.sealed_totp_secret is None:  # two-step sign-in is off
        return False
    try:
        secret = unseal(user.sealed_totp_secret)
    except SecretUnreadable:
        log.error("Account %s: its two-step secret opens with none of TWO_STEP_SECRET_KEYS", user.id)
        return False
    step = authenticator.matching_step(secret, code, now)
    if step is None:
        return False
    taken = _rows_changed(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["totp_last_step"])
    return taken == 1


def _spend_recovery_code(user: User, code: str) -> bool:
    spent = _rows_changed(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == authenticator.hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.execute(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).scalar_one()


# Setting up ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSetup:
    id: int
    secret: str


def start_setup(user: User) -> None:
    """A new secret for this account's set-up, replacing any it had; set-ups of any account left
    unconfirmed too long go on the way."""
    # The account's row first (PostgreSQL; SQLite takes writers one at a time anyway): a second
    # "Start set-up" sent at the same moment waits, then replaces this one rather than colliding
    # with it on the one-per-account constraint.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    db.session.execute(
        delete(TwoStepSetup).where(
            or_(TwoStepSetup.user_id == user.id, TwoStepSetup.created_at < _setup_cutoff())
        )
    )
    db.session.add(TwoStepSetup(user_id=user.id, sealed_secret=seal(authenticator.new_secret())))


def pending_setup(user: User) -> PendingSetup | None:
    """The secret being set up, while it is fresh."""
    row = db.session.execute(
        select(TwoStepSetup.id, TwoStepSetup.sealed_secret).where(
            TwoStepSetup.user_id == user.id, TwoStepSetup.created_at >= _setup_cutoff()
        )
    ).first()
    if row is None:
        return None
    try:
        return PendingSetup(row.id, unseal(row.sealed_secret))
    except SecretUnreadable:
        return None  # sealed with a key since removed: the person starts again


def confirm_setup(user: User, setup: PendingSetup, code: str, now: float | None = None) -> list[str] | None:
    """Two-step sign-in on, if the code is the app's for the pending secret: the new recovery
    codes (shown once), or None. The confirming code is used up, like any code at sign-in."""
    step = authenticator.matching_step(setup.secret, code, time.time() if now is None else now)
    if step is None:
        return None
    # One request confirms a set-up: the one whose DELETE removed it.
    if _rows_changed(delete(TwoStepSetup).where(TwoStepSetup.id == setup.id)) != 1:
        return None
    user.sealed_totp_secret = seal(setup.secret)
    user.totp_last_step = step
    codes = authenticator.new_recovery_codes()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=authenticator.hash_code(c)) for c in codes)
    user.end_all_sessions()  # other sessions signed in with the password alone end
    return codes


def turn_off(user: User) -> None:
    user.sealed_totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoStepSetup).where(TwoStepSetup.user_id == user.id))


def _setup_cutoff():
    return utcnow() - timedelta(minutes=PENDING_SETUP_MINUTES)


# Keys ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResealReport:
    resealed: int
    unreadable_accounts: list[int]


def reseal_all() -> ResealReport:
    """Every sealed secret (accounts' and pending set-ups'), sealed again with the first key. A row
    is rewritten only while it still holds what was read, so that a person turning two-step off
    meanwhile is not turned back on. Secrets no key opens are left as they are, and reported."""
    resealed, unreadable = 0, []
    accounts = db.session.execute(
        select(User.id, User.sealed_totp_secret).where(User.sealed_totp_secret.is_not(None))
    ).all()
    for user_id, sealed in accounts:
        if sealed is None:  # the query asked for sealed ones only
            continue
        try:
            fresh = reseal(sealed)
        except SecretUnreadable:
            unreadable.append(user_id)
            continue
        resealed += _rows_changed(
            update(User)
            .where(User.id == user_id, User.sealed_totp_secret == sealed)
            .values(sealed_totp_secret=fresh)
            .execution_options(synchronize_session=False)
        )
    pending = db.session.execute(select(TwoStepSetup.id, TwoStepSetup.sealed_secret)).all()
    for setup_id, sealed in pending:
        try:
            fresh = reseal(sealed)
        except SecretUnreadable:  # a set-up nobody can finish: it goes
            db.session.execute(delete(TwoStepSetup).where(TwoStepSetup.id == setup_id))
            continue
        resealed += _rows_changed(
            update(TwoStepSetup)
            .where(TwoStepSetup.id == setup_id, TwoStepSetup.sealed_secret == sealed)
            .values(sealed_secret=fresh)
            .execution_options(synchronize_session=False)
        )
    return ResealReport(resealed, unreadable)
