"""Evidence files leave with their records (retention purge, deleting a record, deleting a
partnership), on the filesystem and in S3; exports carry them; a backup restores them."""

from __future__ import annotations

import io
import json
import os
import secrets
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from tests.conftest import make_app
from workspace.evidence import services, storage
from workspace.extensions import db
from workspace.models import EvidenceFile, Observation, Partnership, PupilVoice, Trio, User
from workspace.privacy import services as privacy
from workspace.trios import observing, reflection


def unique_png() -> bytes:
    """A photo no other test stores: its blob is its own."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), tuple(secrets.token_bytes(3))).save(buffer, "PNG")
    return buffer.getvalue()


def _attach(record_type, record, user, caption="Work on the wall") -> tuple[EvidenceFile, set[str]]:
    evidence, _ = services.attach(record_type, record, user, services.Upload(unique_png(), "a.png", caption))
    return evidence, {evidence.storage_key, evidence.thumbnail_key}


def _stored(keys: set[str]) -> set[str]:
    return keys & {key for key, _ in storage.store().stored()}


def _side(world, side="a"):
    w = world[side]
    return (
        db.session.scalar(select(User).where(User.email == w["lead"])),
        db.session.get(Observation, w["observation_id"]),
        db.session.get(PupilVoice, w["note_id"]),
    )


def test_purge_and_deleting_records_remove_their_files(ctx, world):
    lead, observation, note = _side(world)
    _, purged = _attach("observation", observation, lead)
    _, voiced = _attach("pupil_voice", note, lead)
    other, _ = _side(world, "b")[1:]
    _, deleted = _attach("observation", other, lead)
    db.session.commit()
    old = datetime.now(UTC) - timedelta(days=400)
    observation.created_at = note.created_at = old
    partnership = db.session.get(Partnership, observation.partnership_id)
    partnership.retention_days = 365
    db.session.commit()
    privacy.purge(partnership)
    db.session.commit()
    assert not _stored(purged | voiced)
    assert (
        db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.partnership_id == partnership.id))
        is None
    )
    observing.delete_observation(other)
    db.session.commit()
    assert not _stored(deleted)


def test_deleting_a_pupil_voice_note_removes_its_files(ctx, world):
    lead, _, note = _side(world)
    _, keys = _attach("pupil_voice", note, lead)
    db.session.commit()
    reflection.delete_pupil_voice(note)
    db.session.commit()
    assert not _stored(keys)


@pytest.mark.parametrize("where", ["filesystem", "s3"])
def test_deleting_a_partnership_removes_its_files_and_keeps_shared_ones(ctx, world, where, request):
    if where == "s3":
        request.getfixturevalue("s3_store")
    lead, observation, _ = _side(world)
    _, own = _attach("observation", observation, lead)
    shared = unique_png()
    b_lead, b_observation, _ = _side(world, "b")
    for who, record in ((lead, observation), (b_lead, b_observation)):
        kept, _ = services.attach("observation", record, who, services.Upload(shared, "s.png", "Shared"))
    db.session.commit()
    shared_key = kept.storage_key
    privacy.delete_partnership(db.session.get(Partnership, world["a"]["partnership_id"]), "Partnership Alpha")
    db.session.commit()
    assert not _stored(own)
    assert _stored({shared_key})  # B's file holds the same bytes


def test_exports_carry_the_files(ctx, world):
    lead, observation, _ = _side(world)
    evidence, _ = _attach("observation", observation, lead, "Pupil A's fraction wall, close up")
    db.session.commit()
    partnership = db.session.get(Partnership, world["a"]["partnership_id"])
    whole = zipfile.ZipFile(io.BytesIO(privacy.zip_of(privacy.partnership_tables(partnership), "All.\n")))
    rows = json.loads(whole.read("evidence_file.json"))
    assert {r["caption"] for r in rows} == {"Pupil A's fraction wall", "Pupil A's fraction wall, close up"}
    assert whole.read(f"files/{evidence.id}-a.jpg") == storage.store().get(evidence.storage_key)
    trio = db.session.get(Trio, world["a"]["trio_id"])
    one = zipfile.ZipFile(io.BytesIO(privacy.zip_of(privacy.case_pupil_record(trio, "A"), "A.\n")))
    assert f"files/{evidence.id}-a.jpg" in one.namelist() and "files/" in one.read("README.txt").decode()
    other = zipfile.ZipFile(io.BytesIO(privacy.zip_of(privacy.case_pupil_record(trio, "B"), "B.\n")))
    assert not [name for name in other.namelist() if name.startswith("files/")]
    # A stored copy gone missing does not stop the export: it says which file is gone.
    storage.store().delete(evidence.storage_key)
    again = zipfile.ZipFile(io.BytesIO(privacy.zip_of(privacy.case_pupil_record(trio, "A"), "A.\n")))
    assert f"files/{evidence.id}-a.jpg.missing.txt" in again.namelist()


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's online backup; PostgreSQL backups use pg_dump"
)
def test_backup_and_restore_bring_back_the_files(app, world, tmp_path):
    with app.app_context():
        lead, observation, _ = _side(world)
        evidence, _ = _attach("observation", observation, lead)
        db.session.commit()
        evidence_id, content = evidence.id, storage.store().get(evidence.storage_key)
    target = tmp_path / "backup.sqlite"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    uploads = tmp_path / "backup-uploads"
    assert f"Evidence files copied to {uploads}" in result.output
    # Restore, as the README says: the database file and the uploads folder back in place.
    restored = make_app(f"sqlite:///{target}", UPLOAD_DIR=str(uploads))
    with restored.app_context():
        files = db.session.scalars(select(EvidenceFile)).all()
        assert files and all(storage.store().get(f.storage_key) for f in files)
        assert storage.store().get(db.session.get_one(EvidenceFile, evidence_id).storage_key) == content
