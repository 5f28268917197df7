"""Interim reports the partnership writes: a draft, then final, with every saved version kept."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .people import User

REPORT_STATUSES = ("draft", "final")


class InterimReport(Model):
    """A report for a period and a choice of schools. `sections` holds what the lead (and each
    trio, its own paragraph) wrote, keyed as reports/interim_layout.section_keys names them."""

    __tablename__ = "interim_report"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'final')", name="status"),
        CheckConstraint("period_to >= period_from", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    school_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    include_descriptors: Mapped[bool] = mapped_column(Boolean, default=False)
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    # A final report's gathered figures (reports/frozen.py), as they stood when it was finalised:
    # its page, .docx and workbook are made from them, never from the live records.
    frozen: Mapped[dict | None] = mapped_column(JSON)
    # Where a final report's headings land in LibreOffice's layout of its .docx, written into its
    # contents' PAGEREF fields on every download (reports/page_numbers.py): {"fingerprint", "pages"
    # (anchor: page) or "failed" (why not), "at", "seconds"}. None: not laid out (a draft).
    page_numbers: Mapped[dict | None] = mapped_column(JSON)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("interim_report.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    # Every UPDATE says WHERE version = the one read, and bumps it: of two saves at one moment,
    # the second changes no row and SQLAlchemy raises StaleDataError (drafts.py merges then).
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_final(self) -> bool:
        return self.status == "final"


class InterimReportVersion(Model):
    """Every save of a report, as it was: never changed once written."""

    __tablename__ = "interim_report_version"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("interim_report.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    saved_by: Mapped[User | None] = relationship()
    report: Mapped[InterimReport] = relationship()
