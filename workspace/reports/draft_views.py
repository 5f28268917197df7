"""Interim reports the partnership writes: start, write beside the evidence, finalise, redraft,
and download as Word and as a workbook. Thin: access, a service, a page or its fragment."""

from __future__ import annotations

from io import BytesIO

from flask import abort, current_app, request, send_file, url_for
from flask_login import current_user

from .. import merging
from ..access import Permission, partnership_route, report_in, require_report_lead, writable_report_sections
from ..activity import services as activity
from ..activity.forms_context import comments_context
from ..database import writes_late
from ..extensions import db
from ..forms_common import form_errors_from, parse_id
from ..htmx import redirect_to, render
from ..partnerships.services import list_schools
from ..services_errors import ServiceError, StaleEdit
from . import bp, drafts, interim_blocks, interim_layout, page_numbers, workbook
from .forms import DraftForm
from .views import _attachment, _page, _slug

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD = "section-"


def _sent_sections() -> dict[str, str]:
    return {name[len(FIELD) :]: value for name, value in request.form.items() if name.startswith(FIELD)}


def _draft_page(
    access,
    report,
    status=200,
    *,
    values=None,
    stale=None,
    errors=None,
    fingerprints=None,
    version=None,
    saved=False,
    report_data=None,
):
    """`report_data`: what the request gathered already (gathering is the costly part)."""
    report_data = report_data or drafts.report_data(report)
    unlinked = drafts.unlinked_titles(report, report_data)
    keys = interim_layout.section_keys(report_data) + unlinked
    writable = writable_report_sections(access, report, [k for k, _ in keys])
    sections = dict(report.sections or {})
    shown = {key: (values or {}).get(key, sections.get(key, "")) for key, _ in keys}
    blocks = interim_layout.layout(report_data, sections, unlinked)
    evidence = interim_layout.evidence_beside(report_data) | {
        key: [interim_blocks.UNLINKED] for key, _ in unlinked
    }
    return render(
        "reports/draft.html",
        "reports/_draft_form.html",
        status,
        report=report,
        data=report_data,
        keys=keys,
        writable=writable,
        shown=shown,
        evidence=evidence,
        blocks=blocks,
        contents=interim_layout.outline(blocks),
        stale=stale,
        errors=errors or {},
        fingerprints=fingerprints or drafts.fingerprints(report, [k for k, _ in keys]),
        version=version if version is not None else report.version,
        saved=saved,
        # What was sent and sent back refused: nothing in the boxes is saved yet (the page asks
        # before it is left: js/workspace.js)
        unsaved=values is not None,
        section_limit=drafts.MAX_SECTION,  # each text box's counter (js/character-count.js)
        versions=drafts.versions(report),
        page_numbers=page_numbers.shown(report),
        # a final report's page of each heading in the Word document, beside its contents entry
        contents_pages=(report.page_numbers or {}).get("pages") if report.is_final else None,
        **comments_context("report", report.id),
    )


@bp.post("/drafts")
@partnership_route(Permission.MANAGE)
def start_draft(access):
    schools = list_schools(access.partnership)
    form = DraftForm(schools, prefix="draft")
    if form.validate():
        try:
            report = drafts.start_draft(
                access.partnership,
                current_user,
                form.title.data,
                form.period_from.data,
                form.period_to.data,
                form.schools.data,
                form.include_descriptors.data,
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(error, form)
        else:
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "report",
                report.id,
                f"started the interim report “{report.title}”",
                url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id),
            )
            db.session.commit()
            return redirect_to(
                url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id)
            )
    return _page(access, None, 422, draft_form=form, fragment="reports/_draft_start.html")


@bp.get("/drafts/<int:report_id>")
@partnership_route()
def draft(access, report_id):
    return _draft_page(access, report_in(access, report_id))


@bp.post("/drafts/<int:report_id>")
@partnership_route(Permission.CONTRIBUTE)
def save_draft(access, report_id):
    report = report_in(access, report_id)
    report_data = drafts.report_data(report)  # once a request: the save and the page answered use it
    labels = dict(drafts.section_keys(report, report_data))
    writable = writable_report_sections(access, report, list(labels))
    if not writable:
        abort(403)
    sent = _sent_sections()
    expected = parse_id(request.form.get("version"))
    try:
        drafts.save_sections(
            report,
            expected or 0,
            sent,
            current_user,
            writable,
            merging.parse_fingerprints(request.form.get("fingerprints")),
            labels,
        )
    except StaleEdit as stale:
        db.session.rollback()
        return _draft_page(
            access,
            report,
            409,
            values={**sent, **stale.merged},
            stale=stale,
            fingerprints=stale.fingerprints,
            version=stale.current_version,
            report_data=report_data,
        )
    except ServiceError as error:
        db.session.rollback()
        return _draft_page(
            access,
            report,
            422,
            values=sent,
            errors={error.field or "": error.message},
            fingerprints=request.form.get("fingerprints"),
            # an unreadable version stays unknown (0): the next save is checked as stale
            version=expected if expected is not None else 0,
            report_data=report_data,
        )
    activity.record(
        access.partnership_id,
        current_user,
        "updated",
        "report",
        report.id,
        f"wrote in the interim report “{report.title}”",
        url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id),
    )
    db.session.commit()
    if request.headers.get("HX-Request") == "true":
        return _draft_page(access, report, saved=True, report_data=report_data)
    return redirect_to(url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id))


@bp.get("/drafts/<int:report_id>/final")
@partnership_route(Permission.MANAGE)
def confirm_final(access, report_id):
    """The step before: what making it final means, and the version it will be (read now, so a
    save made since the report's page was opened is the one made final)."""
    report = report_in(access, report_id)
    require_report_lead(access)
    if report.is_final:
        return redirect_to(
            url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id)
        )
    return render("reports/finalise.html", "reports/_finalise.html", report=report)


@bp.post("/drafts/<int:report_id>/final")
@partnership_route(Permission.MANAGE)
def finalise(access, report_id):
    report = report_in(access, report_id)
    require_report_lead(access)
    try:
        drafts.finalise(report, parse_id(request.form.get("version")) or 0, current_user)
    except StaleEdit as stale:
        db.session.rollback()
        return _draft_page(access, report, 409, stale=stale)
    except ServiceError as error:
        db.session.rollback()
        return _draft_page(access, report, 422, errors={"": error.message})
    activity.record(
        access.partnership_id,
        current_user,
        "finalised",
        "report",
        report.id,
        f"made the interim report “{report.title}” final",
        url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id),
    )
    db.session.commit()  # final whatever comes of the layout, and no write held open during it
    _number_pages(report)
    return redirect_to(url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id))


def _number_pages(report) -> None:
    """Lay the final report out once (one LibreOffice run, seconds) and keep its page numbers."""
    page_numbers.number_pages(
        report, current_app.config["REPORT_MARKING"], page_numbers.Layout.from_config(current_app.config)
    )
    db.session.commit()


@bp.post("/drafts/<int:report_id>/page-numbers")
@writes_late
@partnership_route(Permission.MANAGE)
def number_pages(access, report_id):
    """Try again to add the page numbers of a final report's contents (LibreOffice was missing,
    failed or too slow when it was made final)."""
    report = report_in(access, report_id)
    require_report_lead(access)
    if not report.is_final:
        return _draft_page(
            access, report, 422, errors={"": "Page numbers are added when the report is made final."}
        )
    _number_pages(report)
    return redirect_to(url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id))


@bp.post("/drafts/<int:report_id>/redraft")
@partnership_route(Permission.MANAGE)
def redraft(access, report_id):
    final = report_in(access, report_id)
    try:
        report = drafts.new_draft_from(final, current_user)
    except ServiceError as error:
        db.session.rollback()
        return _draft_page(access, final, 422, errors={"": error.message})
    activity.record(
        access.partnership_id,
        current_user,
        "created",
        "report",
        report.id,
        f"started a new draft of “{report.title}” from the final report",
        url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id),
    )
    db.session.commit()
    return redirect_to(url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id))


def _recorded(access, report, what):
    activity.record(
        access.partnership_id,
        current_user,
        "exported",
        "report",
        report.id,
        f"exported {what} of the interim report “{report.title}”",
        url_for("reports.draft", partnership_id=access.partnership_id, report_id=report.id),
    )
    db.session.commit()


@bp.post("/drafts/<int:report_id>/docx")
@writes_late
@partnership_route()
def draft_docx(access, report_id):
    report = report_in(access, report_id)
    document = page_numbers.for_download(
        report,
        current_app.config["REPORT_MARKING"],
        current_user.name,
        page_numbers.Layout.from_config(current_app.config),
    )
    _recorded(access, report, "the Word document")
    return _attachment(document, f"{_slug(report.title)}-{report.status}.docx")


@bp.post("/drafts/<int:report_id>/xlsx")
@writes_late
@partnership_route()
def draft_xlsx(access, report_id):
    report = report_in(access, report_id)
    book = workbook.interim_workbook(drafts.report_data(report), report.title)
    _recorded(access, report, "the workbook")
    response = send_file(
        BytesIO(book),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{_slug(report.title)}-{report.status}.xlsx",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
