"""Word exports: offered where people look for them, downloaded as attachments, never cached,
and recorded in the activity feed."""

import re
from datetime import date, timedelta
from io import BytesIO

from flask import abort, current_app, send_file, url_for
from flask_login import current_user

from ..access import partnership_route, school_in, trio_in
from ..activity import services as activity
from ..database import writes_late
from ..extensions import db
from ..htmx import render
from ..partnerships.services import list_schools
from ..selfeval import overview as selfeval_overview
from ..trios import services as trio_services
from . import bp, data, documents, drafts, records
from .docx_kit import to_bytes
from .forms import DraftForm, InterimForm, ProformaExportForm

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(document, filename: str):
    response = send_file(
        BytesIO(to_bytes(document)), mimetype=DOCX, as_attachment=True, download_name=filename, max_age=0
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "export"


def _page(access, form, status=200, draft_form=None, fragment="reports/_interim_form.html"):
    """The reports page; `form` (the quick export) or `draft_form` (starting a report) carries errors."""
    schools = list_schools(access.partnership)
    today = date.today()
    defaults = dict(
        formdata=None,
        period_from=today - timedelta(days=182),
        period_to=today,
        schools=[s.id for s in schools],
    )
    form = form or InterimForm(schools, **defaults)
    draft_form = draft_form or DraftForm(
        schools, prefix="draft", title=f"Interim report {today:%B %Y}", **defaults
    )
    return render(
        "reports/index.html",
        fragment,
        status,
        form=form,
        draft_form=draft_form,
        reports=drafts.list_reports(access.partnership),
        trios=trio_services.trio_names(access.partnership_id),
        schools=schools,
    )


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    return _page(access, None)


@bp.post("/interim")
@writes_late
@partnership_route()
def interim(access):
    form = InterimForm(list_schools(access.partnership))
    if not form.validate():
        return _page(access, form, 422)
    report = data.interim(access.partnership, form.period_from.data, form.period_to.data, form.schools.data)
    document = documents.interim_report(
        report, current_user.name, marking=current_app.config["REPORT_MARKING"]
    )
    activity.record(
        access.partnership_id,
        current_user,
        "exported",
        "report",
        None,
        f"exported the interim report for {form.period_from.data:%-d %b %Y} to {form.period_to.data:%-d %b %Y}",
        url_for("reports.index", partnership_id=access.partnership_id),
    )
    db.session.commit()
    return _attachment(
        document,
        f"interim-report-{_slug(access.partnership.name)}-{form.period_from.data}-to-"
        f"{form.period_to.data}.docx",
    )


@bp.post("/trios/<int:trio_id>")
@writes_late
@partnership_route()
def trio_record(access, trio_id):
    trio = trio_in(access, trio_id)
    document = documents.trio_record(records.trio_record(trio), current_user.name)
    activity.record(
        access.partnership_id,
        current_user,
        "exported",
        "trio",
        trio.id,
        f"exported the lesson-study record of “{trio.name}”",
        url_for("trios.trio", partnership_id=access.partnership_id, trio_id=trio.id),
    )
    db.session.commit()
    return _attachment(document, f"lesson-study-record-{_slug(trio.name)}.docx")


@bp.post("/schools/<int:school_id>/self-evaluation")
@writes_late
@partnership_route()
def self_evaluation(access, school_id):
    school = school_in(access, school_id)
    form = ProformaExportForm()
    on = form.on_date()
    dates = selfeval_overview.proforma_dates(school)
    if on is None or on not in dates:
        abort(404)
    document = documents.self_evaluation(records.proforma(school, on), current_user.name)
    activity.record(
        access.partnership_id,
        current_user,
        "exported",
        "school",
        school.id,
        f"exported the self-evaluation of {school.name} for {on:%-d %b %Y}",
        url_for("selfeval.proforma", partnership_id=access.partnership_id, school_id=school.id, on=on),
    )
    db.session.commit()
    return _attachment(document, f"self-evaluation-{_slug(school.name)}-{on}.docx")
