"""What SAML sign-in remembers between messages: the requests we sent (so that a response answers
one of ours, InResponseTo), and the assertions we accepted (so that none is accepted twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utcnow


class SamlRequest(Model):
    """An AuthnRequest sent to an identity provider, not yet answered. Kept here, not in the
    session: the response comes back as a cross-site POST, which carries no SameSite=Lax cookie.
    It also carries what the person was doing: the invitation they were accepting, where to go next.
    `browser_hash` binds it to the browser that started it: the SHA-256 of a random value kept in
    that browser's own cookie (saml.py), so that a request's answer from any other browser, which
    an attacker's link to the identity provider's page would give, is refused."""

    __tablename__ = "saml_request"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the request's ID attribute
    provider: Mapped[str] = mapped_column(String(40))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invite.id", ondelete="CASCADE"))
    link_to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    next_path: Mapped[str] = mapped_column(String(2000), default="")
    browser_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SamlAssertionSeen(Model):
    """An assertion accepted once, kept until it would have expired anyway (NotOnOrAfter): the same
    assertion posted again is a replay and is refused. `flask purge` erases the expired ones."""

    __tablename__ = "saml_assertion_seen"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the assertion's ID attribute
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
