"""The e-mail outbox, the addresses that bounced, and the reminders already given for each action."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, utcnow


class MailKind(StrEnum):
    """What a message is for. Invitations are essential; reminders and digests can be turned off."""

    INVITATION = "invitation"
    REMINDERS = "reminders"
    DIGEST = "digest"


class OutboxState(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt at next_attempt_at
    SENDING = "sending"  # claimed by a sender, which has not yet said how it went
    SENT = "sent"  # the server accepted it
    UNCONFIRMED = "unconfirmed"  # a sender stopped between sending and marking: never sent again by itself
    BOUNCED = "bounced"  # the server refused the address for good
    FAILED = "failed"  # refused for good for another reason, or out of attempts
    CANCELLED = "cancelled"  # no longer wanted (an invitation withdrawn or replaced)


_STATES = ", ".join(f"'{s.value}'" for s in OutboxState)
_KINDS = ", ".join(f"'{k.value}'" for k in MailKind)


class OutboxMessage(Model):
    """A message written in the same transaction as the change that causes it, and sent later by
    `flask send-mail` (mail/outbox.py). Its body is erased once it has been sent or given up."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        Index("ix_outbox_message_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID header, made when the message is queued and the same on every attempt.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # "reminders:<user>:<day>", "digest:<user>:<partnership>:<week>": at most one message each.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invite.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailBounce(Model):
    """An address the mail server refused for good: nothing more is sent to it, and its lead sees it."""

    __tablename__ = "mail_bounce"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    bounced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActionReminder(Model):
    """A reminder already given about an action: 'due:<date>', 'overdue:<date>' or 'stale:<date>'.
    A new due date, or a new update that goes stale in its turn, makes a new key."""

    __tablename__ = "action_reminder"
    __table_args__ = (UniqueConstraint("action_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
