"""A final report's contents carry page numbers in every reader: laid out once by LibreOffice when
it is made final, stored, and written as the PAGEREF fields' stored results on every download.
Without LibreOffice the report is still made final, with links and no numbers, and says so."""

import io
import os
import re
import shutil
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from tests.conftest import html
from tests.test_report_drafts import opened, url
from workspace.extensions import db
from workspace.models import InterimReport
from workspace.reports import pagination

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    not SOFFICE and os.environ.get("REQUIRE_SOFFICE") != "1",
    reason="LibreOffice (soffice) is not installed: the page-number checks are SKIPPED",
)


def stored_results(docx: bytes) -> dict[str, int]:
    """Each contents entry's PAGEREF stored result, read from the package as a reader would."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        body = package.read("word/document.xml").decode()
        settings = package.read("word/settings.xml").decode()
    assert "updateFields" not in settings and "w:dirty" not in body  # no prompt on opening
    fields = re.findall(
        r"PAGEREF _Toc_(\S+) \\h </w:instrText></w:r>(.*?)<w:fldChar w:fldCharType=\"end\"/>", body
    )
    assert fields
    return {
        anchor: int(found.group(1))
        if (found := re.search(r"separate\"/></w:r><w:r><w:t>(\d+)</w:t>", rest))
        else 0
        for anchor, rest in fields
    }


def finalise(client, world):
    response = client.post(url(world, tail="/final"), data={"version": opened(client, world)["version"]})
    assert response.status_code == 303
    return db.session.get(InterimReport, world["a"]["report_id"])


@needs_soffice
def test_a_final_report_carries_the_page_numbers_libreoffice_lays_it_out_with(
    client, world, app, monkeypatch, frozen_clock
):
    assert SOFFICE, "REQUIRE_SOFFICE=1 but soffice is missing"
    monkeypatch.setitem(app.config, "SOFFICE", SOFFICE)
    client.sign_in(world["a"]["lead"])
    draft_page = html(client.get(url(world)))
    assert "gets its page numbers when the report is made final" in draft_page
    assert 'data-busy="Making final… laying out the pages"' in html(client.get(url(world, tail="/final")))
    with app.app_context():
        report = finalise(client, world)
        stored = report.page_numbers
        laid_out_at = stored["at"]
    assert stored["pages"] and min(stored["pages"].values()) >= 2  # after the title page
    final_page = html(client.get(url(world)))
    assert "gives the page of each section" in final_page
    assert (
        f'<a href="#s1">Summary</a> <span class="report-contents__page">page {stored["pages"]["s1"]}'
        in final_page
    )

    frozen_clock.shift(timedelta(days=3))  # a later download, a later date: the same pages
    client.sign_in(world["a"]["lead"])
    docx = client.post(url(world, tail="/docx")).data
    assert stored_results(docx) == stored["pages"]
    with app.app_context():
        assert db.session.get(InterimReport, world["a"]["report_id"]).page_numbers["at"] == laid_out_at

    # LibreOffice's own layout of the downloaded file: each heading where its number says, and
    # the numbers it prints on the contents page the same.
    pdf = pagination.to_pdf(docx, SOFFICE, 120)
    assert pagination.heading_pages(pdf, list(stored["pages"])) == stored["pages"]
    contents = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    printed = [int(n) for n in re.findall(r"\.{3,}\s*(\d+)", contents)]
    assert printed == list(stored["pages"].values())


def test_without_libreoffice_a_report_is_made_final_with_links_and_says_why_no_numbers(
    client, make_client, world, app, monkeypatch
):
    monkeypatch.setitem(app.config, "SOFFICE", "/nonexistent/soffice")
    client.sign_in(world["a"]["lead"])
    with app.app_context():
        report = finalise(client, world)
        assert report.is_final and "not installed" in report.page_numbers["failed"]
        first = report.page_numbers
    page = html(client.get(url(world)))
    assert "Final: read-only" in page and "Page numbers could not be added" in page
    assert "The contents still link to each section" in page and "Add the page numbers" in page
    docx = client.post(url(world, tail="/docx")).data
    assert (
        set(stored_results(docx).values()) == {0}
        and 'w:anchor="_Toc_s1"' in zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    )
    with app.app_context():  # a failure is not retried by every download
        assert db.session.get(InterimReport, world["a"]["report_id"]).page_numbers == first
    monkeypatch.setitem(app.config, "REPORT_MARKING", "OFFICIAL")  # a different document: laid out again
    client.post(url(world, tail="/docx"))
    with app.app_context():
        assert (
            db.session.get(InterimReport, world["a"]["report_id"]).page_numbers["fingerprint"]
            != first["fingerprint"]
        )
    assert client.post(url(world, tail="/page-numbers")).status_code == 303  # the lead's retry
    result = app.test_cli_runner().invoke(
        args=["export", "number-pages", "--report", str(world["a"]["report_id"])]
    )
    assert result.exit_code == 1 and "not installed on this server" in result.output
    reviewer = make_client()
    reviewer.sign_in(world["a"]["reviewer"])
    assert reviewer.post(url(world, tail="/page-numbers")).status_code == 403


def test_a_layout_that_fails_or_hangs_is_ended_and_said_in_plain_words(tmp_path):
    from workspace.reports import docx_kit

    document = docx_kit.new_document("T", "A", "H")
    for name, script in (("hangs", "sleep 30"), ("fails", "echo 'no display' >&2; exit 3")):
        program = tmp_path / name
        program.write_text(f"#!/bin/sh\n{script}\n")
        program.chmod(0o755)
        with pytest.raises(pagination.LayoutFailed) as failed:
            pagination.lay_out(document, str(program), 0.5)
        assert ("longer than 0.5 seconds" if name == "hangs" else "no display") in str(failed.value)
    with pytest.raises(pagination.LayoutFailed):  # a damaged PDF, not a 500 after the report is final
        pagination.heading_pages(b"%PDF-1.4 damaged", ["s1"])
