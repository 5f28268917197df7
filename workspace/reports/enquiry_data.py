"""The interim report's collaborative enquiry: each trio's lessons in the period, what its
discussions learned, its highlights, and who took part."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    CasePupil,
    Membership,
    NextStep,
    Observation,
    ProgressUpdate,
    PupilVoice,
    ResearchLesson,
    School,
    Trio,
    TrioMember,
    User,
)
from ..reference import Role


def day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


@dataclass
class TrioSection:
    id: int
    name: str
    focus: str
    members: list[str]  # "Name (School)"
    lessons: list[list[str]]  # date, school, class, subject, taught by
    learned: list[str]
    next_steps: list[str]
    highlights: list[tuple[str, str]]  # (who: "Pupil A (a girl who...)", what)
    member_ids: list[int] = field(default_factory=list)


@dataclass
class Participation:
    trios: list[TrioSection]
    lessons: int
    observations: int
    voice_notes: int
    teachers_by_school: list[tuple[str, int]]
    quiet_trios: list[str]  # active trios with no lesson in the period


def _pupil(label: str, descriptor: str, with_descriptor: bool) -> str:
    return f"Pupil {label}" + (f" ({descriptor})" if descriptor and with_descriptor else "")


def gather(
    partnership_id: int,
    schools: Sequence[School],
    period_from: date,
    period_to: date,
    start: datetime,
    end: datetime,
    with_descriptors: bool = True,
) -> Participation:
    chosen = [s.id for s in schools]
    teacher = aliased(User)
    lessons = db.session.execute(
        select(
            ResearchLesson.id,
            ResearchLesson.trio_id,
            ResearchLesson.lesson_date,
            School.name,
            ResearchLesson.class_stage,
            ResearchLesson.subject,
            teacher.name,
            ResearchLesson.discussion_learned,
            ResearchLesson.teacher_id,
        )
        .outerjoin(School, ResearchLesson.school_id == School.id)
        .outerjoin(teacher, ResearchLesson.teacher_id == teacher.id)
        .where(
            ResearchLesson.partnership_id == partnership_id,
            ResearchLesson.school_id.in_(chosen),
            ResearchLesson.lesson_date >= period_from,
            ResearchLesson.lesson_date <= period_to,
        )
        .order_by(ResearchLesson.lesson_date, ResearchLesson.id)
    ).all()
    trio_ids = list(dict.fromkeys(row[1] for row in lessons))
    lesson_ids = [row[0] for row in lessons]
    schools_of = dict(
        db.session.execute(
            select(Membership.user_id, School.name)
            .join(School, Membership.school_id == School.id)
            .where(Membership.partnership_id == partnership_id)
        ).all()
    )
    members, member_ids = defaultdict(list), defaultdict(list)
    for trio_id, user_id, name in db.session.execute(
        select(TrioMember.trio_id, User.id, User.name)
        .join(User, TrioMember.user_id == User.id)
        .where(TrioMember.trio_id.in_(trio_ids))
        .order_by(User.name)
    ).all():
        members[trio_id].append(f"{name} ({schools_of[user_id]})" if user_id in schools_of else name)
        member_ids[trio_id].append(user_id)
    steps = defaultdict(list)
    for lesson_id, text in db.session.execute(
        select(NextStep.lesson_id, NextStep.text)
        .where(NextStep.lesson_id.in_(lesson_ids))
        .order_by(NextStep.position)
    ):
        steps[lesson_id].append(text)
    highlights = defaultdict(list)
    for lesson_id, label, descriptor, text in db.session.execute(
        select(Observation.lesson_id, CasePupil.label, CasePupil.descriptor, Observation.text)
        .join(CasePupil, Observation.case_pupil_id == CasePupil.id)
        .where(Observation.lesson_id.in_(lesson_ids), Observation.is_highlight.is_(True))
        .order_by(Observation.created_at)
    ):
        highlights[lesson_id].append((_pupil(label, descriptor, with_descriptors) + ", observed", text))
    for lesson_id, label, descriptor, question, response in db.session.execute(
        select(
            PupilVoice.lesson_id,
            CasePupil.label,
            CasePupil.descriptor,
            PupilVoice.question,
            PupilVoice.response,
        )
        .join(CasePupil, PupilVoice.case_pupil_id == CasePupil.id)
        .where(PupilVoice.lesson_id.in_(lesson_ids), PupilVoice.is_highlight.is_(True))
        .order_by(PupilVoice.created_at)
    ):
        highlights[lesson_id].append(
            (
                _pupil(label, descriptor, with_descriptors) + ", in their own words",
                f"{question} “{response}”" if question else f"“{response}”",
            )
        )
    trios = (
        {t.id: t for t in db.session.scalars(select(Trio).where(Trio.id.in_(trio_ids)))} if trio_ids else {}
    )
    sections = []
    for trio_id in trio_ids:
        trio = trios[trio_id]
        own = [row for row in lessons if row[1] == trio_id]
        sections.append(
            TrioSection(
                id=trio_id,
                name=trio.name,
                focus=trio.focus,
                members=members[trio_id],
                lessons=[
                    [day(row[2]), row[3] or "", row[4] or "", row[5] or "", row[6] or ""] for row in own
                ],
                learned=[row[7] for row in own if row[7]],
                next_steps=[s for row in own for s in steps[row[0]]],
                highlights=[h for row in own for h in highlights[row[0]]],
                member_ids=member_ids[trio_id],
            )
        )

    observations, observers = 0, set()
    for (observer_id,) in db.session.execute(
        select(Observation.observer_id)
        .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .where(
            Observation.partnership_id == partnership_id,
            ResearchLesson.school_id.in_(chosen),
            Observation.created_at >= start,
            Observation.created_at < end,
        )
    ):
        observations += 1
        observers.add(observer_id)
    voice_notes = db.session.scalar(
        select(func.count(PupilVoice.id))
        .join(ResearchLesson, PupilVoice.lesson_id == ResearchLesson.id)
        .where(
            PupilVoice.partnership_id == partnership_id,
            ResearchLesson.school_id.in_(chosen),
            PupilVoice.created_at >= start,
            PupilVoice.created_at < end,
        )
    )
    # Teachers involved: taught, observed, belong to a trio at work, or posted a progress update.
    involved = {row[8] for row in lessons} | observers | {u for ids in member_ids.values() for u in ids}
    involved |= set(
        db.session.scalars(
            select(ProgressUpdate.author_id).where(
                ProgressUpdate.partnership_id == partnership_id,
                ProgressUpdate.created_at >= start,
                ProgressUpdate.created_at < end,
            )
        )
    )
    per_school = defaultdict(set)
    for user_id, school_id in db.session.execute(
        select(Membership.user_id, Membership.school_id).where(
            Membership.partnership_id == partnership_id,
            Membership.role == Role.TEACHER,
            Membership.school_id.in_(chosen),
        )
    ):
        if user_id in involved:
            per_school[school_id].add(user_id)
    active_here = set(
        db.session.scalars(
            select(TrioMember.trio_id)
            .join(
                Membership,
                (Membership.user_id == TrioMember.user_id) & (Membership.partnership_id == partnership_id),
            )
            .join(Trio, TrioMember.trio_id == Trio.id)
            .where(
                Trio.partnership_id == partnership_id,
                Trio.status == "active",
                Membership.school_id.in_(chosen),
            )
        )
    )
    quiet = sorted(
        t.name for t in db.session.scalars(select(Trio).where(Trio.id.in_(active_here - set(trio_ids))))
    )
    return Participation(
        trios=sections,
        lessons=len(lessons),
        observations=observations,
        voice_notes=voice_notes or 0,
        teachers_by_school=[(s.name, len(per_school[s.id])) for s in schools],
        quiet_trios=quiet,
    )
