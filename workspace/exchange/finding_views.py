"""A partnership's findings: write, approve, withdraw, and see where they travelled."""

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..access import (
    Permission,
    can_change_finding,
    finding_in,
    partnership_route,
    require_finding_change,
    require_trio_change,
    trio_in,
)
from ..activity import services as activity
from ..extensions import db
from ..forms_common import parse_id
from ..frameworks import linking
from ..frameworks.picker import picker_for, picker_from_formdata
from ..htmx import redirect_to, render
from ..partnerships.services import list_schools
from ..saving import saving
from ..services_errors import StaleEdit
from . import bp, quotes
from . import findings as services
from .forms import FindingForm, form_values


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    found = services.findings_of(access.partnership)
    from .library import reused_anywhere

    return render(
        "exchange/findings.html",
        "exchange/_findings.html",
        findings=found,
        travelled=reused_anywhere([f.id for f in found]),
    )


def _form_page(access, trio, form, picker, status=200, finding=None, stale=None):
    return render(
        "exchange/finding_form.html",
        "exchange/_finding_form.html",
        status,
        trio=trio,
        form=form,
        picker=picker,
        finding=finding,
        stale=stale,
    )


def _url(access, finding):
    return url_for("findings.finding", partnership_id=access.partnership_id, finding_id=finding.id)


@bp.route("/trio/<int:trio_id>/new", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def new(access, trio_id):
    trio = trio_in(access, trio_id)
    require_trio_change(access, trio)
    schools, starred = list_schools(access.partnership), quotes.starred_observations(trio)
    if request.method == "GET":
        suggested = services.suggested_input(trio)
        form = FindingForm(schools, starred, formdata=None, **form_values(suggested))
        chosen = linking.elements_by_id(suggested.link_ids)
        return _form_page(access, trio, form, picker_for("links", chosen))
    form = FindingForm(schools, starred)
    picker = picker_from_formdata(request.form)
    if picker.is_action:
        return _form_page(access, trio, form, picker)
    if form.validate():
        with saving(form) as saved:
            finding = services.create_finding(trio, form.to_input(picker.chosen_ids), current_user)
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "finding",
                finding.id,
                f"wrote the finding “{finding.title}”",
                _url(access, finding),
            )
        if saved.ok:
            flash("The finding has been saved. A lead approves it before it goes to the library.")
            return redirect_to(_url(access, finding))
    return _form_page(access, trio, form, picker, 422)


def _finding_page(access, found, status=200, changed_since_read=False):
    return render(
        "exchange/finding.html",
        "exchange/_finding.html",
        status,
        finding=found,
        links=linking.links_for("finding", [found.id]).get(found.id, []),
        starred=quotes.quotes_of(found),
        travelled=services.travelled(found),
        can_change=can_change_finding(access, found) and not found.is_published,
        changed_since_read=changed_since_read,
    )


@bp.get("/<int:finding_id>")
@partnership_route()
def finding(access, finding_id):
    return _finding_page(access, finding_in(access, finding_id))


@bp.route("/<int:finding_id>/edit", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def edit(access, finding_id):
    found = finding_in(access, finding_id)
    require_finding_change(access, found)
    if found.is_published:
        abort(409)
    schools, starred = list_schools(access.partnership), quotes.starred_observations(found.trio)
    if request.method == "GET":
        current = services.input_of(found)
        form = FindingForm(schools, starred, formdata=None, **form_values(current))
        return _form_page(
            access,
            found.trio,
            form,
            picker_for("links", linking.elements_by_id(current.link_ids)),
            finding=found,
        )
    form = FindingForm(schools, starred)
    picker = picker_from_formdata(request.form)
    if picker.is_action:
        return _form_page(access, found.trio, form, picker, finding=found)
    if form.validate():
        try:
            with saving(form) as saved:
                services.update_finding(
                    found, form.to_input(picker.chosen_ids), expected_version=parse_id(form.version.data) or 0
                )
        except (StaleEdit, StaleDataError) as problem:
            # Someone saved it after this form was opened: nothing is saved, what they changed is
            # shown above the form, which keeps what this person typed.
            db.session.rollback()
            found = finding_in(access, finding_id)
            stale = problem if isinstance(problem, StaleEdit) else StaleEdit([], None, None, found.version)
            form.version.data = stale.current_version
            return _form_page(access, found.trio, form, picker, 409, finding=found, stale=stale)
        if saved.ok:
            flash("The finding has been saved.")
            return redirect_to(_url(access, found))
    return _form_page(access, found.trio, form, picker, 422, finding=found)


@bp.post("/<int:finding_id>/approve")
@partnership_route(Permission.MANAGE)
def approve(access, finding_id):
    found = finding_in(access, finding_id)
    try:
        with saving() as saved:
            services.approve(found, current_user, seen_version=parse_id(request.form.get("version")) or 0)
            activity.record(
                access.partnership_id,
                current_user,
                "approved",
                "finding",
                found.id,
                f"approved the finding “{found.title}” for the library",
                _url(access, found),
            )
    except (StaleEdit, StaleDataError):
        # Changed after the lead opened it: they approve what they have read, so it is shown
        # again as it is now, not published.
        db.session.rollback()
        return _finding_page(access, finding_in(access, finding_id), 409, changed_since_read=True)
    if saved.ok:
        flash("The finding is published: every partnership can read it in the library.")
    return redirect_to(_url(access, found))


@bp.post("/<int:finding_id>/withdraw")
@partnership_route(Permission.MANAGE)
def withdraw(access, finding_id):
    found = finding_in(access, finding_id)
    with saving() as saved:
        services.withdraw(found)
        activity.record(
            access.partnership_id,
            current_user,
            "withdrew",
            "finding",
            found.id,
            f"withdrew the finding “{found.title}” from the library",
            _url(access, found),
        )
    if saved.ok:
        flash("The finding has been withdrawn: only this partnership reads it now.")
    return redirect_to(_url(access, found))
