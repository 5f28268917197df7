"""Planning a research lesson together: details, stages, case pupils and predictions.

Several teachers edit one plan. Each save names the version it started from; a save from an
older version is refused with what changed (StaleEdit), and the form keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from .. import merging
from ..extensions import db
from ..forms_common import parse_id, too_long
from ..models import (
    CasePupil,
    Cycle,
    LessonStage,
    Observation,
    Prediction,
    PupilVoice,
    ResearchLesson,
    School,
    User,
)
from ..pupil_details import problem_in
from ..services_errors import ServiceError, StaleEdit
from .services import _teacher_and_school

MAX_STAGES = 12
MAX_PUPILS = 6


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


# What a plan is read with: its stages and case pupils, joined in the lesson's own statement. A
# plan is a handful of each, so the rows (stages times pupils) are few, and the lesson comes in one
# statement, not three: about half the time of loading each list by a statement of its own.
PLAN = (joinedload(ResearchLesson.stages), joinedload(ResearchLesson.case_pupils))
# What a lesson's heading shows (its cycle's number for the title, the school's and teacher's
# names), in the lesson's query: those columns only, as they repeat on each of its plan's rows.
HEADING = (
    joinedload(ResearchLesson.cycle).load_only(Cycle.number),
    joinedload(ResearchLesson.school).load_only(School.name),
    joinedload(ResearchLesson.teacher).load_only(User.name),
)


def load_plan(lesson_id: int) -> ResearchLesson:
    return (
        db.session.execute(select(ResearchLesson).where(ResearchLesson.id == lesson_id).options(*PLAN))
        .unique()
        .scalar_one()
    )


def predictions_of(lesson: ResearchLesson) -> dict[tuple[int, int], str]:
    pupil_ids = [p.id for p in lesson.case_pupils]
    if not pupil_ids:
        return {}
    return {
        (p.case_pupil_id, p.stage_id): p.text
        for p in db.session.scalars(select(Prediction).where(Prediction.case_pupil_id.in_(pupil_ids)))
    }


def plan_of(lesson: ResearchLesson) -> PlanInput:
    """The saved plan, in the shape the form edits."""
    return PlanInput(
        lesson_date=lesson.lesson_date,
        school_id=lesson.school_id,
        class_stage=lesson.class_stage,
        subject=lesson.subject,
        teacher_id=lesson.teacher_id,
        learning_intentions=lesson.learning_intentions,
        success_criteria=lesson.success_criteria,
        stages=[StageInput(s.id, s.title, s.description) for s in lesson.stages],
        pupils=[PupilInput(p.id, p.label, p.descriptor, p.success_criterion) for p in lesson.case_pupils],
        predictions=predictions_of(lesson),
    )


def validate_plan(plan: PlanInput) -> dict[str, str]:
    """Problems with the plan, keyed by form field name."""
    errors: dict[str, str] = {}
    stages = [s for s in plan.stages if s.title.strip() or s.description.strip()]
    pupils = [
        p for p in plan.pupils if p.label.strip() or p.descriptor.strip() or p.success_criterion.strip()
    ]
    if len(stages) > MAX_STAGES:
        errors["stages"] = f"A lesson has at most {MAX_STAGES} stages."
    if len(pupils) > MAX_PUPILS:
        errors["pupils"] = f"Observe at most {MAX_PUPILS} case pupils."
    for index, stage in enumerate(plan.stages):
        if stage.description.strip() and not stage.title.strip():
            errors[f"stage-{index}-title"] = "Give this stage a title, or clear its description to remove it."
        if len(stage.title) > 200:
            errors[f"stage-{index}-title"] = too_long(200)
    labels = set()
    for index, pupil in enumerate(plan.pupils):
        if not (pupil.label.strip() or pupil.descriptor.strip() or pupil.success_criterion.strip()):
            continue
        label = pupil.label.strip()
        if not label:
            errors[f"pupil-{index}-label"] = "Give this case pupil a label, such as D."
        elif len(label) > 10:
            errors[f"pupil-{index}-label"] = "Keep a label short: a letter, such as A."
        elif label.lower() in labels:
            errors[f"pupil-{index}-label"] = f"Two case pupils are labelled {label}."
        labels.add(label.lower())
        if len(pupil.descriptor) > 300:
            errors[f"pupil-{index}-descriptor"] = too_long(300)
        # Case pupils are described, never identified (pupil_details).
        for name, text in (
            (f"pupil-{index}-label", pupil.label),
            (f"pupil-{index}-descriptor", pupil.descriptor),
            (f"pupil-{index}-criterion", pupil.success_criterion),
        ):
            if problem := problem_in(text):
                errors[name] = problem
    for (pupil_id, stage_id), text in plan.predictions.items():
        if problem := problem_in(text):
            errors[f"prediction-{pupil_id}-{stage_id}"] = problem
    for name, text, limit in (("class_stage", plan.class_stage, 100), ("subject", plan.subject, 120)):
        if len(text) > limit:
            errors[name] = too_long(limit)
    return errors


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


def _merge_stale(lesson: ResearchLesson, plan: PlanInput, original: dict[str, str] | None) -> StaleEdit:
    """What to show when a save is stale: the plan merged three ways, and what the other person changed."""
    saved = plan_of(lesson)
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


def _refuse_losing_records(lesson: ResearchLesson, plan: PlanInput) -> None:
    """Removing a case pupil or a stage must not take observations or pupil voice with it.

    Every pupil and stage the lesson has now is checked, whether or not the form sent its row."""
    kept_pupils = {p.id for p in plan.pupils if p.id and p.label.strip()}
    kept_stages = {s.id for s in plan.stages if s.id and s.title.strip()}
    rows = {p.id: index for index, p in enumerate(plan.pupils) if p.id}
    for pupil in lesson.case_pupils:
        index = rows.get(pupil.id, 0)
        if pupil.id not in kept_pupils:
            observed = db.session.scalar(
                select(func.count(Observation.id)).where(Observation.case_pupil_id == pupil.id)
            )
            voiced = db.session.scalar(
                select(func.count(PupilVoice.id)).where(PupilVoice.case_pupil_id == pupil.id)
            )
            if observed or voiced:
                raise ServiceError(
                    f"This case pupil has {observed} observation{'s' if observed != 1 else ''} and {voiced} pupil-voice "
                    f"note{'s' if voiced != 1 else ''}; removing the pupil would lose them. Keep the row (you can "
                    "change the descriptor).",
                    f"pupil-{index}-label",
                )
    rows = {s.id: index for index, s in enumerate(plan.stages) if s.id}
    for stage in lesson.stages:
        index = rows.get(stage.id, 0)
        if stage.id not in kept_stages:
            observed = db.session.scalar(
                select(func.count(Observation.id)).where(Observation.stage_id == stage.id)
            )
            if observed:
                raise ServiceError(
                    f"{observed} observation{'s were' if observed != 1 else ' was'} recorded in this stage; removing it "
                    "would separate them from their stage. Keep the stage (you can rename it).",
                    f"stage-{index}-title",
                )


def save_plan(
    lesson: ResearchLesson,
    expected_version: int,
    plan: PlanInput,
    user: User | None,
    original: dict[str, str] | None = None,
) -> ResearchLesson:
    """Saves the whole plan at once. If someone saved since expected_version, raises StaleEdit
    carrying the plan merged three ways against `original` (the fingerprints the form opened with)."""
    if lesson.version != expected_version:
        raise _merge_stale(lesson, plan, original)
    _teacher_and_school(lesson.trio, plan.teacher_id, plan.school_id)
    _refuse_losing_records(lesson, plan)
    lesson.lesson_date = plan.lesson_date
    lesson.school_id = plan.school_id
    lesson.class_stage = plan.class_stage.strip()
    lesson.subject = plan.subject.strip()
    lesson.teacher_id = plan.teacher_id
    lesson.learning_intentions = plan.learning_intentions.strip()
    lesson.success_criteria = plan.success_criteria.strip()
    lesson.updated_by_id = user.id if user else None
    flag_modified(lesson, "learning_intentions")  # every save moves the version on, once

    existing_stages: dict[int | None, LessonStage] = {s.id: s for s in lesson.stages}
    kept_stages = []
    for position, stage_input in enumerate(s for s in plan.stages if s.title.strip()):
        stage = existing_stages.get(stage_input.id) or LessonStage(lesson=lesson)
        stage.position, stage.title, stage.description = (
            position,
            stage_input.title.strip(),
            stage_input.description.strip(),
        )
        kept_stages.append(stage)
    for stage in lesson.stages:
        if stage not in kept_stages:
            db.session.delete(stage)
    lesson.stages = kept_stages

    existing_pupils: dict[int | None, CasePupil] = {p.id: p for p in lesson.case_pupils}
    kept_pupils = []
    # Labels are unique per lesson: clear the old ones first so that A and B can swap.
    for pupil in lesson.case_pupils:
        pupil.label = f"~{pupil.id}"
    db.session.flush()
    for position, pupil_input in enumerate(p for p in plan.pupils if p.label.strip()):
        pupil = existing_pupils.get(pupil_input.id) or CasePupil(lesson=lesson)
        pupil.position, pupil.label = position, pupil_input.label.strip()
        pupil.descriptor, pupil.success_criterion = (
            pupil_input.descriptor.strip(),
            pupil_input.success_criterion.strip(),
        )
        kept_pupils.append(pupil)
    for pupil in lesson.case_pupils:
        if pupil not in kept_pupils:
            db.session.delete(pupil)
    lesson.case_pupils = kept_pupils
    db.session.flush()

    stage_ids = {s.id for s in kept_stages}
    pupil_ids = {p.id for p in kept_pupils}
    saved = {
        (p.case_pupil_id, p.stage_id): p
        for p in db.session.scalars(select(Prediction).where(Prediction.case_pupil_id.in_(pupil_ids or {0})))
    }
    for (pupil_id, stage_id), text in plan.predictions.items():
        if pupil_id not in pupil_ids or stage_id not in stage_ids:
            continue
        text = text.strip()
        prediction = saved.get((pupil_id, stage_id))
        if prediction is None and text:
            db.session.add(Prediction(case_pupil_id=pupil_id, stage_id=stage_id, text=text))
        elif prediction is not None and prediction.text != text:
            prediction.text = text
    db.session.flush()
    return lesson
