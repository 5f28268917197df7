"""Self-evaluation: recording a school's dated judgement, its evidence and follow-up actions,
and reading them back as history, as the pro-forma, and across the partnership."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..forms_common import too_long
from ..frameworks import labels, linking
from ..models import (
    Action,
    CasePupil,
    Framework,
    FrameworkElement,
    FrameworkLevel,
    Observation,
    Partnership,
    ProgressUpdate,
    ResearchLesson,
    School,
    SelfEvaluation,
    SelfEvaluationEvidence,
    User,
)
from ..models.selfeval import EVIDENCE_TYPES
from ..services_errors import ServiceError

MAX_TEXT = 20000
EVIDENCE_LIMIT = 40


# What can be evaluated ----------------------------------------------------------------------------


def is_evaluable(element: FrameworkElement) -> bool:
    """A theme of a STEM framework QI, or a HGIOS4 or HGIOELC QI, of a current framework."""
    framework = element.framework
    if not framework.is_current:
        return False
    if framework.key == "stem":
        return element.kind == "theme"
    return framework.key in ("hgios4", "hgioelc") and element.kind == "qi"


@dataclass
class Choice:
    group: str
    element: FrameworkElement
    label: str


def evaluable_choices() -> list[Choice]:
    """For the "what are you evaluating" list, grouped by framework and QI."""
    rows = db.session.execute(
        select(FrameworkElement, Framework)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(
            Framework.is_current.is_(True),
            Framework.key.in_(("stem", "hgios4", "hgioelc")),
            FrameworkElement.kind.in_(("qi", "theme")),
        )
        .order_by(
            FrameworkElement.framework_id,
            FrameworkElement.number,
            FrameworkElement.kind,
            FrameworkElement.position,
        )
    ).all()
    qis: dict[int | None, FrameworkElement] = {e.id: e for e, _ in rows if e.kind == "qi"}
    choices = []
    for element, framework in rows:
        if framework.key == "stem" and element.kind == "theme":
            qi = qis.get(element.parent_id)
            choices.append(
                Choice(
                    f"STEM framework, QI {element.number} {qi.title if qi else ''}".strip(),
                    element,
                    element.title,
                )
            )
        elif framework.key in ("hgios4", "hgioelc") and element.kind == "qi":
            choices.append(Choice(framework.title, element, f"QI {element.number} {element.title}"))
    order = {"STEM": 0, "How good is our school": 1, "How good is our early": 2}
    return sorted(choices, key=lambda c: next((v for k, v in order.items() if c.group.startswith(k)), 9))


def levels_for(element: FrameworkElement) -> list[FrameworkLevel]:
    return list(
        db.session.scalars(
            select(FrameworkLevel)
            .where(FrameworkLevel.framework_id == element.framework_id)
            .order_by(FrameworkLevel.position)
        )
    )


def level_rank(level: FrameworkLevel) -> int:
    """Higher is better on either scale: the six-point scale has values; the progression levels run upwards."""
    return level.value if level.value is not None else level.position + 1


def level_label(levels: list[FrameworkLevel], key: str) -> str:
    return next((lvl.label for lvl in levels if lvl.key == key), key)


def qi_of(element: FrameworkElement) -> FrameworkElement:
    if element.kind != "theme":
        return element
    if element.parent is None:
        raise ValueError(f"Theme {element.id} has no QI: the framework's data is broken.")
    return element.parent


# Recording -----------------------------------------------------------------------------------------


def _check_evidence(partnership: Partnership, items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    items = list(dict.fromkeys(items))
    if len(items) > EVIDENCE_LIMIT:
        raise ServiceError(f"Cite at most {EVIDENCE_LIMIT} pieces of evidence.", "evidence")
    models = {"observation": Observation, "progress_update": ProgressUpdate, "action": Action}
    for kind, record_id in items:
        if kind not in EVIDENCE_TYPES:
            raise ServiceError("That is not a kind of evidence the workspace knows.", "evidence")
        # The three models' common base is all a checker can tell of models[kind]; each has partnership_id.
        record = cast(Observation | ProgressUpdate | Action | None, db.session.get(models[kind], record_id))
        if record is None or record.partnership_id != partnership.id:
            raise ServiceError(
                "Evidence must come from this partnership's observations, progress updates and actions.",
                "evidence",
            )
    return items


def record_evaluation(
    partnership: Partnership,
    school: School,
    element_id: int | None,
    evaluated_on: date | None,
    level: str,
    how_well: str,
    how_know: str,
    what_now: str,
    evidence: list[tuple[str, int]],
    author: User,
    today: date | None = None,
) -> SelfEvaluation:
    element = db.session.get(FrameworkElement, element_id) if element_id else None
    if element is None or not is_evaluable(element):
        raise ServiceError("Choose a theme of a STEM framework QI, or a HGIOS4 or HGIOELC QI.", "element_id")
    if school.partnership_id != partnership.id:
        raise ServiceError("Choose one of the partnership's schools.", "school_id")
    if evaluated_on is None:
        raise ServiceError("Enter the date of the evaluation.", "evaluated_on")
    if evaluated_on > (today or date.today()):
        raise ServiceError("The date of an evaluation cannot be in the future.", "evaluated_on")
    if level not in {lvl.key for lvl in levels_for(element)}:
        raise ServiceError("Choose a level.", "level")
    for name, text in (("how_well", how_well), ("how_know", how_know), ("what_now", what_now)):
        if len(text) > MAX_TEXT:
            raise ServiceError(too_long(MAX_TEXT), name)
    if not how_well.strip():
        raise ServiceError("Answer “How well are we doing?”.", "how_well")
    items = _check_evidence(partnership, evidence)
    evaluation = SelfEvaluation(
        partnership_id=partnership.id,
        school_id=school.id,
        element_id=element.id,
        evaluated_on=evaluated_on,
        level=level,
        how_well=how_well.strip(),
        how_know=how_know.strip(),
        what_now=what_now.strip(),
        created_by_id=author.id,
    )
    db.session.add(evaluation)
    db.session.flush()
    for kind, record_id in items:
        db.session.add(
            SelfEvaluationEvidence(
                partnership_id=partnership.id,
                self_evaluation_id=evaluation.id,
                evidence_type=kind,
                evidence_id=record_id,
            )
        )
    db.session.flush()
    return evaluation


def make_follow_up_action(
    evaluation: SelfEvaluation, title: str, owner_id: int | None, due_date: date | None, created_by: User
) -> Action:
    """An action answering "What are we going to do now?", at the school, linked to the theme or QI."""
    from ..actions import services as action_services

    partnership = db.session.get_one(Partnership, evaluation.partnership_id)
    action = action_services.create_action(
        partnership,
        created_by,
        title,
        evaluation.what_now,
        evaluation.school_id,
        owner_id,
        due_date,
        "not_started",
        [evaluation.element_id],
    )
    action.self_evaluation_id = evaluation.id
    db.session.flush()
    return action


# Reading --------------------------------------------------------------------------------------------


@dataclass
class EvidenceItem:
    kind: str
    id: int
    text: str
    meta: str
    url_args: dict


def evidence_candidates(partnership: Partnership, school: School) -> dict[str, list[EvidenceItem]]:
    """What a school can cite: its actions, their progress updates with evidence of impact, and
    observations from research lessons at the school (highlights first). Three queries."""
    actions = db.session.execute(
        select(Action.id, Action.title, Action.status)
        .where(Action.partnership_id == partnership.id, Action.school_id == school.id)
        .order_by(Action.created_at.desc())
        .limit(EVIDENCE_LIMIT)
    ).all()
    updates = db.session.execute(
        select(ProgressUpdate.id, ProgressUpdate.evidence, ProgressUpdate.created_at, Action.id, Action.title)
        .join(Action, ProgressUpdate.action_id == Action.id)
        .where(
            Action.partnership_id == partnership.id,
            Action.school_id == school.id,
            ProgressUpdate.evidence != "",
        )
        .order_by(ProgressUpdate.created_at.desc())
        .limit(EVIDENCE_LIMIT)
    ).all()
    observations = db.session.execute(
        select(
            Observation.id,
            Observation.text,
            Observation.is_highlight,
            CasePupil.label,
            ResearchLesson.lesson_date,
            ResearchLesson.trio_id,
            ResearchLesson.id,
        )
        .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .join(CasePupil, Observation.case_pupil_id == CasePupil.id)
        .where(Observation.partnership_id == partnership.id, ResearchLesson.school_id == school.id)
        .order_by(Observation.is_highlight.desc(), Observation.created_at.desc())
        .limit(EVIDENCE_LIMIT)
    ).all()
    return {
        "action": [
            EvidenceItem("action", aid, title, status.replace("_", " "), {"action_id": aid})
            for aid, title, status in actions
        ],
        "progress_update": [
            EvidenceItem("progress_update", uid, evidence, f"{title}, {when:%-d %b %Y}", {"action_id": aid})
            for uid, evidence, when, aid, title in updates
        ],
        "observation": [
            EvidenceItem(
                "observation",
                oid,
                text,
                f"Pupil {label}"
                + (f", lesson of {d:%-d %b %Y}" if d else "")
                + (", highlight" if hl else ""),
                {"trio_id": trio_id, "lesson_id": lesson_id},
            )
            for oid, text, hl, label, d, trio_id, lesson_id in observations
        ],
    }


def evidence_of(evaluation: SelfEvaluation) -> list[EvidenceItem]:
    cited = db.session.scalars(
        select(SelfEvaluationEvidence).where(SelfEvaluationEvidence.self_evaluation_id == evaluation.id)
    ).all()
    pid = evaluation.partnership_id  # every lookup below stays inside the partnership
    by_kind = defaultdict(list)
    for row in cited:
        by_kind[row.evidence_type].append(row.evidence_id)
    items = []
    if by_kind["action"]:
        items += [
            EvidenceItem("action", a.id, a.title, a.status_label, {"action_id": a.id})
            for a in db.session.scalars(
                select(Action).where(Action.id.in_(by_kind["action"]), Action.partnership_id == pid)
            )
        ]
    if by_kind["progress_update"]:
        items += [
            EvidenceItem(
                "progress_update",
                u.id,
                u.evidence or u.text,
                f"Progress update, {u.created_at:%-d %b %Y}",
                {"action_id": u.action_id},
            )
            for u in db.session.scalars(
                select(ProgressUpdate).where(
                    ProgressUpdate.id.in_(by_kind["progress_update"]), ProgressUpdate.partnership_id == pid
                )
            )
        ]
    if by_kind["observation"]:
        rows = db.session.execute(
            select(Observation, ResearchLesson.trio_id)
            .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
            .options(joinedload(Observation.case_pupil))
            .where(Observation.id.in_(by_kind["observation"]), Observation.partnership_id == pid)
        ).all()
        items += [
            EvidenceItem(
                "observation",
                o.id,
                o.text,
                f"Observation of pupil {o.case_pupil.label}",
                {"trio_id": trio_id, "lesson_id": o.lesson_id},
            )
            for o, trio_id in rows
        ]
    return items


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
    levels = _levels_by_framework()
    cells: dict[tuple[int, str], dict[int, Judgement]] = defaultdict(dict)
    for school_id, element_id, level, on in rows:  # a later id on the same day wins
        element = named[element_id]
        cells[(school_id, element.number)][element_id] = Judgement(
            element, level_label(levels[element.framework_id], level), on
        )
    return schools, columns, {key: list(value.values()) for key, value in cells.items()}


def proforma_template() -> dict:
    """The STEM framework's pro-forma: its title and its three questions."""
    stem = db.session.scalar(select(Framework).where(Framework.key == "stem", Framework.is_current.is_(True)))
    return (stem.extra or {}).get("proforma", {}) if stem else {}


def element_label(element: FrameworkElement) -> str:
    return linking.element_label(element)
