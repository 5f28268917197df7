"""A lesson's plan as its form gives it, and what a stale save of it becomes.

Several teachers edit one plan. The form's values are named (`flatten`) and fingerprinted when
the form opens; a save from an older version is merged three ways against those fingerprints
(`stale_edit`): what the other person changed is shown, and what was typed is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import merging
from ..forms_common import parse_id
from ..models import ResearchLesson
from ..services_errors import StaleEdit


@dataclass
class StageInput:
    id: int | None
    title: str
    description: str = ""


@dataclass
class PupilInput:
    id: int | None
    label: str
    descriptor: str = ""
    success_criterion: str = ""


@dataclass
class PlanInput:
    lesson_date: date | None
    school_id: int | None
    class_stage: str
    subject: str
    teacher_id: int | None
    learning_intentions: str
    success_criteria: str
    stages: list[StageInput] = field(default_factory=list)
    pupils: list[PupilInput] = field(default_factory=list)
    predictions: dict[tuple[int, int], str] = field(default_factory=dict)  # (pupil id, stage id) -> text


def flatten(plan: PlanInput) -> dict[str, str]:
    """The plan as named values, for fingerprints and three-way merging. Rows are keyed by id."""
    values = {
        "lesson_date": plan.lesson_date.isoformat() if plan.lesson_date else "",
        "school_id": str(plan.school_id or ""),
        "class_stage": plan.class_stage,
        "subject": plan.subject,
        "teacher_id": str(plan.teacher_id or ""),
        "learning_intentions": plan.learning_intentions,
        "success_criteria": plan.success_criteria,
    }
    for stage in plan.stages:
        if stage.id:
            values[f"stage:{stage.id}:title"] = stage.title
            values[f"stage:{stage.id}:description"] = stage.description
    for pupil in plan.pupils:
        if pupil.id:
            values[f"pupil:{pupil.id}:label"] = pupil.label
            values[f"pupil:{pupil.id}:descriptor"] = pupil.descriptor
            values[f"pupil:{pupil.id}:criterion"] = pupil.success_criterion
    for pupil in plan.pupils:
        for stage in plan.stages:
            if pupil.id and stage.id:
                values[f"prediction:{pupil.id}:{stage.id}"] = plan.predictions.get((pupil.id, stage.id), "")
    return values


def plan_fingerprints(plan: PlanInput) -> str:
    return merging.fingerprints(flatten(plan))


def _describe(key: str, saved: PlanInput) -> str:
    stages = {s.id: s.title for s in saved.stages}
    pupils = {p.id: p.label for p in saved.pupils}
    simple = {
        "lesson_date": "Date",
        "school_id": "School",
        "class_stage": "Class or stage",
        "subject": "Subject",
        "teacher_id": "Who teaches",
        "learning_intentions": "Learning intentions",
        "success_criteria": "Success criteria",
    }
    if key in simple:
        return simple[key]
    kind, *ids = key.split(":")
    if kind == "stage":
        return f"Stage “{stages.get(int(ids[0]), '')}”: {'title' if ids[1] == 'title' else 'what happens'}"
    if kind == "pupil":
        return f"Pupil {pupils.get(int(ids[0]), '')}: {ids[1].replace('criterion', 'success criterion')}"
    return f"Prediction for pupil {pupils.get(int(ids[0]), '')} in “{stages.get(int(ids[1]), '')}”"


def _shown(key: str, value: str, lesson: ResearchLesson) -> str:
    if key == "school_id":
        return lesson.school.name if lesson.school else "not set"
    if key == "teacher_id":
        return lesson.teacher.name if lesson.teacher else "not set"
    return value or "(empty)"


def stale_edit(
    lesson: ResearchLesson, plan: PlanInput, saved: PlanInput, original: dict[str, str] | None
) -> StaleEdit:
    """What to show when a save is stale: the plan (`plan`, as typed) merged three ways with the
    one saved now (`saved`) against the one the form opened with (`original`'s fingerprints), and
    what the other person changed."""
    merge = merging.three_way(original or {}, flatten(plan), flatten(saved))
    values = merge.values

    def value(key, default=""):
        return values.get(key, default)

    new_stages = [s for s in plan.stages if not s.id and (s.title.strip() or s.description.strip())]
    new_pupils = [p for p in plan.pupils if not p.id and (p.label.strip() or p.descriptor.strip())]
    # A row they removed that I changed comes back as a new row, reported as a conflict.
    saved_stage_ids, saved_pupil_ids = {s.id for s in saved.stages}, {p.id for p in saved.pupils}
    revived = []
    for stage in plan.stages:
        if (
            stage.id
            and stage.id not in saved_stage_ids
            and stage.title.strip()
            and (
                merging.fingerprint(stage.title) != (original or {}).get(f"stage:{stage.id}:title")
                or merging.fingerprint(stage.description)
                != (original or {}).get(f"stage:{stage.id}:description")
            )
        ):
            new_stages.append(StageInput(None, stage.title, stage.description))
            revived.append(
                f"Stage “{stage.title.strip()}” (they removed it; your version is back as a new stage)"
            )
    for pupil in plan.pupils:
        if (
            pupil.id
            and pupil.id not in saved_pupil_ids
            and pupil.label.strip()
            and (
                merging.fingerprint(pupil.descriptor) != (original or {}).get(f"pupil:{pupil.id}:descriptor")
                or merging.fingerprint(pupil.success_criterion)
                != (original or {}).get(f"pupil:{pupil.id}:criterion")
            )
        ):
            new_pupils.append(PupilInput(None, pupil.label, pupil.descriptor, pupil.success_criterion))
            revived.append(
                f"Pupil {pupil.label.strip()} (they removed the pupil; your version is back as a new row)"
            )
    merged = PlanInput(
        lesson_date=date.fromisoformat(value("lesson_date")) if value("lesson_date") else None,
        school_id=parse_id(value("school_id")),
        class_stage=value("class_stage"),
        subject=value("subject"),
        teacher_id=parse_id(value("teacher_id")),
        learning_intentions=value("learning_intentions"),
        success_criteria=value("success_criteria"),
        stages=[
            StageInput(s.id, value(f"stage:{s.id}:title"), value(f"stage:{s.id}:description"))
            for s in saved.stages
        ]
        + new_stages,
        pupils=[
            PupilInput(
                p.id,
                value(f"pupil:{p.id}:label"),
                value(f"pupil:{p.id}:descriptor"),
                value(f"pupil:{p.id}:criterion"),
            )
            for p in saved.pupils
        ]
        + new_pupils,
        predictions={
            (p.id, s.id): value(f"prediction:{p.id}:{s.id}")
            for p in saved.pupils
            if p.id
            for s in saved.stages
            if s.id
        },
    )
    saved_values = flatten(saved)
    live = [key for key in merge.theirs + merge.conflicts if key in saved_values]
    differences = [(_describe(key, saved), _shown(key, saved_values.get(key, ""), lesson)) for key in live]
    differences += [(label, "removed") for label in revived]
    conflicts = [_describe(k, saved) for k in merge.conflicts if k in saved_values] + revived
    return StaleEdit(
        differences,
        lesson.updated_by.name if lesson.updated_by else None,
        lesson.updated_at,
        lesson.version,
        merged=merged,
        conflicts=conflicts,
        fingerprints=plan_fingerprints(saved),
    )
