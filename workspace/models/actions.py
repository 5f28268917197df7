"""Improvement actions. Created here from a trio's next steps; the action tracker builds on this record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .partnerships import School
from .people import User

ACTION_STATUSES = ("not_started", "in_progress", "complete", "on_hold")
ACTION_STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "complete": "Complete",
    "on_hold": "On hold",
}


class Action(Model):
    __tablename__ = "action"
    __table_args__ = (
        ForeignKeyConstraint(
            ["school_id", "partnership_id"],
            ["school.id", "school.partnership_id"],
            name="fk_action_school_in_partnership",
        ),
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in ACTION_STATUSES)), name="status"),
        # The dashboard: in due-date order without sorting, and counted by status, from the index alone.
        Index("ix_action_partnership_due", "partnership_id", "due_date", "status"),
        Index("ix_action_partnership_status", "partnership_id", "status", "due_date"),
        # Actions by status in each school (and the overdue among them), from this index alone.
        Index("ix_action_partnership_school_status", "partnership_id", "school_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    school_id: Mapped[int | None] = mapped_column(index=True)  # None: partnership-wide
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    trio_id: Mapped[int | None] = mapped_column(ForeignKey("trio.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("research_lesson.id", ondelete="SET NULL"), index=True
    )
    # Set when the action answers a self-evaluation's "What are we going to do now?"
    self_evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("self_evaluation.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the last progress update was posted (or, before any, when the action was made): the
    # dashboard's "no update in N weeks" filter reads this one column.
    last_progress_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    school: Mapped[School | None] = relationship(
        foreign_keys=[school_id], primaryjoin="Action.school_id == School.id", viewonly=True
    )
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    trio = relationship("Trio", viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]


class ProgressUpdate(Model):
    """One entry in an action's history: never changed once written (a lead's star aside)."""

    __tablename__ = "progress_update"
    __table_args__ = (
        CheckConstraint(
            "status_to IS NULL OR status_to IN ({})".format(", ".join(f"'{s}'" for s in ACTION_STATUSES)),
            name="status_to",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Starred by a lead as evidence for the interim report (as observations are starred as highlights).
    is_highlight: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    author: Mapped[User | None] = relationship()

    @property
    def status_to_label(self) -> str | None:
        return ACTION_STATUS_LABELS.get(self.status_to) if self.status_to else None


class ActionStatusChange(Model):
    """An action's status from a moment on: written whenever the status is set, by a progress
    update or by editing the action, so that a report can say what the status was on a day."""

    __tablename__ = "action_status_change"
    __table_args__ = (
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in ACTION_STATUSES)), name="status"),
        Index("ix_action_status_change_action_when", "action_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The progress update that moved it, where one did; None for an edit of the action itself.
    progress_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("progress_update.id", ondelete="SET NULL")
    )

    action: Mapped[Action] = relationship()
