"""Knowledge that travels between partnerships: a trio's findings, their reuse elsewhere, and the
programme officers who follow a set of partnerships.

A finding is its partnership's until a lead approves it; then every signed-in person of the
workspace reads it in the library. It never holds a case pupil's descriptor: its starred
observations are referred to here, and copied (text, stage and lesson title alone) when a lead
approves, so the library shows what was approved and nothing written since.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..reference import Sector
from .base import UTCDateTime, utcnow
from .observations import Observation
from .partnerships import Partnership, School
from .people import User
from .trios import Trio

FINDING_STATUSES = ("draft", "published", "withdrawn")
FINDING_STATUS_LABELS = {
    "draft": "Draft: only this partnership reads it",
    "published": "Published in the library",
    "withdrawn": "Withdrawn from the library",
}


class Finding(Model):
    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("id", "partnership_id"),
        ForeignKeyConstraint(
            ["trio_id", "partnership_id"],
            ["trio.id", "trio.partnership_id"],
            ondelete="CASCADE",
            name="fk_finding_trio_in_partnership",
        ),
        ForeignKeyConstraint(
            ["school_id", "partnership_id"],
            ["school.id", "school.partnership_id"],
            name="fk_finding_school_in_partnership",
        ),
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in FINDING_STATUSES)), name="status"
        ),
        CheckConstraint(
            "sector IS NULL OR sector IN ({})".format(", ".join(f"'{s.value}'" for s in Sector)),
            name="sector",
        ),
        CheckConstraint("status != 'published' OR published_at IS NOT NULL", name="published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    trio_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    focus: Mapped[str] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(120), default="")
    # The school is named in the library only when the partnership chooses (show_school).
    school_id: Mapped[int | None] = mapped_column(index=True)
    show_school: Mapped[bool] = mapped_column(Boolean, default=False)
    # Anonymous: the library names neither the partnership, its authorities nor the school.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    tried: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")  # the case pupils' progress, in words
    advice: Mapped[str] = mapped_column(Text, default="")  # what we would tell another partnership
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Guards the edit form and the approval: a save, or a lead's approval, made on what someone
    # else has changed since it was opened is refused (409), so nobody's changes are lost and a
    # lead publishes only what they have read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    partnership: Mapped[Partnership] = relationship()
    trio: Mapped[Trio] = relationship(foreign_keys=[trio_id], primaryjoin="Finding.trio_id == Trio.id")
    school: Mapped[School | None] = relationship(
        foreign_keys=[school_id], primaryjoin="Finding.school_id == School.id", viewonly=True
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    starred: Mapped[list[FindingObservation]] = relationship(
        back_populates="finding",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FindingObservation.id",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def status_label(self) -> str:
        return FINDING_STATUS_LABELS[self.status]

    @property
    def sector_label(self) -> str:
        return Sector(self.sector).label if self.sector else ""


class FindingObservation(Model):
    """A starred observation of the finding's trio, quoted in it by its text alone.

    The quote's text, stage title and lesson title are copied when a lead approves the finding
    (and checked, as the finding's own text is): the library shows the copy, never the live
    observation, so a later edit changes nothing published. The copy is empty while the finding is
    a draft or withdrawn. Deleting the observation deletes the quote with it."""

    __tablename__ = "finding_observation"
    __table_args__ = (
        UniqueConstraint("finding_id", "observation_id"),
        ForeignKeyConstraint(
            ["finding_id", "partnership_id"],
            ["finding.id", "finding.partnership_id"],
            ondelete="CASCADE",
            name="fk_finding_observation_finding_in_partnership",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int] = mapped_column(index=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observation.id", ondelete="CASCADE"), index=True)
    # The approved copy: set when a lead approves, cleared when the finding is withdrawn.
    quoted_text: Mapped[str | None] = mapped_column(Text)
    quoted_stage: Mapped[str | None] = mapped_column(String(200))
    quoted_lesson: Mapped[str | None] = mapped_column(String(200))

    finding: Mapped[Finding] = relationship(
        back_populates="starred",
        foreign_keys=[finding_id],
        primaryjoin="FindingObservation.finding_id == Finding.id",
    )
    observation: Mapped[Observation] = relationship()


class FindingReuse(Model):
    """A trio another partnership started from a published finding: where the trio came from, and
    how the author's partnership sees that its finding travelled. partnership_id is the reader's."""

    __tablename__ = "finding_reuse"
    __table_args__ = (
        ForeignKeyConstraint(
            ["trio_id", "partnership_id"],
            ["trio.id", "trio.partnership_id"],
            ondelete="CASCADE",
            name="fk_finding_reuse_trio_in_partnership",
        ),
        UniqueConstraint("trio_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    trio_id: Mapped[int] = mapped_column()
    reused_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    finding: Mapped[Finding] = relationship()
    partnership: Mapped[Partnership] = relationship()
    trio: Mapped[Trio] = relationship(foreign_keys=[trio_id], primaryjoin="FindingReuse.trio_id == Trio.id")


class ProgrammeGrant(Model):
    """A site administrator lets a programme officer follow one partnership, through aggregates
    only: no membership, so no partnership page (and no pupil's data) opens to them."""

    __tablename__ = "programme_grant"
    __table_args__ = (UniqueConstraint("user_id", "partnership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    partnership: Mapped[Partnership] = relationship()
