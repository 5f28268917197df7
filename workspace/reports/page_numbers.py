"""A report's Word document as downloaded, and a final report's contents with page numbers.

A final report never changes, so it is laid out once, when it is made final (pagination.py):
the page each heading lands on is stored with it, and every download writes those numbers into
its contents. The numbers are counted on the very document the download writes (this module's
`word_document`, the one function both call) and written only into a document whose fingerprint
is the one counted: if anything that moves pages differs (the protective marking set otherwise,
the finaliser renamed, a new version of the workspace), the download lays it out again. Drafts
get no numbers. No request globals: the caller passes the configuration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import update

from ..extensions import db
from ..models import InterimReport
from ..models.base import utcnow
from . import documents, drafts, pagination

NOT_SET_UP = (
    "LibreOffice, which lays the pages out, is not installed on this server (or the SOFFICE setting"
    " does not find it)."
)


@dataclass(frozen=True)
class Layout:
    """Where LibreOffice is (SOFFICE: a name on PATH or a path; "" for none) and how long it may take."""

    program: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> Layout:
        return cls(config.get("SOFFICE") or "", float(config.get("SOFFICE_TIMEOUT_SECONDS", 20)))


def word_document(report: InterimReport, marking: str, downloader: str):
    """The report's .docx, as every download writes it (without page numbers). A final report is
    the finaliser's, as it stood on its day; a draft is whoever downloads it."""
    report_data = drafts.report_data(report)
    if report.is_final:  # the same on every download, whoever downloads it
        author = report.updated_by.name if report.updated_by else "a former member of the partnership"
    else:
        author = downloader
    return documents.interim_report(
        report_data,
        author,
        sections=dict(report.sections or {}),
        unlinked_titles=drafts.unlinked_titles(report, report_data),
        title=report.title,
        status=report.status,
        marking=marking,
    )


def _store(report: InterimReport, state: dict) -> None:
    """Kept beside the report, not as an edit of it: a plain UPDATE, so that its version (and the
    versions list) stays as the lead left it."""
    db.session.execute(update(InterimReport).where(InterimReport.id == report.id).values(page_numbers=state))
    db.session.expire(report, ["page_numbers"])


def _lay_out(report: InterimReport, document, layout: Layout) -> dict:
    began = time.monotonic()
    state: dict = {"fingerprint": pagination.fingerprint(document), "at": utcnow().isoformat()}
    program = pagination.soffice_program(layout.program)
    try:
        if program is None:
            raise pagination.LayoutFailed(NOT_SET_UP)
        state["pages"] = pagination.lay_out(document, program, layout.timeout)
    except pagination.LayoutFailed as failed:
        state["failed"] = str(failed)
    state["seconds"] = round(time.monotonic() - began, 2)
    _store(report, state)
    return state


def number_pages(report: InterimReport, marking: str, layout: Layout) -> dict:
    """Lay a final report out and store where its headings land (or why that failed). Costs one
    LibreOffice conversion: about 3 to 5 seconds."""
    if not report.is_final:
        raise ValueError("Only a final report has its pages numbered.")
    return _lay_out(report, word_document(report, marking, ""), layout)


def for_download(report: InterimReport, marking: str, downloader: str, layout: Layout):
    """The document a download sends: a final report's with the stored page numbers in its
    contents. Laid out now if it never was, or if this document is not the one that was (a
    failure stays stored, and is retried by the lead, not by every download)."""
    document = word_document(report, marking, downloader)
    if not report.is_final:
        return document
    state = report.page_numbers or {}
    if state.get("fingerprint") != pagination.fingerprint(document):
        state = _lay_out(report, document, layout)
    if state.get("pages"):
        pagination.fill_page_numbers(document, state["pages"])
    return document


@dataclass(frozen=True)
class Shown:
    """What the report page says about page numbers."""

    numbered: bool
    message: str
    can_retry: bool


def shown(report: InterimReport) -> Shown:
    if not report.is_final:
        return Shown(False, "The contents list gets its page numbers when the report is made final.", False)
    state = report.page_numbers or {}
    if state.get("pages"):
        return Shown(True, "The contents list in the Word document gives the page of each section.", False)
    if state.get("failed"):
        return Shown(
            False,
            "Page numbers could not be added to the contents list: "
            + state["failed"]
            + " The contents still link to each section.",
            True,
        )
    return Shown(
        False, "The contents list has no page numbers yet: they are added on the first download.", True
    )
