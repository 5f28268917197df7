"""A research lesson's plan (edited together, guarded by its version) and its lesson-study sheet."""

from flask import flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from .. import merging
from ..access import Permission, can_change_trio, lesson_in, partnership_route, require_trio_change, trio_in
from ..activity import services as activity
from ..extensions import db
from ..forms_common import parse_id
from ..htmx import redirect_to, render
from ..partnerships.services import list_schools
from ..services_errors import ServiceError, StaleEdit
from . import bp, plan_edits, planning, reflection
from .forms import VersionForm, parse_plan
from .sheet import lesson_sheet

EXTRA_STAGE_ROWS = 2
EXTRA_PUPIL_ROWS = 1


def _lesson(access, trio_id, lesson_id):
    trio = trio_in(access, trio_id)
    lesson = lesson_in(access, trio, lesson_id)
    return trio, planning.load_plan(lesson.id)


def _plan_page(access, trio, lesson, plan, errors, version, status=200, stale=None, fingerprints=None):
    rows = dict(
        stage_rows=max(len(plan.stages), 1) + EXTRA_STAGE_ROWS if status in (200, 409) else len(plan.stages),
        pupil_rows=len(plan.pupils) + EXTRA_PUPIL_ROWS if status in (200, 409) else len(plan.pupils),
    )
    stages = plan.stages + [planning.StageInput(None, "")] * (rows["stage_rows"] - len(plan.stages))
    pupils = plan.pupils + [planning.PupilInput(None, "")] * (rows["pupil_rows"] - len(plan.pupils))
    return render(
        "trios/plan.html",
        "trios/_plan_form.html",
        status,
        trio=trio,
        lesson=lesson,
        plan=plan,
        stages=stages,
        pupils=pupils,
        errors=errors,
        version=version,
        stale=stale,
        fingerprints=fingerprints
        if fingerprints is not None
        else plan_edits.plan_fingerprints(planning.plan_of(lesson)),
        schools=list_schools(access.partnership),
        people=[m.user for m in trio.members],
        can_change=can_change_trio(access, trio),
    )


@bp.get("/<int:trio_id>/lessons/<int:lesson_id>/plan")
@partnership_route()
def plan(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    return _plan_page(access, trio, lesson, planning.plan_of(lesson), {}, lesson.version)


@bp.post("/<int:trio_id>/lessons/<int:lesson_id>/plan")
@partnership_route(Permission.CONTRIBUTE)
def save_plan(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    version_form = VersionForm()
    stage_rows = min(
        parse_id(request.form.get("stage_rows")) or 0, planning.MAX_STAGES + EXTRA_STAGE_ROWS + 5
    )
    pupil_rows = min(
        parse_id(request.form.get("pupil_rows")) or 0, planning.MAX_PUPILS + EXTRA_PUPIL_ROWS + 5
    )
    submitted, errors = parse_plan(request.form, stage_rows, pupil_rows)
    if not version_form.validate():
        errors["version"] = "The form was missing its version. Reload the page and try again."
    errors |= planning.validate_plan(submitted)
    if errors:
        return _plan_page(
            access, trio, lesson, submitted, errors, version_form.version.data or lesson.version, 422
        )
    original = merging.parse_fingerprints(request.form.get("fingerprints"))
    try:
        try:
            planning.save_plan(lesson, version_form.version.data, submitted, current_user, original)
            db.session.flush()
        except StaleDataError:
            # Someone saved between our check and our write: answer as for any stale save.
            db.session.rollback()
            trio, lesson = _lesson(access, trio_id, lesson_id)
            planning.save_plan(lesson, version_form.version.data, submitted, current_user, original)
    except StaleEdit as stale:
        db.session.rollback()
        return _plan_page(
            access,
            trio,
            lesson,
            stale.merged,
            {},
            stale.current_version,
            409,
            stale,
            fingerprints=stale.fingerprints,
        )
    except ServiceError as error:
        db.session.rollback()
        return _plan_page(
            access,
            trio,
            lesson,
            submitted,
            {error.field or "form": error.message},
            version_form.version.data,
            422,
            fingerprints=request.form.get("fingerprints", ""),
        )
    activity.record(
        access.partnership_id,
        current_user,
        "changed",
        "lesson",
        lesson.id,
        f"saved the plan of {lesson.title.lower()} of “{trio.name}”",
        url_for("trios.plan", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id),
    )
    db.session.commit()
    flash("The plan has been saved.")
    return redirect_to(
        url_for("trios.plan", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id)
    )


@bp.get("/<int:trio_id>/lessons/<int:lesson_id>/sheet")
@partnership_route()
def sheet(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    return render(
        "trios/sheet.html",
        "trios/_sheet.html",
        trio=trio,
        lesson=lesson,
        rows=lesson_sheet(lesson),
        next_steps=reflection.next_steps(lesson),
    )
