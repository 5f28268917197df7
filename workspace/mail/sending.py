"""Sending the outbox (`flask send-mail`): one message at a time, each marked sent only once the
server has accepted it. Queueing is workspace/mail/outbox.py.

Never twice. A message's row goes queued -> sending (the claim) -> sent, each step committed:

- The claim is one conditional UPDATE on the message's unique Message-ID ("... WHERE message_id = :id
  AND state = 'queued'"), committed before the message goes to the server. Two senders started at
  once (cron overlapping a slow run) cannot both claim it: the second finds no queued row and moves on.
- A crash between the server's acceptance and our mark leaves the row in 'sending'. SMTP gives no
  way to ask a server afterwards whether it took a message, so the next run does not guess: a claim
  older than CLAIM_LEASE is marked 'unconfirmed', listed by the command with its Message-ID, and never
  sent again by itself. The operator finds that Message-ID in the mail server's log and, if it is not
  there, puts the message back with `flask send-mail --requeue <Message-ID>`. The window is small:
  the connection and sign-in to the server are made before the claim, so what can fail there fails
  with nothing claimed.
- A refusal (a 4xx reply, the server down or the connection lost) is not an acceptance: the message
  goes back to 'queued' with a later next attempt (backoff), and keeps its Message-ID, so that even a
  server that took a message and failed to say so passes on one the recipient's mail system can tell
  is the same.
- A permanent refusal of the address (5xx to RCPT TO) marks the message 'bounced' and the address in
  mail_bounce: nothing more is queued or sent to it, and the partnership's lead sees it on Members.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

from flask import g
from sqlalchemy import CursorResult, select, update

from ..extensions import db
from ..models import Invite, MailBounce, MailKind, OutboxMessage, OutboxState, User
from ..models.base import utcnow
from .outbox import is_bounced
from .settings import MailSettings, mail_settings

CLAIM_LEASE = timedelta(minutes=15)
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)


class MailNotSetUp(Exception):
    pass


class ConnectionLost(Exception):
    pass


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    bounced: int = 0
    failed: int = 0
    cancelled: int = 0
    unconfirmed: list[str] = field(default_factory=list)
    error: str = ""


# Headers are not folded short: a List-Unsubscribe link longer than a line would otherwise be
# written as an encoded word, which mail clients do not read as a link (RFC 5322 allows 998).
POLICY = policy.default.clone(max_line_length=998)


def build_email(message: OutboxMessage, settings: MailSettings) -> EmailMessage:
    email = EmailMessage(policy=POLICY)
    email["Subject"] = message.subject
    email["From"] = settings.sender
    email["To"] = message.to_address
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message.message_id
    if message.kind != MailKind.INVITATION:
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    if message.unsubscribe_url:
        # RFC 8058: a mail client may POST "List-Unsubscribe=One-Click" to the link, no sign-in.
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


def connect(settings: MailSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.server, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            smtp.starttls(context=context)
    try:
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first failure, doubling each time, at most 6 hours apart."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def send_queued(limit: int = 500) -> SendReport:
    """Sends what is due in the outbox. Raises MailNotSetUp when there are no settings."""
    settings = mail_settings()
    if settings is None:
        raise MailNotSetUp
    report = SendReport(unconfirmed=_mark_interrupted_claims(utcnow()))
    due = list(
        db.session.scalars(
            select(OutboxMessage.message_id)
            .where(OutboxMessage.state == OutboxState.QUEUED, OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()
    if not due:
        return report
    try:
        smtp = connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        report.error = _describe(error)
        for message_id in due:
            if _defer_unclaimed(message_id, report.error, settings):
                report.deferred += 1
        db.session.commit()
        return report
    try:
        for message_id in due:
            try:
                outcome = _send_one(smtp, message_id, settings)
            except ConnectionLost as lost:
                # The rest keep their place in the queue, untried, for the next run.
                report.deferred += 1
                report.error = str(lost)
                break
            if outcome is not None:
                setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return report


def requeue(message_id: str) -> bool:
    """Puts an unconfirmed or failed message back in the queue (after the operator has checked the
    mail server's log for its Message-ID). Bodies already erased cannot be sent again."""
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))
    if message is None or message.state not in (OutboxState.UNCONFIRMED, OutboxState.FAILED):
        return False
    if not message.text_body:
        return False
    message.state = OutboxState.QUEUED
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    db.session.commit()
    return True


def _send_one(smtp: smtplib.SMTP, message_id: str, settings: MailSettings) -> str | None:
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_id == message_id, OutboxMessage.state == OutboxState.QUEUED)
            .values(state=OutboxState.SENDING, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1),
        ),
    ).rowcount
    db.session.commit()
    if not claimed:
        return None  # another sender has it, or it changed since we looked
    message = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.message_id == message_id)
    ).scalar_one()  # claimed just now, by its unique id
    if not _still_wanted(message):
        _finish(message, OutboxState.CANCELLED)
        return "cancelled"
    if is_bounced(message.to_address):
        _finish(message, OutboxState.BOUNCED, "the address bounced before")
        return "bounced"
    try:
        smtp.send_message(build_email(message, settings))
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()))
        reason = f"{code} {_text(reply)}"
        if 500 <= code < 600:
            _bounce(message, reason)
            return "bounced"
        _defer(message, reason, settings)
        return "deferred"
    except smtplib.SMTPResponseException as error:
        reason = f"{error.smtp_code} {_text(error.smtp_error)}"
        if 500 <= error.smtp_code < 600:
            _finish(message, OutboxState.FAILED, reason)
            return "failed"
        _defer(message, reason, settings)
        return "deferred"
    except (OSError, smtplib.SMTPException) as error:
        _defer(message, _describe(error), settings)
        raise ConnectionLost(_describe(error)) from error
    _finish(message, OutboxState.SENT)
    return "sent"


def _still_wanted(message: OutboxMessage) -> bool:
    if message.kind == MailKind.INVITATION:
        invite = db.session.get(Invite, message.invite_id) if message.invite_id else None
        return invite is not None and invite.is_open(utcnow())
    if message.recipient_id is not None:
        from .preferences import wants

        recipient = db.session.get(User, message.recipient_id)
        return recipient is not None and not recipient.is_disabled and wants(recipient, message.kind)
    return True


def _finish(message: OutboxMessage, state: OutboxState, reason: str = "") -> None:
    """A message done with: its body (which may hold an invitation's token) is erased, but for a
    failed one, which the operator may put back (requeue); who it was for, its subject and what
    became of it stay."""
    message.state = state
    message.claimed_at = None
    message.last_error = reason[:500]
    if state != OutboxState.FAILED:
        message.text_body = message.html_body = ""
    if state == OutboxState.SENT:
        message.sent_at = utcnow()
    db.session.commit()


def _bounce(message: OutboxMessage, reason: str) -> None:
    if not is_bounced(message.to_address):
        db.session.add(MailBounce(email=message.to_address, reason=reason[:500], bounced_at=utcnow()))
    # Whatever else waits for the address will not go either.
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.to_address == message.to_address,
            OutboxMessage.state == OutboxState.QUEUED,
        )
        .values(state=OutboxState.BOUNCED, text_body="", html_body="", last_error="the address bounced")
    )
    _finish(message, OutboxState.BOUNCED, reason)


def _defer(message: OutboxMessage, reason: str, settings: MailSettings) -> None:
    if message.attempts >= settings.max_attempts:
        _finish(message, OutboxState.FAILED, f"gave up after {message.attempts} attempts: {reason}")
        return
    message.state = OutboxState.QUEUED
    message.claimed_at = None
    message.last_error = reason[:500]
    message.next_attempt_at = utcnow() + retry_delay(message.attempts)
    db.session.commit()


def _defer_unclaimed(message_id: str, reason: str, settings: MailSettings) -> bool:
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.message_id == message_id, OutboxMessage.state == OutboxState.QUEUED
        )
    )
    if message is None:
        return False
    message.attempts += 1
    if message.attempts >= settings.max_attempts:
        _finish(message, OutboxState.FAILED, f"gave up after {message.attempts} attempts: {reason}")
    else:
        message.last_error = reason[:500]
        message.next_attempt_at = utcnow() + retry_delay(message.attempts)
    return True


def _mark_interrupted_claims(now: datetime) -> list[str]:
    """Claims that no sender finished (see the module's note): unconfirmed, never sent again by
    themselves. Returns their Message-IDs."""
    stuck = list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at < now - CLAIM_LEASE
            )
        )
    )
    for message in stuck:
        message.state = OutboxState.UNCONFIRMED
        message.last_error = "the sender stopped before it knew whether the server accepted this message"
    db.session.commit()
    return [message.message_id for message in stuck]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(error: BaseException) -> str:
    return (f"{type(error).__name__}: {error}")[:500]


def init_app(app) -> None:
    """MAIL_SEND_AFTER_REQUEST: once the response to a request that queued mail has gone, send the
    outbox (in its own application context; the request's transaction is committed by then)."""

    @app.after_request
    def send_after_response(response):
        if not (g.pop("mail_queued", False) and app.config.get("MAIL_SEND_AFTER_REQUEST")):
            return response

        def send() -> None:
            with app.app_context():
                try:
                    send_queued()
                except Exception:  # the queue keeps the message; send-mail will try again
                    app.logger.exception("sending the outbox after a request failed")
                    db.session.rollback()

        response.call_on_close(send)
        return response
