"""Observing a research lesson live, from several tablets at once."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    DateTime, Integer, Text, and_, bindparam, delete, exists, insert, literal_column, select, text, union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import hotpath
from ..access import AlongWith
from ..extensions import commit_keeping_loaded, db
from ..forms_common import too_long
from ..frameworks import linking
from ..models import (
    CasePupil, LessonStage, Observation, ResearchLesson, SelfEvaluationEvidence, Trio, TrioMember, User,
)
from ..models.base import utcnow
from ..models.partnerships import new_version
from ..services_errors import ServiceError
from . import feed_changes

MAX_TEXT = 5000

# The Leuven involvement scale (Laevers), as the observation page describes each level.
LEUVEN_LEVELS = {
    1: ("Extremely low", "Activity is simple, repetitive and passive; the pupil seems absent and shows no energy."),
    2: ("Low", "The activity is frequently interrupted; the pupil is engaged for part of the time."),
    3: ("Moderate", "The pupil is busy the whole time, but without real concentration; routine actions."),
    4: ("High", "Moments of intense activity; the pupil is absorbed and finds the activity meaningful."),
    5: ("Extremely high", "Continuous, intense activity: concentration, creativity, energy and persistence."),
}


def _describe_observations(partnership_id: int, ids: list[int]) -> dict[int, linking.LinkedRecord]:
    from flask import url_for

    rows = db.session.execute(
        select(Observation.id, Observation.lesson_id, ResearchLesson.trio_id, CasePupil.label, Observation.text,
               Observation.created_at)
        .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .join(CasePupil, Observation.case_pupil_id == CasePupil.id)
        .where(Observation.partnership_id == partnership_id, Observation.id.in_(ids))
    ).all()
    return {oid: linking.LinkedRecord(
        "observation", oid, f"Pupil {label}, {created:%-d %b %Y %H:%M}: {text[:80]}{'…' if len(text) > 80 else ''}",
        url_for("trios.sheet", partnership_id=partnership_id, trio_id=trio_id, lesson_id=lesson_id))
        for oid, lesson_id, trio_id, label, text, created in rows}


linking.register_record_type("observation", "Observations", _describe_observations)


@dataclass
class ObservationInput:
    case_pupil_id: int | None
    stage_id: int | None
    text: str
    leuven_score: int | None
    link_ids: list[int]


# The observation desk -------------------------------------------------------------------------
# What recording an observation needs to know about a lesson, read lean: several tablets post to
# the same lesson at once, and each post reads this again.

@dataclass(frozen=True, slots=True)
class PupilChoice:
    id: int
    label: str
    descriptor: str

    @property
    def display(self) -> str:  # as CasePupil.display
        return f"Pupil {self.label}" + (f": {self.descriptor}" if self.descriptor else "")


@dataclass(frozen=True, slots=True)
class StageChoice:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class TrioRef:
    id: int


@dataclass(frozen=True)
class LessonDesk:
    """A research lesson as the observation form sees it. It answers to the names the form and
    its template use for a ResearchLesson (id, partnership_id, case_pupils, stages, trio.id)."""

    id: int
    partnership_id: int
    trio: TrioRef
    case_pupils: list[PupilChoice]
    stages: list[StageChoice]
    observer_in_trio: bool


_DESK = (
    select(ResearchLesson.id, exists().where(TrioMember.trio_id == Trio.id, TrioMember.user_id == bindparam("user_id")))
    .join(Trio, Trio.id == ResearchLesson.trio_id)
    .where(ResearchLesson.id == bindparam("lesson_id"), Trio.id == bindparam("trio_id"),
           Trio.partnership_id == bindparam("partnership_id"), ResearchLesson.partnership_id == Trio.partnership_id)
)
_DESK_CHOICES = union_all(
    select(literal_column("'pupil'"), CasePupil.id, CasePupil.label, CasePupil.descriptor, CasePupil.position)
    .where(CasePupil.lesson_id == bindparam("lesson_id")),
    select(literal_column("'stage'"), LessonStage.id, LessonStage.title, literal_column("''"), LessonStage.position)
    .where(LessonStage.lesson_id == bindparam("lesson_id")),
)


def lesson_desk(partnership_id: int, trio_id: int, lesson_id: int, observer_id: int,
                checked: tuple | None = None) -> LessonDesk | None:
    """The lesson, if it is that trio's in that partnership, with its case pupils and stages and
    whether the observer is in the trio: two queries (hotpath.py), or one when the access check
    has already asked the first (`checked`: DESK's values)."""
    if checked is not None:
        found, in_trio = checked
        row = (lesson_id, in_trio) if found else None
    else:
        row = hotpath.first_row(_DESK, {"partnership_id": partnership_id, "trio_id": trio_id,
                                        "lesson_id": lesson_id, "user_id": observer_id})
    if row is None:
        return None
    pupils, stages = [], []
    for kind, record_id, text, descriptor, _ in sorted(hotpath.all_rows(_DESK_CHOICES, {"lesson_id": lesson_id}),
                                                       key=lambda r: (r[0], r[4], r[1])):
        if kind == "pupil":
            pupils.append(PupilChoice(record_id, text, descriptor or ""))
        else:
            stages.append(StageChoice(record_id, text))
    return LessonDesk(lesson_id, partnership_id, TrioRef(trio_id), pupils, stages, bool(row[1]))


def _check(lesson: ResearchLesson | LessonDesk, data: ObservationInput) -> None:
    if data.case_pupil_id not in {p.id for p in lesson.case_pupils}:
        raise ServiceError("Choose the case pupil you observed.", "case_pupil_id")
    if data.stage_id is not None and data.stage_id not in {s.id for s in lesson.stages}:
        raise ServiceError("Choose a stage of this lesson.", "stage_id")
    if not data.text.strip():
        raise ServiceError("Write what you saw.", "text")
    if len(data.text) > MAX_TEXT:
        raise ServiceError(too_long(MAX_TEXT), "text")
    if data.leuven_score is not None and data.leuven_score not in LEUVEN_LEVELS:
        raise ServiceError("Choose a Leuven score from 1 to 5, or none.", "leuven_score")


_INSERT = insert(Observation.__table__)  # built once, its values given as parameters


def record_observation(lesson: ResearchLesson | LessonDesk, observer_id: int, data: ObservationInput) -> int:
    """Adds an observation and answers its id. One INSERT, not through the unit of work: several
    tablets post at once (db.session.get gives the record to a caller that wants it)."""
    _check(lesson, data)
    now = utcnow()
    # The lesson's row first, as a plan save takes it first: on PostgreSQL a post and a plan
    # save then queue for it rather than each hold what the other waits for.
    feed_changes.move_on(db.session.connection(), lesson.id)
    try:
        observation_id = db.session.connection().execute(_INSERT, dict(
            partnership_id=lesson.partnership_id, lesson_id=lesson.id, case_pupil_id=data.case_pupil_id,
            stage_id=data.stage_id, observer_id=observer_id, text=data.text.strip(), leuven_score=data.leuven_score,
            created_at=now, updated_at=now)).inserted_primary_key[0]
    except IntegrityError as error:
        # The plan changed between reading it and saving (observations take the write lock late):
        # the pupil or stage has gone.
        raise ServiceError("The lesson plan has just changed: choose the case pupil and stage again.",
                           "case_pupil_id") from error
    if data.link_ids:  # a new observation has no links to keep in step
        linking.set_links(lesson.partnership_id, "observation", observation_id, data.link_ids)
    return observation_id


# On PostgreSQL, the observation and its lesson's new feed version in one statement, in a
# transaction of its own: a post of several tablets at once is one round trip, not five (BEGIN,
# INSERT, UPDATE, COMMIT). No row comes back when the lesson has gone.
_SAVE_AT_ONCE = text("""
WITH moved AS (
    UPDATE research_lesson SET feed_version = :new_version
    WHERE id = :lesson_id AND partnership_id = :partnership_id RETURNING id
)
INSERT INTO observation (partnership_id, lesson_id, case_pupil_id, stage_id, observer_id, text, leuven_score,
                         is_highlight, created_at, updated_at)
SELECT :partnership_id, moved.id, :case_pupil_id, :stage_id, :observer_id, :text, :leuven_score, false,
       :now, :now
FROM moved
RETURNING observation.id
""").bindparams(*(bindparam(name, type_=Integer) for name in (
    "new_version", "lesson_id", "partnership_id", "case_pupil_id", "stage_id", "observer_id", "leuven_score")),
    bindparam("text", type_=Text), bindparam("now", type_=DateTime(timezone=True)))


def save_observation(lesson: ResearchLesson | LessonDesk, observer_id: int, data: ObservationInput) -> int:
    """Records an observation and commits it, as the observation post does. On PostgreSQL an
    observation without tags is saved in one statement (_SAVE_AT_ONCE) on hotpath's connection;
    otherwise record_observation, then a commit that keeps what the request has loaded."""
    engine = db.engine
    if engine.dialect.name != "postgresql" or data.link_ids:
        observation_id = record_observation(lesson, observer_id, data)
        commit_keeping_loaded()
        return observation_id
    _check(lesson, data)
    try:
        row = hotpath.first_row(_SAVE_AT_ONCE, retry=False, params=dict(
            new_version=new_version(), lesson_id=lesson.id, partnership_id=lesson.partnership_id,
            case_pupil_id=data.case_pupil_id, stage_id=data.stage_id, observer_id=observer_id,
            text=data.text.strip(), leuven_score=data.leuven_score, now=utcnow()))
    except engine.dialect.loaded_dbapi.IntegrityError as error:
        raise ServiceError("The lesson plan has just changed: choose the case pupil and stage again.",
                           "case_pupil_id") from error
    if row is None:
        raise ServiceError("This lesson has just been removed: nothing was saved.", "text")
    return row[0]


def update_observation(observation: Observation, lesson: ResearchLesson, data: ObservationInput) -> Observation:
    _check(lesson, data)
    # The lesson's row first (as every writer takes it), and on even when only the tags change:
    # they are in the feed, but not in the observation's row.
    feed_changes.move_on(db.session.connection(), lesson.id)
    text = data.text.strip()
    if text != observation.text:
        # updated_at is when the text last changed: the feed's "(edited)". Other changes (the
        # pupil, the stage, the score, tags, a highlight) move the lesson's feed version on, so
        # every tablet still sees them, without calling the entry edited.
        observation.updated_at = utcnow()
    observation.case_pupil_id, observation.stage_id = data.case_pupil_id, data.stage_id
    observation.text, observation.leuven_score = text, data.leuven_score
    linking.set_links(lesson.partnership_id, "observation", observation.id, data.link_ids)
    db.session.flush()
    return observation


def delete_observation(observation: Observation) -> None:
    linking.remove_all_links("observation", [observation.id])
    # A self-evaluation that cited it no longer can: the id may be used again.
    db.session.execute(delete(SelfEvaluationEvidence).where(
        SelfEvaluationEvidence.evidence_type == "observation", SelfEvaluationEvidence.evidence_id == observation.id))
    db.session.execute(delete(Observation).where(Observation.id == observation.id))


def set_highlight(record, value: bool) -> None:
    # Not an edit: updated_at stays (the feed says "(edited)" from it). The lesson's feed version
    # moves on with the flush (feed_changes.py), so every observer's feed shows the star.
    record.is_highlight = value
    db.session.flush()


def _lesson_is(partnership_id, trio_id, lesson_id):
    return and_(ResearchLesson.id == lesson_id, ResearchLesson.trio_id == trio_id,
                ResearchLesson.partnership_id == partnership_id)


# The poll's question, asked in the access check's own round trip (access.AlongWith): the lesson's
# feed version (trios/feed_changes.py), NULL where the lesson is not that trio's in this partnership.
SIGNATURE = AlongWith(
    columns=(select(ResearchLesson.feed_version)
             .where(_lesson_is(bindparam("partnership_id"), bindparam("trio_id"), bindparam("lesson_id")))
             .scalar_subquery(),),
    params=("trio_id", "lesson_id"),
)
_SIGNATURE = select(*SIGNATURE.columns)

# The observation post's first question, asked in the access check's round trip: is the lesson
# that trio's in this partnership, and is the observer in the trio (lesson_desk's `checked`).
DESK = AlongWith(
    columns=(exists().where(_lesson_is(bindparam("partnership_id"), bindparam("trio_id"), bindparam("lesson_id"))),
             exists().where(TrioMember.trio_id == bindparam("trio_id"), TrioMember.user_id == bindparam("user_id"))),
    params=("trio_id", "lesson_id"),
)


def signature_of(values: tuple) -> str | None:
    """The feed's signature from SIGNATURE's values; None when there is no such lesson. It
    changes whenever an observation of the lesson is added, changed or removed."""
    (version,) = values
    return None if version is None else f"v{version}"


def feed_signature(partnership_id: int, trio_id: int, lesson_id: int) -> str | None:
    """The signature (signature_of) asked on its own: one row read by its key."""
    return signature_of(hotpath.first_row(
        _SIGNATURE, {"partnership_id": partnership_id, "trio_id": trio_id, "lesson_id": lesson_id}))


def since_token(signature: str, entries: int) -> str:
    """What a feed hands its next poll: the signature it was read under and how many entries it
    showed (for "2 new observations.")."""
    return f"{signature}.{entries}"


def unchanged_since(since: str, signature: str) -> bool:
    return since.partition(".")[0] == signature


def entries_in(since: str) -> int | None:
    """How many entries the feed that handed out `since` showed, if it says."""
    count = since.partition(".")[2]
    return int(count) if count.isdigit() and len(count) < 10 else None


def feed(lesson: ResearchLesson) -> list[Observation]:
    return list(db.session.scalars(
        select(Observation).where(Observation.lesson_id == lesson.id)
        .options(selectinload(Observation.case_pupil), selectinload(Observation.stage),
                 selectinload(Observation.observer))
        .order_by(Observation.created_at.desc(), Observation.id.desc())
    ))


def last_used(lesson: ResearchLesson, observer: User) -> tuple[int | None, int | None]:
    """The case pupil and stage this observer last wrote about, to offer them again."""
    row = db.session.execute(
        select(Observation.case_pupil_id, Observation.stage_id)
        .where(Observation.lesson_id == lesson.id, Observation.observer_id == observer.id)
        .order_by(Observation.created_at.desc(), Observation.id.desc()).limit(1)
    ).first()
    if row is None:
        first = lesson.case_pupils[0].id if lesson.case_pupils else None
        stage = lesson.stages[0].id if lesson.stages else None
        return first, stage
    return row[0], row[1]
