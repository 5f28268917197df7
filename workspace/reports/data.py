"""What each Word document says, gathered from the database in a fixed number of queries.

No request globals: the views, the command line and the benchmark all call these.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Action, CasePupil, Framework, FrameworkElement, FrameworkLevel, FrameworkLink, NextStep,
    Observation, Partnership, ProgressUpdate, PupilVoice, ResearchLesson, School, SelfEvaluation, Trio,
    TrioMember, User,
)
from ..models.actions import ACTION_STATUS_LABELS
from ..reference import Sector

STATUS_ORDER = ("not_started", "in_progress", "on_hold", "complete")


@lru_cache(maxsize=4096)
def _day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def _short(text: str | None, limit: int = 240) -> str:
    text = (text or "").strip().replace("\r\n", "\n")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# The interim report --------------------------------------------------------------------------------

@dataclass
class TrioSection:
    name: str
    focus: str
    members: list[str]
    lessons: list[list[str]]                 # date, school, class, subject, taught by
    learned: list[str]
    next_steps: list[str]
    highlights: list[tuple[str, str]]        # (who: "Pupil A, a girl who...", what)


@dataclass
class InterimData:
    partnership: str
    local_authorities: list[str]
    period_from: date
    period_to: date
    produced_on: date
    schools: list[list[str]]
    figures: list[tuple[str, str]]
    trios: list[TrioSection]
    actions_by_qi: list[tuple[str, list[list[str]]]]
    actions_by_igbe: list[tuple[str, list[list[str]]]]
    progress: list[list[str]]
    levels: list[list[str]]
    chart_categories: list[str]
    chart_series: dict[str, dict[str, int]]
    wording: list[tuple[str, str]]           # framework wording the report refers to
    credits: list[str]
    status_labels: dict[str, str] = field(default_factory=lambda: dict(ACTION_STATUS_LABELS))


def interim(partnership: Partnership, period_from: date, period_to: date, school_ids: list[int] | None = None,
            today: date | None = None) -> InterimData:
    """The partnership's work in a period, for the chosen schools (all when school_ids is None)."""
    start, end = _start(period_from), _end(period_to)
    schools = db.session.scalars(select(School).where(School.partnership_id == partnership.id)
                                 .order_by(School.name)).all()
    if school_ids is not None:
        schools = [s for s in schools if s.id in set(school_ids)]
    chosen = [s.id for s in schools]
    in_scope = or_(Action.school_id.in_(chosen), Action.school_id.is_(None))

    # Actions open at some point in the period, at the chosen schools or partnership-wide.
    owner = aliased(User)
    actions = db.session.execute(
        select(Action.id, Action.title, School.name, owner.name, Action.status, Action.due_date)
        .outerjoin(School, Action.school_id == School.id).outerjoin(owner, Action.owner_id == owner.id)
        .where(Action.partnership_id == partnership.id, in_scope, Action.created_at < end,
               ~and_(Action.status == "complete", Action.updated_at < start))
        .order_by(Action.due_date, Action.id)
    ).all()
    action_ids = [row[0] for row in actions]
    latest_ids = (select(func.max(ProgressUpdate.id)).where(ProgressUpdate.partnership_id == partnership.id,
                                                            ProgressUpdate.created_at < end)
                  .group_by(ProgressUpdate.action_id))
    latest = {action_id: (text, when) for action_id, text, when in db.session.execute(
        select(ProgressUpdate.action_id, ProgressUpdate.text, ProgressUpdate.created_at)
        .where(ProgressUpdate.id.in_(latest_ids)))}
    links = db.session.execute(
        select(FrameworkLink.record_id, FrameworkElement.kind, FrameworkElement.number, FrameworkElement.code,
               Framework.key)
        .join(FrameworkElement, FrameworkLink.element_id == FrameworkElement.id)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(FrameworkLink.partnership_id == partnership.id, FrameworkLink.record_type == "action")
    ).all()
    wanted = set(action_ids)
    by_qi, by_igbe = defaultdict(set), defaultdict(set)
    for record_id, kind, number, code, key in links:
        if record_id not in wanted:
            continue
        if kind in ("qi", "theme"):
            by_qi[number].add(record_id)
        elif kind == "priority":
            by_igbe[code].add(record_id)
    qi_titles, igbe_titles = _qi_titles(), _igbe_titles()

    def action_row(row):
        action_id, title, school, owner_name, status, due = row
        update = latest.get(action_id)
        return [title, school or "Partnership-wide", owner_name or "", ACTION_STATUS_LABELS[status], _day(due),
                f"{_day(update[1].date())}: {_short(update[0], 160)}" if update else "No update yet"]

    rows_by_id = {row[0]: row for row in actions}
    actions_by_qi = [(f"QI {number} {qi_titles.get(number, '')}".strip(),
                      [action_row(rows_by_id[i]) for i in action_ids if i in by_qi[number]])
                     for number in sorted(by_qi)]
    actions_by_igbe = [(f"{code}: {igbe_titles.get(code, '')}",
                        [action_row(rows_by_id[i]) for i in action_ids if i in by_igbe[code]])
                       for code in sorted(by_igbe, key=lambda c: list(igbe_titles).index(c) if c in igbe_titles else 99)]

    # The chart: actions by status for each QI.
    status_of = {row[0]: row[4] for row in actions}
    series: dict[str, dict[str, int]] = {s: defaultdict(int) for s in STATUS_ORDER}
    for number, ids in by_qi.items():
        for action_id in ids:
            series[status_of[action_id]][number] += 1

    author = aliased(User)
    progress = [[_day(when.date()), title, school or "Partnership-wide", name or "", _short(text, 300),
                 ACTION_STATUS_LABELS.get(status_to, "") if status_to else "", _short(evidence, 200)]
                for when, title, school, name, text, status_to, evidence in db.session.execute(
        select(ProgressUpdate.created_at, Action.title, School.name, author.name, ProgressUpdate.text,
               ProgressUpdate.status_to, ProgressUpdate.evidence)
        .join(Action, ProgressUpdate.action_id == Action.id).outerjoin(School, Action.school_id == School.id)
        .outerjoin(author, ProgressUpdate.author_id == author.id)
        .where(ProgressUpdate.partnership_id == partnership.id, in_scope,
               ProgressUpdate.created_at >= start, ProgressUpdate.created_at < end)
        .order_by(ProgressUpdate.created_at, ProgressUpdate.id))]

    trios = _trio_sections(partnership, chosen, period_from, period_to)
    levels = _levels(partnership, chosen, period_to)
    figures = _figures(partnership, chosen, start, end, len(actions), len(progress), len(trios),
                       sum(len(t.lessons) for t in trios))
    wording, credits = _wording(list(by_qi), list(by_igbe))
    return InterimData(
        partnership=partnership.name, local_authorities=sorted({s.local_authority for s in schools}),
        period_from=period_from, period_to=period_to, produced_on=today or date.today(),
        schools=[[s.name, Sector(s.sector).label, s.local_authority] for s in schools], figures=figures,
        trios=trios, actions_by_qi=actions_by_qi, actions_by_igbe=actions_by_igbe, progress=progress,
        levels=levels, chart_categories=sorted(by_qi), chart_series={k: dict(v) for k, v in series.items()},
        wording=wording, credits=credits,
    )


def _qi_titles() -> dict[str, str]:
    hgios4 = select(Framework.id).where(Framework.key == "hgios4", Framework.is_current.is_(True)).scalar_subquery()
    return dict(db.session.execute(select(FrameworkElement.number, FrameworkElement.title).where(
        FrameworkElement.framework_id == hgios4, FrameworkElement.kind == "qi")).all())


def _igbe_titles() -> dict[str, str]:
    igbe = select(Framework.id).where(Framework.key == "igbe", Framework.is_current.is_(True)).scalar_subquery()
    return dict(db.session.execute(select(FrameworkElement.code, FrameworkElement.title).where(
        FrameworkElement.framework_id == igbe, FrameworkElement.kind == "priority")
        .order_by(FrameworkElement.parent_id, FrameworkElement.position)).all())


def _pupil(label: str, descriptor: str) -> str:
    return f"Pupil {label}" + (f" ({descriptor})" if descriptor else "")


def _trio_sections(partnership: Partnership, chosen: list[int], period_from: date, period_to: date) -> list[TrioSection]:
    teacher = aliased(User)
    lessons = db.session.execute(
        select(ResearchLesson.id, ResearchLesson.trio_id, ResearchLesson.lesson_date, School.name,
               ResearchLesson.class_stage, ResearchLesson.subject, teacher.name, ResearchLesson.discussion_learned)
        .outerjoin(School, ResearchLesson.school_id == School.id)
        .outerjoin(teacher, ResearchLesson.teacher_id == teacher.id)
        .where(ResearchLesson.partnership_id == partnership.id, ResearchLesson.school_id.in_(chosen),
               ResearchLesson.lesson_date >= period_from, ResearchLesson.lesson_date <= period_to)
        .order_by(ResearchLesson.lesson_date, ResearchLesson.id)
    ).all()
    trio_ids = list(dict.fromkeys(row[1] for row in lessons))
    if not trio_ids:
        return []
    lesson_ids = [row[0] for row in lessons]
    trios = {t.id: t for t in db.session.scalars(select(Trio).where(Trio.id.in_(trio_ids)))}
    members = defaultdict(list)
    for trio_id, name in db.session.execute(
        select(TrioMember.trio_id, User.name).join(User, TrioMember.user_id == User.id)
        .where(TrioMember.trio_id.in_(trio_ids)).order_by(User.name)
    ).all():
        members[trio_id].append(name)
    steps = defaultdict(list)
    for lesson_id, text in db.session.execute(select(NextStep.lesson_id, NextStep.text)
                                              .where(NextStep.lesson_id.in_(lesson_ids)).order_by(NextStep.position)):
        steps[lesson_id].append(text)
    highlights = defaultdict(list)
    for lesson_id, label, descriptor, text in db.session.execute(
        select(Observation.lesson_id, CasePupil.label, CasePupil.descriptor, Observation.text)
        .join(CasePupil, Observation.case_pupil_id == CasePupil.id)
        .where(Observation.lesson_id.in_(lesson_ids), Observation.is_highlight.is_(True))
        .order_by(Observation.created_at)):
        highlights[lesson_id].append((_pupil(label, descriptor) + ", observed", text))
    for lesson_id, label, descriptor, question, response in db.session.execute(
        select(PupilVoice.lesson_id, CasePupil.label, CasePupil.descriptor, PupilVoice.question, PupilVoice.response)
        .join(CasePupil, PupilVoice.case_pupil_id == CasePupil.id)
        .where(PupilVoice.lesson_id.in_(lesson_ids), PupilVoice.is_highlight.is_(True))
        .order_by(PupilVoice.created_at)):
        highlights[lesson_id].append((_pupil(label, descriptor) + ", in their own words",
                                      f"{question} “{response}”" if question else f"“{response}”"))
    sections = []
    for trio_id in trio_ids:
        trio = trios[trio_id]
        own = [row for row in lessons if row[1] == trio_id]
        sections.append(TrioSection(
            name=trio.name, focus=trio.focus, members=members[trio_id],
            lessons=[[_day(d), school or "", stage or "", subject or "", who or ""]
                     for _, _, d, school, stage, subject, who, _ in own],
            learned=[row[7] for row in own if row[7]],
            next_steps=[s for row in own for s in steps[row[0]]],
            highlights=[h for row in own for h in highlights[row[0]]],
        ))
    return sections


def _levels(partnership: Partnership, chosen: list[int], period_to: date) -> list[list[str]]:
    latest = (select(SelfEvaluation.school_id, SelfEvaluation.element_id, func.max(SelfEvaluation.evaluated_on).label("on"))
              .where(SelfEvaluation.partnership_id == partnership.id, SelfEvaluation.school_id.in_(chosen),
                     SelfEvaluation.evaluated_on <= period_to)
              .group_by(SelfEvaluation.school_id, SelfEvaluation.element_id).subquery())
    levels = {(lvl.framework_id, lvl.key): lvl.label for lvl in db.session.scalars(select(FrameworkLevel))}
    parent = aliased(FrameworkElement)
    rows = db.session.execute(
        select(School.name, FrameworkElement.number, FrameworkElement.kind, FrameworkElement.title, parent.title,
               FrameworkElement.framework_id, SelfEvaluation.level, SelfEvaluation.evaluated_on, Framework.short_title)
        .join(latest, and_(SelfEvaluation.school_id == latest.c.school_id,
                           SelfEvaluation.element_id == latest.c.element_id,
                           SelfEvaluation.evaluated_on == latest.c.on))
        .join(School, SelfEvaluation.school_id == School.id)
        .join(FrameworkElement, SelfEvaluation.element_id == FrameworkElement.id)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .outerjoin(parent, FrameworkElement.parent_id == parent.id)
        .order_by(School.name, FrameworkElement.number, SelfEvaluation.id)
    ).all()
    seen, result = set(), []
    for school, number, kind, title, parent_title, framework_id, level, on, framework in rows:
        key = (school, number, title)
        if key in seen:
            continue
        seen.add(key)
        qi = parent_title if kind == "theme" else title
        result.append([school, f"QI {number} {qi}", title if kind == "theme" else "(whole QI)", framework,
                       levels.get((framework_id, level), level), _day(on)])
    return result


def _figures(partnership, chosen, start, end, actions, updates, trios, lessons) -> list[tuple[str, str]]:
    observations = db.session.scalar(
        select(func.count(Observation.id)).join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .where(Observation.partnership_id == partnership.id, ResearchLesson.school_id.in_(chosen),
               Observation.created_at >= start, Observation.created_at < end))
    evaluations = db.session.scalar(
        select(func.count(SelfEvaluation.id)).where(SelfEvaluation.partnership_id == partnership.id,
                                                    SelfEvaluation.school_id.in_(chosen),
                                                    SelfEvaluation.evaluated_on >= start.date(),
                                                    SelfEvaluation.evaluated_on < end.date()))
    completed = db.session.scalar(
        select(func.count(func.distinct(ProgressUpdate.action_id))).join(Action, ProgressUpdate.action_id == Action.id)
        .where(ProgressUpdate.partnership_id == partnership.id, ProgressUpdate.status_to == "complete",
               ProgressUpdate.created_at >= start, ProgressUpdate.created_at < end,
               or_(Action.school_id.in_(chosen), Action.school_id.is_(None))))
    return [("Schools and settings", str(len(chosen))), ("Lesson-study trios at work", str(trios)),
            ("Research lessons taught", str(lessons)), ("Observations of case pupils", str(observations)),
            ("Improvement actions under way", str(actions)), ("Actions completed", str(completed)),
            ("Progress updates posted", str(updates)), ("Self-evaluations recorded", str(evaluations))]


def _wording(qi_numbers: list[str], igbe_codes: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The wording of the QIs and priorities the report refers to, and whose it is."""
    if not qi_numbers and not igbe_codes:
        return [], []
    rows = db.session.execute(
        select(Framework.key, Framework.short_title, Framework.credit, FrameworkElement.kind, FrameworkElement.number,
               FrameworkElement.code, FrameworkElement.title, FrameworkElement.text)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(Framework.is_current.is_(True), or_(
            and_(Framework.key == "hgios4", FrameworkElement.kind == "qi", FrameworkElement.number.in_(qi_numbers)),
            and_(Framework.key == "igbe", FrameworkElement.kind == "priority", FrameworkElement.code.in_(igbe_codes))))
        .order_by(Framework.key.desc(), FrameworkElement.number, FrameworkElement.position)
    ).all()
    wording = [(f"QI {number}" if kind == "qi" else f"IGBE {code}", text or title)
               for key, short, credit, kind, number, code, title, text in rows]
    credits = sorted({credit for _, _, credit, *_ in rows})
    return wording, credits
