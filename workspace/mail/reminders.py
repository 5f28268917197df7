"""`flask send-reminders`, daily: each action's owner hears a week before it is due, when it becomes
overdue, and when it has had no update for the stale period; one e-mail a person a day at most,
listing everything, and never the same reminder twice (action_reminder keeps what was said)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select

from ..actions.dashboard import STALE_WEEKS
from ..extensions import db
from ..models import (
    Action,
    ActionReminder,
    MailKind,
    Membership,
    OutboxMessage,
    Partnership,
    User,
)
from ..models.base import utcnow
from .outbox import queue
from .settings import absolute_url, mail_is_set_up

DUE_SOON = timedelta(days=7)

SECTIONS = (
    ("overdue", "Overdue"),
    ("due", "Due within a week"),
    ("stale", f"No update for {STALE_WEEKS} weeks"),
)


@dataclass
class ReminderLine:
    title: str
    school: str
    due: str
    url: str


@dataclass
class PartnershipReminders:
    name: str
    mine_url: str
    sections: dict[str, list[ReminderLine]] = field(default_factory=lambda: defaultdict(list))

    @property
    def in_order(self) -> list[tuple[str, list[ReminderLine]]]:
        return [(label, self.sections[key]) for key, label in SECTIONS if self.sections.get(key)]


def reasons_now(action: Action, today: date, stale_before: datetime) -> list[str]:
    """The reminders an open action calls for today, each a key naming what it is about: a new
    due date, or a new last update, makes a new key and so a new reminder."""
    reasons = []
    if action.due_date is not None:
        if action.due_date < today:
            reasons.append(f"overdue:{action.due_date.isoformat()}")
        elif action.due_date <= today + DUE_SOON:
            reasons.append(f"due:{action.due_date.isoformat()}")
    if action.last_progress_at < stale_before:
        reasons.append(f"stale:{action.last_progress_at.date().isoformat()}")
    return reasons


def queue_reminders(today: date | None = None, now: datetime | None = None) -> int:
    """Queues today's reminders; returns how many e-mails. Running it again on the same day queues
    none: each person's e-mail of the day has a unique key in the outbox."""
    if not mail_is_set_up():
        return 0
    today, now = today or date.today(), now or utcnow()
    stale_before = now - timedelta(weeks=STALE_WEEKS)
    actions = list(
        db.session.scalars(
            select(Action)
            .join(Partnership, Partnership.id == Action.partnership_id)
            # The owner is still a member of the action's partnership.
            .join(
                Membership,
                and_(
                    Membership.partnership_id == Action.partnership_id, Membership.user_id == Action.owner_id
                ),
            )
            .where(
                Action.status != "complete",
                Partnership.archived_at.is_(None),
                or_(Action.due_date <= today + DUE_SOON, Action.last_progress_at < stale_before),
            )
            .order_by(Action.due_date, Action.id)
        )
    )
    given = {
        (action_id, reason)
        for action_id, reason in db.session.execute(
            select(ActionReminder.action_id, ActionReminder.reason).where(
                ActionReminder.action_id.in_([a.id for a in actions])
            )
        )
    }
    due_per_owner: dict[int, list[tuple[Action, list[str]]]] = defaultdict(list)
    for action in actions:
        new = [r for r in reasons_now(action, today, stale_before) if (action.id, r) not in given]
        if new and action.owner_id is not None:  # always so: the join is on the owner's membership
            due_per_owner[action.owner_id].append((action, new))
    queued = 0
    for owner_id, items in due_per_owner.items():
        owner = db.session.get(User, owner_id)
        if owner is None or owner.is_disabled or not owner.mail_reminders:
            continue
        key = f"reminders:{owner_id}:{today.isoformat()}"
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue  # today's e-mail has gone (or is queued): the rest wait for tomorrow's
        message = _queue_for(owner, items, key)
        if message is None:
            continue
        for action, reasons in items:
            for reason in reasons:
                db.session.add(
                    ActionReminder(action_id=action.id, reason=reason, outbox_message_id=message.id)
                )
        queued += 1
    db.session.flush()
    return queued


def _queue_for(owner: User, items: list[tuple[Action, list[str]]], key: str) -> OutboxMessage | None:
    groups: dict[int, PartnershipReminders] = {}
    for action, reasons in items:
        group = groups.get(action.partnership_id)
        if group is None:
            partnership = db.session.get_one(Partnership, action.partnership_id)
            group = groups[action.partnership_id] = PartnershipReminders(
                partnership.name, absolute_url("actions.mine", partnership_id=partnership.id)
            )
        line = ReminderLine(
            action.title,
            action.school.name if action.school else "Partnership-wide",
            action.due_date.strftime("%-d %B %Y") if action.due_date else "no due date",
            absolute_url("actions.detail", partnership_id=action.partnership_id, action_id=action.id),
        )
        for reason in reasons:
            group.sections[reason.split(":", 1)[0]].append(line)
    count = len(items)
    names = ", ".join(g.name for g in groups.values())
    subject = f"{names}: {count} of your actions {'needs' if count == 1 else 'need'} attention"
    return queue(
        MailKind.REMINDERS,
        owner.email,
        subject,
        "reminders",
        {"name": owner.name, "groups": list(groups.values()), "kind_label": "reminders of your actions"},
        partnership_id=next(iter(groups)) if len(groups) == 1 else None,
        recipient=owner,
        dedupe_key=key,
    )
