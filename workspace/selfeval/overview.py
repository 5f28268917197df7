"""Self-evaluations read back: a school's history theme by theme, the framework's pro-forma on a
date, and the partnership's table of judgements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..frameworks import labels, linking
from ..models import (
    Action,
    Framework,
    FrameworkElement,
    FrameworkLevel,
    Partnership,
    School,
    SelfEvaluation,
)
from .evidence import EvidenceItem, evidence_of
from .services import level_label, level_rank, qi_of


def follow_up_actions(evaluation: SelfEvaluation) -> list[Action]:
    return list(
        db.session.scalars(
            select(Action)
            .where(Action.self_evaluation_id == evaluation.id)
            .options(selectinload(Action.owner))
            .order_by(Action.id)
        )
    )


def evaluations_of(school: School) -> list[SelfEvaluation]:
    return list(
        db.session.scalars(
            select(SelfEvaluation)
            .where(SelfEvaluation.school_id == school.id)
            .options(
                joinedload(SelfEvaluation.element).joinedload(FrameworkElement.framework),
                joinedload(SelfEvaluation.element).joinedload(FrameworkElement.parent),
                joinedload(SelfEvaluation.created_by),
            )
            .order_by(SelfEvaluation.evaluated_on, SelfEvaluation.id)
        )
    )


def _levels_by_framework() -> dict[int, list[FrameworkLevel]]:
    levels = defaultdict(list)
    for level in db.session.scalars(select(FrameworkLevel).order_by(FrameworkLevel.position)):
        levels[level.framework_id].append(level)
    return levels


@dataclass
class HistoryPoint:
    evaluation: SelfEvaluation
    label: str
    movement: str  # "first", "up", "down", "same"


@dataclass
class ThemeHistory:
    element: FrameworkElement
    points: list[HistoryPoint] = field(default_factory=list)


def history(school: School) -> list[ThemeHistory]:
    """Per theme (or QI), every evaluation in date order and the movement from the one before."""
    levels = _levels_by_framework()
    grouped: dict[int, ThemeHistory] = {}
    for evaluation in evaluations_of(school):
        scale = levels[evaluation.element.framework_id]
        entry = grouped.setdefault(evaluation.element_id, ThemeHistory(evaluation.element))
        rank = next((level_rank(lvl) for lvl in scale if lvl.key == evaluation.level), 0)
        if entry.points:
            before = entry.points[-1].evaluation
            previous = next((level_rank(lvl) for lvl in scale if lvl.key == before.level), 0)
            movement = "up" if rank > previous else "down" if rank < previous else "same"
        else:
            movement = "first"
        entry.points.append(HistoryPoint(evaluation, level_label(scale, evaluation.level), movement))
    return sorted(
        grouped.values(), key=lambda h: (h.element.framework_id, h.element.number, h.element.position)
    )


def proforma_dates(school: School) -> list[date]:
    return list(
        db.session.scalars(
            select(SelfEvaluation.evaluated_on)
            .where(SelfEvaluation.school_id == school.id)
            .distinct()
            .order_by(SelfEvaluation.evaluated_on.desc())
        )
    )


@dataclass
class ProformaRow:
    evaluation: SelfEvaluation
    qi: FrameworkElement
    level_label: str
    evidence: list[EvidenceItem]
    actions: list[Action]


def proforma(school: School, on: date) -> dict[str, list[ProformaRow]]:
    """The pro-forma for one school and date: by category, each QI or theme with the three answers."""
    levels = _levels_by_framework()
    rows: dict[str, list[ProformaRow]] = {
        "Leadership and management": [],
        "Learning provision": [],
        "Successes and achievements": [],
    }
    for evaluation in evaluations_of(school):
        if evaluation.evaluated_on != on:
            continue
        qi = qi_of(evaluation.element)
        category = qi.parent.title if qi.parent else "Other"
        rows.setdefault(category, []).append(
            ProformaRow(
                evaluation,
                qi,
                level_label(levels[evaluation.element.framework_id], evaluation.level),
                evidence_of(evaluation),
                follow_up_actions(evaluation),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class Judgement:
    element: labels.ElementLabel
    label: str  # the level, in its framework's words
    on: date

    @property
    def level_class(self) -> str:
        return "level--" + self.label.lower().replace(" ", "-")


def partnership_table(partnership: Partnership) -> tuple[list[School], list[tuple[str, str]], dict]:
    """Schools against QI numbers: the latest judgement of each theme or QI a school evaluated.
    Read as rows (a large partnership has a thousand or more), named from the framework labels."""
    schools = list(
        db.session.scalars(
            select(School).where(School.partnership_id == partnership.id).order_by(School.name)
        )
    )
    columns = [
        (n, t)
        for n, t in db.session.execute(
            select(FrameworkElement.number, FrameworkElement.title)
            .join(Framework, FrameworkElement.framework_id == Framework.id)
            .where(Framework.key == "hgios4", Framework.is_current.is_(True), FrameworkElement.kind == "qi")
            .order_by(FrameworkElement.number)
        )
    ]
    latest = (
        select(
            SelfEvaluation.school_id,
            SelfEvaluation.element_id,
            func.max(SelfEvaluation.evaluated_on).label("on"),
        )
        .where(SelfEvaluation.partnership_id == partnership.id)
        .group_by(SelfEvaluation.school_id, SelfEvaluation.element_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            SelfEvaluation.school_id,
            SelfEvaluation.element_id,
            SelfEvaluation.level,
            SelfEvaluation.evaluated_on,
        )
        .join(
            latest,
            (SelfEvaluation.school_id == latest.c.school_id)
            & (SelfEvaluation.element_id == latest.c.element_id)
            & (SelfEvaluation.evaluated_on == latest.c.on),
        )
        .order_by(SelfEvaluation.id)
    ).all()
    named = labels.labels(row.element_id for row in rows)
    # Each level's words by framework and key, looked up once per judgement (a large partnership's
    # table holds more than a thousand), as level_label finds them: the key itself where unknown.
    words = {
        (framework_id, level.key): level.label
        for framework_id, scale in _levels_by_framework().items()
        for level in scale
    }
    cells: dict[tuple[int, str], dict[int, Judgement]] = defaultdict(dict)
    for school_id, element_id, level, on in rows:  # a later id on the same day wins
        element = named[element_id]
        cells[(school_id, element.number)][element_id] = Judgement(
            element, words.get((element.framework_id, level), level), on
        )
    return schools, columns, {key: list(value.values()) for key, value in cells.items()}


def proforma_template() -> dict:
    """The STEM framework's pro-forma: its title and its three questions."""
    stem = db.session.scalar(select(Framework).where(Framework.key == "stem", Framework.is_current.is_(True)))
    return (stem.extra or {}).get("proforma", {}) if stem else {}


def element_label(element: FrameworkElement) -> str:
    return linking.element_label(element)
