"""Frameworks as versioned reference data: HGIOS4, HGIOELC, the STEM framework, IGBE priorities.

Every version of a framework keeps its own rows. Loading a new version adds rows and marks the
old version superseded, so anything linked to the old wording stays readable as it was.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow

ELEMENT_KINDS = ("category", "qi", "theme", "priority_group", "priority")
LINKABLE_KINDS = ("qi", "theme", "priority")


class Framework(Model):
    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))  # "stem", "hgios4", "hgioelc", "igbe"
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    short_title: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # "qi_framework" or "priorities"
    publisher: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(200))
    credit: Mapped[str] = mapped_column(Text)
    source_note: Mapped[str] = mapped_column(Text, default="")
    # What has no table of its own: the pro-forma's questions, validators' prompts.
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    levels: Mapped[list[FrameworkLevel]] = relationship(
        order_by="FrameworkLevel.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.short_title} ({self.version})"


class FrameworkLevel(Model):
    """A point on a framework's scale: the three progression levels, or HGIOS4's six points."""

    __tablename__ = "framework_level"
    __table_args__ = (UniqueConstraint("framework_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[int | None] = mapped_column(Integer)


class FrameworkElement(Model):
    """One node of a framework: a category, QI, theme, IGBE group or IGBE priority.

    QIs, themes and priorities are what records link to (see frameworks/linking.py).
    """

    __tablename__ = "framework_element"
    __table_args__ = (
        UniqueConstraint("framework_id", "code"),
        CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in ELEMENT_KINDS)), name="kind"),
        Index("ix_framework_element_framework_kind", "framework_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("framework_element.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))  # "1", "1.1", "1.1-2" (theme 2 of 1.1), "KA1"
    number: Mapped[str] = mapped_column(String(20), default="")  # what people cite: "1.1", "KA1"
    title: Mapped[str] = mapped_column(Text)
    hgioelc_title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)  # a priority's full wording
    starting: Mapped[str | None] = mapped_column(Text)  # progression statements of a STEM theme
    building: Mapped[str | None] = mapped_column(Text)
    highly_effective: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    untitled_in_source: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship()
    parent: Mapped[FrameworkElement | None] = relationship(remote_side="FrameworkElement.id")

    @property
    def is_linkable(self) -> bool:
        return self.kind in LINKABLE_KINDS

    @property
    def progression(self) -> list[tuple[str, str]]:
        return [
            (key, getattr(self, key))
            for key in ("starting", "building", "highly_effective")
            if getattr(self, key)
        ]


class ChallengeQuestion(Model):
    __tablename__ = "challenge_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    element_id: Mapped[int] = mapped_column(
        ForeignKey("framework_element.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class FrameworkLink(Model):
    """A record of a partnership (a trio, an action, an observation...) linked to a QI, theme or
    priority of one framework version. record_type names the kind of record; the linking
    service keeps these rows in step with the records."""

    __tablename__ = "framework_link"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", "element_id"),
        Index("ix_framework_link_record", "record_type", "record_id"),
        Index("ix_framework_link_partnership_element", "partnership_id", "element_id"),
        # The dashboard's coverage tables read a partnership's action links from this index alone.
        Index(
            "ix_framework_link_partnership_type_element",
            "partnership_id",
            "record_type",
            "element_id",
            "record_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    element_id: Mapped[int] = mapped_column(ForeignKey("framework_element.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    element: Mapped[FrameworkElement] = relationship()
