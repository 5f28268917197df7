"""Evidence files through the routes: read only through the access check, with headers that keep
them what they are; attached from a record's page (full page and htmx); refused with 422 or 413;
removed by a lead."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import func, select

from tests import evidence_samples as samples
from tests.conftest import html
from workspace.extensions import db
from workspace.models import Activity, EvidenceFile
from workspace.trios import observation_feed


def _urls(world):
    a = world["a"]
    p, lesson = f"/p/{a['partnership_id']}", f"/trios/{a['trio_id']}/lessons/{a['lesson_id']}"
    return {
        "file": f"{p}/files/{a['file_id']}",
        "observe": f"{p}{lesson}/observe",
        "attach": f"{p}{lesson}/observations/{a['observation_id']}/files",
        "progress": f"{p}/actions/{a['action_id']}/progress/{a['update_id']}/files",
        "action": f"{p}/actions/{a['action_id']}",
    }


def _upload(content: bytes, name: str, caption: str = "The display board", client_id: str | None = None):
    return {
        "file": (io.BytesIO(content), name),
        "caption": caption,
        "client_id": client_id or str(uuid.uuid4()),
    }


def test_a_file_is_served_only_to_its_partnership_with_safe_headers(make_client, world):
    urls = _urls(world)
    reviewer = make_client()
    reviewer.sign_in(world["a"]["reviewer"])  # reads, as they read the observation
    image = reviewer.get(urls["file"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Cache-Control"] == "private, no-store"
    assert reviewer.get(urls["file"] + "/thumbnail").mimetype == "image/jpeg"
    refused = reviewer.post(urls["attach"], data=_upload(samples.pdf(), "survey.pdf"))
    assert refused.status_code == 403
    outsider = make_client()
    outsider.sign_in(world["b"]["lead"])
    assert outsider.get(urls["file"]).status_code == 404
    signed_out = make_client().get(urls["file"])
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]


def test_a_photo_attached_from_the_observation_page_appears_in_every_feed(app, make_client, world):
    a, urls = world["a"], _urls(world)
    teacher = make_client()
    teacher.sign_in(a["teacher"])
    page = html(teacher.get(urls["attach"]))
    assert 'accept="image/*" capture="environment"' in page and "Photograph the work, not the pupil." in page
    with app.app_context():
        since = observation_feed.feed_signature(a["partnership_id"], a["trio_id"], a["lesson_id"])
    client_id = str(uuid.uuid4())
    sent = teacher.post(
        urls["attach"],
        htmx=True,
        data=_upload(samples.jpeg_with_gps(), "IMG_2.jpg", "Pupil A's working", client_id),
    )
    assert sent.status_code == 201, html(sent)[:400]
    file_id = sent.headers["X-Evidence-File-Id"]
    assert 'alt="Pupil A&#39;s working"' in html(sent) and 'id="evidence-attach"' in html(sent)
    again = teacher.post(
        urls["attach"], htmx=True, data=_upload(samples.jpeg_with_gps(), "IMG_2.jpg", "x", client_id)
    )
    assert again.status_code == 200 and again.headers["X-Evidence-File-Id"] == file_id
    # Another tablet's poll brings the feed again, with the thumbnail.
    other = make_client()
    other.sign_in(a["other_teacher"])
    polled = other.get(f"{urls['observe'][: -len('/observe')]}/observations/feed?since={since}.1", htmx=True)
    assert polled.status_code == 200 and f"/files/{file_id}/thumbnail" in html(polled)
    plain = teacher.post(urls["attach"], data=_upload(samples.text(), "notes.txt", "Notes"))
    assert plain.status_code == 303 and urls["observe"] + "#observation-" in plain.headers["Location"]
    document = teacher.get(f"/p/{a['partnership_id']}/files/{int(file_id) + 1}")
    assert document.headers["Content-Disposition"] == "attachment; filename=notes.txt"
    assert document.mimetype == "text/plain"
    with app.app_context():
        feed = db.session.scalars(select(Activity.summary).where(Activity.verb == "added")).all()
    assert "attached the file “Pupil A's working” to an observation" in feed


def test_the_note_form_offers_a_photo_that_waits_on_the_tablet_with_the_note(make_client, world):
    urls = _urls(world)
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    form = html(teacher.get(urls["observe"])).split('id="observation-form"')[1].split("</form>")[0]
    # Offered by the outbox's script (hidden without it), and never sent with the note: unnamed.
    assert '<div class="field photo-field" id="photo-field" hidden>' in form
    assert 'id="photo" accept="image/*" capture="environment"' in form and 'name="photo' not in form
    assert "Photograph the work, not the pupil." in form and 'id="photo-caption"' in form
    files_page = html(teacher.get(urls["attach"]))
    assert "need a connection" not in files_page and "waits on this tablet" in files_page


def test_refused_uploads_answer_422_with_the_caption_kept_or_413(app, make_client, world, monkeypatch):
    urls = _urls(world)
    lead = make_client()
    lead.sign_in(world["a"]["lead"])
    with app.app_context():
        rows = db.session.scalar(select(func.count(EvidenceFile.id)))
    for htmx in (False, True):
        refused = lead.post(urls["progress"], htmx=htmx, data=_upload(samples.SVG, "chart.png", "Our chart"))
        assert refused.status_code == 422
        body = html(refused)
        assert "There is a problem" in body and 'value="Our chart"' in body and "PowerPoint" in body
    monkeypatch.setitem(app.config, "UPLOAD_MAX_MB", 1)
    too_big = lead.post(urls["progress"], data=_upload(b"a" * (1024 * 1024 + 10), "notes.txt"))
    assert too_big.status_code == 413 and "larger than 1 MB" in html(too_big)
    request_too_big = lead.post(urls["progress"], data=_upload(b"a" * (3 * 1024 * 1024), "notes.txt"))
    assert request_too_big.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(func.count(EvidenceFile.id))) == rows


def test_a_lead_removes_a_file_and_a_teacher_only_their_own(app, make_client, world):
    urls = _urls(world)
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    assert teacher.post(urls["file"] + "/remove").status_code == 403  # the lead's file
    lead = make_client()
    lead.sign_in(world["a"]["lead"])
    assert "Remove this file?" in html(lead.get(urls["file"] + "/remove"))
    removed = lead.post(urls["file"] + "/remove")
    assert removed.status_code == 303
    assert lead.get(urls["file"]).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Activity.summary).where(Activity.verb == "deleted")).startswith(
            "removed the file “Pupil A's fraction wall”"
        )


def test_files_are_shown_with_progress_updates_pupil_voice_and_self_evaluations(app, make_client, world):
    a, urls = world["a"], _urls(world)
    lead = make_client()
    lead.sign_in(a["lead"])
    p = f"/p/{a['partnership_id']}"
    attach = {
        "progress": urls["progress"],
        "voice": f"{p}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/voice/{a['note_id']}/files",
        "evaluation": f"{p}/self-evaluation/{a['evaluation_id']}/files",
    }
    pages = {
        "progress": urls["action"],
        "voice": f"{p}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/voice",
        "evaluation": f"{p}/self-evaluation/{a['evaluation_id']}",
    }
    for name, url in attach.items():
        sent = lead.post(url, data=_upload(samples.docx(), "survey.docx", f"Survey for the {name}"))
        assert sent.status_code == 303, (name, html(sent)[:300])
        page = html(lead.get(pages[name]))
        assert f"Survey for the {name}" in page and "Word document" in page, name
