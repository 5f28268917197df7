from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..reference import Role
from .base import UTCDateTime, utcnow
from .partnerships import Partnership, School

_ROLES = ", ".join(f"'{r.value}'" for r in Role)


class User(UserMixin, Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # always stored lower-case
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # An administrator can disable an account: it cannot sign in, and its sessions end at once.
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Part of every session's id: moving it on ends every session of the account.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Two-step sign-in: the authenticator app's secret, set once the person has confirmed a code,
    # sealed with TWO_STEP_SECRET_KEYS (auth/two_step_keys.py): never the base32 secret itself.
    sealed_totp_secret: Mapped[str | None] = mapped_column(String(255))
    # The time step (Unix time // 30) of the last authenticator code accepted: that code, and any
    # of an earlier step, is refused from then on, so a code signs in once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What e-mail the person wants (their account's E-mail page, or an unsubscribe link): reminders
    # of their own actions; the weekly digest (None: as their role has it, on for leads only).
    mail_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    mail_digest: Mapped[bool | None] = mapped_column(Boolean)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", passive_deletes=True
    )
    external_identities: Mapped[list[ExternalIdentity]] = relationship(
        back_populates="user", passive_deletes=True, order_by="ExternalIdentity.id"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def uses_two_step(self) -> bool:
        return self.sealed_totp_secret is not None

    def end_all_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(Model):
    """A person's place in a partnership: their role and, for teachers, their school."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("partnership_id", "user_id"),
        ForeignKeyConstraint(
            ["school_id", "partnership_id"],
            ["school.id", "school.partnership_id"],
            name="fk_membership_school_in_partnership",
        ),
        CheckConstraint(f"role IN ({_ROLES})", name="role"),
        CheckConstraint("role != 'teacher' OR school_id IS NOT NULL", name="teacher_has_school"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partnership: Mapped[Partnership] = relationship()
    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    school: Mapped[School | None] = relationship(
        foreign_keys=[school_id], primaryjoin="Membership.school_id == School.id", viewonly=True
    )

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class Invite(Model):
    """A single-use link that lets a person join a partnership with a given role.

    Only a hash of the token is stored: the link is shown to the lead once, when it is made.
    """

    __tablename__ = "invite"
    __table_args__ = (
        ForeignKeyConstraint(
            ["school_id", "partnership_id"],
            ["school.id", "school.partnership_id"],
            name="fk_invite_school_in_partnership",
        ),
        CheckConstraint(f"role IN ({_ROLES})", name="role"),
        CheckConstraint("role != 'teacher' OR school_id IS NOT NULL", name="teacher_has_school"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partnership: Mapped[Partnership] = relationship()
    school: Mapped[School | None] = relationship(
        foreign_keys=[school_id], primaryjoin="Invite.school_id == School.id", viewonly=True
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class SignInStep(StrEnum):
    """What an attempt in the sign-in history checked (sign_in_attempt.step)."""

    PASSWORD = "password"  # the password at sign-in; right, it signs in
    PASSWORD_CODE_NEXT = (
        "password_code_next"  # a two-step account's right password: not signed in until the code
    )
    CODE = "code"  # the authenticator's code or a recovery code; right, it signs in
    PASSWORD_AGAIN = (
        "password_again"  # the password asked again in a session: to change it, to turn two-step off
    )
    SINGLE_SIGN_ON = (
        "single_sign_on"  # Glow (SAML) or Microsoft (OpenID Connect): detail says which, and why not
    )


class SignInAttempt(Model):
    """Every check of a password or code, at sign-in or in a session, and what it checked. The
    throttle's counts are in sign_in_throttle."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_email_created", "email", "created_at"),
        Index("ix_sign_in_attempt_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    step: Mapped[str] = mapped_column(
        String(20), default=SignInStep.PASSWORD, server_default=SignInStep.PASSWORD.value
    )
    # For single sign-on: the provider and, for a refusal, why ("Microsoft: tenant not allowed").
    detail: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Model):
    """A single-use code that stands in for the authenticator app. Only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TwoStepSetup(Model):
    """A new authenticator secret shown to its person and not yet confirmed with a code. Kept here,
    sealed, not in the session cookie (which anyone holding it can read); one per account, replaced
    by a new set-up, removed when confirmed or once PENDING_SETUP_MINUTES have passed."""

    __tablename__ = "two_step_setup"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    sealed_secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ExternalIdentity(Model):
    """A Glow (SAML) or Microsoft / OpenID Connect identity that signs in to an account. Keyed by
    the provider's issuer and its stable id for the person (OIDC's iss + sub, SAML's IdP entity id
    + the configured unique-id attribute), never by e-mail: a teacher who moves authority gets a new
    Glow account, and an administrator links it to the account they have (auth/identities.py)."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))  # the configured name: "glow", "microsoft"
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email_seen: Mapped[str] = mapped_column(String(320), default="")  # as the provider last gave it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="external_identities")
