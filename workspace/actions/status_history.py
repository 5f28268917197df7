"""Every status an action has had, and from when: what lets a report for a past period say the
status at the period's end.

A status is set in three ways: when the action is made, by editing the action, and by a progress
update. The first two go through the ORM and are caught here, whatever the caller; the third is a
bulk statement (services.post_progress) and writes its row itself with `record()`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Action, ActionStatusChange
from ..models.base import utcnow


def record(
    action: Action,
    status: str,
    when: datetime,
    by_id: int | None,
    progress_update_id: int | None = None,
    session: Session | None = None,
) -> ActionStatusChange:
    change = ActionStatusChange(
        partnership_id=action.partnership_id,
        action=action,
        status=status,
        changed_at=when,
        changed_by_id=by_id,
        progress_update_id=progress_update_id,
    )
    (session or db.session).add(change)
    return change


def _status_set_through_the_orm(session: Session, _context, _instances) -> None:
    for record_ in list(session.new):
        if isinstance(record_, Action):
            record(
                record_,
                record_.status or "not_started",
                record_.created_at or utcnow(),
                record_.created_by_id,
                session=session,
            )
    for record_ in list(session.dirty):
        if isinstance(record_, Action) and inspect(record_).attrs.status.history.has_changes():
            before = inspect(record_).attrs.status.history.deleted
            if before and before[0] == record_.status:
                continue
            record(record_, record_.status, utcnow(), None, session=session)


def statuses_at(action_ids: list[int] | Select, moment: datetime) -> dict[int, str]:
    """Each action's status at `moment` (its last change before then). An action with no change
    before then (made later, or with no history at all) is left out: the caller decides.

    `action_ids` may be a SELECT of the ids: thousands of ids as bound parameters cost more to
    compile and send than the query that finds them."""
    if isinstance(action_ids, list) and not action_ids:
        return {}
    ranked = (
        select(
            ActionStatusChange.action_id,
            ActionStatusChange.status,
            func.row_number()
            .over(
                partition_by=ActionStatusChange.action_id,
                order_by=(ActionStatusChange.changed_at.desc(), ActionStatusChange.id.desc()),
            )
            .label("rank"),
        )
        .where(ActionStatusChange.action_id.in_(action_ids), ActionStatusChange.changed_at < moment)
        .subquery()
    )
    return dict(
        db.session.execute(select(ranked.c.action_id, ranked.c.status).where(ranked.c.rank == 1)).all()
    )


def completed_between(action_ids: list[int] | Select, start: datetime, end: datetime) -> set[int]:
    """Actions that became complete in [start, end), by a progress update or an edit alike
    (`action_ids` a list or a SELECT of them, as for statuses_at)."""
    if isinstance(action_ids, list) and not action_ids:
        return set()
    return set(
        db.session.scalars(
            select(ActionStatusChange.action_id).where(
                ActionStatusChange.action_id.in_(action_ids),
                ActionStatusChange.status == "complete",
                ActionStatusChange.changed_at >= start,
                ActionStatusChange.changed_at < end,
            )
        )
    )


# create_app registers this (listen_to_session).
LISTENERS = (("before_flush", _status_set_through_the_orm),)
