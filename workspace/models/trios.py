"""Lesson-study trios, their cycles of research lessons, and what each lesson plans.

Case pupils are labels and descriptors only ("B: a girl who is quiet in group work"): no field
holds a name, a date of birth or a candidate number.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .partnerships import School, new_version
from .people import User

TRIO_STATUSES = ("planning", "active", "complete", "paused")


class Trio(Model):
    __tablename__ = "trio"
    __table_args__ = (
        UniqueConstraint("id", "partnership_id"),
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in TRIO_STATUSES)), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    focus: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="planning")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    members: Mapped[list[TrioMember]] = relationship(
        back_populates="trio", cascade="all, delete-orphan", passive_deletes=True, order_by="TrioMember.id"
    )
    cycles: Mapped[list[Cycle]] = relationship(
        back_populates="trio", cascade="all, delete-orphan", passive_deletes=True, order_by="Cycle.number"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return TRIO_STATUS_LABELS[self.status]


TRIO_STATUS_LABELS = {"planning": "Planning", "active": "Active", "complete": "Complete", "paused": "Paused"}


class TrioMember(Model):
    __tablename__ = "trio_member"
    __table_args__ = (UniqueConstraint("trio_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trio_id: Mapped[int] = mapped_column(ForeignKey("trio.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)

    trio: Mapped[Trio] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Cycle(Model):
    """A cycle of (usually two or three) research lessons on the trio's focus."""

    __tablename__ = "cycle"
    __table_args__ = (
        UniqueConstraint("trio_id", "number"),
        ForeignKeyConstraint(
            ["trio_id", "partnership_id"],
            ["trio.id", "trio.partnership_id"],
            ondelete="CASCADE",
            name="fk_cycle_trio_in_partnership",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    trio_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trio: Mapped[Trio] = relationship(
        back_populates="cycles", foreign_keys=[trio_id], primaryjoin="Cycle.trio_id == Trio.id"
    )
    lessons: Mapped[list[ResearchLesson]] = relationship(
        back_populates="cycle",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ResearchLesson.number",
    )


class ResearchLesson(Model):
    """One research lesson: its plan, and after it the discussion. `version` guards the plan and
    discussion against lost updates when the trio edits together."""

    __tablename__ = "research_lesson"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        UniqueConstraint("id", "partnership_id"),
        ForeignKeyConstraint(
            ["school_id", "partnership_id"],
            ["school.id", "school.partnership_id"],
            name="fk_research_lesson_school_in_partnership",
        ),
        Index("ix_research_lesson_trio_date", "trio_id", "lesson_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    trio_id: Mapped[int] = mapped_column(ForeignKey("trio.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    lesson_date: Mapped[date | None] = mapped_column(Date)
    school_id: Mapped[int | None] = mapped_column(index=True)
    class_stage: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(120), default="")
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    learning_intentions: Mapped[str] = mapped_column(Text, default="")
    success_criteria: Mapped[str] = mapped_column(Text, default="")
    # Post-lesson discussion: the teaching, what we learned. Case pupils' progress is on CasePupil.
    discussion_teaching: Mapped[str] = mapped_column(Text, default="")
    discussion_learned: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Moves on (to a new random number) whenever the observation feed would show something else:
    # an observation added, changed or removed, a case pupil or stage changed. Kept by
    # trios/feed_changes.py in the same transaction; the observation poll compares it.
    feed_version: Mapped[int] = mapped_column(Integer, default=new_version, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    cycle: Mapped[Cycle] = relationship(back_populates="lessons")
    trio: Mapped[Trio] = relationship()
    school: Mapped[School | None] = relationship(
        foreign_keys=[school_id], primaryjoin="ResearchLesson.school_id == School.id", viewonly=True
    )
    teacher: Mapped[User | None] = relationship(foreign_keys=[teacher_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    stages: Mapped[list[LessonStage]] = relationship(
        back_populates="lesson",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="LessonStage.position",
    )
    case_pupils: Mapped[list[CasePupil]] = relationship(
        back_populates="lesson",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CasePupil.position",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        return f"Cycle {self.cycle.number}, lesson {self.number}"


class LessonStage(Model):
    __tablename__ = "lesson_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("research_lesson.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[ResearchLesson] = relationship(back_populates="stages")


class CasePupil(Model):
    """A pupil the observers watch, typical of a group. A label and a descriptor, never a name."""

    __tablename__ = "case_pupil"
    __table_args__ = (UniqueConstraint("lesson_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("research_lesson.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(10))
    descriptor: Mapped[str] = mapped_column(String(300), default="")
    success_criterion: Mapped[str] = mapped_column(Text, default="")
    discussion_progress: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[ResearchLesson] = relationship(back_populates="case_pupils")

    @property
    def display(self) -> str:
        return f"Pupil {self.label}" + (f": {self.descriptor}" if self.descriptor else "")


class Prediction(Model):
    """What the trio expects a case pupil to do in one stage of the lesson."""

    __tablename__ = "prediction"
    __table_args__ = (UniqueConstraint("case_pupil_id", "stage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pupil_id: Mapped[int] = mapped_column(ForeignKey("case_pupil.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("lesson_stage.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
