"""The outbox: messages are queued in the transaction of the change that causes them (so a change
rolled back sends nothing), and sent by `flask send-mail` (workspace/mail/sending.py), or just after
the response when MAIL_SEND_AFTER_REQUEST is set. An address the mail server refused for good is
never written to again."""

from __future__ import annotations

from email.utils import make_msgid, parseaddr

from flask import current_app, g, has_request_context
from sqlalchemy import select, update

from ..extensions import db
from ..models import MailBounce, MailKind, OutboxMessage, OutboxState, User
from ..models.base import utcnow
from .settings import absolute_url, mail_settings


def render_letter(template: str, **context) -> tuple[str, str]:
    """The plain-text and HTML parts of templates/mail/letters/<template>.txt and .html. The HTML template
    is autoescaped (its name ends .html); every style in it is inline, as mail clients need."""
    env = current_app.jinja_env
    return (
        env.get_template(f"mail/letters/{template}.txt").render(**context),
        env.get_template(f"mail/letters/{template}.html").render(**context),
    )


def is_bounced(address: str) -> bool:
    return db.session.scalar(select(MailBounce.id).where(MailBounce.email == address.lower())) is not None


def bounce_of(address: str) -> MailBounce | None:
    return db.session.scalar(select(MailBounce).where(MailBounce.email == address.lower()))


def bounced_among(addresses: list[str]) -> set[str]:
    """Which of these addresses the mail server has refused for good (Members shows them)."""
    if not addresses:
        return set()
    lowered = {a.lower() for a in addresses}
    return set(db.session.scalars(select(MailBounce.email).where(MailBounce.email.in_(lowered))))


def queue(
    kind: MailKind,
    to_address: str,
    subject: str,
    template: str,
    context: dict,
    *,
    partnership_id: int | None = None,
    recipient: User | None = None,
    invite_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Adds a message to the outbox, in the caller's transaction; None when mail is not set up or
    the address has bounced. Reminders and digests carry a one-click unsubscribe for their kind."""
    settings = mail_settings()
    if settings is None or is_bounced(to_address):
        return None
    from .preferences import unsubscribe_url

    # A subject is one line: a name typed with a line break (a partnership's, an action's) must
    # not become a header the mail server reads, nor a ValueError that stops the outbox.
    subject = " ".join(subject.split())

    unsubscribe = None
    if kind != MailKind.INVITATION and recipient is not None:
        unsubscribe = unsubscribe_url(recipient, kind)
    text, html = render_letter(
        template,
        subject=subject,
        unsubscribe_url=unsubscribe,
        choices_url=absolute_url("mail.choices"),
        **context,
    )
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message = OutboxMessage(
        message_id=make_msgid(domain=domain),
        kind=kind,
        dedupe_key=dedupe_key,
        partnership_id=partnership_id,
        recipient_id=recipient.id if recipient else None,
        invite_id=invite_id,
        to_address=to_address.lower(),
        subject=subject,
        text_body=text,
        html_body=html,
        unsubscribe_url=unsubscribe,
        state=OutboxState.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    if has_request_context():
        g.mail_queued = True
    return message


def cancel_invitation_mail(invite_id: int) -> None:
    """An invitation withdrawn or replaced before its e-mail went: the e-mail does not go."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.invite_id == invite_id, OutboxMessage.state == OutboxState.QUEUED)
        .values(state=OutboxState.CANCELLED, text_body="", html_body="")
    )
