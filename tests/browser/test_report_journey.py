"""The lead starts an interim report, writes beside the evidence, saves without a reload, sees the
document on the page, downloads the Word document and the workbook, and makes it final; axe on
every page."""

import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_foundation_journey import sign_in

pytestmark = pytest.mark.browser


def test_write_an_interim_report_and_download_both_files(live_server, new_page):
    lead = new_page("report-lead")
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    page.get_by_role("link", name="Reports", exact=True).click()
    lead.axe("reports")
    page.get_by_label("Title").fill("Autumn report for the authority")
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_role("heading", name="Autumn report for the authority")).to_be_visible()
    lead.axe("report draft")
    summary = page.get_by_label("Summary", exact=True)
    summary.fill("A term of shared lessons.\nGirls now lead group tasks.")
    page.get_by_role("button", name="Save the report").click()
    expect(page.get_by_text(re.compile(r"Saved: version 2"))).to_be_visible()
    # The document on the page shows the saved text, without a reload.
    expect(page.locator("#report-document-body").get_by_text("Girls now lead group tasks.")).to_be_visible()
    # Focus stays where the lead pressed Save, the word of the save beside it; and with 25 boxes
    # to write in, Save stays in view at the foot of the screen while the first is written.
    save = page.get_by_role("button", name="Save the report")
    expect(save).to_be_focused()
    page.evaluate("window.scrollTo(0, 0)")
    summary.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    lead.axe("report draft after saving")
    lead.shot("draft")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (Word)").click()
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert any(
        p.text == "A term of shared lessons.\nGirls now lead group tasks." for p in document.paragraphs
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the full lists (workbook)").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["Actions", "Progress updates", "Observations", "Self-evaluations", "Files"]
    assert book["Actions"].max_row > 1

    # Written, not saved: a download says first that the writing is not in it, then, pressed
    # again, has the report as last saved; leaving the page asks first, and staying keeps it.
    summary.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Not saved yet.")
    page.get_by_role("button", name="Download the report (Word)").click()
    expect(page.locator("#report-draft .save-status")).to_have_text("Changes not saved yet.")
    warning = page.locator("[data-unsaved-download]")
    expect(warning).to_contain_text("your changes since then are not in it")
    lead.axe("a download with writing not saved")
    lead.shot("download-warning")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (Word)").click()
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert not any("Not saved yet." in p.text for p in document.paragraphs)
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(summary).to_have_value(re.compile("Not saved yet.$"))
    assert asked == ["beforeunload"]
    # Save pressed and its answer not back yet (a slow network; or a session that ended, whose
    # answer takes the page to sign in): leaving still asks first.
    held = []
    page.route(
        "**/reports/drafts/*",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    save.click()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held
    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(summary).to_have_value(re.compile("Not saved yet.$"))
    assert asked == ["beforeunload", "beforeunload"]
    page.remove_listener("dialog", stay)
    held[0].continue_()
    page.unroute("**/reports/drafts/*")
    expect(page.get_by_text(re.compile(r"Saved: version 3"))).to_be_visible()
    expect(warning).to_be_hidden()
    lead.axe("report draft saved again")
    # Made final: on this server LibreOffice is not set up, so the page says why the contents have
    # no page numbers and offers to try again.
    page.get_by_role("link", name="Make this report final").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("final?")
    lead.axe("making the report final")
    page.get_by_role("button", name="Make it final").click()
    expect(page.get_by_text("Final: read-only")).to_be_visible()
    expect(page.locator("#page-numbers")).to_contain_text("Page numbers could not be added")
    expect(page.get_by_role("button", name="Add the page numbers")).to_be_visible()
    lead.axe("final report")
    lead.assert_clean()
