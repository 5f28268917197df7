"""Observing through school Wi-Fi in a real browser: the connection drops, stalls, loses a reply and
comes back, and each note is stored exactly once; a reload in a dead spot keeps the page, the
draft and the notes waiting."""

import re
from datetime import datetime
from pathlib import Path

import pytest
from flask import Response
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_foundation_journey import sign_in
from workspace.extensions import db
from workspace.models import Observation
from workspace.models.base import utcnow

pytestmark = pytest.mark.browser

# The demo, loaded into an empty database: its first trio's second lesson, which Priya and Callum
# observe.
OBSERVE = "/p/1/trios/1/lessons/2/observe"


def _open(checked, base, email):
    sign_in(checked, base, email)
    checked.page.goto(base + OBSERVE)
    expect(checked.page.get_by_role("heading", name="Record an observation")).to_be_visible()


def _write(page, text):
    page.locator(".toggle", has_text="Pupil B:").click()
    page.get_by_label("What did you see?").fill(text)
    page.get_by_role("button", name="Save observation").click()


def _entries(page, text):
    return page.locator("#observation-feed .entry", has_text=text)


# What chromium and htmx log of requests made with the network cut: expected here (ERR_FAILED:
# the service worker's answer, offline, for a file it has no copy of).
OFFLINE_LOGS = re.compile(
    r"ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_RESET|ERR_FAILED|ERR_CONNECTION_REFUSED|status of 401 |htmx:(afterRequest|sendError), \[object HTML(Form)?Element\]"
)


def kept_by_the_service_worker(page):
    """Waits until the service worker is looking after the page (activated: on a busy machine
    `ready` can come while it is still activating), and has a copy of it."""
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then((r) => r.active && r.active.state === 'activated')"
    )
    page.wait_for_function("() => caches.match(location.href).then(Boolean)")


def _clean_but_offline(checked):
    checked.problems = [p for p in checked.problems if not OFFLINE_LOGS.search(p)]
    checked.assert_clean()


def test_slow_lost_and_offline_saves_each_arrive_once(live_server, new_page):
    priya = new_page("priya-offline", viewport=(768, 1024))
    callum = new_page("callum-offline", viewport=(768, 1024))
    _open(priya, live_server, "priya.sharma@demo.example")
    _open(callum, live_server, "callum.fraser@demo.example")
    page, status = priya.page, priya.page.locator("#save-status")

    # Slow Wi-Fi: the request is held; "Saving…" shows beside the button, which is busy.
    held = []
    page.route("**/observations", lambda route: held.append(route))
    _write(page, "Slow: counted the tenths on the wall.")
    expect(status).to_have_text("Saving…")
    expect(page.get_by_role("button", name="Save observation")).to_have_attribute("aria-busy", "true")
    priya.shot("saving")
    held[0].continue_()
    page.unroute("**/observations")
    expect(status).to_have_text("Saved. Your entry is in the list below.")

    # The reply lost: the server saved the note, the answer never came. The note waits on the
    # tablet, is sent again by itself, and the server answers with the entry it stored.
    def reply_lost(route):
        route.fetch()  # reaches the server, which saves it
        route.abort("internetdisconnected")

    page.route("**/observations", reply_lost, times=1)
    _write(page, "Lost reply: explained why 0.5 is a half.")
    expect(page.locator("#observation-outbox")).to_contain_text("Waiting to send")
    expect(page.locator("#htmx-error")).to_be_hidden()  # nothing claims it was not saved
    expect(status).to_have_text(re.compile("^Sent"), timeout=10000)
    expect(_entries(page, "Lost reply: explained why 0.5")).to_have_count(1)
    expect(page.locator("#observation-outbox")).to_be_hidden()

    # Offline: the note is kept and shown as waiting; the poll failing says so quietly.
    priya.page.context.set_offline(True)
    _write(page, "Offline: shaded three of ten squares.")
    expect(status).to_have_text("Waiting for the connection: 1 note kept on this tablet.")
    expect(page.locator("#outbox-notes .entry")).to_have_text(
        re.compile("Pupil B · Waiting to send.*Offline: shaded three", re.S)
    )
    expect(page.locator("#feed-connection")).to_have_text(
        "Offline: colleagues' notes will appear when you reconnect."
    )
    expect(page.locator("#htmx-error")).to_be_hidden()
    expect(page.get_by_label("What did you see?")).to_have_value("")  # ready for the next note
    priya.axe("observe offline with a note waiting")
    priya.shot("offline")
    # More notes taken in the dead spot join the queue behind it: 20 in all.
    for n in range(1, 20):
        page.get_by_label("What did you see?").fill(f"Queued note {n}")
        page.get_by_role("button", name="Save observation").click()
    expect(status).to_have_text("Waiting for the connection: 20 notes kept on this tablet.")
    waiting = page.evaluate("() => JSON.parse(localStorage.getItem('workspace.outbox.v1'))")
    # Browser tests keep the machine's clock (the server and chromium share it): a moment to
    # compare the stored times with, not a date.
    back_online = utcnow()
    priya.page.context.set_offline(False)
    # Twenty notes, one at a time, each followed by the feed: 7 s on an idle machine, twice that
    # beside the rest of the suite. A deadline on a busy machine, not a target.
    page.wait_for_function("() => !localStorage.getItem('workspace.outbox.v1')", timeout=45000)
    expect(status).to_have_text("Sent. Your notes are in the list below.")
    expect(_entries(page, "Offline: shaded three")).to_have_count(1)
    # They arrive in the order they were taken, each once (the feed shows the newest first)...
    expect(page.locator("#observation-feed .entry__text").first).to_have_text("Queued note 19")
    texts = page.locator("#observation-feed .entry__text").all_inner_texts()
    taken = ["Offline: shaded three of ten squares."] + [f"Queued note {n}" for n in range(1, 20)]
    assert texts[:20] == taken[::-1]
    # ... stored once each, in that order, with the time Save was pressed (the time each reached
    # the server kept beside it).
    assert [note["text"] for note in waiting] == taken
    with live_server.app.app_context():
        stored = db.session.scalars(
            select(Observation)
            .where(Observation.client_id.in_([note["id"] for note in waiting]))
            .order_by(Observation.id)
        ).all()
        assert [o.text for o in stored] == taken
        for note, entry in zip(waiting, stored, strict=True):
            pressed = datetime.fromisoformat(dict(note["fields"])["taken_at"])
            assert entry.created_at == pressed < back_online <= entry.received_at
        assert sorted(o.received_at for o in stored) == [o.received_at for o in stored]
    # The second observer's tablet brings it in by itself, once; the feed shows the newest 20, and
    # the earlier entries are a "Show all" away.
    expect(_entries(callum.page, "Offline: shaded three")).to_have_count(1, timeout=8000)
    expect(_entries(callum.page, "Lost reply: explained why 0.5")).to_have_count(0)
    callum.page.get_by_role("link", name=re.compile("^Show all")).click()
    expect(_entries(callum.page, "Lost reply: explained why 0.5")).to_have_count(1)
    expect(callum.page.locator("#feed-title")).to_be_focused()
    assert page.evaluate("() => localStorage.getItem('workspace.outbox.v1')") is None
    # An edit that cannot go stays in the form, and the status beside Save says so.
    page.locator("#observation-feed").get_by_role(
        "link", name=re.compile("^Edit your observation")
    ).first.click()
    expect(page.get_by_role("heading", name="Edit your observation")).to_be_visible()
    page.context.set_offline(True)
    page.get_by_label("What did you see?").fill("Queued note 4, then checked with a partner.")
    page.get_by_role("button", name="Save changes").click()
    expect(status).to_have_text(re.compile("^Not saved yet: the workspace could not be reached"))
    expect(page.locator("#htmx-error")).to_be_hidden()
    page.context.set_offline(False)
    page.get_by_role("button", name="Save changes").click()
    expect(_entries(page, "Queued note 4, then checked with a partner.")).to_have_count(1)
    priya.axe("observe after the notes were sent")
    _clean_but_offline(priya)
    callum.assert_clean()


def test_the_feed_says_when_it_cannot_reach_the_workspace_and_when_it_can_again(live_server, new_page):
    """Wi-Fi that drops the feed's answers: the line beside the feed says colleagues' notes will
    appear on reconnecting; the first answer that gets through, bringing a colleague's note in
    place of the feed, clears it (htmx reports that answer on the element around the feed)."""
    priya = new_page("priya-feed-line", viewport=(768, 1024))
    callum = new_page("callum-feed-line", viewport=(768, 1024))
    _open(priya, live_server, "priya.sharma@demo.example")
    _open(callum, live_server, "callum.fraser@demo.example")
    line = callum.page.locator("#feed-connection")
    expect(line).to_have_text("")

    def nothing_new_is_lost(route):
        answer = route.fetch()
        if answer.status == 204:
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    callum.page.route("**/observations/feed*", nothing_new_is_lost)
    expect(line).to_have_text("Offline: colleagues' notes will appear when you reconnect.", timeout=8000)
    _write(priya.page, "Through the gap: used the number line.")
    # The line as it is when the note appears: the swap and htmx's report of it are one task.
    seen = callum.page.wait_for_function(
        """() => {
          const entries = [...document.querySelectorAll("#observation-feed .entry")];
          const arrived = entries.some((e) => e.textContent.includes("Through the gap"));
          return arrived && "line: " + document.getElementById("feed-connection").textContent;
        }""",
        timeout=10000,
    )
    assert seen.json_value() == "line: "
    callum.page.unroute("**/observations/feed*")
    expect(_entries(callum.page, "Through the gap")).to_have_count(1)
    _clean_but_offline(callum)
    priya.assert_clean()


def _a_new_service_worker(page, app, monkeypatch):
    """The next deployment: the observation pages' worker is served changed, at the same address
    (a new constant in it), from now until the test ends, as a deployment's would be. The browser
    is asked to look for an update, as it does by itself on a navigation; this waits until the new
    version is the one in charge of the page.

    (Served as it was again straight after, the old script would be one more update, installed
    by the browser on the next navigation. In two fresh-clone runs of the whole suite on a busy
    machine a navigation that met that update never reached DOMContentLoaded, with no request at
    the server; a deployment is not taken back between two visits of a lesson.)"""
    static = app.view_functions["static"]
    served = []

    def changed(filename):
        if filename != "js/observe-sw.js":
            return static(filename=filename)
        served.append(filename)
        body = (Path(app.static_folder) / filename).read_text() + '\nvar DEPLOYED = "next";\n'
        return Response(body, mimetype="text/javascript")

    monkeypatch.setitem(app.view_functions, "static", changed)  # back as it was when the test ends
    took_over = page.evaluate(
        """async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          const before = registration.active;
          const changed = new Promise((done) =>
            navigator.serviceWorker.addEventListener("controllerchange", () => done(null), {once: true}));
          await registration.update();
          const late = new Promise((done) => setTimeout(() => done("no new worker took over"), 5000));
          const why = await Promise.race([changed, late]);
          if (why) return why;
          const now = (await navigator.serviceWorker.getRegistration()).active;
          if (now.state !== "activated") {
            await new Promise((done) => now.addEventListener("statechange", () =>
              now.state === "activated" && done()));
          }
          return now !== before && now === navigator.serviceWorker.controller && now.state;
        }"""
    )
    assert served and took_over == "activated", (served, took_over)


def test_a_reload_offline_keeps_the_page_the_draft_and_the_notes(live_server, new_page, monkeypatch):
    eilidh = new_page("eilidh-offline", viewport=(768, 1024))
    _open(eilidh, live_server, "eilidh.robertson@demo.example")
    page = eilidh.page
    kept_by_the_service_worker(page)

    page.context.set_offline(True)
    _write(page, "Kept: drew a number line from 0 to 1.")
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Kept: drew a number line")
    page.get_by_label("What did you see?").fill("A draft, typed in the dead spot")
    page.reload()
    # The page, not the browser's error; the draft back in the box; the note still waiting.
    expect(page.get_by_role("heading", name="Record an observation")).to_be_visible()
    expect(page.get_by_label("What did you see?")).to_have_value("A draft, typed in the dead spot")
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Kept: drew a number line")
    eilidh.shot("reloaded-offline")
    eilidh.axe("observe reloaded offline")

    # The next version of the service worker (a deployment, here its script served changed) is
    # installed and takes over while the note waits: the note is still there, and is sent once.
    page.route("**/observations", lambda route: route.abort("connectionrefused"))
    page.context.set_offline(False)
    _a_new_service_worker(page, live_server.app, monkeypatch)
    # The page is awaited to DOMContentLoaded, when its deferred scripts (the outbox, the draft)
    # have run; the expectations below wait for what the page must show.
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Kept: drew a number line")
    expect(page.get_by_label("What did you see?")).to_have_value("A draft, typed in the dead spot")
    page.context.set_offline(True)
    page.unroute("**/observations")

    # The session ends while offline (signed out elsewhere, or timed out): the note waits, the
    # page says why; after signing in again the outbox is sent, once.
    page.context.clear_cookies()
    page.context.set_offline(False)
    # (The feed, refreshed on reconnecting, meets the ended session and goes to sign in.)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("[data-outbox-notice]")).to_have_text(
        "1 note is waiting on this tablet: sign in, and they will be sent."
    )
    eilidh.axe("sign in with a note waiting")
    sign_in(eilidh, live_server, "eilidh.robertson@demo.example")
    page.wait_for_function("() => !localStorage.getItem('workspace.outbox.v1')")
    page.goto(live_server + OBSERVE, wait_until="domcontentloaded")
    expect(_entries(page, "Kept: drew a number line")).to_have_count(1)
    expect(page.get_by_label("What did you see?")).to_have_value("A draft, typed in the dead spot")

    # Pupil voice, taken in the corridor, goes the same way.
    page.goto(live_server + OBSERVE.replace("/observe", "/voice"))
    page.context.set_offline(True)
    page.locator(".toggle", has_text="Pupil C:").click()
    page.get_by_label("What the pupil said").fill("The wall showed me tenths are smaller.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Pupil C · Waiting to send")
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text(re.compile("^Sent"), timeout=10000)
    expect(page.locator("#voice .entry", has_text="tenths are smaller")).to_have_count(1)
    expect(page.locator("#save-status")).to_have_text(re.compile("^Sent"))
    eilidh.axe("pupil voice after sending")
    page.goto(live_server + OBSERVE)

    # Signing out with a note waiting (the server unreachable) warns and offers to wait; signing
    # out then leaves no note, draft or page on the tablet.
    page.route("**/observations", lambda route: route.abort("connectionrefused"))
    _write(page, "Unsent: compared halves by folding.")
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Unsent: compared halves")
    warnings = []

    def answer(dialog, accept):
        warnings.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Unsent: compared halves")
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert warnings[0].startswith("1 observation has not been sent yet.") and len(warnings) == 2
    left = page.evaluate(
        "async () => [Object.keys(localStorage), await caches.has('workspace-observe-pages')]"
    )
    assert left == [[], False], left
    _clean_but_offline(eilidh)


def test_a_shared_tablet_keeps_a_teachers_notes_from_the_next_only_until_the_day_ends(live_server, new_page):
    tablet = new_page("shared-tablet", viewport=(768, 1024))
    _open(tablet, live_server, "priya.sharma@demo.example")
    page = tablet.page
    page.route("**/observations", lambda route: route.abort("connectionrefused"))
    _write(page, "Shared: Priya's note, never sent.")
    expect(page.locator("#outbox-notes .entry")).to_contain_text("Shared: Priya's note")
    page.get_by_label("What did you see?").fill("Shared: Priya's draft")
    # Priya's session ends without signing out; Callum signs in on the same tablet. Her note and
    # draft are neither shown to him nor sent as his.
    page.context.clear_cookies()
    page.unroute("**/observations")
    sign_in(tablet, live_server, "callum.fraser@demo.example")
    page.goto(live_server + OBSERVE)
    expect(page.get_by_role("heading", name="Record an observation")).to_be_visible()
    expect(page.locator("#observation-outbox")).to_be_hidden()
    expect(page.get_by_label("What did you see?")).to_have_value("")
    expect(_entries(page, "Shared: Priya's")).to_have_count(0)
    waiting = page.evaluate("() => JSON.parse(localStorage.getItem('workspace.outbox.v1'))")
    assert [note["text"] for note in waiting] == ["Shared: Priya's note, never sent."]
    # The day it was taken ends before Priya signs in again: her note and draft leave the tablet
    # at the next page, and signing in then sends nothing.
    tomorrow = page.evaluate(
        "() => { const d = new Date(); d.setDate(d.getDate() + 1); return d.getTime(); }"
    )
    page.clock.set_fixed_time(tomorrow)
    page.reload()
    left = page.evaluate("() => Object.keys(localStorage).filter((key) => key.startsWith('workspace.'))")
    assert left == [], left
    page.clock.set_fixed_time(tomorrow - 86_400_000)  # back to today, for the sign-in's cookie
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("[data-outbox-notice]")).to_be_hidden()  # nothing waits on the tablet
    tablet.axe("sign in on the shared tablet")
    sign_in(tablet, live_server, "priya.sharma@demo.example")
    page.goto(live_server + OBSERVE)
    expect(page.get_by_label("What did you see?")).to_have_value("")
    expect(_entries(page, "Shared: Priya's")).to_have_count(0)
    _clean_but_offline(tablet)
