"""Observing live: the tablet page, recording, the poll that brings in others' entries,
editing and deleting one's own entries, and marking highlights."""

from time import time
from uuid import uuid4

from flask import Response, abort, flash, request, url_for
from sqlalchemy.orm import joinedload

from ..access import (
    Permission,
    can_change_observation,
    can_change_trio,
    lesson_in,
    observation_in,
    partnership_route,
    record_by_id,
    require_trio_change,
    trio_in,
)
from ..auth.forms import ConfirmForm
from ..database import reads_alone, writes_late
from ..evidence import services as evidence_files
from ..extensions import commit_keeping_loaded, db
from ..forms_common import form_errors_from
from ..frameworks import labels, linking
from ..htmx import is_htmx, redirect_to, render
from ..models import ResearchLesson, Trio
from ..services_errors import ServiceError, StaleEdit
from . import bp, observation_feed, observing, planning
from .forms import ObservationForm

PREFIX = "/<int:trio_id>/lessons/<int:lesson_id>"


# The trio with its members (who may observe: their ids, not their accounts) and the lesson with
# its plan and, for a page, its heading. Built once: every tablet opens and saves with these.
_TRIO_WITH_MEMBER_IDS = record_by_id(Trio, joinedload(Trio.members))
_LESSON_WITH_PLAN = record_by_id(ResearchLesson, *planning.PLAN)
_LESSON_WITH_HEADING = record_by_id(ResearchLesson, *planning.PLAN, *planning.HEADING)


def _lesson(access, trio_id, lesson_id, heading: bool = True):
    """The trio with its members and the lesson with its plan (and, for a page, its heading)."""
    trio = trio_in(access, trio_id, _TRIO_WITH_MEMBER_IDS)
    return trio, lesson_in(access, trio, lesson_id, _LESSON_WITH_HEADING if heading else _LESSON_WITH_PLAN)


def _can_observe(access, trio) -> bool:
    return can_change_trio(access, trio, any(m.user_id == access.user_id for m in trio.members))


def _form(lesson, trio, **kwargs):
    """Observations are tagged with the trio's QIs and priorities, in their current wording."""
    tags = labels.current_labels_for("trio", trio.id)
    return ObservationForm(lesson, tags, lambda label: label.label, **kwargs)


def _blank_form(lesson, trio, pupil_id, stage_id):
    # A new note's id is made with its form: a plain form sent twice (a double tap, a resend
    # after an error page) is stored once too. The tablet's outbox gives each note its own.
    return _form(
        lesson,
        trio,
        formdata=None,
        case_pupil_id=pupil_id,
        stage_id=stage_id,
        leuven_score=None,
        client_id=str(uuid4()),
    )


def _cleared(form, lesson, observer_id, after_edit: bool):
    """The form as it is offered for the next entry: a new note id, nothing else, and the pupil
    and stage of the note just saved. After an edit, those of the observer's newest note: an
    older note corrected is not where the lesson has got to."""
    if after_edit:
        form.case_pupil_id.data, form.stage_id.data = observation_feed.last_used(lesson, observer_id)
    form.text.data, form.leuven_score.data, form.tags.data = "", None, []
    form.client_id.data, form.taken_at.data, form.version.data = str(uuid4()), "", ""
    return form


def _feed_context(
    access, trio, lesson, announce="", can_change: bool | None = None, signature=None, everything=None
):
    # The signature first: on PostgreSQL each statement sees what was committed before it, so an
    # entry saved between the two reads makes the next poll bring the feed again, never go missed.
    # A page that has just read the lesson passes the signature it read with it; the poll, the one
    # its access check read (earlier still: at worst the next poll brings the feed once more).
    if signature is None:
        signature = observation_feed.feed_signature(access.partnership_id, trio.id, lesson.id)
    if everything is None:
        everything = request.args.get("all") == "1"  # "Show all", kept by the feed's polls
    page = observation_feed.feed(lesson, everything)
    ids = [e.id for e in page.entries]
    return dict(
        entries=page.entries,
        feed=page,
        showing_all=everything,
        since=observation_feed.since_token(signature, page.total),
        tags=labels.labels_for("observation", ids),
        files=evidence_files.files_for("observation", ids),  # one query for the whole feed
        announce=announce,
        can_change_trio=can_change_trio(access, trio) if can_change is None else can_change,
        # When it was read (ms): a tablet keeps the feed it last showed, and shows it on a kept
        # copy of the page older than it (js/observation-outbox.js).
        read_at=int(time() * 1000),
    )


def _input(form):
    return observing.ObservationInput(
        form.case_pupil_id.data,
        form.stage_id.data,
        form.text.data or "",
        form.leuven_score.data,
        form.tags.data or [],
        client_id=form.client_id.data or None,
        taken_at=observing.taken_at_of(form.taken_at.data),
    )


def _saved(access, trio, lesson, form, message: str, status: int, entry=None, after_edit: bool = False):
    """After a save: a plain form goes back to the page; htmx gets a fresh form (its pupil and
    stage: _cleared), and an event that makes every feed on the page refresh at once. The answer
    is built from what the request has already loaded (the commit keeps it)."""
    commit_keeping_loaded()
    if not is_htmx():
        flash(message)
        return redirect_to(
            url_for(
                "trios.observe", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id
            )
        )
    body, status = render(
        "trios/observe.html",
        "trios/_observation_form.html",
        status,
        trio=trio,
        lesson=lesson,
        editing=None,
        levels=observing.LEUVEN_LEVELS,
        can_observe=True,
        saved=True,
        form=_cleared(form, lesson, access.user_id, after_edit),
    )
    headers = {"HX-Trigger": "observation-saved"}
    if entry is not None:
        # The tablet's outbox keeps a note until this says which entry holds it.
        headers["X-Observation-Id"] = str(entry.id)
    return Response(body, status=status, headers=headers)


@bp.get(PREFIX + "/observe")
@partnership_route()
def observe(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    can_observe = _can_observe(access, trio)
    # The lesson was read first, so its feed version is the signature the feed is read under.
    feed = _feed_context(
        access,
        trio,
        lesson,
        can_change=can_observe,
        signature=observation_feed.signature_of((lesson.feed_version,)),
    )
    pupil_id, stage_id = observation_feed.last_used(lesson, access.user_id, feed["feed"])
    return render(
        "trios/observe.html",
        "trios/_observation_form.html",
        trio=trio,
        lesson=lesson,
        form=_blank_form(lesson, trio, pupil_id, stage_id),
        editing=None,
        levels=observing.LEUVEN_LEVELS,
        can_observe=can_observe,
        **feed,
    )


@bp.post(PREFIX + "/observations")
@writes_late
@partnership_route(Permission.CONTRIBUTE)
def record(access, trio_id, lesson_id):
    """Several tablets post here at once: on SQLite the write lock is taken only for the
    insertion (database.writes_late). The answer is the form (the page's heading only for a plain
    form sent back with errors, read then)."""
    trio, lesson = _lesson(access, trio_id, lesson_id, heading=False)
    if not _can_observe(access, trio):
        abort(403)
    form = _form(lesson, trio)
    if form.validate():
        try:
            entry = observing.record_observation(lesson, access.user_id, _input(form))
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(error, form)
        else:
            # A note sent again (its reply was lost) is answered as the first was: its entry.
            return _saved(access, trio, lesson, form, "Your observation has been saved.", 201, entry)
    return render(
        "trios/observe.html",
        "trios/_observation_form.html",
        422,
        trio=trio,
        lesson=lesson,
        form=form,
        editing=None,
        levels=observing.LEUVEN_LEVELS,
        can_observe=True,
        **(_feed_context(access, trio, lesson) if not is_htmx() else {}),
    )


@bp.get(PREFIX + "/observations/feed")
@reads_alone
@partnership_route(along=observation_feed.SIGNATURE)
def feed(access, trio_id, lesson_id):
    """The poll: when nothing has changed since `since`, 204 after one query, the access check's,
    which also finds the lesson in this trio and partnership (404 if it is not there) and its
    feed's signature."""
    signature = observation_feed.signature_of(access.along)
    if signature is None:
        abort(404)
    since = request.args.get("since", "")
    if is_htmx() and observation_feed.unchanged_since(since, signature):
        return Response(status=204)
    # Something new: every tablet watching the lesson asks this after each save. The trio comes
    # with its members' ids (whether this observer may change it, with no statement of its own),
    # and the feed is read under the signature the access check has just read.
    trio = trio_in(access, trio_id, _TRIO_WITH_MEMBER_IDS)
    lesson = lesson_in(access, trio, lesson_id)
    old_count = observation_feed.entries_in(since)
    context = _feed_context(access, trio, lesson, can_change=_can_observe(access, trio), signature=signature)
    if old_count is not None and context["feed"].total > old_count:
        added = context["feed"].total - old_count
        context["announce"] = f"{added} new observation{'s' if added != 1 else ''}."
    return render("trios/feed.html", "trios/_feed.html", trio=trio, lesson=lesson, **context)


def _own(access, lesson, observation_id):
    observation = observation_in(access, lesson, observation_id)
    if not can_change_observation(access, observation):
        # The route has asked for CONTRIBUTE: what is missing is not the role.
        abort(403, description="Only the teacher who wrote an observation can change or delete it.")
    return observation


@bp.route(PREFIX + "/observations/<int:observation_id>/edit", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def edit_observation(access, trio_id, lesson_id, observation_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    observation = _own(access, lesson, observation_id)
    tags = [e.id for e in linking.links_for("observation", [observation.id]).get(observation.id, [])]
    context = dict(
        trio=trio, lesson=lesson, editing=observation, levels=observing.LEUVEN_LEVELS, can_observe=True
    )
    if request.method == "GET":
        form = _form(lesson, trio, formdata=None, obj=observation, tags=tags)
        form.client_id.data, form.version.data = "", str(observation.version)
        return render(
            "trios/observe.html",
            "trios/_observation_form.html",
            form=form,
            **context,
            **(_feed_context(access, trio, lesson) if not is_htmx() else {}),
        )
    form, status = _form(lesson, trio), 422
    if form.validate():
        try:
            # An edit that does not say which version it began from is taken as stale.
            base = int(form.version.data) if (form.version.data or "").isdigit() else 0
            observing.update_observation(observation, lesson, _input(form), base)
        except StaleEdit as stale:
            db.session.rollback()
            status, context["stale"] = 409, stale
            form.version.data = str(stale.current_version)
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(error, form)
        else:
            return _saved(
                access,
                trio,
                lesson,
                form,
                "Your observation has been updated.",
                200,
                observation,
                after_edit=True,
            )
    return render(
        "trios/observe.html",
        "trios/_observation_form.html",
        status,
        form=form,
        **context,
        **(_feed_context(access, trio, lesson) if not is_htmx() else {}),
    )


@bp.route(PREFIX + "/observations/<int:observation_id>/delete", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def delete_observation(access, trio_id, lesson_id, observation_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    form = ConfirmForm()
    if request.method == "POST" and observing.entry_of(lesson, observation_id) is None:
        # Deleted already: a second tap, or a resend whose first answer was lost. The lesson is
        # checked; the answer is the same for any id not in it, so it tells nothing of other ids.
        if not form.validate():
            abort(400)
        return _deleted(access, trio, lesson, "That observation has already been deleted.")
    observation = _own(access, lesson, observation_id)
    if request.method == "POST" and form.validate():
        observing.delete_observation(observation)
        db.session.commit()
        return _deleted(access, trio, lesson, "Your observation has been deleted.")
    return render(
        "trios/delete_observation.html",
        "trios/_delete_observation.html",
        trio=trio,
        lesson=lesson,
        observation=observation,
        form=form,
    )


def _deleted(access, trio, lesson, message: str):
    if is_htmx():
        return Response(status=204, headers={"HX-Trigger": "observation-saved"})
    flash(message)
    return redirect_to(
        url_for("trios.observe", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id)
    )


@bp.post(PREFIX + "/observations/<int:observation_id>/highlight")
@partnership_route(Permission.CONTRIBUTE)
def highlight_observation(access, trio_id, lesson_id, observation_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    observation = observation_in(access, lesson, observation_id)
    observing.set_highlight(observation, request.form.get("highlight") == "1")
    db.session.commit()
    if is_htmx():
        return Response(status=204, headers={"HX-Trigger": "observation-saved"})
    back = request.form.get("back") == "sheet"
    return redirect_to(
        url_for(
            "trios.sheet" if back else "trios.observe",
            partnership_id=access.partnership_id,
            trio_id=trio.id,
            lesson_id=lesson.id,
        )
    )
