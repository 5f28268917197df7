"""Evidence files: attaching, listing, removing, and letting go of blobs nothing refers to.

No request globals: views, the CLI and the exports call these. A blob is removed from the store
only after the transaction that stopped referring to it has committed, and only if no row refers
to it then (`release`): a rollback keeps every file, and two records that hold the same photo
(the same bytes, the same address) keep it until both have gone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from flask import current_app
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from ..extensions import db
from ..forms_common import too_long
from ..models import EvidenceFile, User
from ..models.base import utcnow
from ..models.evidence import EVIDENCE_OWNERS
from ..pupil_details import problem_in
from ..services_errors import ServiceError
from . import checking, storage

MAX_CAPTION = 300
_RELEASED = "evidence_keys_released"
# A blob younger than this is never swept as unreferenced: its row may not be committed yet.
SWEEP_GRACE = timedelta(hours=1)

# What each kind of record is called where the activity feed names it.
OWNER_NAMES = {
    "progress_update": "a progress update",
    "observation": "an observation",
    "pupil_voice": "a pupil-voice note",
    "self_evaluation": "a self-evaluation",
}


@dataclass(frozen=True)
class Upload:
    """One file as it arrived: its bytes, the name it had, the caption and the page's id for it."""

    content: bytes
    filename: str
    caption: str
    client_id: str | None = None


def client_id_of(value: str | None) -> str | None:
    """The page's id for an upload, as stored (a UUID's canonical form); None for anything else
    (as for observations' notes, trios/observing.client_id_of)."""
    try:
        return str(UUID(value)) if value and len(value) <= 36 else None
    except ValueError:
        return None


def max_bytes(config=None) -> int:
    return int((config or current_app.config)["UPLOAD_MAX_MB"]) * 1024 * 1024


def _owner_column(record_type: str):
    if record_type not in EVIDENCE_OWNERS:
        raise ValueError(record_type)
    return getattr(EvidenceFile, f"{record_type}_id")


def check_caption(caption: str) -> str:
    caption = " ".join(caption.split())
    if not caption:
        raise ServiceError(
            "Describe the file in a few words: the caption is read out in its place.", "caption"
        )
    if len(caption) > MAX_CAPTION:
        raise ServiceError(too_long(MAX_CAPTION), "caption")
    problem = problem_in(caption)
    if problem:
        raise ServiceError(problem, "caption")
    return caption


def download_name(filename: str, extension: str) -> str:
    """The name offered with a download: made safe, short, and ending as the stored type does."""
    stem = os.path.splitext(secure_filename(filename or ""))[0][:100] or "evidence"
    return f"{stem}.{extension}"


def stored_upload(partnership_id: int, client_id: str | None) -> EvidenceFile | None:
    if client_id is None:
        return None
    return db.session.scalars(
        select(EvidenceFile).where(
            EvidenceFile.partnership_id == partnership_id, EvidenceFile.client_id == client_id
        )
    ).first()


def attach(record_type: str, record, uploader: User, upload: Upload) -> tuple[EvidenceFile, bool]:
    """Stores an upload as evidence for `record` (a ProgressUpdate, Observation, PupilVoice or
    SelfEvaluation). Returns the file and whether it is new: an upload whose client id the
    partnership already holds for this record (sent again after its reply was lost) is answered
    with the file stored the first time. Raises ServiceError (caption) or checking.Refused (the
    file) with nothing stored."""
    column = _owner_column(record_type)
    client_id = client_id_of(upload.client_id)
    earlier = stored_upload(record.partnership_id, client_id)
    if earlier is not None:
        if earlier.owner != (record_type, record.id):
            raise ServiceError("This upload has already been attached to another record.", "file")
        return earlier, False
    caption = check_caption(upload.caption)
    prepared = checking.prepare(upload.content, max_bytes())
    evidence = EvidenceFile(
        partnership_id=record.partnership_id,
        caption=caption,
        content_type=prepared.content_type,
        size_bytes=len(prepared.content),
        storage_key=storage.key_of(prepared.content),
        thumbnail_key=storage.key_of(prepared.thumbnail) if prepared.thumbnail is not None else None,
        download_name=download_name(upload.filename, prepared.extension),
        client_id=client_id,
        uploaded_by_id=uploader.id,
        uploaded_at=utcnow(),
    )
    setattr(evidence, column.key, record.id)
    # The blobs first: a row never names a blob that is not there. Should the row not be committed,
    # the blobs are swept later (sweep) unless another row holds the same bytes.
    store = storage.store()
    store.put(evidence.storage_key, prepared.content, prepared.content_type)
    if prepared.thumbnail is not None and evidence.thumbnail_key is not None:
        store.put(evidence.thumbnail_key, prepared.thumbnail, "image/jpeg")
    _feed_moves_on(record_type, record)
    db.session.add(evidence)
    try:
        db.session.flush()
    except IntegrityError:
        # The same upload arrived twice at once: the other copy's row is the answer.
        db.session.rollback()
        earlier = stored_upload(record.partnership_id, client_id)
        if earlier is None or earlier.owner != (record_type, record.id):
            raise
        return earlier, False
    return evidence, True


# Built once, a statement per kind of record: the observation feed and an action's history ask
# for their files every time they are shown.
_FILES_FOR = {
    record_type: select(EvidenceFile)
    .where(_owner_column(record_type).in_(bindparam("ids", expanding=True)))
    .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
    for record_type in EVIDENCE_OWNERS
}


def files_for(record_type: str, record_ids: Iterable[int]) -> dict[int, list[EvidenceFile]]:
    """The files of many records of one kind, by record id, in one query, oldest first."""
    column = _owner_column(record_type)
    ids = sorted(set(record_ids))
    found: dict[int, list[EvidenceFile]] = {}
    if not ids:
        return found
    for evidence in db.session.scalars(_FILES_FOR[record_type], {"ids": ids}):
        found.setdefault(getattr(evidence, column.key), []).append(evidence)
    return found


def _feed_moves_on(record_type: str, record) -> None:
    """An observation's files are in its lesson's live feed: the lesson's feed version moves on
    (first, as every writer of the feed takes the lesson's row first), so other tablets see them."""
    if record_type == "observation":
        from ..trios import feed_changes

        feed_changes.move_on(db.session.connection(), record.lesson_id)


def remove(evidence: EvidenceFile) -> None:
    if evidence.observation_id is not None:
        from ..models import Observation

        _feed_moves_on("observation", db.session.get_one(Observation, evidence.observation_id))
    release([evidence.storage_key, evidence.thumbnail_key])
    db.session.delete(evidence)
    db.session.flush()


# Letting go of blobs ----------------------------------------------------------------------------------


def release(keys: Iterable[str | None]) -> None:
    """Blobs this transaction stops referring to: removed from the store once it has committed,
    each where no row refers to it any more (the after_commit listener below)."""
    pending = db.session.info.setdefault(_RELEASED, set())
    pending.update(key for key in keys if key)


def release_where(*conditions) -> None:
    """Releases the blobs of the files matching `conditions`, before a statement that deletes
    them (directly, or by cascade with their records) runs."""
    rows = db.session.execute(select(EvidenceFile.storage_key, EvidenceFile.thumbnail_key).where(*conditions))
    release(key for row in rows for key in row)


def release_of(record_type: str, record_ids: Iterable[int]) -> None:
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        release_where(_owner_column(record_type).in_(ids[start : start + 500]))


def referenced(connection, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = connection.execute(
            select(EvidenceFile.storage_key, EvidenceFile.thumbnail_key).where(
                or_(EvidenceFile.storage_key.in_(chunk), EvidenceFile.thumbnail_key.in_(chunk))
            )
        )
        found.update(key for row in rows for key in row if key)
    return found


def _remove_released(session: Session) -> None:
    keys = session.info.pop(_RELEASED, None)
    if not keys:
        return
    # The session has committed and may not run SQL now: a connection of its own asks.
    with db.engine.connect() as connection:
        still = referenced(connection, keys)
    store = storage.store()
    for key in keys - still:
        store.delete(key)


def _forget(session: Session) -> None:
    session.info.pop(_RELEASED, None)


def sweep(now: datetime | None = None, dry_run: bool = False) -> int:
    """Removes blobs no row refers to, written more than SWEEP_GRACE ago: what was left where the
    workspace stopped between a commit and removing its blobs, or an upload's row was never
    committed. `flask purge` runs it."""
    cutoff = (now or utcnow()) - SWEEP_GRACE
    store = storage.store()
    old = [key for key, written in store.stored() if written < cutoff]
    with db.engine.connect() as connection:
        unreferenced = set(old) - referenced(connection, old)
    if not dry_run:
        for key in unreferenced:
            store.delete(key)
    return len(unreferenced)


# The session events this module listens to; create_app registers them.
LISTENERS = (("after_commit", _remove_released), ("after_rollback", _forget))
