"""The trio lesson-study record and the school self-evaluation pro-forma, gathered from the
database in a fixed number of queries. No request globals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import (
    CasePupil,
    Framework,
    LessonStage,
    Membership,
    NextStep,
    Observation,
    Partnership,
    Prediction,
    PupilVoice,
    ResearchLesson,
    School,
    Trio,
)
from ..models.actions import ACTION_STATUS_LABELS
from ..reference import Sector
from .enquiry_data import day as _day
from .evidence_figures import FilesShown, files_of, shown

NOT_STARTED = ACTION_STATUS_LABELS["not_started"]


def _with_school(user, schools_of: dict[int, str]) -> str:
    return f"{user.name} ({schools_of[user.id]})" if user.id in schools_of else user.name


def _pupil(label: str, descriptor: str) -> str:
    return f"Pupil {label}" + (f" ({descriptor})" if descriptor else "")


# The trio lesson-study record -------------------------------------------------------------------------


@dataclass
class LessonRecord:
    title: str
    details: list[tuple[str, str]]
    stages: list[tuple[str, str]]
    pupils: list[list[str]]  # label, descriptor, success criterion
    grids: list[tuple[str, list[list[str]]]]  # per pupil: stage, prediction, observed
    voice: list[list[str]]  # pupil, question, response
    progress: list[tuple[str, str]]
    teaching: str
    learned: str
    next_steps: list[str]
    # The highlighted observations and pupil-voice notes that have files: (what it is, its files).
    observed_files: list[tuple[str, FilesShown]] = field(default_factory=list)
    voice_files: list[tuple[str, FilesShown]] = field(default_factory=list)


@dataclass
class TrioRecord:
    partnership: str
    name: str
    focus: str
    status: str
    members: list[str]
    links: list[str]
    lessons: list[LessonRecord]
    produced_on: date


def trio_record(trio: Trio, today: date | None = None) -> TrioRecord:
    from ..frameworks import linking

    partnership = db.session.get_one(Partnership, trio.partnership_id)
    lessons = db.session.scalars(
        select(ResearchLesson)
        .where(ResearchLesson.trio_id == trio.id)
        .order_by(ResearchLesson.cycle_id, ResearchLesson.number)
    ).all()
    lesson_ids = [lesson.id for lesson in lessons]
    stages = defaultdict(list)
    for stage in db.session.scalars(
        select(LessonStage).where(LessonStage.lesson_id.in_(lesson_ids or [0])).order_by(LessonStage.position)
    ):
        stages[stage.lesson_id].append(stage)
    pupils = defaultdict(list)
    for pupil in db.session.scalars(
        select(CasePupil).where(CasePupil.lesson_id.in_(lesson_ids or [0])).order_by(CasePupil.position)
    ):
        pupils[pupil.lesson_id].append(pupil)
    pupil_ids = [p.id for group in pupils.values() for p in group]
    predictions = {
        (p.case_pupil_id, p.stage_id): p.text
        for p in db.session.scalars(select(Prediction).where(Prediction.case_pupil_id.in_(pupil_ids or [0])))
    }
    observed = defaultdict(list)
    highlighted = defaultdict(list)  # lesson: its highlighted observations, in order
    for o in db.session.scalars(
        select(Observation)
        .where(Observation.lesson_id.in_(lesson_ids or [0]))
        .order_by(Observation.created_at, Observation.id)
    ):
        observed[(o.case_pupil_id, o.stage_id)].append(
            o.text
            + (f" (Leuven {o.leuven_score})" if o.leuven_score else "")
            + (" [highlight]" if o.is_highlight else "")
        )
        if o.is_highlight:
            highlighted[o.lesson_id].append(o)
    voice = defaultdict(list)
    for note in db.session.scalars(
        select(PupilVoice).where(PupilVoice.lesson_id.in_(lesson_ids or [0])).order_by(PupilVoice.created_at)
    ):
        voice[note.lesson_id].append(note)
    observation_files = files_of("observation", [o.id for group in highlighted.values() for o in group])
    voice_files = files_of("pupil_voice", [n.id for group in voice.values() for n in group if n.is_highlight])
    steps = defaultdict(list)
    for step in db.session.scalars(
        select(NextStep).where(NextStep.lesson_id.in_(lesson_ids or [0])).order_by(NextStep.position)
    ):
        steps[step.lesson_id].append(step.text)
    records = []
    for lesson in lessons:
        lesson_pupils = pupils[lesson.id]
        by_id = {p.id: p for p in lesson_pupils}
        stage_titles = {s.id: s.title for s in stages[lesson.id]}

        def pupil_of(case_pupil_id, by_id=by_id):
            return f"Pupil {by_id[case_pupil_id].label}" if case_pupil_id in by_id else ""

        records.append(
            LessonRecord(
                title=f"Cycle {lesson.cycle.number}, lesson {lesson.number}"
                + (f": {lesson.subject}" if lesson.subject else ""),
                details=[
                    ("Date", _day(lesson.lesson_date)),
                    ("School", lesson.school.name if lesson.school else ""),
                    ("Class or stage", lesson.class_stage),
                    ("Taught by", lesson.teacher.name if lesson.teacher else ""),
                    ("Learning intentions", lesson.learning_intentions),
                    ("Success criteria", lesson.success_criteria),
                ],
                stages=[(s.title, s.description) for s in stages[lesson.id]],
                pupils=[[p.label, p.descriptor, p.success_criterion] for p in lesson_pupils],
                grids=[
                    (
                        _pupil(p.label, p.descriptor),
                        [
                            [
                                s.title,
                                predictions.get((p.id, s.id), ""),
                                "\n".join(observed.get((p.id, s.id), [])) or "—",
                            ]
                            for s in stages[lesson.id]
                        ]
                        + (
                            [["Whole lesson", "", "\n".join(observed[(p.id, None)])]]
                            if observed.get((p.id, None))
                            else []
                        ),
                    )
                    for p in lesson_pupils
                ],
                voice=[
                    [
                        f"Pupil {by_id[n.case_pupil_id].label}" if n.case_pupil_id in by_id else "",
                        n.question,
                        n.response + (" [highlight]" if n.is_highlight else ""),
                    ]
                    for n in voice[lesson.id]
                ],
                progress=[
                    (f"Pupil {p.label}", p.discussion_progress)
                    for p in lesson_pupils
                    if p.discussion_progress
                ],
                teaching=lesson.discussion_teaching,
                learned=lesson.discussion_learned,
                next_steps=steps[lesson.id],
                observed_files=[
                    (
                        f"{pupil_of(o.case_pupil_id)}, {stage_titles.get(o.stage_id or 0, 'Whole lesson')}: {o.text}",
                        shown(observation_files[o.id]),
                    )
                    for o in highlighted[lesson.id]
                    if o.id in observation_files
                ],
                voice_files=[
                    (f"{pupil_of(n.case_pupil_id)}: “{n.response}”", shown(voice_files[n.id]))
                    for n in voice[lesson.id]
                    if n.id in voice_files
                ],
            )
        )
    links = linking.links_for("trio", [trio.id]).get(trio.id, [])
    schools_of = dict(
        db.session.execute(
            select(Membership.user_id, School.name)
            .join(School, Membership.school_id == School.id)
            .where(Membership.partnership_id == trio.partnership_id)
        ).all()
    )
    return TrioRecord(
        partnership=partnership.name,
        name=trio.name,
        focus=trio.focus,
        status=trio.status_label,
        members=[_with_school(m.user, schools_of) for m in trio.members],
        links=[linking.element_label(e) for e in links],
        lessons=records,
        produced_on=today or date.today(),
    )


# The school self-evaluation pro-forma --------------------------------------------------------------


@dataclass
class ProformaData:
    partnership: str
    title: str
    questions: list[str]
    school: str
    school_details: str
    on: date | None
    categories: list[tuple[str, list[list[str]]]]  # rows: QI and theme, level, how well, how know, what now
    credit: str
    produced_on: date


def _owner_and_due(action) -> str:
    """ " (Owner, due 5 Mar 2027)", as the pro-forma page writes an action's owner and due date."""
    parts = [action.owner.name] if action.owner else []
    if action.due_date:
        parts.append(f"due {_day(action.due_date)}")
    return f" ({', '.join(parts)})" if parts else ""


def proforma(school: School, on: date | None, today: date | None = None) -> ProformaData:
    from ..selfeval import overview as selfeval_overview

    partnership = db.session.get_one(Partnership, school.partnership_id)
    template = selfeval_overview.proforma_template()
    rows = selfeval_overview.proforma(school, on) if on else {}
    categories = []
    for category, items in rows.items():
        categories.append(
            (
                category,
                [
                    [
                        f"QI {row.qi.number} {row.qi.title}"
                        + (
                            f"\n{row.evaluation.element.title}"
                            if row.evaluation.element.kind == "theme"
                            else ""
                        ),
                        row.level_label,
                        row.evaluation.how_well,
                        # An action that has not started is no evidence yet: it is listed under what the school will do.
                        row.evaluation.how_know
                        + (
                            "".join(
                                f"\n• {e.text} ({e.meta})"
                                for e in row.evidence
                                if not (e.kind == "action" and e.meta == NOT_STARTED)
                            )
                        ),
                        # The follow-up actions, with their owners, as the page lists them; then
                        # actions cited as evidence that have not started.
                        row.evaluation.what_now
                        + "".join(f"\n• Action: {a.title}{_owner_and_due(a)}" for a in row.actions)
                        + "".join(
                            f"\n• Action (cited as evidence, not started yet): {e.text}"
                            for e in row.evidence
                            if e.kind == "action"
                            and e.meta == NOT_STARTED
                            and e.id not in {a.id for a in row.actions}
                        ),
                    ]
                    for row in items
                ],
            )
        )
    stem = db.session.scalar(select(Framework).where(Framework.key == "stem", Framework.is_current.is_(True)))
    return ProformaData(
        partnership=partnership.name,
        title=template.get("title", "STEM – Our self-evaluation, evidence and actions for improvement"),
        questions=template.get(
            "questions",
            [
                "How well are we doing?",
                "How do we know? What evidence do we have?",
                "What are we going to do now?",
            ],
        ),
        school=school.name,
        school_details=f"{Sector(school.sector).label}, {school.local_authority}",
        on=on,
        categories=categories,
        credit=stem.credit if stem else "",
        produced_on=today or date.today(),
    )
