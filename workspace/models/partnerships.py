from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..reference import Sector
from .base import UTCDateTime, utcnow


def new_version() -> int:
    return secrets.randbelow(2**31 - 1) + 1


class Partnership(Model):
    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How long observations, pupil voice and discussions are kept; None keeps them.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # An archived partnership is read-only for everyone.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    schools: Mapped[list[School]] = relationship(
        back_populates="partnership",
        order_by="School.name",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Partnership {self.id} {self.name!r}>"


class School(Model):
    """An establishment in a partnership: a school, ELC setting or CLD provider."""

    __tablename__ = "school"
    __table_args__ = (
        UniqueConstraint("partnership_id", "name"),
        # Lets other tables point at (school, partnership) together, so a record can never
        # name a school from another partnership.
        UniqueConstraint("id", "partnership_id"),
        CheckConstraint("sector IN ({})".format(", ".join(f"'{s.value}'" for s in Sector)), name="sector"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(20))
    local_authority: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partnership: Mapped[Partnership] = relationship(back_populates="schools")

    @property
    def sector_label(self) -> str:
        return Sector(self.sector).label

    def __repr__(self) -> str:
        return f"<School {self.id} {self.name!r}>"
