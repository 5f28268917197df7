"""Planning a research lesson together: details, stages, case pupils and predictions.

Several teachers edit one plan. Each save names the version it started from; a save from an
older version is refused with what changed (StaleEdit, from plan_edits.py), and the form keeps
what was typed.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from ..extensions import db
from ..forms_common import too_long
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
from ..services_errors import ServiceError
from . import plan_edits
from .plan_edits import PlanInput, PupilInput, StageInput
from .services import _teacher_and_school

MAX_STAGES = 12
MAX_PUPILS = 6


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
        raise plan_edits.stale_edit(lesson, plan, plan_of(lesson), original)
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
