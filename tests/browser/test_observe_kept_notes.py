"""Notes kept on a tablet that come back to the teacher: a note the workspace refused on
reconnecting (its stage taken out of the plan meanwhile), a note too long to keep, and the page
opened again in a dead spot after notes were saved. Nothing is lost, nothing is saved twice, and
the notes behind a refused one go on."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.test_observe_offline import (
    OBSERVE,
    _clean_but_offline,
    _entries,
    _open,
    _write,
    kept_by_the_service_worker,
)
from workspace.extensions import db
from workspace.models import Observation, ResearchLesson

pytestmark = pytest.mark.browser

LESSON_ID = 2  # OBSERVE's lesson


def _stored(app, text):
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Observation).where(Observation.text == text)
        )


def _take_out_stage(app, title):
    """A colleague edits the plan: the stage goes (and the lesson's plan with it)."""
    with app.app_context():
        lesson = db.session.get(ResearchLesson, LESSON_ID)
        lesson.stages.remove(next(s for s in lesson.stages if s.title == title))
        db.session.commit()


def test_a_refused_note_comes_back_to_its_form_and_the_notes_behind_it_go_on(live_server, new_page):
    priya = new_page("priya-refused", viewport=(768, 1024))
    _open(priya, live_server, "priya.sharma@demo.example")
    page, status = priya.page, priya.page.locator("#save-status")
    stages = page.locator("#stage_id .toggle")
    last_stage = stages.last.inner_text().strip()

    page.context.set_offline(True)
    page.locator(".toggle", has_text="Pupil B:").click()
    stages.last.click()
    page.get_by_label("What did you see?").fill("Kept: checked her answer against the wall.")
    page.get_by_role("button", name="Save observation").click()
    stages.first.click()
    page.get_by_label("What did you see?").fill("Behind it: explained tenths to his partner.")
    page.get_by_role("button", name="Save observation").click()
    stages.last.click()
    page.get_by_label("What did you see?").fill("Third: read 0.3 off the wall.")
    page.get_by_role("button", name="Save observation").click()
    expect(status).to_have_text("Waiting for the connection: 3 notes kept on this tablet.")

    _take_out_stage(live_server.app, last_stage)
    page.context.set_offline(False)

    # The first refused note is back in the form, with the workspace's reason at the field, the
    # plan as it is now (the stage gone), and the count of its characters.
    summary = page.locator("#observation-form .error-summary")
    expect(summary).to_contain_text("That stage is not in the lesson plan now", timeout=15000)
    expect(summary).to_contain_text("This note was kept on this tablet while the connection was down")
    expect(page.get_by_label("What did you see?")).to_have_value("Kept: checked her answer against the wall.")
    expect(page.locator("#stage_id .toggle", has_text=last_stage)).to_have_count(0)
    left = 5000 - len("Kept: checked her answer against the wall.")
    expect(page.locator("#text-info")).to_have_text(f"You have {left:,} characters remaining")
    # The note behind it did not wait for it; the third, refused too, waits for the form.
    expect(_entries(page, "Behind it: explained tenths")).to_have_count(1, timeout=10000)
    expect(page.locator("#outbox-notes .entry")).to_have_count(1)
    expect(page.locator("#outbox-notes .entry")).to_contain_text(
        "Pupil B · Needs checking: the workspace could not save it as it was"
    )
    expect(status).to_have_text(
        "1 note kept on this tablet needs checking: save or clear what you are writing to see it."
    )
    assert _stored(live_server.app, "Behind it: explained tenths to his partner.") == 1
    assert _stored(live_server.app, "Kept: checked her answer against the wall.") == 0
    priya.axe("observe with a refused note back in the form")
    priya.shot("refused-note-back")

    # It is the form's draft now: a reload keeps it, and the third still waits.
    page.reload()
    expect(page.get_by_label("What did you see?")).to_have_value("Kept: checked her answer against the wall.")
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Third: read 0.3 off the wall.")
    stages.first.click()
    page.get_by_role("button", name="Save observation").click()
    expect(_entries(page, "Kept: checked her answer")).to_have_count(1)
    # The form free again, the third comes into it.
    expect(page.get_by_label("What did you see?")).to_have_value(
        "Third: read 0.3 off the wall.", timeout=10000
    )
    expect(page.locator("#observation-outbox")).to_be_hidden()
    stages.first.click()
    page.get_by_role("button", name="Save observation").click()
    expect(status).to_have_text("Saved. Your entry is in the list below.")
    for text in ("Kept: checked her answer against the wall.", "Third: read 0.3 off the wall."):
        expect(_entries(page, text)).to_have_count(1)
        assert _stored(live_server.app, text) == 1
    assert page.evaluate("() => localStorage.getItem('workspace.outbox.v1')") is None

    # A note too long to keep is refused before it waits, and stays in the box.
    page.context.set_offline(True)
    too_long = "Counted along the wall again. " * 170  # 5,100 characters
    page.get_by_label("What did you see?").fill(too_long)
    page.get_by_role("button", name="Save observation").click()
    expect(status).to_have_text(re.compile("^This note is too long to keep: shorten it to 5,000 characters"))
    expect(page.locator("#observation-outbox")).to_be_hidden()
    expect(page.get_by_label("What did you see?")).to_have_value(too_long)
    expect(page.get_by_label("What did you see?")).to_be_focused()
    page.get_by_label("What did you see?").fill("")
    page.context.set_offline(False)
    _clean_but_offline(priya)


def test_a_page_opened_again_in_a_dead_spot_shows_the_notes_saved_since_and_loses_none(live_server, new_page):
    callum = new_page("callum-dead-spot", viewport=(768, 1024))
    _open(callum, live_server, "callum.fraser@demo.example")
    page = callum.page
    kept_by_the_service_worker(page)
    # Opened again (later in the day): the page shown is the copy the service worker keeps, with
    # the new note's id the page came with.
    page.reload()
    expect(page.get_by_role("heading", name="Record an observation")).to_be_visible()
    # A pupil other than the one the page came with.
    other = page.locator("#case_pupil_id .toggle").filter(has_not=page.locator("input:checked")).first
    pupil = other.inner_text().split(":")[0].strip()
    other.click()
    page.get_by_label("What did you see?").fill("Online first: folded the strip in half.")
    page.get_by_role("button", name="Save observation").click()
    expect(page.locator("#save-status")).to_have_text("Saved. Your entry is in the list below.")
    expect(_entries(page, "Online first: folded the strip")).to_have_count(1)
    page.wait_for_function(
        "() => caches.match(location.pathname + '?kept-feed')"
        ".then((r) => r ? r.text() : '').then((t) => t.includes('Online first'))"
    )

    # The dead spot: the page comes from the service worker's copy, with the note just saved and
    # the pupil just chosen.
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Record an observation")).to_be_visible()
    expect(_entries(page, "Online first: folded the strip")).to_have_count(1)
    expect(page.locator("#case_pupil_id .toggle", has_text=pupil + ":").locator("input")).to_be_checked()
    callum.shot("reloaded-in-a-dead-spot")

    # The next note is a new one, not taken for the one saved before the reload.
    page.get_by_label("What did you see?").fill("Offline second: shaded the other half.")
    page.get_by_role("button", name="Save observation").click()
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Offline second")
    page.context.set_offline(False)
    expect(_entries(page, "Offline second: shaded the other half")).to_have_count(1, timeout=15000)
    assert _stored(live_server.app, "Offline second: shaded the other half.") == 1
    assert _stored(live_server.app, "Online first: folded the strip in half.") == 1

    # Marking a highlight from the keyboard keeps focus on the control, as the feed is brought again.
    button = page.locator("#observation-feed .entry", has_text="Offline second").get_by_role(
        "button", name=re.compile("^Mark as highlight")
    )
    button.focus()
    page.keyboard.press("Enter")
    remove = page.locator("#observation-feed .entry", has_text="Offline second").get_by_role(
        "button", name=re.compile("^Remove highlight")
    )
    expect(remove).to_be_focused()
    _clean_but_offline(callum)


def _outbox(page):
    return page.evaluate("() => JSON.parse(localStorage.getItem('workspace.outbox.v1') || '[]')")


def _drafts(page):
    return page.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('workspace.draft.v1:') && !k.endsWith(':chosen'))"
        ".map((k) => JSON.parse(localStorage.getItem(k)).text)"
    )


def test_notes_taken_while_one_is_on_its_way_each_arrive_once(live_server, new_page):
    """A slow network: a second tap on the note on its way sends nothing more; another note taken
    meanwhile is a note of its own; a reload while one is on its way does not offer it again."""
    callum = new_page("callum-slow", viewport=(768, 1024))
    _open(callum, live_server, "callum.fraser@demo.example")
    page = callum.page
    held = []
    page.route("**/observations", lambda route: held.append(route))
    page.locator(".toggle", has_text="Pupil C:").click()
    page.get_by_label("What did you see?").fill("Slow first: matched 2/4 to 1/2.")
    page.get_by_role("button", name="Save observation").click()
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saving…'")
    page.get_by_label("What did you see?").fill("Slow second: explained it to Pupil A.")
    page.get_by_role("button", name="Save observation").click()
    # Online, the notes are on their way, not waiting for a connection.
    expect(page.locator("#save-status")).to_have_text("Sending: 2 notes kept on this tablet.")
    waiting = _outbox(page)
    assert [n["text"] for n in waiting] == [
        "Slow first: matched 2/4 to 1/2.",
        "Slow second: explained it to Pupil A.",
    ]
    assert waiting[0]["id"] != waiting[1]["id"]
    assert _drafts(page) == []  # in the outbox, not offered again as drafts
    held[0].continue_()
    page.unroute("**/observations")
    for text in ("Slow first: matched 2/4 to 1/2.", "Slow second: explained it to Pupil A."):
        expect(_entries(page, text)).to_have_count(1, timeout=15000)
    page.wait_for_function("() => !localStorage.getItem('workspace.outbox.v1')", timeout=15000)
    for text in ("Slow first: matched 2/4 to 1/2.", "Slow second: explained it to Pupil A."):
        assert _stored(live_server.app, text) == 1

    # A second tap on the note on its way sends nothing more.
    held.clear()
    page.route("**/observations", lambda route: held.append(route))
    page.get_by_label("What did you see?").fill("Tapped twice: counted in quarters.")
    page.get_by_role("button", name="Save observation").click()
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saving…'")
    page.get_by_role("button", name="Save observation").click()
    assert [n["text"] for n in _outbox(page)] == ["Tapped twice: counted in quarters."]
    held[0].continue_()
    page.unroute("**/observations")
    expect(page.locator("#save-status")).to_have_text("Saved. Your entry is in the list below.")
    expect(_entries(page, "Tapped twice: counted in quarters.")).to_have_count(1)
    assert _stored(live_server.app, "Tapped twice: counted in quarters.") == 1

    # A reload while a note is on its way: the note is sent from the outbox, and the box is empty.
    held.clear()
    page.route("**/observations", lambda route: held.append(route))
    page.get_by_label("What did you see?").fill("Reloaded: drew the wall from memory.")
    page.get_by_role("button", name="Save observation").click()
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saving…'")
    page.reload(wait_until="commit")  # the request held is left behind
    page.unroute("**/observations")
    expect(_entries(page, "Reloaded: drew the wall from memory.")).to_have_count(1, timeout=15000)
    expect(page.get_by_label("What did you see?")).to_have_value("")
    assert _stored(live_server.app, "Reloaded: drew the wall from memory.") == 1

    # The pupil and stage chosen, with nothing typed, are chosen again when the page opens again.
    page.locator(".toggle", has_text="Pupil A:").click()
    page.locator("#stage_id .toggle").nth(1).click()
    stage = page.locator("#stage_id .toggle").nth(1).inner_text().strip()
    page.reload()
    expect(page.locator("#case_pupil_id .toggle", has_text="Pupil A:").locator("input")).to_be_checked()
    expect(page.locator("#stage_id .toggle", has_text=stage).locator("input")).to_be_checked()
    _clean_but_offline(callum)


def test_pupil_voice_says_once_what_became_of_the_last_note(live_server, new_page):
    priya = new_page("priya-voice-status", viewport=(768, 1024))
    _open(priya, live_server, "priya.sharma@demo.example")
    page = priya.page
    page.goto(live_server + OBSERVE.replace("/observe", "/voice"))
    page.locator(".toggle", has_text="Pupil A:").click()
    page.get_by_label("What the pupil said").fill("The wall helped me see it.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator("#save-status")).to_have_text("Saved. The note is in the list below.")
    page.context.set_offline(True)
    page.get_by_label("What the pupil said").fill("I liked folding the paper.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator("#save-status")).to_have_text(
        "Waiting for the connection: 1 note kept on this tablet."
    )
    expect(page.locator("#voice")).not_to_contain_text("Saved.")
    page.context.set_offline(False)
    expect(page.locator("#voice .entry", has_text="I liked folding the paper.")).to_have_count(
        1, timeout=10000
    )
    _clean_but_offline(priya)


def test_the_message_of_a_deletion_is_said_once(live_server, new_page):
    """'Your observation has been deleted.' is for the moment it came: it goes when the next note
    is saved, and the page's copy kept for a dead spot does not say it again."""
    callum = new_page("callum-deleted", viewport=(768, 1024))
    _open(callum, live_server, "callum.fraser@demo.example")
    page = callum.page
    _write(page, "To delete: wrote the wrong pupil.")
    entry = _entries(page, "To delete: wrote the wrong pupil.")
    expect(entry).to_have_count(1)
    entry.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete it").click()
    notice = page.get_by_text("Your observation has been deleted.")
    expect(notice).to_be_visible()
    # The service worker renews its copy with this page: wait for that copy (this page's feed).
    read_at = page.locator("#observation-feed").get_attribute("data-read-at")
    kept_by_the_service_worker(page)
    page.wait_for_function(
        '(at) => caches.match(location.href).then((r) => r.text()).then((t) => t.includes(`data-read-at="${at}"`))',
        arg=read_at,
    )

    _write(page, "Next: counted tenths aloud.")
    expect(_entries(page, "Next: counted tenths aloud.")).to_have_count(1)
    expect(notice).to_have_count(0)
    callum.axe("the page after the next note")

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Record an observation")).to_be_visible()
    expect(_entries(page, "Next: counted tenths aloud.")).to_have_count(1)  # the kept feed
    expect(notice).to_have_count(0)
    page.context.set_offline(False)
    _clean_but_offline(callum)


def test_marking_a_highlight_offline_says_so_beside_the_button(live_server, new_page):
    callum = new_page("callum-highlight", viewport=(768, 1024))
    _open(callum, live_server, "callum.fraser@demo.example")
    page = callum.page
    mark = re.compile("^Mark as highlight")
    _write(page, "To mark: drew the wall unprompted.")
    entry = _entries(page, "To mark: drew the wall unprompted.")
    expect(entry).to_have_count(1)
    callum.settle()
    page.context.set_offline(True)
    entry.get_by_role("button", name=mark).click()
    expect(entry.locator(".inline-error")).to_have_text(
        "The workspace could not be reached. Check your connection; nothing was saved."
    )
    page.context.set_offline(False)
    entry.get_by_role("button", name=mark).click()
    expect(entry.locator(".highlight-mark")).to_be_visible()
    expect(page.locator("#observation-feed .inline-error")).to_have_count(0)
    _clean_but_offline(callum)
