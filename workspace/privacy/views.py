"""A partnership's data: retention period, exports for subject access and portability,
archiving and deletion."""

import re
from io import BytesIO

from flask import abort, flash, request, send_file, url_for
from flask_login import current_user

from ..access import partnership_route, require_data_steward, require_site_admin, trio_in
from ..activity import services as activity
from ..auth.forms import ConfirmForm
from ..database import writes_late
from ..extensions import db
from ..forms_common import parse_id, too_long
from ..htmx import redirect_to, render
from ..services_errors import ServiceError
from ..trios.services import list_trios
from . import bp, services


def _page(access, status=200, error=None):
    trios = [
        (item["trio"], services.case_pupil_labels(item["trio"])) for item in list_trios(access.partnership)
    ]
    return render(
        "privacy/index.html",
        "privacy/_index.html",
        status,
        choices=services.RETENTION_CHOICES,
        trios=trios,
        error=error,
        form=ConfirmForm(formdata=None),
    )


def _zip(payload: bytes, filename: str):
    response = send_file(
        BytesIO(payload), mimetype="application/zip", as_attachment=True, download_name=filename, max_age=0
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    require_data_steward(access)
    return _page(access)


@bp.post("/retention")
@partnership_route()
def retention(access):
    require_data_steward(access)
    if access.partnership.archived_at is not None:
        abort(403)
    value = request.form.get("retention_days", "")
    try:
        services.set_retention(access.partnership, parse_id(value) if value else None)
    except ServiceError as error:
        return _page(access, 422, error.message)
    activity.record(
        access.partnership_id,
        current_user,
        "changed",
        "partnership",
        access.partnership_id,
        "set how long observations, pupil voice and discussions are kept",
        url_for("privacy.index", partnership_id=access.partnership_id),
    )
    db.session.commit()
    flash("The retention period has been saved. `flask --app workspace purge` erases what is older.")
    return redirect_to(url_for("privacy.index", partnership_id=access.partnership_id))


@bp.post("/export")
@writes_late
@partnership_route()
def export_all(access):
    require_data_steward(access)
    payload = services.zip_of(
        services.partnership_tables(access.partnership),
        f"All data of {access.partnership.name}, one JSON file a table.\n",
    )
    activity.record(
        access.partnership_id,
        current_user,
        "exported",
        "partnership",
        access.partnership_id,
        "exported all of the partnership's data",
    )
    db.session.commit()
    slug = re.sub(r"[^a-z0-9]+", "-", access.partnership.name.lower()).strip("-")
    return _zip(payload, f"{slug}-all-data.zip")


@bp.post("/case-pupil")
@writes_late
@partnership_route()
def export_case_pupil(access):
    require_data_steward(access)
    trio_id = parse_id(request.form.get("trio_id"))
    if trio_id is None:
        return _page(access, 422, "Choose a trio.")
    trio = trio_in(access, trio_id)
    label = (request.form.get("label") or "").strip()
    if len(label) > 10:
        return _page(access, 422, too_long(10))
    try:
        tables = services.case_pupil_record(trio, label)
    except ServiceError as error:
        return _page(access, 422, error.message)
    activity.record(
        access.partnership_id,
        current_user,
        "exported",
        "trio",
        trio.id,
        f"exported everything recorded about case pupil {label} of “{trio.name}”",
    )
    db.session.commit()
    return _zip(
        services.zip_of(tables, f"Everything recorded about case pupil {label} in the trio {trio.name}.\n"),
        f"case-pupil-{label}-trio-{trio.id}.zip",
    )


@bp.post("/archive")
@partnership_route()
def archive(access):
    require_site_admin(access)
    if request.form.get("archive") == "0":
        services.unarchive(access.partnership)
        message = "The partnership is open again."
    else:
        services.archive(access.partnership)
        message = "The partnership is archived: everyone can read it, nobody can change it."
    activity.record(
        access.partnership_id, current_user, "changed", "partnership", access.partnership_id, message
    )
    db.session.commit()
    flash(message)
    return redirect_to(url_for("privacy.index", partnership_id=access.partnership_id))


@bp.route("/delete", methods=["GET", "POST"])
@partnership_route()
def delete(access):
    require_site_admin(access)
    error = None
    if request.method == "POST":
        name = access.partnership.name
        try:
            services.delete_partnership(access.partnership, request.form.get("confirm_name", ""))
        except ServiceError as problem:
            error = problem.message
        else:
            db.session.commit()
            flash(f"{name} and everything recorded in it have been deleted.")
            return redirect_to(url_for("admin.index"))
    return render("privacy/delete.html", "privacy/_delete.html", 422 if error else 200, error=error)
