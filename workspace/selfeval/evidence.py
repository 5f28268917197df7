"""A self-evaluation's evidence: what a school could cite (its actions' progress, its trios'
observations) and what an evaluation cited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Action,
    CasePupil,
    Observation,
    Partnership,
    ProgressUpdate,
    ResearchLesson,
    School,
    SelfEvaluation,
    SelfEvaluationEvidence,
)
from .services import EVIDENCE_LIMIT


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
