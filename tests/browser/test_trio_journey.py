"""Teachers in a real browser: start a trio choosing QIs with the keyboard, plan a lesson with three
case pupils, and observe it from two tablets at once, each seeing the other's entries appear."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_foundation_journey import sign_in

pytestmark = pytest.mark.browser


def print_sheet(checked):
    """The sheet printed to PDF as chromium prints it: A4 landscape, nothing cut at the right."""
    page = checked.page
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"{checked.name}-sheet.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    # pypdf (the app's own dependency) reads the page size: no poppler program needed.
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(pdf).pages}
    assert sizes == {(842, 595)}, sizes  # every page A4 landscape, in points
    # Laid out for print on that page, the table fits its scroller: no column is cut off.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1031, "height": 700})  # A4 landscape less 12 mm margins, in CSS px
    fits = page.evaluate("""() => { const s = document.querySelector('.table-scroll'), t = s.querySelector('table');
        const voice = [...t.querySelectorAll('thead th')].pop();
        return {overflow: getComputedStyle(s).overflowX, table: t.getBoundingClientRect().right,
                voice: voice.getBoundingClientRect().right, text: voice.textContent,
                page: document.documentElement.clientWidth}; }""")
    assert fits["overflow"] == "visible" and fits["text"] == "Pupil voice", fits
    assert fits["voice"] <= fits["page"] and fits["table"] <= fits["page"], fits
    page.emulate_media(media="screen")


def test_start_a_trio_with_the_keyboard_picker_plan_and_observe_from_two_tablets(live_server, new_page):
    eilidh = new_page("eilidh")
    page = eilidh.page
    sign_in(eilidh, live_server, "eilidh.robertson@demo.example")

    page.get_by_role("link", name="Trios").click()
    eilidh.axe("trios")
    page.get_by_role("link", name="Start a trio").click()
    eilidh.axe("new trio")
    page.get_by_label("Trio name").fill("Persuasive writing P7 to S1")
    page.get_by_label("Enquiry focus").fill(
        "We want to learn how to improve the way we teach persuasive writing to boys in P7 and S1."
    )
    page.get_by_label("Callum Fraser, Carronbank High School").check()
    page.get_by_label("Priya Sharma, Ochil View Primary School").check()

    # The link picker, by keyboard alone: type, Tab to a result, Enter to add, focus comes back.
    search = page.get_by_label("Search QIs, themes and IGBE priorities")
    search.focus()
    page.keyboard.type("2.3")
    page.locator("#picker-links-results").get_by_role(
        "button", name=re.compile(r"^Add QI 2\.3 Learning, teaching")
    ).first.wait_for()
    eilidh.axe("picker with results")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip().startswith("Add"):
            break
    assert "QI 2.3 Learning, teaching and assessment (STEM framework)" in page.evaluate(
        "document.activeElement.textContent"
    )
    page.keyboard.press("Enter")
    chosen = page.locator("#picker-links .chip")
    chosen.first.wait_for()
    assert chosen.count() == 1
    expect(page.locator("#picker-links-q")).to_be_focused()
    # Add an IGBE priority too, then remove it again with the keyboard.
    page.keyboard.press("Control+A")
    page.keyboard.type("gender balance")
    page.locator("#picker-links-results").get_by_role(
        "button", name=re.compile(r"^Add IGBE")
    ).first.wait_for()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip().startswith("Add"):
            break
    page.keyboard.press("Enter")
    expect(page.locator("#picker-links .chip")).to_have_count(2)
    # Wait for focus to come back to the search box, or it could land after we move it.
    expect(page.locator("#picker-links-q")).to_be_focused()
    page.get_by_role("button", name=re.compile(r"^Remove IGBE")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#picker-links .chip")).to_have_count(1)
    expect(page.locator("#picker-links-q")).to_be_focused()
    eilidh.axe("picker with a choice")
    eilidh.shot("trio-form")
    page.get_by_role("button", name="Start the trio").click()
    page.get_by_role("heading", level=1, name="Persuasive writing P7 to S1").wait_for()
    assert page.get_by_role(
        "link", name="QI 2.3 Learning, teaching and assessment (STEM framework)"
    ).is_visible()
    eilidh.axe("trio page")

    # Plan the first research lesson with three case pupils.
    page.get_by_role("button", name="Start the first cycle").click()
    eilidh.axe("new lesson")
    page.get_by_label("Date of the lesson").fill("2026-11-24")
    page.get_by_label("School").select_option(label="Glenmuir Primary School")
    page.get_by_label("Class or stage").fill("P7")
    page.get_by_label("Subject").fill("Literacy: persuasive writing")
    page.get_by_label("Who teaches it").select_option(label="Eilidh Robertson")
    page.get_by_role("button", name="Add the lesson").click()
    page.get_by_role("heading", level=1, name="Plan the research lesson").wait_for()
    eilidh.axe("plan")
    page.get_by_label("Learning intentions").fill(
        "We are learning to persuade a reader with reasons and evidence."
    )
    page.get_by_label("Stage 1: title").fill("Hook: the school lunch debate")
    page.get_by_label("Stage 2: title").fill("Paired planning")
    page.get_by_label("Stage 3: title").fill("Writing the first paragraph")
    descriptors = [
        "A boy who talks well but avoids writing",
        "A girl who writes fluently but rarely gives evidence",
        "A boy who is new to Scotland and learning English",
    ]
    for index, descriptor in enumerate(descriptors):
        page.locator(f"#pupil-{index}-descriptor").fill(descriptor)
    # A pupil's Label box stays in its own column, clear of "Who they typify" beside it.
    label, typify = (
        page.locator("#pupil-0-label").bounding_box(),
        page.locator("#pupil-0-descriptor").bounding_box(),
    )
    assert label["x"] + label["width"] < typify["x"], (label, typify)
    page.get_by_role("button", name="Save the plan").click()
    page.get_by_text("The plan has been saved.").wait_for()
    page.get_by_label("Prediction for pupil A in Paired planning").fill("Will talk a lot and write little.")
    page.get_by_role("button", name="Save the plan").click()
    page.get_by_text("The plan has been saved.").wait_for()
    assert (
        page.get_by_label("Prediction for pupil A in Paired planning").input_value()
        == "Will talk a lot and write little."
    )
    eilidh.axe("plan with predictions")
    eilidh.shot("plan")
    lesson_url = page.url.rsplit("/plan", 1)[0]

    # Two observers on tablets, at once.
    callum = new_page("callum", viewport=(768, 1024))
    sign_in(callum, live_server, "callum.fraser@demo.example")
    callum.page.goto(f"{lesson_url}/observe")
    page.goto(f"{lesson_url}/observe")
    eilidh.axe("observe")
    callum.axe("observe on a tablet")

    def record(checked, pupil_label, text):
        p = checked.page
        p.locator(".toggle", has_text=f"Pupil {pupil_label}:").click()
        p.locator(".toggle", has_text="Paired planning").click()
        p.get_by_label("What did you see?").fill(text)
        p.get_by_role("button", name="Save observation").click()

    # A name with a date of birth is refused at the text box; the text is kept to correct.
    record(callum, "A", "Aisha Khan (DOB 12/03/2015) argued both sides.")
    callum.page.locator("#text-error").get_by_text("This looks like a date of birth").wait_for()
    expect(callum.page.locator("#text")).to_have_value("Aisha Khan (DOB 12/03/2015) argued both sides.")
    expect(callum.page.locator(".error-summary")).to_be_focused()
    callum.axe("observe refused")
    callum.shot("observe-refused")
    record(callum, "A", "Argued both sides aloud to his partner; wrote one sentence.")
    record(eilidh, "B", "Listed three reasons but no evidence for any of them.")
    # Each sees the other's entry within 5 seconds, without reloading.
    callum.page.locator("#observation-feed").get_by_text("Listed three reasons but no evidence").wait_for(
        timeout=5000
    )
    page.locator("#observation-feed").get_by_text("Argued both sides aloud").wait_for(timeout=5000)
    # The form keeps the pupil for the next entry, and the cursor is ready in the text box.
    assert callum.page.locator(".toggle input:checked + label", has_text="Pupil A:").count() == 1
    expect(callum.page.locator("#text")).to_be_focused()
    callum.axe("observe after saving")
    eilidh.axe("observe after saving")
    callum.shot("observe")
    eilidh.shot("observe")

    # The text box counts down to its limit, aloud too (politely), and cuts nothing.
    tablet = callum.page
    tablet.get_by_label("What did you see?").fill("Sat")
    expect(tablet.locator("#text-info")).to_have_text("You have 4,997 characters remaining")
    expect(tablet.locator("#text-count-status")).to_have_text("You have 4,997 characters remaining")
    assert tablet.locator("#text-count-status").get_attribute("aria-live") == "polite"
    assert "text-info" in tablet.get_by_label("What did you see?").get_attribute("aria-describedby")
    tablet.get_by_label("What did you see?").fill("")

    # Edit an entry: the cursor goes to the text box; Cancel: back to that entry's Edit link.
    edit_link = tablet.locator("#observation-feed").get_by_role(
        "link", name=re.compile(r"^Edit your observation of pupil A")
    )
    edit_link.click()
    expect(tablet.get_by_role("heading", name="Edit your observation")).to_be_visible()
    expect(tablet.locator("#text")).to_be_focused()
    expect(tablet.locator("#text")).to_have_value(re.compile("Argued both sides aloud"))
    callum.axe("editing an observation")
    edit_id = edit_link.get_attribute("id")
    tablet.get_by_role("link", name="Cancel").click()
    expect(tablet.get_by_role("heading", name="Record an observation")).to_be_visible()
    expect(tablet.locator(f"#{edit_id}")).to_be_focused()
    callum.axe("after cancelling the edit")

    # Eilidh stars Callum's entry: every tablet shows the highlight, and nobody sees it as edited.
    callums_entry = page.locator("#observation-feed .entry", has_text="Argued both sides aloud")
    callums_entry.get_by_role("button", name=re.compile("^Mark as highlight")).click()
    for checked in (eilidh, callum):
        entry = checked.page.locator("#observation-feed .entry", has_text="Argued both sides aloud")
        expect(entry.locator(".highlight-mark")).to_have_text("Highlight", timeout=8000)
        expect(entry).not_to_contain_text("(edited)")
        checked.axe("observe with a highlight")
    callum.shot("observe-highlight")

    page.goto(f"{lesson_url}/sheet")
    assert page.get_by_text("Will talk a lot and write little.").is_visible()
    assert page.get_by_text("Argued both sides aloud to his partner; wrote one sentence.").is_visible()
    eilidh.axe("sheet")

    # On the tablet the sheet scrolls sideways: its scroller is reached with Tab and shows focus.
    tablet.goto(f"{lesson_url}/sheet")
    callum.axe("sheet on a tablet")
    scroller = tablet.get_by_role("region", name=re.compile("^Predictions against what was observed"))
    assert scroller.get_attribute("tabindex") == "0"
    assert tablet.evaluate(
        "() => { const s = document.querySelector('.table-scroll'); return s.scrollWidth > s.clientWidth; }"
    )
    for _ in range(30):
        tablet.keyboard.press("Tab")
        if tablet.evaluate("document.activeElement.classList.contains('table-scroll')"):
            break
    expect(scroller).to_be_focused()
    assert scroller.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    tablet.keyboard.press("ArrowRight")  # the keyboard scrolls it
    tablet.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
    callum.shot("sheet-focused")

    # Printed, the sheet is A4 landscape with every column on the page (Pupil voice too).
    print_sheet(eilidh)
    for endpoint in ("voice", "discussion"):
        page.goto(f"{lesson_url}/{endpoint}")
        eilidh.axe(endpoint)
    eilidh.assert_clean()
    callum.assert_clean()
