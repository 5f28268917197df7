"""Evidence files at the service level: what is accepted (by its bytes), what is stored of it,
what is refused with nothing stored, and blobs let go only when no row refers to them."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests import evidence_samples as samples
from workspace.evidence import checking, services, storage
from workspace.extensions import db
from workspace.models import EvidenceFile, Observation, ProgressUpdate, User


def _records(world):
    a = world["a"]
    lead = db.session.scalar(select(User).where(User.email == a["lead"]))
    return (
        lead,
        db.session.get(Observation, a["observation_id"]),
        db.session.get(ProgressUpdate, a["update_id"]),
    )


def _blobs() -> set[str]:
    return {key for key, _ in storage.store().stored()}


def test_each_welcome_type_is_stored_and_read_back(ctx, world):
    lead, observation, update = _records(world)
    for name, (make, filename, stored_type) in samples.WELCOME.items():
        content = make()
        evidence, created = services.attach(
            "progress_update", update, lead, services.Upload(content, filename, f"The {name} file")
        )
        assert created and evidence.content_type == stored_type, name
        served = storage.store().get(evidence.storage_key)
        if stored_type.startswith("image/"):
            assert Image.open(io.BytesIO(served)).format == "JPEG", name
            assert Image.open(io.BytesIO(storage.store().get(evidence.thumbnail_key))).format == "JPEG"
        else:
            assert served == content and evidence.thumbnail_key is None, name
    db.session.commit()
    assert services.files_for("progress_update", [update.id])[update.id][0].caption == "The jpeg file"
    names = [f.download_name for f in services.files_for("progress_update", [update.id])[update.id]]
    assert names == [
        "board.jpg",
        "wall.jpg",
        "IMG_0001.jpg",
        "survey.pdf",
        "survey.docx",
        "results.xlsx",
        "slides.pptx",
        "notes.txt",
    ]


def test_a_photo_is_served_upright_without_its_gps_position_or_camera(ctx, world):
    lead, observation, _ = _records(world)
    original = samples.jpeg_with_gps(size=(40, 20), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(samples.GPS_IFD)  # the sample has one
    evidence, _ = services.attach(
        "observation", observation, lead, services.Upload(original, "IMG_1.jpg", "Pupil B's number line")
    )
    for key in (evidence.storage_key, evidence.thumbnail_key):
        served = storage.store().get(key)
        image = Image.open(io.BytesIO(served))
        assert not image.getexif() and "exif" not in image.info
        assert b"Classroom tablet" not in served and b"GPS" not in served
    assert Image.open(io.BytesIO(storage.store().get(evidence.storage_key))).size == (
        20,
        40,
    )  # turned upright


@pytest.mark.parametrize(
    "content, name, status",
    [
        (samples.EXECUTABLE, "photo.jpg", 422),
        (samples.SVG, "chart.svg", 422),
        (samples.HTML, "notes.txt", 422),
        (samples.png_claiming(20000, 20000), "huge.png", 422),
        (b"\x00" * (1024 * 1024 + 1), "big.txt", 413),
    ],
    ids=["renamed executable", "svg", "html", "decompression bomb", "over the size limit"],
)
def test_refused_files_are_not_stored(app, ctx, world, content, name, status, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_MB", 1)
    lead, observation, _ = _records(world)
    before, rows = _blobs(), db.session.scalar(select(func.count(EvidenceFile.id)))
    with pytest.raises(checking.Refused) as refused:
        services.attach("observation", observation, lead, services.Upload(content, name, "What it shows"))
    assert refused.value.status == status
    if status == 422:
        assert "JPEG" in refused.value.message or "pixels" in refused.value.message
    assert _blobs() == before and db.session.scalar(select(func.count(EvidenceFile.id))) == rows


def test_an_upload_sent_twice_is_stored_once(ctx, world):
    lead, observation, update = _records(world)
    client_id = str(uuid.uuid4())
    upload = services.Upload(samples.pdf(), "survey.pdf", "Survey", client_id)
    first, created = services.attach("observation", observation, lead, upload)
    again, created_again = services.attach("observation", observation, lead, upload)
    assert created and not created_again and again.id == first.id
    with pytest.raises(services.ServiceError):
        services.attach("progress_update", update, lead, upload)  # that id is the observation's


def test_a_blob_two_rows_share_goes_with_the_last_of_them(ctx, world):
    lead, observation, update = _records(world)
    content = samples.jpeg_with_gps()
    one, _ = services.attach("observation", observation, lead, services.Upload(content, "a.jpg", "One"))
    two, _ = services.attach("progress_update", update, lead, services.Upload(content, "b.jpg", "Two"))
    assert one.storage_key == two.storage_key
    db.session.commit()
    keys = {one.storage_key, one.thumbnail_key}
    services.remove(one)
    db.session.commit()
    assert keys <= _blobs()  # the other file still holds it
    services.remove(db.session.get(EvidenceFile, two.id))
    db.session.rollback()
    assert keys <= _blobs()  # a rollback keeps everything
    services.remove(db.session.get(EvidenceFile, two.id))
    db.session.commit()
    assert not keys & _blobs()


def test_a_caption_must_say_something_and_identify_no_pupil(ctx, world):
    lead, observation, _ = _records(world)
    for caption in ("   ", "Pupil A, born 03/04/2017"):
        with pytest.raises(services.ServiceError):
            services.attach(
                "observation", observation, lead, services.Upload(samples.text(), "a.txt", caption)
            )


def test_storing_the_same_bytes_again_renews_their_time(tmp_path):
    """The sweep takes blobs no row names that are over an hour old: bytes stored again for a new
    upload must not look old while the upload's row is on its way."""
    import os

    store = storage.FilesystemStore(tmp_path)
    key = "a" * 64
    store.put(key, b"same bytes", "text/plain")
    os.utime(store.path_of(key), (0, 0))  # written long ago: 1 January 1970
    store.put(key, b"same bytes", "text/plain")
    # The file's time is the machine's, not the suite's frozen clock: compared with that old time.
    assert store.path_of(key).stat().st_mtime > 365 * 24 * 3600


def test_the_store_takes_keys_only(tmp_path):
    store = storage.FilesystemStore(tmp_path)
    for key in ("../../etc/passwd", "a" * 63, "A" * 64, "photo.jpg"):
        with pytest.raises(ValueError):
            store.put(key, b"x", "text/plain")


def test_files_kept_in_s3_compatible_storage(ctx, world, s3_store):
    lead, observation, _ = _records(world)
    evidence, _ = services.attach(
        "observation", observation, lead, services.Upload(samples.jpeg_with_gps(), "a.jpg", "Display board")
    )
    db.session.commit()
    listed = {item["Key"] for item in s3_store.client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]}
    assert listed == {f"evidence/{evidence.storage_key}", f"evidence/{evidence.thumbnail_key}"}
    assert b"GPS" not in s3_store.get(evidence.storage_key)
    services.remove(evidence)
    db.session.commit()
    assert not list(s3_store.stored())


def test_a_missing_blob_is_file_not_found_in_both_stores(tmp_path, s3_store):
    for store in (storage.FilesystemStore(tmp_path), s3_store):
        with pytest.raises(FileNotFoundError):
            store.get("0" * 64)
