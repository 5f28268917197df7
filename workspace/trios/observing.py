"""Observing a research lesson live, from several tablets at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..access import AlongWith
from ..extensions import db
from ..forms_common import too_long
from ..frameworks import linking
from ..models import CasePupil, Observation, ResearchLesson, SelfEvaluationEvidence
from ..models.base import utcnow
from ..services_errors import ServiceError
from . import feed_changes

MAX_TEXT = 5000

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


def record_observation(lesson: ResearchLesson, observer_id: int, data: ObservationInput) -> Observation:
    """Adds an observation of the lesson. The flush moves the lesson's feed version on first
    (feed_changes.py), so tablets polling see it once it is committed."""
    _check(lesson, data)
    now = utcnow()
    observation = Observation(
        partnership_id=lesson.partnership_id,
        lesson_id=lesson.id,
        case_pupil_id=data.case_pupil_id,
        stage_id=data.stage_id,
        observer_id=observer_id,
        text=data.text.strip(),
        leuven_score=data.leuven_score,
        created_at=now,
        updated_at=now,
    )
    db.session.add(observation)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The plan changed between reading it and saving (observations take the write lock late):
        # the pupil or stage has gone. The caller rolls back.
        raise ServiceError(
            "The lesson plan has just changed: choose the case pupil and stage again.", "case_pupil_id"
        ) from error
    if data.link_ids:
        linking.set_links(lesson.partnership_id, "observation", observation.id, data.link_ids)
    return observation


def update_observation(
    observation: Observation, lesson: ResearchLesson, data: ObservationInput
) -> Observation:
    case_pupil_id = _check(lesson, data)
    # The lesson's row first (as every writer takes it), and on even when only the tags change:
    # they are in the feed, but not in the observation's row.
    feed_changes.move_on(db.session.connection(), lesson.id)
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


def delete_observation(observation: Observation) -> None:
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


def _lesson_is(partnership_id, trio_id, lesson_id):
    return and_(
        ResearchLesson.id == lesson_id,
        ResearchLesson.trio_id == trio_id,
        ResearchLesson.partnership_id == partnership_id,
    )


# The poll's question, asked in the access check's own round trip (access.AlongWith): the lesson's
# feed version (trios/feed_changes.py), NULL where the lesson is not that trio's in this partnership.
SIGNATURE = AlongWith(
    columns=(
        select(ResearchLesson.feed_version)
        .where(_lesson_is(bindparam("partnership_id"), bindparam("trio_id"), bindparam("lesson_id")))
        .scalar_subquery(),
    ),
    params=("trio_id", "lesson_id"),
)
_SIGNATURE = select(*SIGNATURE.columns)


def signature_of(values: tuple) -> str | None:
    """The feed's signature from SIGNATURE's values; None when there is no such lesson. It
    changes whenever an observation of the lesson is added, changed or removed."""
    (version,) = values
    return None if version is None else f"v{version}"


def feed_signature(partnership_id: int, trio_id: int, lesson_id: int) -> str | None:
    """The signature (signature_of) asked on its own: one row read by its key."""
    return signature_of(
        db.session.execute(
            _SIGNATURE, {"partnership_id": partnership_id, "trio_id": trio_id, "lesson_id": lesson_id}
        ).one()
    )


def since_token(signature: str | None, entries: int) -> str:
    """What a feed hands its next poll: the signature it was read under and how many entries it
    showed (for "2 new observations."). A lesson gone meanwhile has no signature: its token
    matches none."""
    return f"{signature}.{entries}"


def unchanged_since(since: str, signature: str) -> bool:
    return since.partition(".")[0] == signature


def entries_in(since: str) -> int | None:
    """How many entries the feed that handed out `since` showed, if it says."""
    count = since.partition(".")[2]
    return int(count) if count.isdigit() and len(count) < 10 else None


def feed(lesson: ResearchLesson) -> list[Observation]:
    """The lesson's observations, newest first, with their observers. Each names one of the
    lesson's own pupils and stages: where the lesson's plan is loaded (observe_views), those
    come from the session, without a query."""
    return list(
        db.session.scalars(
            select(Observation)
            .where(Observation.lesson_id == lesson.id)
            .options(joinedload(Observation.observer))
            .order_by(Observation.created_at.desc(), Observation.id.desc())
        )
    )


def last_used(
    lesson: ResearchLesson, observer_id: int, feed: list[Observation] | None = None
) -> tuple[int | None, int | None]:
    """The case pupil and stage this observer last wrote about, to offer them again: from the
    lesson's feed (newest first) where the page has read it, or asked for."""
    if feed is not None:
        mine = next((o for o in feed if o.observer_id == observer_id), None)
        row = (mine.case_pupil_id, mine.stage_id) if mine is not None else None
    else:
        row = db.session.execute(
            select(Observation.case_pupil_id, Observation.stage_id)
            .where(Observation.lesson_id == lesson.id, Observation.observer_id == observer_id)
            .order_by(Observation.created_at.desc(), Observation.id.desc())
            .limit(1)
        ).first()
    if row is None:
        first = lesson.case_pupils[0].id if lesson.case_pupils else None
        stage = lesson.stages[0].id if lesson.stages else None
        return first, stage
    return row[0], row[1]
