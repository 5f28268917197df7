"""After the lesson: pupil voice, the post-lesson discussion, next steps and actions."""

from uuid import uuid4

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from .. import merging
from ..access import Permission, can_change_trio, lesson_in, partnership_route, require_trio_change, trio_in
from ..activity import services as activity
from ..activity.forms_context import comments_context
from ..auth.forms import ConfirmForm
from ..evidence import services as evidence_files
from ..extensions import db
from ..htmx import is_htmx, redirect_to, render
from ..models import NextStep, PupilVoice
from ..saving import saving
from ..services_errors import ServiceError, StaleEdit
from . import bp, observing, planning, reflection
from .forms import MakeActionForm, PupilVoiceForm, VersionForm, parse_discussion
from .sheet import lesson_sheet

PREFIX = "/<int:trio_id>/lessons/<int:lesson_id>"


def _lesson(access, trio_id, lesson_id):
    trio = trio_in(access, trio_id)
    lesson = lesson_in(access, trio, lesson_id)
    return trio, planning.load_plan(lesson.id)


def _in_lesson(model, lesson, record_id):
    record = db.session.get(model, record_id)
    if record is None or record.lesson_id != lesson.id:
        abort(404)
    return record


# Pupil voice -----------------------------------------------------------------------------------


def _voice_page(access, trio, lesson, form, status=200, saved=False):
    notes = reflection.pupil_voice(lesson)
    return render(
        "trios/voice.html",
        "trios/_voice.html",
        status,
        trio=trio,
        lesson=lesson,
        form=form,
        notes=notes,
        files=evidence_files.files_for("pupil_voice", [note.id for note in notes]),
        questions=reflection.STANDARD_QUESTIONS,
        can_change=can_change_trio(access, trio),
        saved=saved,
    )


@bp.get(PREFIX + "/voice")
@partnership_route()
def voice(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    first = lesson.case_pupils[0].id if lesson.case_pupils else None
    return _voice_page(access, trio, lesson, _fresh_voice_form(lesson, first))


def _fresh_voice_form(lesson, pupil_id):
    # Each note's own id is made with its form, so a plain form sent twice is stored once.
    return PupilVoiceForm(lesson, formdata=None, case_pupil_id=pupil_id, client_id=str(uuid4()))


@bp.post(PREFIX + "/voice")
@partnership_route(Permission.CONTRIBUTE)
def add_voice(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    form = PupilVoiceForm(lesson)
    if form.validate():
        with saving(form) as saved:
            reflection.add_pupil_voice(
                lesson,
                form.case_pupil_id.data,
                current_user,
                form.asked,
                form.response.data,
                client_id=form.client_id.data or None,
                taken_at=observing.taken_at_of(form.taken_at.data),
            )
        if saved.ok:
            if not is_htmx():  # a plain form: redirect, so that reloading cannot post the note twice
                flash("The pupil's words have been saved.")
                return redirect_to(
                    url_for(
                        "trios.voice",
                        partnership_id=access.partnership_id,
                        trio_id=trio.id,
                        lesson_id=lesson.id,
                    )
                )
            fresh = _fresh_voice_form(lesson, form.case_pupil_id.data)
            return _voice_page(access, trio, lesson, fresh, 201, saved=True)
    return _voice_page(access, trio, lesson, form, 422)


@bp.post(PREFIX + "/voice/<int:note_id>/delete")
@partnership_route(Permission.CONTRIBUTE)
def delete_voice(access, trio_id, lesson_id, note_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    note = _in_lesson(PupilVoice, lesson, note_id)
    if ConfirmForm().validate():
        reflection.delete_pupil_voice(note)
        db.session.commit()
        flash("The note has been deleted.")
    return redirect_to(
        url_for("trios.voice", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id)
    )


@bp.post(PREFIX + "/voice/<int:note_id>/highlight")
@partnership_route(Permission.CONTRIBUTE)
def highlight_voice(access, trio_id, lesson_id, note_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    note = _in_lesson(PupilVoice, lesson, note_id)
    observing.set_highlight(note, request.form.get("highlight") == "1")
    db.session.commit()
    target = "trios.sheet" if request.form.get("back") == "sheet" else "trios.voice"
    return redirect_to(
        url_for(target, partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id)
    )


# The discussion -----------------------------------------------------------------------------------


def _discussion_page(
    access,
    trio,
    lesson,
    status=200,
    progress=None,
    teaching=None,
    learned=None,
    version=None,
    stale=None,
    errors=None,
    next_step="",
    fingerprints=None,
):
    return render(
        "trios/discussion.html",
        "trios/_discussion.html",
        status,
        trio=trio,
        lesson=lesson,
        rows=lesson_sheet(lesson),
        steps=reflection.next_steps(lesson),
        stale=stale,
        errors=errors or {},
        progress=progress
        if progress is not None
        else {p.id: p.discussion_progress for p in lesson.case_pupils},
        teaching=lesson.discussion_teaching if teaching is None else teaching,
        learned=lesson.discussion_learned if learned is None else learned,
        version=version or lesson.version,
        next_step=next_step,
        fingerprints=fingerprints
        if fingerprints is not None
        else merging.fingerprints(reflection.discussion_values(lesson)),
        can_change=can_change_trio(access, trio),
        **comments_context("lesson", lesson.id),
        discussion_limit=reflection.DISCUSSION_LIMIT,
        next_step_limit=reflection.NEXT_STEP_LIMIT,
    )


@bp.get(PREFIX + "/discussion")
@partnership_route()
def discussion(access, trio_id, lesson_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    return _discussion_page(access, trio, lesson)


@bp.post(PREFIX + "/discussion")
@partnership_route(Permission.CONTRIBUTE)
def save_discussion(access, trio_id, lesson_id):
    """Saves the discussion and, if one is written, adds a next step: one button, nothing lost."""
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    version_form = VersionForm()
    progress, teaching, learned = parse_discussion(request.form, lesson)
    next_step = request.form.get("next_step", "")
    kept = dict(progress=progress, teaching=teaching, learned=learned, next_step=next_step)
    if not version_form.validate():
        return _discussion_page(
            access,
            trio,
            lesson,
            422,
            **kept,
            errors={"form": "The form was missing its version. Reload the page and try again."},
        )
    if problems := reflection.discussion_problems(progress, teaching, learned, next_step):
        return _discussion_page(
            access,
            trio,
            lesson,
            422,
            **kept,
            errors=problems,
            fingerprints=request.form.get("fingerprints", ""),
        )
    original = merging.parse_fingerprints(request.form.get("fingerprints"))
    try:
        reflection.save_discussion(
            lesson, version_form.version.data, progress, teaching, learned, current_user, original
        )
        step = reflection.add_next_step(lesson, next_step) if next_step.strip() else None
        activity.record(
            access.partnership_id,
            current_user,
            "changed",
            "lesson",
            lesson.id,
            f"saved the post-lesson discussion of {lesson.title.lower()} of “{trio.name}”",
            url_for(
                "trios.discussion", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id
            ),
        )
        db.session.commit()
    except (StaleEdit, StaleDataError) as problem:
        db.session.rollback()
        trio, lesson = _lesson(access, trio_id, lesson_id)
        if isinstance(problem, StaleDataError):
            problem = _stale_now(lesson, progress, teaching, learned, original)
        merged_progress, merged_teaching, merged_learned = problem.merged
        return _discussion_page(
            access,
            trio,
            lesson,
            409,
            progress=merged_progress,
            teaching=merged_teaching,
            learned=merged_learned,
            next_step=next_step,
            version=problem.current_version,
            stale=problem,
            fingerprints=problem.fingerprints,
        )
    except ServiceError as error:
        db.session.rollback()
        field = "next_step" if error.field == "text" else error.field  # add_next_step names its own text
        return _discussion_page(
            access,
            trio,
            lesson,
            422,
            **kept,
            errors={field or "form": error.message},
            fingerprints=request.form.get("fingerprints", ""),
        )
    flash("The discussion has been saved." + (" The next step has been added." if step else ""))
    return redirect_to(
        url_for(
            "trios.discussion", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id
        )
        + ("#next-steps" if step else "")
    )


def _stale_now(lesson, progress, teaching, learned, original) -> StaleEdit:
    try:
        reflection.save_discussion(lesson, -1, progress, teaching, learned, None, original)
    except StaleEdit as stale:
        return stale
    raise AssertionError("a version of -1 is always stale")


@bp.route(PREFIX + "/next-steps/<int:step_id>/action", methods=["GET", "POST"])
@partnership_route(Permission.CONTRIBUTE)
def make_action(access, trio_id, lesson_id, step_id):
    trio, lesson = _lesson(access, trio_id, lesson_id)
    require_trio_change(access, trio)
    step = _in_lesson(NextStep, lesson, step_id)
    people = [m.user for m in trio.members]
    if request.method == "GET":
        # The whole step, not cut: if it is longer than a title may be, the page says so.
        form = MakeActionForm(people, formdata=None, title=step.text, owner_id=current_user.id)
        return render(
            "trios/make_action.html",
            "trios/_make_action.html",
            trio=trio,
            lesson=lesson,
            step=step,
            form=form,
        )
    form = MakeActionForm(people)
    if form.validate():
        with saving(form) as saved:
            action = reflection.make_action(
                step, lesson, form.title.data, form.owner_id.data, form.due_date.data, current_user
            )
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "action",
                action.id,
                f"made the next step “{action.title}” an action of “{trio.name}”",
                url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id),
            )
        if saved.ok:
            flash(f"“{action.title}” is now an action, owned by {action.owner.name}.")
            return redirect_to(
                url_for(
                    "trios.discussion",
                    partnership_id=access.partnership_id,
                    trio_id=trio.id,
                    lesson_id=lesson.id,
                )
                + "#next-steps"
            )
    return render(
        "trios/make_action.html",
        "trios/_make_action.html",
        422,
        trio=trio,
        lesson=lesson,
        step=step,
        form=form,
    )
