"""The programme view for officers: their partnerships' aggregates, the network, the workbook."""

from datetime import date
from io import BytesIO

from flask import request, send_file, url_for

from ..access import followed_in, programme_route
from ..htmx import render
from ..models.actions import ACTION_STATUS_LABELS
from . import network, programme, programme_bp
from .programme_workbook import overview_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _quiet_weeks() -> int:
    value = request.args.get("quiet", "")
    return (
        int(value)
        if value.isdigit() and int(value) in programme.QUIET_WEEK_CHOICES
        else programme.DEFAULT_QUIET_WEEKS
    )


@programme_bp.get("/", strict_slashes=False)
@programme_route
def index(officer):
    today, weeks = date.today(), _quiet_weeks()
    ids = list(officer.partnership_ids)
    return render(
        "exchange/programme.html",
        "exchange/_programme_overview.html",
        figures=programme.overview(ids, today, weeks),
        weeks=weeks,
        week_choices=programme.QUIET_WEEK_CHOICES,
        term=programme.term_of(today)[2],
        statuses=ACTION_STATUS_LABELS,
        gaps=programme.coverage_gaps(ids),
    )


@programme_bp.get("/partnerships/<int:partnership_id>")
@programme_route
def partnership(officer, partnership_id):
    found = followed_in(officer, partnership_id)
    today = date.today()
    return render(
        "exchange/programme_partnership.html",
        "exchange/_programme_partnership.html",
        partnership=found,
        figures=programme.overview([found.id], today, _quiet_weeks())[0],
        weeks=_quiet_weeks(),
        term=programme.term_of(today)[2],
        statuses=ACTION_STATUS_LABELS,
        elements=programme.actions_by_element([found.id]),
        movement=programme.selfeval_movement(found.id),
    )


@programme_bp.get("/network")
@programme_route
def programme_network(officer):
    return render(
        "exchange/network.html",
        "exchange/_network.html",
        graph=network.network(list(officer.partnership_ids)),
        heading="Schools working together across the partnerships you follow",
        dom_id="network",
        back=("Programme overview", url_for("programme.index")),
    )


@programme_bp.get("/partnerships/<int:partnership_id>/network")
@programme_route
def partnership_network(officer, partnership_id):
    found = followed_in(officer, partnership_id)
    return render(
        "exchange/network.html",
        "exchange/_network.html",
        graph=network.network([found.id]),
        heading=f"Schools working together in {found.name}",
        dom_id="network",
        back=(found.name, url_for("programme.partnership", partnership_id=found.id)),
    )


@programme_bp.get("/overview.xlsx")
@programme_route
def workbook(officer):
    book = overview_workbook(list(officer.partnership_ids), date.today(), _quiet_weeks())
    response = send_file(
        BytesIO(book), mimetype=XLSX, as_attachment=True, download_name="programme-overview.xlsx", max_age=0
    )
    response.headers["Cache-Control"] = "no-store"
    return response
