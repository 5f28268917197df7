"""Trios: list, create, edit, the trio page, cycles and new lessons."""

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..access import (
    Permission,
    can_change_trio,
    partnership_route,
    published_finding,
    record_by_id,
    require_trio_change,
    trio_in,
)
from ..activity import services as activity
from ..activity.forms_context import comments_context
from ..exchange import library
from ..exchange.findings import findings_of_trio
from ..extensions import db
from ..forms_common import form_errors_from, parse_id
from ..frameworks import linking
from ..frameworks.picker import picker_for, picker_from_formdata
from ..htmx import redirect_to, render
from ..models import Trio
from ..partnerships.services import list_schools
from ..saving import saving
from ..services_errors import ServiceError, StaleEdit
from . import bp, services
from .forms import NewLessonForm, TrioForm

# The trio page reads the trio with its members and their names: built once (access.record_by_id).
_TRIO_WITH_MEMBERS = record_by_id(Trio, services.WITH_MEMBERS)


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    return render("trios/index.html", "trios/_trio_list.html", trios=services.list_trios(access.partnership))


def _trio_form_page(access, form, picker, status=200, trio=None, stale=None, source=None):
    return render(
        "trios/trio_form.html",
        "trios/_trio_form.html",
        status,
        form=form,
        picker=picker,
        trio=trio,
        stale=stale,
        source=source,
    )


@bp.route("/new", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def new(access):
    people = services.possible_members(access.partnership)
    # "Start a trio from this": a published finding of any partnership gives the focus and links.
    source = _source_finding(request.values.get("from_finding"))
    if request.method == "GET":
        seed = library.seed_of(source) if source else None
        form = TrioForm(
            people,
            formdata=None,
            members=[current_user.id] if access.can_contribute else [],
            name=seed.title if seed else None,
            focus=seed.focus if seed else None,
        )
        chosen = linking.elements_by_id(seed.link_ids) if seed else []
        return _trio_form_page(access, form, picker_for("links", chosen), source=source)
    form = TrioForm(people)
    picker = picker_from_formdata(request.form)
    if picker.is_action:  # a picker button without JavaScript: show the form again
        return _trio_form_page(access, form, picker, source=source)
    if form.validate():
        with saving(form) as saved:
            trio = services.create_trio(
                access.partnership,
                form.name.data,
                form.focus.data,
                form.status.data,
                form.members.data or [],
                picker.chosen_ids,
                current_user,
            )
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "trio",
                trio.id,
                f"started the trio “{trio.name}”",
                url_for("trios.trio", partnership_id=access.partnership_id, trio_id=trio.id),
            )
            if source is not None:
                library.record_reuse(source, trio, current_user)
                activity.record(
                    source.partnership_id,
                    None,
                    "travelled",
                    "finding",
                    source.id,
                    f"noted that the finding “{source.title}” started a trio in {access.partnership.name}",
                    url_for("findings.finding", partnership_id=source.partnership_id, finding_id=source.id),
                )
        if saved.ok:
            flash(f"The trio “{trio.name}” has been created. Plan its first research lesson.")
            return redirect_to(url_for("trios.trio", partnership_id=access.partnership_id, trio_id=trio.id))
    return _trio_form_page(access, form, picker, 422, source=source)


def _source_finding(value):
    """The published finding a new trio starts from; an id of anything else answers 404."""
    if value in (None, ""):
        return None
    finding_id = parse_id(value)
    if finding_id is None:
        abort(404)
    return published_finding(finding_id)


@bp.get("/<int:trio_id>")
@partnership_route()
def trio(access, trio_id):
    found = trio_in(access, trio_id, _TRIO_WITH_MEMBERS)
    in_trio = any(m.user_id == access.user_id for m in found.members)
    source, findings = findings_of_trio(found)
    return render(
        "trios/trio.html",
        "trios/_trio_cycles.html",
        trio=found,
        cycles=services.trio_overview(found),
        links=linking.links_for("trio", [found.id]).get(found.id, []),
        source=source,
        findings=findings,
        can_change=can_change_trio(access, found, in_trio),
        **comments_context("trio", found.id),
    )


@bp.route("/<int:trio_id>/edit", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def edit(access, trio_id):
    found = trio_in(access, trio_id)
    require_trio_change(access, found)
    people = services.possible_members(access.partnership)
    if request.method == "GET":
        # Not obj=found: its `members` are TrioMember rows, and obj would win over the user ids.
        form = TrioForm(
            people,
            formdata=None,
            name=found.name,
            focus=found.focus,
            status=found.status,
            version=found.version,
            members=[m.user_id for m in found.members],
        )
        return _trio_form_page(
            access, form, picker_for("links", linking.links_for("trio", [found.id])[found.id]), trio=found
        )
    form = TrioForm(people)
    picker = picker_from_formdata(request.form)
    if picker.is_action:
        return _trio_form_page(access, form, picker, trio=found)
    if form.validate():
        try:
            services.update_trio(
                found,
                parse_id(form.version.data) or 0,
                form.name.data,
                form.focus.data,
                form.status.data,
                form.members.data or [],
                picker.chosen_ids,
            )
            activity.record(
                access.partnership_id,
                current_user,
                "changed",
                "trio",
                found.id,
                f"changed the trio “{found.name}”",
                url_for("trios.trio", partnership_id=access.partnership_id, trio_id=found.id),
            )
            db.session.commit()
        except StaleEdit as stale:
            db.session.rollback()
            form.version.data = stale.current_version
            return _trio_form_page(access, form, picker, 409, trio=found, stale=stale)
        except StaleDataError:
            db.session.rollback()
            found = trio_in(access, trio_id)
            form.version.data = found.version
            return _trio_form_page(
                access, form, picker, 409, trio=found, stale=StaleEdit([], None, None, found.version)
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(error, form)
        else:
            flash("The trio has been saved.")
            return redirect_to(url_for("trios.trio", partnership_id=access.partnership_id, trio_id=found.id))
    return _trio_form_page(access, form, picker, 422, trio=found)


@bp.post("/<int:trio_id>/cycles")
@partnership_route(Permission.CONTRIBUTE)
def add_cycle(access, trio_id):
    found = trio_in(access, trio_id)
    require_trio_change(access, found)
    cycle = services.add_cycle(found)
    db.session.commit()
    flash(f"Cycle {cycle.number} has been added. Add its first research lesson.")
    return redirect_to(
        url_for("trios.new_lesson", partnership_id=access.partnership_id, trio_id=found.id, cycle_id=cycle.id)
    )


@bp.route("/<int:trio_id>/cycles/<int:cycle_id>/lessons/new", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def new_lesson(access, trio_id, cycle_id):
    found = trio_in(access, trio_id)
    require_trio_change(access, found)
    cycle = services.cycle_of(found, cycle_id)
    if cycle is None:
        abort(404)
    people = [m.user for m in found.members]
    form = NewLessonForm(list_schools(access.partnership), people)
    if request.method == "POST":
        if form.validate():
            with saving(form) as saved:
                lesson = services.add_lesson(
                    found,
                    cycle,
                    form.lesson_date.data,
                    form.school_id.data,
                    form.class_stage.data or "",
                    form.subject.data or "",
                    form.teacher_id.data,
                    current_user,
                )
                activity.record(
                    access.partnership_id,
                    current_user,
                    "created",
                    "lesson",
                    lesson.id,
                    f"added research lesson {lesson.number} of cycle {cycle.number} to “{found.name}”",
                    url_for(
                        "trios.plan",
                        partnership_id=access.partnership_id,
                        trio_id=found.id,
                        lesson_id=lesson.id,
                    ),
                )
            if saved.ok:
                flash(
                    "The research lesson has been added. Plan it together: stages, case pupils and predictions."
                )
                return redirect_to(
                    url_for(
                        "trios.plan",
                        partnership_id=access.partnership_id,
                        trio_id=found.id,
                        lesson_id=lesson.id,
                    )
                )
        return render(
            "trios/new_lesson.html", "trios/_new_lesson.html", 422, trio=found, cycle=cycle, form=form
        )
    return render("trios/new_lesson.html", "trios/_new_lesson.html", trio=found, cycle=cycle, form=form)
