"""Schools' self-evaluations against the framework's QIs and themes, as its pro-forma asks:
How well are we doing? How do we know? What are we going to do now?"""

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
from .frameworks import FrameworkElement
from .partnerships import School
from .people import User

EVIDENCE_TYPES = ("observation", "progress_update", "action")


class SelfEvaluation(Model):
    __tablename__ = "self_evaluation"
    __table_args__ = (
        ForeignKeyConstraint(
            ["school_id", "partnership_id"],
            ["school.id", "school.partnership_id"],
            ondelete="CASCADE",
            name="fk_self_evaluation_school_in_partnership",
        ),
        Index("ix_self_evaluation_school_element_date", "school_id", "element_id", "evaluated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column()
    # A theme of a STEM framework QI, or a HGIOS4 / HGIOELC QI, of one framework version.
    element_id: Mapped[int] = mapped_column(
        ForeignKey("framework_element.id", ondelete="RESTRICT"), index=True
    )
    evaluated_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(40))  # a FrameworkLevel key of the element's framework
    how_well: Mapped[str] = mapped_column(Text, default="")
    how_know: Mapped[str] = mapped_column(Text, default="")
    what_now: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship(
        foreign_keys=[school_id], primaryjoin="SelfEvaluation.school_id == School.id", viewonly=True
    )
    element: Mapped[FrameworkElement] = relationship()
    created_by: Mapped[User | None] = relationship()


class SelfEvaluationEvidence(Model):
    """An observation, progress update or action of the same partnership, cited as evidence."""

    __tablename__ = "self_evaluation_evidence"
    __table_args__ = (
        UniqueConstraint(
            "self_evaluation_id", "evidence_type", "evidence_id", name="uq_self_evaluation_evidence_item"
        ),
        CheckConstraint(
            "evidence_type IN ({})".format(", ".join(f"'{t}'" for t in EVIDENCE_TYPES)), name="evidence_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    self_evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("self_evaluation.id", ondelete="CASCADE"), index=True
    )
    evidence_type: Mapped[str] = mapped_column(String(20))
    evidence_id: Mapped[int] = mapped_column(Integer)
