"""Trios: who is in them, their focus and links, their cycles and lessons. No request globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..extensions import db, read_rows
from ..frameworks import linking
from ..models import (
    CasePupil,
    Cycle,
    Membership,
    Observation,
    Partnership,
    ResearchLesson,
    School,
    Trio,
    TrioMember,
    User,
)
from ..models.trios import TRIO_STATUSES
from ..reference import Role
from ..services_errors import ServiceError, StaleEdit

MIN_MEMBERS, MAX_MEMBERS = 2, 4
DEFAULT_CASE_PUPILS = ("A", "B", "C")


def _describe_trios(partnership_id: int, ids: list[int]) -> dict[int, linking.LinkedRecord]:
    from flask import url_for

    trios = db.session.execute(
        select(Trio.id, Trio.name).where(Trio.partnership_id == partnership_id, Trio.id.in_(ids))
    ).all()
    return {
        tid: linking.LinkedRecord(
            "trio", tid, name, url_for("trios.trio", partnership_id=partnership_id, trio_id=tid)
        )
        for tid, name in trios
    }


linking.register_record_type("trio", "Trios", _describe_trios)


def possible_members(partnership: Partnership) -> list[tuple[User, School | None]]:
    """Teachers and leads of the partnership, who can be in a trio."""
    rows = db.session.execute(
        select(User, School)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(School, Membership.school_id == School.id)
        .where(Membership.partnership_id == partnership.id, Membership.role.in_([Role.TEACHER, Role.LEAD]))
        .order_by(User.name)
    ).all()
    return [(user, school) for user, school in rows]


def _check(partnership: Partnership, name: str, focus: str, status: str, member_ids: list[int]) -> list[int]:
    if not name.strip():
        raise ServiceError("Give the trio a name, for example “Fractions across P6 and S1”.", "name")
    if not focus.strip():
        raise ServiceError("Write the trio's enquiry focus.", "focus")
    if status not in TRIO_STATUSES:
        raise ServiceError("Choose a status.", "status")
    member_ids = list(dict.fromkeys(member_ids))
    allowed = {user.id for user, _ in possible_members(partnership)}
    if any(m not in allowed for m in member_ids):
        raise ServiceError("Choose trio members from the partnership's teachers and leads.", "members")
    if not MIN_MEMBERS <= len(member_ids) <= MAX_MEMBERS:
        raise ServiceError(f"A trio has {MIN_MEMBERS} to {MAX_MEMBERS} members (usually three).", "members")
    return member_ids


def create_trio(
    partnership: Partnership,
    name: str,
    focus: str,
    status: str,
    member_ids: list[int],
    link_ids: list[int],
    created_by: User | None,
) -> Trio:
    member_ids = _check(partnership, name, focus, status, member_ids)
    trio = Trio(
        partnership_id=partnership.id,
        name=name.strip(),
        focus=focus.strip(),
        status=status,
        created_by_id=created_by.id if created_by else None,
    )
    trio.members = [TrioMember(user_id=uid) for uid in member_ids]
    db.session.add(trio)
    db.session.flush()
    linking.set_links(partnership.id, "trio", trio.id, link_ids)
    return trio


def update_trio(
    trio: Trio,
    expected_version: int,
    name: str,
    focus: str,
    status: str,
    member_ids: list[int],
    link_ids: list[int],
) -> Trio:
    member_ids = _check(trio_partnership(trio), name, focus, status, member_ids)
    if trio.version != expected_version:
        current_links = [e.id for e in linking.links_for("trio", [trio.id])[trio.id]]
        differences = [
            (label, shown)
            for label, now, sent, shown in [
                ("Name", trio.name, name.strip(), trio.name),
                ("Enquiry focus", trio.focus, focus.strip(), trio.focus),
                ("Status", trio.status, status, trio.status_label),
                (
                    "Members",
                    sorted(m.user_id for m in trio.members),
                    sorted(member_ids),
                    ", ".join(m.user.name for m in trio.members),
                ),
                (
                    "Linked QIs and priorities",
                    sorted(current_links),
                    sorted(link_ids),
                    f"{len(current_links)} linked",
                ),
            ]
            if now != sent
        ]
        raise StaleEdit(differences, None, None, trio.version)
    trio.name, trio.focus, trio.status = name.strip(), focus.strip(), status
    current = {m.user_id: m for m in trio.members}
    for uid, member in current.items():
        if uid not in member_ids:
            trio.members.remove(member)
    for uid in member_ids:
        if uid not in current:
            trio.members.append(TrioMember(user_id=uid))
    flag_modified(trio, "focus")  # members and links live in other tables: move the version on anyway
    linking.set_links(trio.partnership_id, "trio", trio.id, link_ids)
    db.session.flush()
    return trio


def trio_partnership(trio: Trio) -> Partnership:
    return db.session.get_one(Partnership, trio.partnership_id)


_TRIO_NAMES = (
    select(Trio.id, Trio.name).where(Trio.partnership_id == bindparam("partnership_id")).order_by(Trio.name)
)


def trio_names(partnership_id: int) -> list[tuple[int, str]]:
    """The partnership's trios as (id, name), by name: rows, for a page that lists them by name only
    (the reports page's lesson-study records), not each trio's members, lessons and links."""
    return [
        (trio_id, name)
        for trio_id, name in db.session.execute(_TRIO_NAMES, {"partnership_id": partnership_id})
    ]


def list_trios(partnership: Partnership) -> list[dict]:
    trios = db.session.scalars(
        select(Trio)
        .where(Trio.partnership_id == partnership.id)
        .options(selectinload(Trio.members).selectinload(TrioMember.user))
        .order_by(Trio.name)
    ).all()
    lessons = dict(
        db.session.execute(
            select(ResearchLesson.trio_id, func.count(ResearchLesson.id))
            .where(ResearchLesson.partnership_id == partnership.id)
            .group_by(ResearchLesson.trio_id)
        ).all()
    )
    links = linking.links_for("trio", [t.id for t in trios])
    return [{"trio": t, "lessons": lessons.get(t.id, 0), "links": links.get(t.id, [])} for t in trios]


# A trio with its members and their names, in the trio's own query.
WITH_MEMBERS = joinedload(Trio.members).joinedload(TrioMember.user)


@dataclass(frozen=True)
class LessonLine:
    """A research lesson as the trio page's table shows it: a row, not a record."""

    id: int
    number: int
    lesson_date: date | None
    subject: str
    class_stage: str
    school_name: str | None
    teacher_name: str | None
    observations: int


@dataclass(frozen=True)
class CycleLines:
    id: int
    number: int
    lessons: list[LessonLine]


# The trio page's cycles with each lesson's school, teacher and number of observations: one
# statement, built once (SQLAlchemy keeps its compiled form), run with the trio's id.
_TEACHER = aliased(User)
_OBSERVED = (
    select(func.count(Observation.id))
    .where(Observation.lesson_id == ResearchLesson.id)
    .correlate(ResearchLesson)
    .scalar_subquery()
)
_OVERVIEW = (
    select(
        Cycle.id,
        Cycle.number,
        ResearchLesson.id,
        ResearchLesson.number,
        ResearchLesson.lesson_date,
        ResearchLesson.subject,
        ResearchLesson.class_stage,
        School.name,
        _TEACHER.name,
        _OBSERVED,
    )
    .outerjoin(ResearchLesson, ResearchLesson.cycle_id == Cycle.id)
    .outerjoin(School, ResearchLesson.school_id == School.id)
    .outerjoin(_TEACHER, ResearchLesson.teacher_id == _TEACHER.id)
    .where(Cycle.trio_id == bindparam("trio_id"))
    .order_by(Cycle.number, ResearchLesson.number, ResearchLesson.id)
)


def trio_overview(trio: Trio) -> list[CycleLines]:
    """The trio's cycles in order, each with its lessons in order (a trio has a handful of cycles
    of three lessons)."""
    cycles: dict[int, CycleLines] = {}
    rows: list[Any] = list(read_rows(_OVERVIEW, {"trio_id": trio.id}))
    for cycle_id, cycle_number, lesson_id, *lesson in rows:
        cycle = cycles.setdefault(cycle_id, CycleLines(cycle_id, cycle_number, []))
        if lesson_id is not None:
            cycle.lessons.append(LessonLine(lesson_id, *lesson))
    return list(cycles.values())


def add_cycle(trio: Trio) -> Cycle:
    number = (db.session.scalar(select(func.max(Cycle.number)).where(Cycle.trio_id == trio.id)) or 0) + 1
    cycle = Cycle(trio_id=trio.id, partnership_id=trio.partnership_id, number=number)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def cycle_of(trio: Trio, cycle_id: int) -> Cycle | None:
    cycle = db.session.get(Cycle, cycle_id)
    return cycle if cycle is not None and cycle.trio_id == trio.id else None


def _teacher_and_school(trio: Trio, teacher_id: int | None, school_id: int | None) -> None:
    if teacher_id is not None and teacher_id not in {m.user_id for m in trio.members}:
        raise ServiceError("The teacher who teaches the lesson must be one of the trio.", "teacher_id")
    if school_id is not None:
        school = db.session.get(School, school_id)
        if school is None or school.partnership_id != trio.partnership_id:
            raise ServiceError("Choose one of the partnership's schools.", "school_id")


def add_lesson(
    trio: Trio,
    cycle: Cycle,
    lesson_date: date | None,
    school_id: int | None,
    class_stage: str,
    subject: str,
    teacher_id: int | None,
    updated_by: User | None,
) -> ResearchLesson:
    _teacher_and_school(trio, teacher_id, school_id)
    number = (
        db.session.scalar(select(func.max(ResearchLesson.number)).where(ResearchLesson.cycle_id == cycle.id))
        or 0
    ) + 1
    lesson = ResearchLesson(
        partnership_id=trio.partnership_id,
        trio_id=trio.id,
        cycle_id=cycle.id,
        number=number,
        lesson_date=lesson_date,
        school_id=school_id,
        class_stage=class_stage.strip(),
        subject=subject.strip(),
        teacher_id=teacher_id,
        updated_by_id=updated_by.id if updated_by else None,
    )
    lesson.case_pupils = [CasePupil(position=i, label=label) for i, label in enumerate(DEFAULT_CASE_PUPILS)]
    db.session.add(lesson)
    db.session.flush()
    return lesson
