"""What happens during and after a research lesson: observations, pupil voice, next steps."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
        # Each note is stored once: a tablet that sends it again (its reply was lost) is answered
        # with the entry already stored (observing.record_observation).
        UniqueConstraint("lesson_id", "client_id"),
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
    # The note's own id, made by the tablet when the note was begun (a UUID), or by the server for
    # a form sent without one.
    client_id: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid4()))
    # When the teacher pressed Save (the tablet's clock, bounded: observing.taken_time) ...
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # ... and when the note reached the server: later, where it waited in the tablet's outbox.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its text last changed (the feed's "(edited)"); a highlight or a new stage does not move it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Guards an edit of the text, pupil, stage, score or tags: one made from an older version is
    # refused (409), not saved over the newer (observing.update_observation). A highlight, which
    # colleagues set, does not move it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    case_pupil: Mapped[CasePupil] = relationship()
    stage: Mapped[LessonStage | None] = relationship()
    observer: Mapped[User | None] = relationship()


class PupilVoice(Model):
    """A short interview note with a case pupil after the lesson."""

    __tablename__ = "pupil_voice"
    # Saved once, as observations are (Observation.client_id).
    __table_args__ = (UniqueConstraint("lesson_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("research_lesson.id", ondelete="CASCADE"), index=True)
    case_pupil_id: Mapped[int] = mapped_column(ForeignKey("case_pupil.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(300), default="")
    response: Mapped[str] = mapped_column(Text)
    is_highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid4()))
    # When Save was pressed (bounded, as for observations), and when the note reached the server.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
