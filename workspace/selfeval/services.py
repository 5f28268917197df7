"""Self-evaluation: what can be evaluated, on which scale, and recording a school's dated
judgement, its evidence and follow-up actions. Reading them back: evidence.py (what can be cited,
and what was), overview.py (history, the pro-forma, the partnership's table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import select

from ..extensions import db
from ..forms_common import too_long
from ..models import (
    Action,
    Framework,
    FrameworkElement,
    FrameworkLevel,
    Observation,
    Partnership,
    ProgressUpdate,
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
