"""Data-protection duties: retention and purging, archiving, deleting a partnership with
everything under it, and exports for subject access requests and portability."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update

from ..evidence import services as evidence_files
from ..evidence import storage as evidence_storage
from ..extensions import Model, db
from ..models import (
    CasePupil,
    EvidenceFile,
    FrameworkLink,
    Observation,
    Partnership,
    PupilVoice,
    ResearchLesson,
    SelfEvaluationEvidence,
    SignInThrottle,
    Trio,
)
from ..models.base import utcnow
from ..services_errors import ServiceError

RETENTION_CHOICES = (365, 730, 1095, 1825)


@dataclass
class PurgeCounts:
    observations: int = 0
    pupil_voice: int = 0
    discussions: int = 0


def set_retention(partnership: Partnership, days: int | None) -> None:
    if days is not None and days not in RETENTION_CHOICES:
        raise ServiceError("Choose one of the retention periods offered.", "retention_days")
    partnership.retention_days = days


def purge(partnership: Partnership, now: datetime | None = None, dry_run: bool = False) -> PurgeCounts:
    """Erase observations, pupil voice and post-lesson discussions older than the retention period."""
    counts = PurgeCounts()
    if not partnership.retention_days:
        return counts
    cutoff = (now or utcnow()) - timedelta(days=partnership.retention_days)
    old_observations = select(Observation.id).where(
        Observation.partnership_id == partnership.id, Observation.created_at < cutoff
    )
    old_lessons = select(ResearchLesson.id).where(
        ResearchLesson.partnership_id == partnership.id,
        ResearchLesson.lesson_date < cutoff.date(),
        (ResearchLesson.discussion_teaching != "") | (ResearchLesson.discussion_learned != ""),
    )
    counts.observations = db.session.execute(
        select(func.count()).select_from(old_observations.subquery())
    ).scalar_one()
    counts.pupil_voice = db.session.execute(
        select(func.count(PupilVoice.id)).where(
            PupilVoice.partnership_id == partnership.id, PupilVoice.created_at < cutoff
        )
    ).scalar_one()
    counts.discussions = db.session.execute(
        select(func.count()).select_from(old_lessons.subquery())
    ).scalar_one()
    if dry_run:
        return counts
    ids = list(db.session.scalars(old_observations))
    # Their photos and files go too: the rows by cascade, the blobs once this has committed.
    evidence_files.release_of("observation", ids)
    evidence_files.release_where(
        EvidenceFile.pupil_voice_id.in_(
            select(PupilVoice.id).where(
                PupilVoice.partnership_id == partnership.id, PupilVoice.created_at < cutoff
            )
        )
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.session.execute(
            delete(FrameworkLink).where(
                FrameworkLink.record_type == "observation", FrameworkLink.record_id.in_(chunk)
            )
        )
        db.session.execute(
            delete(SelfEvaluationEvidence).where(
                SelfEvaluationEvidence.evidence_type == "observation",
                SelfEvaluationEvidence.evidence_id.in_(chunk),
            )
        )
        db.session.execute(delete(Observation).where(Observation.id.in_(chunk)))
    db.session.execute(
        delete(PupilVoice).where(PupilVoice.partnership_id == partnership.id, PupilVoice.created_at < cutoff)
    )
    lesson_ids = list(db.session.scalars(old_lessons))
    if lesson_ids:
        db.session.execute(
            update(ResearchLesson)
            .where(ResearchLesson.id.in_(lesson_ids))
            .values(discussion_teaching="", discussion_learned="", version=ResearchLesson.version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(CasePupil)
            .where(CasePupil.lesson_id.in_(lesson_ids))
            .values(discussion_progress="")
            .execution_options(synchronize_session=False)
        )
    return counts


def purge_sign_in_throttle(window: timedelta, now: datetime | None = None, dry_run: bool = False) -> int:
    """Erase the sign-in throttle's counts whose window has passed: they count nothing any more
    (the next attempt starts a new window), and each names an e-mail address or an IP address."""
    passed = SignInThrottle.window_started_at < (now or utcnow()) - window
    if dry_run:
        return db.session.execute(select(func.count()).select_from(SignInThrottle).where(passed)).scalar_one()
    return cast(CursorResult[Any], db.session.execute(delete(SignInThrottle).where(passed))).rowcount


def purge_saml_memory(request_minutes: int, now: datetime | None = None, dry_run: bool = False) -> int:
    """Erase SAML requests never answered once too old to be, and assertions seen once past their
    expiry (a replay of those is refused by its own time window)."""
    from ..models import SamlAssertionSeen, SamlRequest

    now = now or utcnow()
    conditions = (
        (SamlRequest, SamlRequest.created_at < now - timedelta(minutes=request_minutes)),
        (SamlAssertionSeen, SamlAssertionSeen.expires_at < now),
    )
    if dry_run:
        return sum(
            db.session.scalar(select(func.count()).select_from(model).where(old)) for model, old in conditions
        )
    return sum(
        cast(CursorResult[Any], db.session.execute(delete(model).where(old))).rowcount
        for model, old in conditions
    )


def archive(partnership: Partnership) -> None:
    partnership.archived_at = partnership.archived_at or utcnow()


def unarchive(partnership: Partnership) -> None:
    partnership.archived_at = None


def delete_partnership(partnership: Partnership, confirm_name: str) -> None:
    """Everything under the partnership goes with it: the database cascades every table that
    carries partnership_id, and its evidence files' blobs leave the store once that has committed
    (those no other partnership's row holds). Accounts stay; people may belong to other partnerships."""
    if confirm_name.strip() != partnership.name:
        raise ServiceError("Type the partnership's name exactly, to confirm.", "confirm_name")
    evidence_files.release_where(EvidenceFile.partnership_id == partnership.id)
    db.session.execute(delete(Partnership).where(Partnership.id == partnership.id))
    db.session.expunge_all()


# Exports ------------------------------------------------------------------------------------------


def _rows(model: type[Model], *where) -> list[dict]:
    columns = [c.key for c in model.__table__.columns if c.key != "password_hash"]
    return [
        {k: _plain(getattr(row, k)) for k in columns}
        for row in db.session.scalars(select(model).where(*where))
    ]


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def partnership_tables(partnership: Partnership) -> dict[str, list[dict]]:
    """Every table that belongs to the partnership, with the rows of this partnership."""
    tables = {}
    for mapper in Model.registry.mappers:
        model = mapper.class_
        table = model.__table__
        if "partnership_id" in table.columns:
            tables[table.name] = _rows(model, table.c.partnership_id == partnership.id)
    from ..models import CasePupil as Pupil
    from ..models import LessonStage, Prediction, TrioMember, User

    lesson_ids = select(ResearchLesson.id).where(ResearchLesson.partnership_id == partnership.id)
    trio_ids = select(Trio.id).where(Trio.partnership_id == partnership.id)
    tables["lesson_stage"] = _rows(LessonStage, LessonStage.lesson_id.in_(lesson_ids))
    tables["case_pupil"] = _rows(Pupil, Pupil.lesson_id.in_(lesson_ids))
    tables["prediction"] = _rows(
        Prediction, Prediction.case_pupil_id.in_(select(Pupil.id).where(Pupil.lesson_id.in_(lesson_ids)))
    )
    tables["trio_member"] = _rows(TrioMember, TrioMember.trio_id.in_(trio_ids))
    member_ids = [m["user_id"] for m in tables.get("membership", [])]
    tables["user_account"] = [
        {k: v for k, v in row.items() if k in ("id", "email", "name", "created_at")}
        for row in _rows(User, User.id.in_(member_ids))
    ]
    tables["partnership"] = _rows(Partnership, Partnership.id == partnership.id)
    return dict(sorted(tables.items()))


FILES_README = (
    "\nfiles/ holds every evidence file listed in evidence_file.json, named by its id and the name it "
    "was uploaded with (photos as the cleaned JPEG the workspace shows).\n"
)


MISSING_FILE = "This evidence file's stored copy was missing when the export was made.\n"


def zip_of(tables: dict[str, list[dict]], readme: str) -> bytes:
    """The tables as JSON files, and the evidence files their evidence_file rows name."""
    files = tables.get("evidence_file", [])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr("README.txt", readme + (FILES_README if files else ""))
        for name, rows in tables.items():
            archive_file.writestr(f"{name}.json", json.dumps(rows, indent=2, ensure_ascii=False))
        if files:
            store = evidence_storage.store()
            for row in files:
                name = f"files/{row['id']}-{row['download_name']}"
                try:
                    archive_file.writestr(name, store.get(row["storage_key"]))
                except FileNotFoundError:  # the export goes on, and says which file is gone
                    archive_file.writestr(name + ".missing.txt", MISSING_FILE)
    return buffer.getvalue()


def case_pupil_record(trio: Trio, label: str) -> dict[str, list[dict]]:
    """Everything recorded about one case-pupil label across a trio's lessons."""
    pupils = db.session.scalars(
        select(CasePupil)
        .join(ResearchLesson, CasePupil.lesson_id == ResearchLesson.id)
        .where(ResearchLesson.trio_id == trio.id, CasePupil.label == label)
    ).all()
    if not pupils:
        raise ServiceError(f"No case pupil is labelled {label} in this trio.", "label")
    ids = [p.id for p in pupils]
    from ..models import Prediction

    observations = select(Observation.id).where(Observation.case_pupil_id.in_(ids))
    voices = select(PupilVoice.id).where(PupilVoice.case_pupil_id.in_(ids))
    return {
        "case_pupil": _rows(CasePupil, CasePupil.id.in_(ids)),
        "prediction": _rows(Prediction, Prediction.case_pupil_id.in_(ids)),
        "observation": _rows(Observation, Observation.case_pupil_id.in_(ids)),
        "pupil_voice": _rows(PupilVoice, PupilVoice.case_pupil_id.in_(ids)),
        # The photos and files of those observations and notes (zip_of adds the files themselves).
        "evidence_file": _rows(
            EvidenceFile,
            or_(EvidenceFile.observation_id.in_(observations), EvidenceFile.pupil_voice_id.in_(voices)),
        ),
    }


def case_pupil_labels(trio: Trio) -> list[str]:
    return list(
        db.session.scalars(
            select(CasePupil.label)
            .join(ResearchLesson, CasePupil.lesson_id == ResearchLesson.id)
            .where(ResearchLesson.trio_id == trio.id)
            .distinct()
            .order_by(CasePupil.label)
        )
    )
