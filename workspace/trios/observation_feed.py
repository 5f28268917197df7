"""The observation feed every tablet in a lesson reads: its newest entries as rows, and the poll's
question (the lesson's feed version, trios/feed_changes.py) asked in the access check's round trip,
so that a poll with nothing new costs one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import joinedload

from ..access import AlongWith
from ..extensions import db, read_rows
from ..models import CasePupil, LessonStage, Observation, ResearchLesson, User


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
        read_rows(
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


def observations_of(lesson: ResearchLesson) -> list[Observation]:
    """The lesson's observations as records, newest first, with their observers (the lesson-study
    sheet). Each names one of the lesson's own pupils and stages: where the lesson's plan is
    loaded, those come from the session, without a query."""
    return list(
        db.session.scalars(
            select(Observation)
            .where(Observation.lesson_id == lesson.id)
            .options(joinedload(Observation.observer))
            .order_by(Observation.created_at.desc(), Observation.id.desc())
        )
    )


# The feed shows this many of the newest entries at first; "Show all" brings the rest. A lesson
# gathers a hundred or more, and every tablet reads the feed again after each change.
FEED_FIRST = 20


class FeedEntry(NamedTuple):
    """One entry of the live feed: just what it shows, read as a row, not a record."""

    id: int
    case_pupil_id: int
    stage_id: int | None
    observer_id: int | None
    text: str
    leuven_score: int | None
    is_highlight: bool
    created_at: datetime
    updated_at: datetime
    pupil: str
    stage: str | None
    observer: str | None

    @property
    def edited(self) -> bool:
        """The text changed after it was first saved (a correction within seconds is not an edit)."""
        return (self.updated_at - self.created_at).total_seconds() > 5


@dataclass
class FeedPage:
    entries: list[FeedEntry]
    total: int  # every entry of the lesson, shown or not

    @property
    def is_all(self) -> bool:
        return len(self.entries) >= self.total


_FEED = (
    select(
        Observation.id,
        Observation.case_pupil_id,
        Observation.stage_id,
        Observation.observer_id,
        Observation.text,
        Observation.leuven_score,
        Observation.is_highlight,
        Observation.created_at,
        Observation.updated_at,
        CasePupil.label,
        LessonStage.title,
        User.name,
        func.count().over(),  # before the LIMIT: how many the lesson has in all
    )
    # The pupil and the stage are the lesson's own. Saying so lets PostgreSQL read the lesson's few
    # rows by its index; joined on the id alone, it read and hashed the case pupils and stages of
    # every lesson of every partnership, a cost that grows with the whole database (1.3 of the
    # 1.4 ms this took for a lesson of 34 entries among 600 lessons; now 0.15 ms). That an entry's
    # pupil and stage are its lesson's is kept where entries are written (observing._check).
    .join(
        CasePupil,
        and_(Observation.case_pupil_id == CasePupil.id, CasePupil.lesson_id == bindparam("lesson_id")),
    )
    .outerjoin(
        LessonStage,
        and_(Observation.stage_id == LessonStage.id, LessonStage.lesson_id == bindparam("lesson_id")),
    )
    .outerjoin(User, Observation.observer_id == User.id)
    .where(Observation.lesson_id == bindparam("lesson_id"))
    .order_by(Observation.created_at.desc(), Observation.id.desc())
)
_FEED_FIRST = _FEED.limit(FEED_FIRST)


def feed(lesson: ResearchLesson, everything: bool = False) -> FeedPage:
    """The lesson's newest entries (FEED_FIRST of them, or every one), newest first, with the
    number it has in all: one query."""
    rows: list[Any] = list(read_rows(_FEED if everything else _FEED_FIRST, {"lesson_id": lesson.id}))
    return FeedPage([FeedEntry(*row[:-1]) for row in rows], rows[0][-1] if rows else 0)


_LAST_USED = (
    select(Observation.case_pupil_id, Observation.stage_id)
    .where(
        Observation.lesson_id == bindparam("lesson_id"), Observation.observer_id == bindparam("observer_id")
    )
    .order_by(Observation.created_at.desc(), Observation.id.desc())
    .limit(1)
)


def last_used(
    lesson: ResearchLesson, observer_id: int, feed: FeedPage | None = None
) -> tuple[int | None, int | None]:
    """The case pupil and stage this observer last wrote about, to offer them again: from the
    feed (newest first) where the page has read it and it shows one of theirs, or asked for."""
    mine = next((o for o in feed.entries if o.observer_id == observer_id), None) if feed else None
    if mine is not None:
        row: Any = (mine.case_pupil_id, mine.stage_id)
    elif feed is not None and feed.is_all:
        row = None
    else:
        row = read_rows(_LAST_USED, {"lesson_id": lesson.id, "observer_id": observer_id}).first()
    if row is None:
        first = lesson.case_pupils[0].id if lesson.case_pupils else None
        stage = lesson.stages[0].id if lesson.stages else None
        return first, stage
    return row[0], row[1]
