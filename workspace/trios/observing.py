"""Observing a research lesson live, from several tablets at once: saving each note exactly once,
editing and deleting it. What the tablets read back (the feed and its poll) is observation_feed.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms_common import too_long
from ..frameworks import linking
from ..models import CasePupil, Observation, ResearchLesson, SelfEvaluationEvidence
from ..models.base import utcnow
from ..services_errors import ServiceError, StaleEdit
from ..templating import SCOTLAND
from . import feed_changes

MAX_TEXT = 5000
# How far ahead of the server's clock a tablet's may run and its "pressed Save" still be believed.
CLOCK_DRIFT = timedelta(minutes=1)

# The Leuven involvement scale (Laevers), as the observation page describes each level.
LEUVEN_LEVELS = {
    1: (
        "Extremely low",
        "Activity is simple, repetitive and passive; the pupil seems absent and shows no energy.",
    ),
    2: ("Low", "The activity is frequently interrupted; the pupil is engaged for part of the time."),
    3: ("Moderate", "The pupil is busy the whole time, but without real concentration; routine actions."),
    4: ("High", "Moments of intense activity; the pupil is absorbed and finds the activity meaningful."),
    5: ("Extremely high", "Continuous, intense activity: concentration, creativity, energy and persistence."),
}


def _describe_observations(partnership_id: int, ids: list[int]) -> dict[int, linking.LinkedRecord]:
    from flask import url_for

    rows = db.session.execute(
        select(
            Observation.id,
            Observation.lesson_id,
            ResearchLesson.trio_id,
            CasePupil.label,
            Observation.text,
            Observation.created_at,
        )
        .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .join(CasePupil, Observation.case_pupil_id == CasePupil.id)
        .where(Observation.partnership_id == partnership_id, Observation.id.in_(ids))
    ).all()
    return {
        oid: linking.LinkedRecord(
            "observation",
            oid,
            f"Pupil {label}, {created:%-d %b %Y %H:%M}: {text[:80]}{'…' if len(text) > 80 else ''}",
            url_for("trios.sheet", partnership_id=partnership_id, trio_id=trio_id, lesson_id=lesson_id),
        )
        for oid, lesson_id, trio_id, label, text, created in rows
    }


linking.register_record_type("observation", "Observations", _describe_observations)


@dataclass
class ObservationInput:
    case_pupil_id: int | None
    stage_id: int | None
    text: str
    leuven_score: int | None
    link_ids: list[int]
    # A new note: the id the tablet gave it (see record_observation) and when Save was pressed.
    client_id: str | None = None
    taken_at: datetime | None = None


def client_id_of(value: str | None) -> str | None:
    """A tablet's id for a note, as stored (a UUID's canonical form); None for anything else."""
    try:
        return str(UUID(value)) if value and len(value) <= 36 else None
    except ValueError:
        return None


def taken_at_of(value: str | None) -> datetime | None:
    """When Save was pressed, as the page sends it (an ISO 8601 time with its offset, as
    JavaScript's toISOString gives); None where it is missing or not a time."""
    if not value or len(value) > 40:
        return None
    try:
        taken = datetime.fromisoformat(value)
    except ValueError:
        return None
    return taken.astimezone(UTC) if taken.tzinfo else None


def taken_time(lesson: ResearchLesson, taken_at: datetime | None, received_at: datetime) -> datetime:
    """The entry's time: when the teacher pressed Save, by the tablet's clock, where that is
    believable: not in the future beyond a minute of drift, not before the lesson's day (in
    Scotland) began. Otherwise, or where the tablet did not say, when the note reached us."""
    if taken_at is None or taken_at > received_at + CLOCK_DRIFT:
        return received_at
    day_began = datetime.combine(lesson.lesson_date, time(), SCOTLAND) if lesson.lesson_date else None
    if day_began is not None and taken_at < day_began:
        return received_at
    return taken_at


def _check(lesson: ResearchLesson, data: ObservationInput) -> int:
    """Refuses what the lesson cannot hold; the case pupil's id, checked."""
    case_pupil_id = data.case_pupil_id
    if case_pupil_id is None or case_pupil_id not in {p.id for p in lesson.case_pupils}:
        raise ServiceError("Choose the case pupil you observed.", "case_pupil_id")
    if data.stage_id is not None and data.stage_id not in {s.id for s in lesson.stages}:
        raise ServiceError("Choose a stage of this lesson.", "stage_id")
    if not data.text.strip():
        raise ServiceError("Write what you saw.", "text")
    if len(data.text) > MAX_TEXT:
        raise ServiceError(too_long(MAX_TEXT), "text")
    if data.leuven_score is not None and data.leuven_score not in LEUVEN_LEVELS:
        raise ServiceError("Choose a Leuven score from 1 to 5, or none.", "leuven_score")
    return case_pupil_id


def stored_note(lesson_id: int, client_id: str) -> Observation | None:
    return db.session.scalars(
        select(Observation).where(Observation.lesson_id == lesson_id, Observation.client_id == client_id)
    ).first()


def record_observation(lesson: ResearchLesson, observer_id: int, data: ObservationInput) -> Observation:
    """Adds an observation of the lesson, once. A note whose client id the lesson already has (the
    tablet sent it again after its reply was lost, or two copies arrived at the same moment) is
    refused by the lesson's unique constraint; the transaction is rolled back and the entry stored
    is the answer. (The caller's own writes go with that rollback, as they would on PostgreSQL
    after any refused statement: record the note first, as the view does.) A new note costs no
    statement more than before: no look-up first, no savepoint. The flush moves the lesson's feed
    version on first (feed_changes.py), so tablets polling see it once it is committed."""
    case_pupil_id = _check(lesson, data)
    client_id = client_id_of(data.client_id)
    received = utcnow()
    taken = taken_time(lesson, data.taken_at, received)
    observation = Observation(
        partnership_id=lesson.partnership_id,
        lesson_id=lesson.id,
        case_pupil_id=case_pupil_id,
        stage_id=data.stage_id,
        observer_id=observer_id,
        text=data.text.strip(),
        leuven_score=data.leuven_score,
        created_at=taken,
        updated_at=taken,
        received_at=received,
    )
    if client_id is not None:
        observation.client_id = client_id
    db.session.add(observation)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        stored = stored_note(lesson.id, client_id) if client_id is not None else None
        if stored is not None:
            return _theirs(stored, observer_id)
        # The plan changed between reading it and saving (observations take the write lock late):
        # the pupil or stage has gone.
        raise ServiceError(
            "The lesson plan has just changed: choose the case pupil and stage again.", "case_pupil_id"
        ) from error
    if data.link_ids:
        linking.set_links(lesson.partnership_id, "observation", observation.id, data.link_ids)
    return observation


def _theirs(stored: Observation, observer_id: int) -> Observation:
    if stored.observer_id != observer_id:
        # Only a tablet that copied another's note id gets here: it is not given that note.
        raise ServiceError("This note has already been saved by another observer.", "text")
    return stored


def update_observation(
    observation: Observation, lesson: ResearchLesson, data: ObservationInput, base_version: int
) -> Observation:
    """Changes an entry, where it is still the version the edit began from (StaleEdit if not:
    the teacher changed it meanwhile on another tablet, or an old edit arrived late)."""
    case_pupil_id = _check(lesson, data)
    # The lesson's row first (as every writer takes it), and on even when only the tags change:
    # they are in the feed, but not in the observation's row.
    feed_changes.move_on(db.session.connection(), lesson.id)
    # The version moves on only from the one the edit began with: of two edits at once, one wins.
    moved = cast(
        CursorResult[Any],
        db.session.execute(
            update(Observation)
            .where(Observation.id == observation.id, Observation.version == base_version)
            .values(version=base_version + 1),
            execution_options={"synchronize_session": False},
        ),
    )
    if moved.rowcount != 1:
        db.session.refresh(observation)
        raise StaleEdit(_differences(observation, data), None, observation.updated_at, observation.version)
    observation.version = base_version + 1
    text = data.text.strip()
    if text != observation.text:
        # updated_at is when the text last changed: the feed's "(edited)". Other changes (the
        # pupil, the stage, the score, tags, a highlight) move the lesson's feed version on, so
        # every tablet still sees them, without calling the entry edited.
        observation.updated_at = utcnow()
    observation.case_pupil_id, observation.stage_id = case_pupil_id, data.stage_id
    observation.text, observation.leuven_score = text, data.leuven_score
    linking.set_links(lesson.partnership_id, "observation", observation.id, data.link_ids)
    db.session.flush()
    return observation


def _differences(saved: Observation, sent: ObservationInput) -> list[tuple[str, str]]:
    differences = []
    if saved.text != sent.text.strip():
        differences.append(("What you saw", saved.text))
    if saved.case_pupil_id != sent.case_pupil_id:
        differences.append(("Case pupil", f"Pupil {saved.case_pupil.label}"))
    if saved.stage_id != sent.stage_id:
        differences.append(("Lesson stage", saved.stage.title if saved.stage else "Not one stage"))
    if saved.leuven_score != sent.leuven_score:
        differences.append(("Leuven involvement", str(saved.leuven_score or "No score")))
    return differences


def entry_of(lesson: ResearchLesson, observation_id: int) -> int | None:
    """The id, where the lesson has that observation."""
    return db.session.scalar(
        select(Observation.id).where(Observation.id == observation_id, Observation.lesson_id == lesson.id)
    )


def delete_observation(observation: Observation) -> None:
    from ..evidence import services as evidence_files

    evidence_files.release_of("observation", [observation.id])  # its photos, once this commits
    linking.remove_all_links("observation", [observation.id])
    # A self-evaluation that cited it no longer can: the id may be used again.
    db.session.execute(
        delete(SelfEvaluationEvidence).where(
            SelfEvaluationEvidence.evidence_type == "observation",
            SelfEvaluationEvidence.evidence_id == observation.id,
        )
    )
    db.session.execute(delete(Observation).where(Observation.id == observation.id))


def set_highlight(record, value: bool) -> None:
    # Not an edit: updated_at stays (the feed says "(edited)" from it). The lesson's feed version
    # moves on with the flush (feed_changes.py), so every observer's feed shows the star.
    record.is_highlight = value
    db.session.flush()
