"""Comments on records, and the partnership's activity feed, which is also its audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .people import User

COMMENTABLE = ("action", "trio", "lesson", "report")


class Comment(Model):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class Activity(Model):
    """Who did what, when. Written once; nothing in the workspace changes or removes an entry
    (only deleting a whole partnership takes its feed with it)."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_partnership_id_desc", "partnership_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(120))  # kept as it was, even if the account goes
    verb: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityIsAppendOnly(Exception):
    pass


@event.listens_for(Activity, "before_update")
def _refuse_update(mapper, connection, target):
    raise ActivityIsAppendOnly("activity entries are never changed")


@event.listens_for(Activity, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise ActivityIsAppendOnly("activity entries are never deleted")
