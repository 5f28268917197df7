"""Actions: the dashboard, my actions, an action's page, creating, editing and progress."""

from datetime import date

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..access import (
    Permission,
    action_in,
    action_schools,
    can_change_action,
    partnership_route,
    require_action_change,
)
from ..activity import services as activity
from ..activity.forms_context import comments_context
from ..evidence import services as evidence_files
from ..extensions import db
from ..forms_common import form_errors_from, parse_id
from ..frameworks import linking
from ..frameworks.picker import picker_for, picker_from_formdata
from ..htmx import is_htmx, redirect_to, render
from ..models.base import utcnow
from ..partnerships.services import list_schools
from ..saving import saving
from ..services_errors import ServiceError, StaleEdit
from . import bp, dashboard, services, summaries
from .forms import ActionForm, ProgressForm


def _dashboard_context(access, filters, owner_box=""):
    """What the results need; the filter form's lists are only for the whole page. The owner
    box's suggestions come only when it is first focused (owners, below)."""
    context = dict(page=dashboard.search(access.partnership_id, filters), filters=filters)
    if not is_htmx():
        context.update(
            schools=summaries.schools_of(access.partnership_id),
            owner_box=owner_box,
            sorts=dashboard.SORTS,
            stale_choices=dashboard.STALE_CHOICES,
            statuses=summaries.status_labels(),
        )
    return context


def _way_back(access) -> dict:
    """An action's page opened from filtered results leads back to those results: its link
    carries their filters (actions/_results.html), and so do its Edit link, its forms and the
    redirects after them (_kept_back). Only filters the dashboard reads come through, and the
    dashboard's own URL is built from them."""
    back = dashboard.parse_filters(request.args)
    return dict(
        back_url=url_for("actions.index", partnership_id=access.partnership_id, **back.query_args()),
        back_filtered=back.is_filtered,
        back_query=back.query_string(),
    )


def _kept_back(url: str) -> str:
    """`url` with the filters this request came with (as checked by the dashboard's parser)."""
    query = dashboard.parse_filters(request.args).query_string()
    return f"{url}?{query}" if query else url


def _history(action) -> dict:
    """The action's progress updates, newest first, and their files (one query for them all)."""
    history = services.history(action)
    return dict(history=history, files=evidence_files.files_for("progress_update", [u.id for u in history]))


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    """The dashboard: the filter lives in the URL, so it can be bookmarked, shared and survives Back."""
    filters, owner_box = dashboard.owner_filter(
        access.partnership_id, dashboard.parse_filters(request.args), request.args
    )
    if is_htmx():  # a new filter or page: the results only
        return render_template("actions/_results.html", **_dashboard_context(access, filters))
    # The summary tables below the results come as fragments of their own (summary), when scrolled to.
    return render_template(
        "actions/index.html",
        **_dashboard_context(access, filters, owner_box),
        **summaries.filter_columns(),
        summaries=summaries.SUMMARIES,
    )


@bp.get("/summary/<any('by-school', 'qi', 'igbe'):summary>")
@partnership_route()
def summary(access, summary):
    """One of the dashboard's summary tables: the fragment the dashboard loads as it scrolls into
    view, or a page of its own (a browser without JavaScript follows the dashboard's link here)."""
    rows = summaries.school_rows(summaries.schools_of(access.partnership_id))
    context = dict(
        summary=summary, summaries=summaries.SUMMARIES, rows=rows, statuses=summaries.status_labels()
    )
    if summary == "by-school":
        context["counts"] = summaries.status_counts(access.partnership_id)
    else:
        coverage = summaries.qi_coverage if summary == "qi" else summaries.igbe_coverage
        context["coverage"] = coverage(access.partnership_id, rows)
    return render("actions/dashboard_summary.html", "actions/_dashboard_summary.html", **context)


@bp.get("/owners")
@partnership_route()
def owners(access):
    """The partnership's leads and teachers: the dashboard's owner box's suggestions (fetched when
    the box is first focused, so the dashboard does not carry hundreds of names), or a page
    of its own where each name opens the actions they own."""
    owners = services.possible_owners(access.partnership_id)
    return render("actions/owners.html", "actions/_owner_names.html", owners=owners)


@bp.get("/mine")
@partnership_route()
def mine(access):
    filters = dashboard.ActionFilters(
        owner=access.user_id,
        sort=request.args.get("sort", "due") if request.args.get("sort") in dashboard.SORTS else "due",
        page=dashboard.parse_filters(request.args).page,
    )
    return render(
        "actions/mine.html", "actions/_results.html", **_dashboard_context(access, filters), mine=True
    )


def _form_page(access, form, picker, status=200, action=None, stale=None):
    return render(
        "actions/form.html",
        "actions/_form.html",
        status,
        form=form,
        picker=picker,
        action=action,
        stale=stale,
        back_query=dashboard.parse_filters(request.args).query_string() if action else "",
    )


def _action_form(access, allowed_schools, **kwargs):
    return ActionForm(
        list_schools(access.partnership),
        services.possible_owners(access.partnership_id),
        allowed_schools,
        **kwargs,
    )


@bp.route("/new", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def new(access):
    allowed = action_schools(access)
    if request.method == "GET":
        school = next(iter(allowed)) if allowed else None
        return _form_page(
            access,
            _action_form(access, allowed, formdata=None, owner_id=current_user.id, school_id=school),
            picker_for("links", []),
        )
    form = _action_form(access, allowed)
    picker = picker_from_formdata(request.form)
    if picker.is_action:
        return _form_page(access, form, picker)
    if form.validate():
        with saving(form) as saved:
            action = services.create_action(
                access.partnership,
                current_user,
                form.title.data,
                form.description.data or "",
                form.school_id.data,
                form.owner_id.data,
                form.due_date.data,
                form.status.data,
                picker.chosen_ids,
                allowed_schools=allowed,
            )
            url = url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id)
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "action",
                action.id,
                f"created the action “{action.title}”",
                url,
            )
        if saved.ok:
            flash("The action has been created.")
            return redirect_to(url)
    return _form_page(access, form, picker, 422)


def _attention(action) -> dict:
    """The dashboard's marks for this action (dashboard.attention), for its own page."""
    overdue, stale = dashboard.attention(
        action.status, action.due_date, action.last_progress_at, date.today(), utcnow()
    )
    return dict(overdue=overdue, stale=stale, stale_weeks=dashboard.STALE_WEEKS)


@bp.get("/<int:action_id>")
@partnership_route()
def detail(access, action_id):
    action = action_in(access, action_id)
    return render(
        "actions/detail.html",
        "actions/_progress.html",
        action=action,
        **_way_back(access),
        links=linking.links_for("action", [action.id]).get(action.id, []),
        **_history(action),
        form=ProgressForm(formdata=None),
        can_change=can_change_action(access, action),
        **_attention(action),
        **comments_context("action", action.id),
    )


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def edit(access, action_id):
    action = action_in(access, action_id)
    require_action_change(access, action)
    allowed = action_schools(access)
    if allowed is not None:
        allowed = allowed | {action.school_id}  # an owner may keep the school the action has
    if request.method == "GET":
        form = _action_form(access, allowed, formdata=None, obj=action)
        return _form_page(
            access,
            form,
            picker_for("links", linking.links_for("action", [action.id])[action.id]),
            action=action,
        )
    form = _action_form(access, allowed)
    picker = picker_from_formdata(request.form)
    if picker.is_action:
        return _form_page(access, form, picker, action=action)
    if form.validate():
        try:
            services.update_action(
                action,
                parse_id(form.version.data) or 0,
                form.title.data,
                form.description.data or "",
                form.school_id.data,
                form.owner_id.data,
                form.due_date.data,
                form.status.data,
                picker.chosen_ids,
                allowed_schools=allowed,
            )
            url = url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id)
            activity.record(
                access.partnership_id,
                current_user,
                "changed",
                "action",
                action.id,
                f"changed the action “{action.title}”",
                url,
            )
            db.session.commit()
        except (StaleEdit, StaleDataError) as problem:
            db.session.rollback()
            action = action_in(access, action_id)
            stale = problem if isinstance(problem, StaleEdit) else StaleEdit([], None, None, action.version)
            form.version.data = stale.current_version
            return _form_page(access, form, picker, 409, action=action, stale=stale)
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(error, form)
        else:
            flash("The action has been saved.")
            return redirect_to(_kept_back(url))
    return _form_page(access, form, picker, 422, action=action)


@bp.post("/<int:action_id>/progress/<int:update_id>/star")
@partnership_route(Permission.MANAGE)
def star(access, action_id, update_id):
    """Leads star the updates whose evidence of impact the interim report shows."""
    action = action_in(access, action_id)
    update = services.update_in(action, update_id)
    if update is None:
        abort(404)
    services.star(update, request.form.get("starred") == "1")
    db.session.commit()
    url = url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id)
    if not is_htmx():
        return redirect_to(_kept_back(url) + "#progress")
    return render(
        "actions/detail.html",
        "actions/_progress.html",
        action=action,
        links=linking.links_for("action", [action.id]).get(action.id, []),
        **_history(action),
        form=ProgressForm(formdata=None),
        can_change=can_change_action(access, action),
        **comments_context("action", action.id),
    )


@bp.post("/<int:action_id>/progress")
@partnership_route(Permission.CONTRIBUTE)
def progress(access, action_id):
    action = action_in(access, action_id)
    require_action_change(access, action)
    form = ProgressForm()
    status = 422
    if form.validate():
        with saving(form) as saved:
            services.post_progress(
                action, current_user, form.text.data, form.evidence.data or "", form.status_to.data or None
            )
            url = url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id)
            moved = f" and marked it {action.status_label.lower()}" if form.status_to.data else ""
            activity.record(
                access.partnership_id,
                current_user,
                "updated",
                "action",
                action.id,
                f"posted progress on “{action.title}”{moved}",
                url,
            )
        if saved.ok:
            if not is_htmx():
                flash("Your update has been added to the history.")
                return redirect_to(_kept_back(url))
            form, status = ProgressForm(formdata=None), 201
    return render(
        "actions/detail.html",
        "actions/_progress.html",
        status,
        action=action,
        links=linking.links_for("action", [action.id]).get(action.id, []),
        **_history(action),
        form=form,
        can_change=True,
        saved=status == 201,
        **_attention(action),
        **comments_context("action", action.id),
        **_way_back(access),
    )
