"""Evidence files: a photo of pupils' work or a document, attached to one record.

The bytes live in the evidence store (workspace/evidence/storage.py), under the SHA-256 of what
was stored: two uploads of the same bytes share a blob, which is removed only when no row refers
to it. A row names its blobs, never a path; the uploaded file's name is kept only to offer it
back as the download's name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .people import User

# The records a file can belong to, by the column that names each; exactly one is set.
EVIDENCE_OWNERS = ("progress_update", "observation", "pupil_voice", "self_evaluation")


def _exactly_one_owner() -> str:
    return " + ".join(f"(CASE WHEN {name}_id IS NULL THEN 0 ELSE 1 END)" for name in EVIDENCE_OWNERS) + " = 1"


class EvidenceFile(Model):
    __tablename__ = "evidence_file"
    __table_args__ = (
        CheckConstraint(_exactly_one_owner(), name="one_owner"),
        CheckConstraint("size_bytes >= 0", name="size_bytes"),
        # An upload sent again (its reply was lost, or the outbox replays it) is stored once.
        UniqueConstraint("partnership_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    # The record it is evidence for: deleting the record deletes the row (the blob goes after the
    # commit, evidence/services.release).
    progress_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("progress_update.id", ondelete="CASCADE"), index=True
    )
    observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observation.id", ondelete="CASCADE"), index=True
    )
    pupil_voice_id: Mapped[int | None] = mapped_column(
        ForeignKey("pupil_voice.id", ondelete="CASCADE"), index=True
    )
    self_evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("self_evaluation.id", ondelete="CASCADE"), index=True
    )
    # Short, and read aloud as the image's alt text.
    caption: Mapped[str] = mapped_column(String(300))
    # Of what is stored and served (a HEIC photo is stored as image/jpeg), read from its bytes.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # The blobs' keys in the evidence store: the file shown (an image cleaned and made upright) and,
    # for images, its thumbnail.
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # Offered as the download's name (made safe, its extension the stored type's); never a path.
    download_name: Mapped[str] = mapped_column(String(120))
    # Given by the page or the tablet's outbox for each upload (a UUID).
    client_id: Mapped[str | None] = mapped_column(String(36))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def owner(self) -> tuple[str, int]:
        """The record it belongs to, as (record type, id)."""
        for name in EVIDENCE_OWNERS:
            value = getattr(self, f"{name}_id")
            if value is not None:
                return name, value
        raise ValueError("an evidence file without its record")
