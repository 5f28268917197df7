"""What happens during and after a research lesson: observations, pupil voice, next steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .people import User
from .trios import CasePupil, LessonStage


class Observation(Model):
    __tablename__ = "observation"
    __table_args__ = (
        CheckConstraint("leuven_score IS NULL OR (leuven_score BETWEEN 1 AND 5)", name="leuven_score"),
        # The poll asks "anything new or changed in this lesson?" with one small indexed query.
        Index("ix_observation_lesson_updated", "lesson_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("research_lesson.id", ondelete="CASCADE"))
    case_pupil_id: Mapped[int] = mapped_column(ForeignKey("case_pupil.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_stage.id", ondelete="SET NULL"), index=True
    )
    observer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    leuven_score: Mapped[int | None] = mapped_column(Integer)
    is_highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its text last changed (the feed's "(edited)"); a highlight or a new stage does not move it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case_pupil: Mapped[CasePupil] = relationship()
    stage: Mapped[LessonStage | None] = relationship()
    observer: Mapped[User | None] = relationship()


class PupilVoice(Model):
    """A short interview note with a case pupil after the lesson."""

    __tablename__ = "pupil_voice"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("research_lesson.id", ondelete="CASCADE"), index=True)
    case_pupil_id: Mapped[int] = mapped_column(ForeignKey("case_pupil.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(300), default="")
    response: Mapped[str] = mapped_column(Text)
    is_highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case_pupil: Mapped[CasePupil] = relationship()
    interviewer: Mapped[User | None] = relationship()


class NextStep(Model):
    """A next step agreed in the post-lesson discussion; it can become an action in one step."""

    __tablename__ = "next_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("research_lesson.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action = relationship("Action")
