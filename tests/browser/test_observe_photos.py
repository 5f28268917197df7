"""A photo taken with a note on the observation page, in a real browser: online it reaches the
other observer's tablet; offline it waits on the tablet with its note, survives a reload, and is
sent once when the connection returns."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_observe_offline import _clean_but_offline, _entries, _open
from workspace.extensions import db
from workspace.models import EvidenceFile, Observation

pytestmark = pytest.mark.browser


def _jpeg(width=3200, height=2400) -> dict:
    """A photo as a tablet's camera gives it: larger than is kept on the device."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG", quality=90)
    return {"name": "IMG_0042.JPG", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _write_with_photo(page, text, caption):
    page.locator(".toggle", has_text="Pupil A:").click()
    page.get_by_label("What did you see?").fill(text)
    page.get_by_label("Photo (optional)").set_input_files(_jpeg())
    page.get_by_label("Photo caption").fill(caption)
    page.get_by_role("button", name="Save observation").click()


def _thumbnail(page, caption):
    return page.locator("#observation-feed .evidence-file").get_by_role("img", name=caption, exact=True)


def _stored(app, text):
    with app.app_context():
        notes = db.session.scalars(select(Observation).where(Observation.text == text)).all()
        files = db.session.scalars(
            select(EvidenceFile).where(EvidenceFile.observation_id.in_([n.id for n in notes]))
        ).all()
        return [n.id for n in notes], [(f.caption, f.observation_id, f.client_id) for f in files]


def test_a_photo_with_a_note_reaches_the_other_tablet_online_and_offline(live_server, new_page):
    priya = new_page("priya-photos", viewport=(768, 1024))
    callum = new_page("callum-photos", viewport=(768, 1024))
    _open(priya, live_server, "priya.sharma@demo.example")
    _open(callum, live_server, "callum.fraser@demo.example")
    page, status = priya.page, priya.page.locator("#save-status")
    expect(page.get_by_text("Photograph the work, not the pupil.")).to_be_visible()

    # A photo without its caption: the note waits in the form, and the field says why.
    page.get_by_label("What did you see?").fill("Online: sorted the fraction cards.")
    page.get_by_label("Photo (optional)").set_input_files(_jpeg(64, 48))
    page.get_by_role("button", name="Save observation").click()
    expect(page.locator("#photo-caption-error")).to_contain_text("Describe the photo in a few words")
    expect(page.get_by_label("Photo caption")).to_be_focused()
    expect(_entries(page, "Online: sorted the fraction cards.")).to_have_count(0)

    # Online: the note is saved, its photo sent after it, and the other tablet's poll shows it.
    _write_with_photo(page, "Online: sorted the fraction cards.", "Pupil A's sorted fraction cards")
    expect(status).to_have_text(re.compile("^Photo sent"), timeout=10000)
    expect(_thumbnail(page, "Pupil A's sorted fraction cards")).to_be_visible()
    expect(_thumbnail(callum.page, "Pupil A's sorted fraction cards")).to_be_visible(timeout=8000)
    assert page.evaluate("() => localStorage.getItem('workspace.photos.v1')") is None
    ids, files = _stored(live_server.app, "Online: sorted the fraction cards.")
    assert [f[:2] for f in files] == [("Pupil A's sorted fraction cards", ids[0])] and files[0][2]
    priya.axe("observe after a photo was sent")

    # A photo the server refuses (here, over the size limit) is said in words and kept, until the
    # teacher removes it from the tablet.
    page.route("**/files", lambda route: route.fulfill(status=413, body="Too large"), times=1)
    _write_with_photo(page, "Online: a refused photo.", "Pupil A's number line")
    refused = page.locator("#outbox-photos .entry")
    expect(status).to_have_text(re.compile("^The photo “Pupil A's number line” was not sent: it is larger"))
    expect(refused).to_contain_text(
        "Photo with the note on Pupil A · Not sent: it is larger than the workspace takes."
    )
    priya.axe("observe with a photo refused")
    page.once("dialog", lambda dialog: dialog.accept())
    refused.get_by_role("button", name=re.compile("^Remove from this tablet")).click()
    expect(page.locator("#observation-outbox")).to_be_hidden()
    assert page.evaluate("() => localStorage.getItem('workspace.photos.v1')") is None

    # Offline: the note and its photo wait on the tablet, shown in the list, and a reload keeps both.
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("() => caches.match(location.href).then(Boolean)")
    page.context.set_offline(True)
    _write_with_photo(page, "Offline: shaded a third of the strip.", "Pupil A's shaded strip")
    waiting_photo = page.locator("#outbox-photos .entry")
    expect(waiting_photo).to_contain_text("Photo with the note on Pupil A · Waiting to send")
    expect(waiting_photo.get_by_role("img", name="Pupil A's shaded strip")).to_have_attribute(
        "src", re.compile("^data:image/jpeg")
    )
    expect(status).to_have_text("Waiting for the connection: 1 note and 1 photo kept on this tablet.")
    page.reload()
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Offline: shaded a third")
    expect(waiting_photo).to_contain_text("Pupil A's shaded strip")
    priya.shot("photo-waiting-offline")
    priya.axe("observe offline with a photo waiting")
    # What the tablet kept is the photo made smaller: at most 2400 px on its longest edge.
    kept = page.evaluate(
        """async () => {
          const db = await new Promise((ok) => { const r = indexedDB.open("workspace-outbox", 1); r.onsuccess = () => ok(r.result); });
          const all = await new Promise((ok) => { const r = db.transaction("photos").objectStore("photos").getAll(); r.onsuccess = () => ok(r.result); });
          const bitmap = await createImageBitmap(all[0].blob);
          return [all.length, all[0].blob.type, bitmap.width, bitmap.height];
        }"""
    )
    assert kept == [1, "image/jpeg", 2400, 1800], kept

    # The connection returns: the note, then its photo, each once; the other tablet sees it.
    page.context.set_offline(False)
    expect(_thumbnail(page, "Pupil A's shaded strip")).to_be_visible(timeout=15000)
    page.wait_for_function("() => !localStorage.getItem('workspace.photos.v1')")
    expect(page.locator("#observation-outbox")).to_be_hidden()
    expect(_thumbnail(callum.page, "Pupil A's shaded strip")).to_have_count(1, timeout=8000)
    ids, files = _stored(live_server.app, "Offline: shaded a third of the strip.")
    assert len(ids) == 1 and [f[:2] for f in files] == [("Pupil A's shaded strip", ids[0])]
    left = page.evaluate(
        """async () => {
          const db = await new Promise((ok) => { const r = indexedDB.open("workspace-outbox", 1); r.onsuccess = () => ok(r.result); });
          return await new Promise((ok) => { const r = db.transaction("photos").objectStore("photos").count(); r.onsuccess = () => ok(r.result); });
        }"""
    )
    assert left == 0

    # Signing out with a photo not yet sent (its note went; the files address unreachable) warns,
    # counting it, and then leaves no photo on the tablet.
    page.route("**/files", lambda route: route.abort("connectionrefused"))
    _write_with_photo(page, "Unsent photo: a fraction wall.", "Pupil A's fraction wall")
    expect(page.locator("#outbox-photos .entry")).to_contain_text("Pupil A's fraction wall")
    expect(status).to_have_text("Waiting for the connection: 1 photo kept on this tablet.")
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert warnings[0].startswith("1 photo has not been sent yet."), warnings
    page.wait_for_function(
        """async () => !localStorage.getItem('workspace.photos.v1') && await new Promise((ok) => {
             const r = indexedDB.open("workspace-outbox", 1);
             r.onsuccess = () => { const c = r.result.transaction("photos").objectStore("photos").count();
                                   c.onsuccess = () => ok(c.result === 0); };
           })"""
    )
    # (The refusal made above is logged by the browser, as every 413 is.)
    priya.problems = [p for p in priya.problems if "status of 413" not in p and "CONNECTION_REFUSED" not in p]
    _clean_but_offline(priya)
    callum.assert_clean()


def test_a_refused_note_keeps_its_photo_through_a_reload(live_server, new_page):
    """A note kept offline with a photo, refused on reconnecting (its stage taken out of the plan
    meanwhile), comes back into the form; after a reload it is saved again under its own id, so
    the photo kept with it goes to it, once."""
    from tests.browser.test_observe_kept_notes import _take_out_stage

    priya = new_page("priya-refused-photo", viewport=(768, 1024))
    _open(priya, live_server, "priya.sharma@demo.example")
    page = priya.page
    stages = page.locator("#stage_id .toggle")
    last_stage = stages.last.inner_text().strip()
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("() => caches.match(location.href).then(Boolean)")

    page.context.set_offline(True)
    stages.last.click()
    _write_with_photo(page, "Refused, with a photo: drew the wall.", "Pupil A's drawn wall")
    expect(page.locator("#outbox-photos .entry")).to_contain_text("Waiting to send")
    _take_out_stage(live_server.app, last_stage)
    page.context.set_offline(False)
    expect(page.locator("#observation-form .error-summary")).to_contain_text(
        "That stage is not in the lesson plan now", timeout=15000
    )
    priya.axe("observe with a refused note and its photo back")
    page.reload()
    expect(page.get_by_label("What did you see?")).to_have_value("Refused, with a photo: drew the wall.")
    expect(page.locator("#outbox-photos .entry")).to_contain_text("Pupil A's drawn wall")
    stages.first.click()
    page.get_by_role("button", name="Save observation").click()
    expect(_thumbnail(page, "Pupil A's drawn wall")).to_be_visible(timeout=15000)
    page.wait_for_function("() => !localStorage.getItem('workspace.photos.v1')")
    ids, files = _stored(live_server.app, "Refused, with a photo: drew the wall.")
    assert len(ids) == 1 and [f[:2] for f in files] == [("Pupil A's drawn wall", ids[0])]
    assert "id" not in (page.evaluate("() => localStorage.getItem('workspace.draft.v1:4:2')") or "")
    priya.axe("observe after a refused note and its photo were sent")

    # Online, refused in the answer to Save (its stage gone since the page was opened): after a
    # reload it is back, under its id; cleared and replaced by another note, that one is a note of
    # its own, without the refused note's photo (which waits, and can be removed from the tablet).
    last_stage = stages.last.inner_text().strip()
    stages.last.click()
    _take_out_stage(live_server.app, last_stage)
    _write_with_photo(page, "Refused online: counted the halves.", "Pupil A's halves")
    expect(page.locator("#observation-form .error-summary")).to_contain_text(
        "That stage is not in the lesson plan now"
    )
    expect(page.locator("#outbox-photos .entry")).to_contain_text("Pupil A's halves")  # kept: made smaller
    priya.axe("observe with a note refused online")
    page.reload()
    expect(page.get_by_label("What did you see?")).to_have_value("Refused online: counted the halves.")
    page.get_by_label("What did you see?").fill("")
    page.get_by_label("What did you see?").fill("Another note: compared two walls.")
    stages.first.click()
    page.get_by_role("button", name="Save observation").click()
    expect(_entries(page, "Another note: compared two walls.")).to_have_count(1)
    page.wait_for_timeout(1000)  # time enough for a photo that wrongly followed it
    with live_server.app.app_context():
        ids, files = _stored(live_server.app, "Another note: compared two walls.")
    assert len(ids) == 1 and files == []
    expect(page.locator("#outbox-photos .entry")).to_contain_text("Pupil A's halves")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#outbox-photos .entry").get_by_role(
        "button", name=re.compile("^Remove from this tablet")
    ).click()
    expect(page.locator("#observation-outbox")).to_be_hidden()
    priya.axe("observe after another note")
    priya.problems = [p for p in priya.problems if "status of 422" not in p]
    _clean_but_offline(priya)
