"""Keeping ResearchLesson.feed_version in step with what a lesson's observation feed shows.

Whenever a flush adds, changes or removes an observation, a case pupil or a lesson stage (their
labels and titles are in the feed), or renames an observer, the lessons concerned get a new feed_version in the same
transaction. A bulk statement on those tables moves on the versions of the lessons whose rows it
touches: the rows it names, read just before it runs. The observation poll compares this one
number (observation_feed.SIGNATURE), so a poll is answered from one row however long the feed grows,
and, because the version moves on inside the writing transaction, an observation is never hidden
by a version read before it was committed.
"""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session

from ..models import CasePupil, LessonStage, Observation, ResearchLesson, User
from ..models.partnerships import new_version

_WATCHED = (Observation, CasePupil, LessonStage)
_WATCHED_TABLES = {model.__table__ for model in _WATCHED}
_PENDING = "feeds_changed_in"
# SET updated_at = updated_at: the lesson's own "last changed" stays the plan's.
_MOVE_ON = (
    update(ResearchLesson)
    .where(ResearchLesson.id == bindparam("lesson"))
    .values(feed_version=bindparam("new_version"), updated_at=ResearchLesson.updated_at)
)


def move_on(connection, lesson_id: int) -> None:
    """A new feed version for one lesson, on the transaction's connection: for writes that do not
    go through the session's flush (the observation post's prepared INSERT)."""
    connection.execute(_MOVE_ON, {"lesson": lesson_id, "new_version": new_version()})


_MOVE_ON_ALL = (
    update(ResearchLesson)
    .where(ResearchLesson.id.in_(bindparam("lessons", expanding=True)))
    .values(feed_version=bindparam("new_version"), updated_at=ResearchLesson.updated_at)
)


def _move_on_all(connection, lesson_ids: set[int]) -> None:
    lesson_ids = {lesson for lesson in lesson_ids if lesson is not None}
    if len(lesson_ids) == 1:  # an observation's post, edit or removal: its own lesson
        move_on(connection, lesson_ids.pop())
    elif lesson_ids:
        connection.execute(_MOVE_ON_ALL, {"lessons": sorted(lesson_ids), "new_version": new_version()})


def _lessons_observed_by(session: Session, user_id: int) -> set[int]:
    with session.no_autoflush:
        return set(
            session.scalars(
                select(Observation.lesson_id).where(Observation.observer_id == user_id).distinct()
            )
        )


def _collect(session: Session, _context, _instances) -> None:
    """The lessons whose rows the flush will change move on first, before the flush writes: on
    PostgreSQL every writer then takes a lesson's row before the rows that depend on it (as an
    observation post and a plan save both do), and none waits on the other in a circle. Records
    new with their lesson (a pupil added in the same flush) have its id only after the flush."""
    lessons, new = set(), []
    for record in session.new:
        if isinstance(record, _WATCHED):
            (lessons.add(record.lesson_id) if record.lesson_id is not None else new.append(record))
    for record in session.dirty:
        if isinstance(record, _WATCHED) and session.is_modified(record, include_collections=False):
            lessons.add(record.lesson_id)
        elif (
            isinstance(record, User)
            and record.id is not None
            and inspect(record).attrs.name.history.has_changes()
        ):
            lessons |= _lessons_observed_by(session, record.id)  # the feed names each entry's observer
    for record in session.deleted:
        if isinstance(record, _WATCHED):
            lessons.add(record.lesson_id)
    if lessons:
        _move_on_all(session.connection(), lessons)
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


def _bump(session: Session, _context) -> None:
    new = session.info.pop(_PENDING, None)
    if new:
        _move_on_all(session.connection(), {record.lesson_id for record in new})


def _bulk(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table not in _WATCHED_TABLES:
        return
    connection = state.session.connection()
    statement = update(ResearchLesson).values(
        feed_version=new_version(), updated_at=ResearchLesson.updated_at
    )
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        if rows and all("lesson_id" in row for row in rows):
            _move_on_all(connection, {row["lesson_id"] for row in rows})
            return
        # Values not given as parameters: every lesson's feed moves on (nothing does this).
    else:
        lessons = select(table.c.lesson_id)
        if state.statement.whereclause is not None:
            lessons = lessons.where(state.statement.whereclause)
        # Before the statement runs: a removed row's lesson is still there to be read.
        statement = statement.where(ResearchLesson.id.in_(lessons))
    connection.execute(statement)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


# The session events this module listens to; create_app registers them (listen_to_session).
LISTENERS = (
    ("before_flush", _collect),
    ("after_flush", _bump),
    ("do_orm_execute", _bulk),
    ("after_rollback", _forget),
)
