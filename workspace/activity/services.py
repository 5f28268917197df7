"""The activity feed (also the audit trail) and comments. No request globals."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms_common import too_long
from ..models import Activity, Comment, User
from ..models.activity import COMMENTABLE
from ..services_errors import ServiceError

FEED_SIZE = 50
MAX_COMMENT = 5000


def record(
    partnership_id: int,
    actor: User | None,
    verb: str,
    record_type: str,
    record_id: int | None,
    summary: str,
    url: str = "",
) -> Activity:
    """Adds an entry in the same transaction as the change it describes."""
    entry = Activity(
        partnership_id=partnership_id,
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else "The workspace",
        verb=verb,
        record_type=record_type,
        record_id=record_id,
        summary=summary[:1000],
        url=url[:500],
    )
    db.session.add(entry)
    return entry


def feed(partnership_id: int, limit: int = FEED_SIZE) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.partnership_id == partnership_id)
            .order_by(Activity.id.desc())
            .limit(limit)
        )
    )


def newest_id(partnership_id: int) -> int:
    """One small query: the poll compares this with what the page already shows."""
    return (
        db.session.scalar(
            select(Activity.id)
            .where(Activity.partnership_id == partnership_id)
            .order_by(Activity.id.desc())
            .limit(1)
        )
        or 0
    )


# Built once: every record's page shows its comments.
_COMMENTS = (
    select(Comment)
    .where(Comment.record_type == bindparam("record_type"), Comment.record_id == bindparam("record_id"))
    .options(selectinload(Comment.author))
    .order_by(Comment.created_at, Comment.id)
)


def comments(record_type: str, record_id: int) -> list[Comment]:
    return list(db.session.scalars(_COMMENTS, {"record_type": record_type, "record_id": record_id}))


def add_comment(partnership_id: int, record_type: str, record_id: int, author: User, text: str) -> Comment:
    if record_type not in COMMENTABLE:
        raise ValueError(record_type)
    if not text.strip():
        raise ServiceError("Write your comment.", "text")
    if len(text) > MAX_COMMENT:
        raise ServiceError(too_long(MAX_COMMENT), "text")
    comment = Comment(
        partnership_id=partnership_id,
        record_type=record_type,
        record_id=record_id,
        author_id=author.id,
        text=text.strip(),
    )
    db.session.add(comment)
    db.session.flush()
    return comment
