"""The invitation e-mail: queued with the invite, so the lead's link and the e-mail's are the same."""

from __future__ import annotations

from ..models import Invite, MailKind, OutboxMessage
from ..templating import local_date
from .outbox import queue
from .settings import absolute_url, mail_is_set_up


def queue_invitation(invite: Invite, token: str) -> OutboxMessage | None:
    """None when mail is not set up (the lead passes the link on by hand, as before)."""
    if not mail_is_set_up():
        return None
    partnership = invite.partnership
    return queue(
        MailKind.INVITATION,
        invite.email,
        f"{partnership.name}: you are invited to join the Partnership Workspace",
        "invitation",
        {
            "partnership_name": partnership.name,
            "role_label": invite.role_label,
            "school_name": invite.school.name if invite.school else None,
            "inviter_name": invite.created_by.name if invite.created_by else None,
            "link": absolute_url("auth.accept_invite", token=token),
            "expires": local_date(invite.expires_at),
        },
        partnership_id=partnership.id,
        invite_id=invite.id,
    )


def invitation_emailed(invite: Invite) -> bool:
    """Whether an e-mail for this invite waits in the outbox (or has gone): the page says so."""
    from sqlalchemy import select

    from ..extensions import db

    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.invite_id == invite.id)) is not None
