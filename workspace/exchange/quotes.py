"""The starred observations a finding quotes: read live from the trio while the finding is in its
partnership, and from the approved copies once it is published (the library never shows a live
observation). Each quote is its text, lesson and stage alone: no pupil label, no descriptor.
Checking the quotes before a finding travels is the finding's own check (findings._check_quotes).
No request globals here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Finding, FindingObservation, LessonStage, Observation, ResearchLesson, Trio


@dataclass(frozen=True)
class StarredObservation:
    """A starred observation as a finding may quote it: no pupil label, no descriptor."""

    id: int
    lesson: str
    stage: str
    text: str


def starred_observations(trio: Trio, only: list[int] | None = None) -> list[StarredObservation]:
    """The trio's starred observations (or those of them in `only`), oldest first, without pupils."""
    statement = (
        select(Observation.id, ResearchLesson, LessonStage.title, Observation.text)
        .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .outerjoin(LessonStage, Observation.stage_id == LessonStage.id)
        .where(ResearchLesson.trio_id == trio.id, Observation.is_highlight.is_(True))
        .order_by(Observation.created_at, Observation.id)
    )
    if only is not None:
        if not only:
            return []
        statement = statement.where(Observation.id.in_(only))
    return [
        StarredObservation(oid, lesson.title, stage or "", text)
        for oid, lesson, stage, text in db.session.execute(statement)
    ]


def quotes_of(finding: Finding) -> list[StarredObservation]:
    """The quotes a finding shows: the approved copies while it is published, else the trio's
    starred observations as they are now (read only in the partnership)."""
    if not finding.is_published:
        return starred_observations(finding.trio, [s.observation_id for s in finding.starred])
    return published_quotes([finding])[finding.id]


def published_quotes(found: list[Finding]) -> dict[int, list[StarredObservation]]:
    """The approved copies of these published findings' quotes, by finding, in one query."""
    result: dict[int, list[StarredObservation]] = {f.id: [] for f in found}
    if not found:
        return result
    rows = db.session.scalars(
        select(FindingObservation)
        .where(FindingObservation.finding_id.in_(list(result)), FindingObservation.quoted_text.is_not(None))
        .order_by(FindingObservation.id)
    )
    for row in rows:
        result[row.finding_id].append(
            StarredObservation(
                row.observation_id, row.quoted_lesson or "", row.quoted_stage or "", row.quoted_text or ""
            )
        )
    return result
