"""After the lesson: pupil voice, the post-lesson discussion and next steps that become actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from .. import merging
from ..extensions import db
from ..forms_common import too_long
from ..frameworks import linking
from ..models import Action, CasePupil, NextStep, PupilVoice, ResearchLesson, TrioMember, User
from ..models.base import utcnow
from ..pupil_details import problem_in
from ..services_errors import ServiceError, StaleEdit
from . import observing

STANDARD_QUESTIONS = (
    "What were you learning about today?",
    "What helped you to learn?",
    "Was anything difficult? What did you do when you got stuck?",
    "How did you feel during the lesson?",
    "What would help you learn even better next time?",
)
MAX_TEXT = 5000
DISCUSSION_LIMIT = 20000  # each of the discussion's answers
NEXT_STEP_LIMIT = 2000


def pupil_voice(lesson: ResearchLesson) -> list[PupilVoice]:
    return list(
        db.session.scalars(
            select(PupilVoice)
            .where(PupilVoice.lesson_id == lesson.id)
            .options(selectinload(PupilVoice.interviewer), selectinload(PupilVoice.case_pupil))
            .order_by(PupilVoice.created_at, PupilVoice.id)
        )
    )


def add_pupil_voice(
    lesson: ResearchLesson,
    case_pupil_id: int | None,
    interviewer: User,
    question: str,
    response: str,
    client_id: str | None = None,
    taken_at: datetime | None = None,
) -> PupilVoice:
    """Adds a note, once: as record_observation, a note id the lesson already has is answered with
    the note stored (the transaction rolled back), also when two copies arrive at once; its time
    is when Save was pressed."""
    pupil = db.session.get(CasePupil, case_pupil_id) if case_pupil_id else None
    if pupil is None or pupil.lesson_id != lesson.id:
        raise ServiceError("Choose the case pupil you talked to.", "case_pupil_id")
    if not response.strip():
        raise ServiceError("Write what the pupil said.", "response")
    if len(question) > 300:
        raise ServiceError(too_long(300), "own_question")
    if len(response) > MAX_TEXT:
        raise ServiceError(too_long(MAX_TEXT), "response")
    client_id = observing.client_id_of(client_id)
    received = utcnow()
    note = PupilVoice(
        partnership_id=lesson.partnership_id,
        lesson_id=lesson.id,
        case_pupil_id=pupil.id,
        interviewer_id=interviewer.id,
        question=question.strip(),
        response=response.strip(),
        created_at=observing.taken_time(lesson, taken_at, received),
        received_at=received,
    )
    if client_id is not None:
        note.client_id = client_id
    db.session.add(note)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()  # as record_observation: a repeat is answered with the note stored
        stored = _stored_voice(lesson.id, client_id)
        if stored is None:
            raise ServiceError(
                "The lesson plan has just changed: choose the case pupil again.", "case_pupil_id"
            ) from error
        return _interviewed_by(stored, interviewer)
    return note


def _stored_voice(lesson_id: int, client_id: str | None) -> PupilVoice | None:
    if client_id is None:
        return None
    return db.session.scalars(
        select(PupilVoice).where(PupilVoice.lesson_id == lesson_id, PupilVoice.client_id == client_id)
    ).first()


def _interviewed_by(stored: PupilVoice, interviewer: User) -> PupilVoice:
    if stored.interviewer_id != interviewer.id:
        raise ServiceError("This note has already been saved by another member of the trio.", "response")
    return stored


def delete_pupil_voice(note: PupilVoice) -> None:
    from ..evidence import services as evidence_files

    evidence_files.release_of("pupil_voice", [note.id])  # its files, once this commits
    db.session.delete(note)
    db.session.flush()


def discussion_values(
    lesson: ResearchLesson,
    progress: dict[int, str] | None = None,
    teaching: str | None = None,
    learned: str | None = None,
) -> dict[str, str]:
    """The discussion as named values (saved, or as sent), for fingerprints and merging."""
    values = {
        f"progress:{p.id}": (progress.get(p.id, "") if progress is not None else p.discussion_progress)
        for p in lesson.case_pupils
    }
    values["teaching"] = lesson.discussion_teaching if teaching is None else teaching
    values["learned"] = lesson.discussion_learned if learned is None else learned
    return values


def discussion_problems(
    progress: dict[int, str], teaching: str, learned: str, next_step: str
) -> dict[str, str]:
    """Text in the discussion that identifies a pupil (pupil_details), keyed by form field name.
    Every part of the discussion is about the case pupils, and the next step becomes an action."""
    fields = {f"progress-{pid}": text for pid, text in progress.items()}
    fields |= {"discussion_teaching": teaching, "discussion_learned": learned, "next_step": next_step}
    return {name: problem for name, text in fields.items() if (problem := problem_in(text))}


def save_discussion(
    lesson: ResearchLesson,
    expected_version: int,
    progress: dict[int, str],
    teaching: str,
    learned: str,
    user: User | None,
    original: dict[str, str] | None = None,
) -> ResearchLesson:
    """Case pupils' progress against predictions first, then the teaching, then what we learned.
    A stale save raises StaleEdit with the discussion merged three ways against `original`."""
    pupils = {p.id: p for p in lesson.case_pupils}
    if lesson.version != expected_version:
        saved = discussion_values(lesson)
        merge = merging.three_way(
            original or {}, discussion_values(lesson, progress, teaching, learned), saved
        )
        labels = {f"progress:{p.id}": f"Progress of pupil {p.label}" for p in lesson.case_pupils}
        labels |= {"teaching": "The teaching", "learned": "What we learned"}
        differences = [(labels[key], saved.get(key) or "(empty)") for key in merge.theirs + merge.conflicts]
        merged = (
            {pid: merge.values.get(f"progress:{pid}", "") for pid in pupils},
            merge.values.get("teaching", ""),
            merge.values.get("learned", ""),
        )
        raise StaleEdit(
            differences,
            lesson.updated_by.name if lesson.updated_by else None,
            lesson.updated_at,
            lesson.version,
            merged=merged,
            conflicts=[labels[k] for k in merge.conflicts],
            fingerprints=merging.fingerprints(saved),
        )
    for text in [teaching, learned, *progress.values()]:
        if len(text) > DISCUSSION_LIMIT:
            raise ServiceError(too_long(DISCUSSION_LIMIT))
    for pid, text in progress.items():
        if pid in pupils:
            pupils[pid].discussion_progress = text.strip()
    lesson.discussion_teaching, lesson.discussion_learned = teaching.strip(), learned.strip()
    lesson.updated_by_id = user.id if user else None
    flag_modified(lesson, "discussion_learned")
    db.session.flush()
    return lesson


def next_steps(lesson: ResearchLesson) -> list[NextStep]:
    return list(
        db.session.scalars(
            select(NextStep)
            .where(NextStep.lesson_id == lesson.id)
            .options(selectinload(NextStep.action))
            .order_by(NextStep.position)
        )
    )


def add_next_step(lesson: ResearchLesson, text: str) -> NextStep:
    if not text.strip():
        raise ServiceError("Write the next step.", "text")
    if len(text) > NEXT_STEP_LIMIT:
        raise ServiceError(too_long(NEXT_STEP_LIMIT), "text")
    position = (
        db.session.scalar(select(func.max(NextStep.position)).where(NextStep.lesson_id == lesson.id)) or 0
    ) + 1
    step = NextStep(
        partnership_id=lesson.partnership_id, lesson_id=lesson.id, position=position, text=text.strip()
    )
    db.session.add(step)
    db.session.flush()
    return step


def make_action(
    step: NextStep,
    lesson: ResearchLesson,
    title: str,
    owner_id: int | None,
    due_date: date | None,
    created_by: User,
) -> Action:
    """The next step becomes an action at the lesson's school, linked to the trio, the lesson and
    the trio's QIs and priorities."""
    if step.action_id is not None:
        raise ServiceError("This next step is already an action.")
    title = (title or step.text).strip()
    if not title:
        raise ServiceError("Give the action a title.", "title")
    if len(title) > 300:
        raise ServiceError(too_long(300), "title")
    members = {
        m.user_id for m in db.session.scalars(select(TrioMember).where(TrioMember.trio_id == lesson.trio_id))
    }
    if owner_id is not None and owner_id not in members:
        raise ServiceError("Choose the action's owner from the trio.", "owner_id")
    # One moment for all three: an action whose last progress is later than its creation has
    # had an update (the column defaults, each read of the clock apart, would say it had).
    now = utcnow()
    action = Action(
        partnership_id=lesson.partnership_id,
        title=title,
        description=step.text,
        school_id=lesson.school_id,
        owner_id=owner_id or created_by.id,
        due_date=due_date,
        trio_id=lesson.trio_id,
        lesson_id=lesson.id,
        created_by_id=created_by.id,
        created_at=now,
        updated_at=now,
        last_progress_at=now,
    )
    db.session.add(action)
    db.session.flush()
    trio_links = linking.links_for("trio", [lesson.trio_id]).get(lesson.trio_id, [])
    linking.set_links(
        lesson.partnership_id, "action", action.id, [e.id for e in trio_links if e.framework.is_current]
    )
    step.action_id = action.id
    db.session.flush()
    return action


def _describe_actions(partnership_id: int, ids: list[int]) -> dict[int, linking.LinkedRecord]:
    from flask import url_for

    rows = db.session.execute(
        select(Action.id, Action.title).where(Action.partnership_id == partnership_id, Action.id.in_(ids))
    ).all()
    return {
        aid: linking.LinkedRecord(
            "action", aid, title, url_for("actions.detail", partnership_id=partnership_id, action_id=aid)
        )
        for aid, title in rows
    }


linking.register_record_type("action", "Actions", _describe_actions)
