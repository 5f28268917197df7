"""Self-evaluation pages: the partnership table, a school's history, writing an evaluation
beside the framework's wording, the pro-forma, and follow-up actions."""

from datetime import date

from flask import abort, flash, request, url_for
from flask_login import current_user

from ..access import (
    Permission,
    can_evaluate,
    partnership_route,
    require_evaluate,
    school_in,
    self_evaluation_in,
)
from ..actions import services as action_services
from ..activity import services as activity
from ..evidence import services as evidence_files
from ..extensions import db
from ..forms_common import parse_id
from ..frameworks import services as framework_services
from ..htmx import redirect_to, render
from ..models import FrameworkElement
from ..partnerships.services import list_schools
from ..saving import saving
from . import bp, services
from . import evidence as selfeval_evidence
from . import overview as selfeval_overview
from .forms import EvaluationForm, FollowUpForm, parse_evidence


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    schools, columns, cells = selfeval_overview.partnership_table(access.partnership)
    return render(
        "selfeval/index.html",
        "selfeval/_table.html",
        schools=schools,
        columns=columns,
        cells=cells,
        can_record=bool(_schools_to_evaluate(access)),
    )


def _schools_to_evaluate(access):
    return [school for school in list_schools(access.partnership) if can_evaluate(access, school.id)]


@bp.get("/new")
@partnership_route(Permission.CONTRIBUTE)
def choose_school(access):
    """The first step of recording a self-evaluation from the partnership's page: which school.
    A teacher's own school is chosen already; a lead chooses among the partnership's schools."""
    schools = _schools_to_evaluate(access)
    if not schools:
        abort(403)
    status, problem = 200, None
    if "school_id" in request.args or "continue" in request.args:  # Continue pressed, a school chosen or not
        chosen = parse_id(request.args.get("school_id"))
        if chosen in {school.id for school in schools}:
            return redirect_to(
                url_for("selfeval.new", partnership_id=access.partnership_id, school_id=chosen)
            )
        status, problem = 422, "Choose the school you are evaluating."
    chosen = access.school_id if access.school_id in {school.id for school in schools} else None
    if len(schools) == 1:
        chosen = schools[0].id
    return render(
        "selfeval/choose_school.html",
        "selfeval/_choose_school.html",
        status,
        schools=schools,
        chosen=chosen,
        problem=problem,
    )


@bp.get("/schools/<int:school_id>")
@partnership_route()
def school(access, school_id):
    found = school_in(access, school_id)
    return render(
        "selfeval/school.html",
        "selfeval/_history.html",
        school=found,
        history=selfeval_overview.history(found),
        dates=selfeval_overview.proforma_dates(found),
        can_evaluate=can_evaluate(access, found.id),
    )


def _element_from(value) -> FrameworkElement | None:
    element_id = parse_id(value)
    element = db.session.get(FrameworkElement, element_id) if element_id is not None else None
    return element if element is not None and services.is_evaluable(element) else None


def _form_page(access, school, element, form, status=200, chosen_evidence=()):
    levels = services.levels_for(element) if element else []
    return render(
        "selfeval/new.html",
        "selfeval/_form.html",
        status,
        school=school,
        element=element,
        form=form,
        levels=levels,
        choices=services.evaluable_choices(),
        detail=framework_services.element_detail(services.qi_of(element)) if element else None,
        candidates=selfeval_evidence.evidence_candidates(access.partnership, school),
        chosen_evidence=set(chosen_evidence),
        label=selfeval_overview.element_label,
    )


@bp.get("/schools/<int:school_id>/new")
@partnership_route(Permission.CONTRIBUTE)
def new(access, school_id):
    found = school_in(access, school_id)
    require_evaluate(access, found.id)
    element = _element_from(request.args.get("element_id"))
    form = EvaluationForm(
        services.levels_for(element) if element else [], formdata=None, evaluated_on=date.today()
    )
    return _form_page(access, found, element, form)


@bp.post("/schools/<int:school_id>/new")
@partnership_route(Permission.CONTRIBUTE)
def create(access, school_id):
    found = school_in(access, school_id)
    require_evaluate(access, found.id)
    element = _element_from(request.form.get("element_id"))
    if element is None:
        form = EvaluationForm([], formdata=None, evaluated_on=date.today())
        form.form_errors.append("Choose the theme or QI you are evaluating.")
        return _form_page(access, found, None, form, 422)
    form = EvaluationForm(services.levels_for(element))
    evidence = parse_evidence(request.form.getlist("evidence"))
    if form.validate():
        with saving(form) as saved:
            evaluation = services.record_evaluation(
                access.partnership,
                found,
                element.id,
                form.evaluated_on.data,
                form.level.data,
                form.how_well.data,
                form.how_know.data or "",
                form.what_now.data or "",
                evidence,
                current_user,
            )
            url = url_for(
                "selfeval.detail", partnership_id=access.partnership_id, evaluation_id=evaluation.id
            )
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "self_evaluation",
                evaluation.id,
                f"recorded a self-evaluation of {found.name} against {selfeval_overview.element_label(element)}",
                url,
            )
        if saved.ok:
            flash(
                "The self-evaluation has been saved. If it calls for action, make a follow-up action below."
            )
            return redirect_to(url)
    return _form_page(access, found, element, form, 422, [f"{k}:{i}" for k, i in evidence])


@bp.get("/<int:evaluation_id>")
@partnership_route()
def detail(access, evaluation_id):
    evaluation = self_evaluation_in(access, evaluation_id)
    return _detail_page(
        access,
        evaluation,
        FollowUpForm(
            action_services.possible_owners(access.partnership_id), formdata=None, owner_id=current_user.id
        ),
    )


def _detail_page(access, evaluation, form, status=200):
    levels = services.levels_for(evaluation.element)
    return render(
        "selfeval/detail.html",
        "selfeval/_detail.html",
        status,
        evaluation=evaluation,
        level=services.level_label(levels, evaluation.level),
        levels=levels,
        evidence=selfeval_evidence.evidence_of(evaluation),
        files=evidence_files.files_for("self_evaluation", [evaluation.id]).get(evaluation.id, []),
        actions=selfeval_overview.follow_up_actions(evaluation),
        detail=framework_services.element_detail(services.qi_of(evaluation.element)),
        can_evaluate=can_evaluate(access, evaluation.school_id),
        form=form,
        label=selfeval_overview.element_label,
    )


@bp.post("/<int:evaluation_id>/actions")
@partnership_route(Permission.CONTRIBUTE)
def follow_up(access, evaluation_id):
    evaluation = self_evaluation_in(access, evaluation_id)
    require_evaluate(access, evaluation.school_id)
    form = FollowUpForm(action_services.possible_owners(access.partnership_id))
    if form.validate():
        with saving(form) as saved:
            action = services.make_follow_up_action(
                evaluation, form.title.data, form.owner_id.data, form.due_date.data, current_user
            )
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "action",
                action.id,
                f"made the action “{action.title}” from a self-evaluation of {evaluation.school.name}",
                url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id),
            )
        if saved.ok:
            flash(f"“{action.title}” is now an action, linked back to this self-evaluation.")
            return redirect_to(
                url_for("selfeval.detail", partnership_id=access.partnership_id, evaluation_id=evaluation.id)
                + "#follow-up"
            )
    return _detail_page(access, evaluation, form, 422)


@bp.get("/schools/<int:school_id>/pro-forma")
@partnership_route()
def proforma(access, school_id):
    found = school_in(access, school_id)
    dates = selfeval_overview.proforma_dates(found)
    try:
        on = (
            date.fromisoformat(request.args.get("on", ""))
            if request.args.get("on")
            else (dates[0] if dates else None)
        )
    except ValueError:
        on = dates[0] if dates else None
    rows = selfeval_overview.proforma(found, on) if on else {}
    return render(
        "selfeval/proforma.html",
        "selfeval/_proforma.html",
        school=found,
        on=on,
        dates=dates,
        rows=rows,
        template=selfeval_overview.proforma_template(),
        label=selfeval_overview.element_label,
    )
