"""The programme view: aggregates across the partnerships a programme officer follows.

Counts and levels only, never a pupil's data: no observation text, no case-pupil descriptor, no
pupil voice passes through here. Each figure is one grouped query over all the partnerships
followed, not one per partnership. No request globals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, func, select, true
from sqlalchemy.orm import aliased

from ..extensions import db
from ..frameworks import linking
from ..models import (
    Action,
    Activity,
    Finding,
    Framework,
    FrameworkElement,
    FrameworkLink,
    InterimReport,
    Observation,
    Partnership,
    ProgrammeGrant,
    ProgressUpdate,
    ResearchLesson,
    School,
    SelfEvaluation,
    Trio,
    User,
)
from ..models.actions import ACTION_STATUSES
from ..models.frameworks import FrameworkLevel
from ..services_errors import ServiceError

DEFAULT_QUIET_WEEKS = 4
QUIET_WEEK_CHOICES = (2, 3, 4, 6, 8, 12)
ENQUIRING = ("planning", "active")  # a trio whose enquiry is under way


# Grants ------------------------------------------------------------------------------------------


def followed_ids(user_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(ProgrammeGrant.partnership_id)
            .join(Partnership, ProgrammeGrant.partnership_id == Partnership.id)
            .where(ProgrammeGrant.user_id == user_id)
            .order_by(Partnership.name)
        )
    )


def set_grants(officer: User, partnership_ids: list[int], granted_by: User | None) -> None:
    """The officer follows exactly these partnerships (none: no longer an officer)."""
    wanted = set(partnership_ids)
    known = (
        set(db.session.scalars(select(Partnership.id).where(Partnership.id.in_(wanted)))) if wanted else set()
    )
    if known != wanted:
        raise ServiceError("Choose partnerships the workspace holds.", "partnerships")
    current = set(followed_ids(officer.id))
    if current - wanted:
        db.session.execute(
            delete(ProgrammeGrant).where(
                ProgrammeGrant.user_id == officer.id, ProgrammeGrant.partnership_id.in_(current - wanted)
            )
        )
    for pid in sorted(wanted - current):
        db.session.add(
            ProgrammeGrant(
                user_id=officer.id, partnership_id=pid, granted_by_id=granted_by.id if granted_by else None
            )
        )
    db.session.flush()


def officers() -> list[tuple[User, list[str]]]:
    rows = db.session.execute(
        select(User, Partnership.name)
        .join(ProgrammeGrant, ProgrammeGrant.user_id == User.id)
        .join(Partnership, ProgrammeGrant.partnership_id == Partnership.id)
        .order_by(User.name, Partnership.name)
    ).all()
    grouped: dict[int, tuple[User, list[str]]] = {}
    for user, name in rows:
        grouped.setdefault(user.id, (user, []))[1].append(name)
    return list(grouped.values())


# Terms ---------------------------------------------------------------------------------------------


def term_of(today: date) -> tuple[date, date, str]:
    """The school term `today` falls in, as Scottish schools roughly keep them: August to
    December, January to March, April to July."""
    if today.month >= 8:
        return date(today.year, 8, 1), date(today.year, 12, 31), f"August to December {today.year}"
    if today.month <= 3:
        return date(today.year, 1, 1), date(today.year, 3, 31), f"January to March {today.year}"
    return date(today.year, 4, 1), date(today.year, 7, 31), f"April to July {today.year}"


# The overview --------------------------------------------------------------------------------------


@dataclass
class PartnershipFigures:
    id: int
    name: str
    schools: int
    authorities: list[str]
    trios_active: int
    lessons_this_term: int
    actions: dict[str, int]  # by status
    findings_published: int
    last_activity: datetime | None
    quiet: bool
    report_title: str | None
    report_status: str | None
    report_updated: datetime | None

    @property
    def actions_total(self) -> int:
        return sum(self.actions.values())


def _by_partnership(statement) -> dict[int, int]:
    return dict(db.session.execute(statement).all())


def overview(
    partnership_ids: list[int], today: date, quiet_weeks: int = DEFAULT_QUIET_WEEKS
) -> list[PartnershipFigures]:
    if not partnership_ids:
        return []
    ids = list(partnership_ids)
    names = dict(
        db.session.execute(select(Partnership.id, Partnership.name).where(Partnership.id.in_(ids))).all()
    )
    schools = _by_partnership(
        select(School.partnership_id, func.count())
        .where(School.partnership_id.in_(ids))
        .group_by(School.partnership_id)
    )
    authorities: dict[int, list[str]] = defaultdict(list)
    for pid, authority in db.session.execute(
        select(School.partnership_id, School.local_authority)
        .where(School.partnership_id.in_(ids))
        .distinct()
        .order_by(School.local_authority)
    ):
        authorities[pid].append(authority)
    trios = _by_partnership(
        select(Trio.partnership_id, func.count())
        .where(Trio.partnership_id.in_(ids), Trio.status == "active")
        .group_by(Trio.partnership_id)
    )
    start, end, _ = term_of(today)
    lessons = _by_partnership(
        select(ResearchLesson.partnership_id, func.count())
        .where(
            ResearchLesson.partnership_id.in_(ids),
            ResearchLesson.lesson_date >= start,
            ResearchLesson.lesson_date <= end,
        )
        .group_by(ResearchLesson.partnership_id)
    )
    actions: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTION_STATUSES, 0))
    for pid, status, n in db.session.execute(
        select(Action.partnership_id, Action.status, func.count())
        .where(Action.partnership_id.in_(ids))
        .group_by(Action.partnership_id, Action.status)
    ):
        actions[pid][status] = n
    published = _by_partnership(
        select(Finding.partnership_id, func.count())
        .where(Finding.partnership_id.in_(ids), Finding.status == "published")
        .group_by(Finding.partnership_id)
    )
    last: dict[int, datetime] = {}
    for model, only in (
        # Another partnership starting a trio from a finding is not this partnership's activity.
        (Activity, Activity.verb != "travelled"),
        (Observation, true()),
        (ProgressUpdate, true()),
    ):
        for pid, when in db.session.execute(
            select(model.partnership_id, func.max(model.created_at))
            .where(model.partnership_id.in_(ids), only)
            .group_by(model.partnership_id)
        ):
            if when is not None:
                when = when if when.tzinfo else when.replace(tzinfo=UTC)
                last[pid] = max(last.get(pid, when), when)
    reports: dict[int, InterimReport] = {}
    for found_report in db.session.scalars(
        select(InterimReport)
        .where(InterimReport.partnership_id.in_(ids))
        .order_by(InterimReport.updated_at, InterimReport.id)
    ):
        reports[found_report.partnership_id] = found_report  # the latest wins
    cutoff = datetime.combine(today, datetime.min.time(), UTC) - timedelta(weeks=quiet_weeks)
    result = []
    for pid in sorted(ids, key=lambda i: names.get(i, "").lower()):
        report = reports.get(pid)
        result.append(
            PartnershipFigures(
                id=pid,
                name=names.get(pid, ""),
                schools=schools.get(pid, 0),
                authorities=authorities.get(pid, []),
                trios_active=trios.get(pid, 0),
                lessons_this_term=lessons.get(pid, 0),
                actions=dict(actions[pid]),
                findings_published=published.get(pid, 0),
                last_activity=last.get(pid),
                quiet=last.get(pid) is None or last[pid] < cutoff,
                report_title=report.title if report else None,
                report_status=report.status if report else None,
                report_updated=report.updated_at if report else None,
            )
        )
    return result


# Actions by status per IGBE priority and QI -------------------------------------------------------


@dataclass
class ElementCounts:
    element_id: int
    label: str
    kind: str  # "qi" or "priority"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTION_STATUSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _rolled_up(element) -> ColumnElement[int]:
    """A theme counts for its QI: partnerships link to either."""
    return case((element.kind == "theme", element.parent_id), else_=element.id)


def actions_by_element(partnership_ids: list[int]) -> list[ElementCounts]:
    """Actions (each once per QI or priority) by status, for every QI and priority they link to."""
    if not partnership_ids:
        return []
    element = aliased(FrameworkElement)
    target = _rolled_up(element).label("target")
    rows = db.session.execute(
        select(target, Action.status, func.count(func.distinct(Action.id)))
        .select_from(FrameworkLink)
        .join(Action, (FrameworkLink.record_type == "action") & (FrameworkLink.record_id == Action.id))
        .join(element, FrameworkLink.element_id == element.id)
        .where(Action.partnership_id.in_(list(partnership_ids)))
        .group_by(target, Action.status)
    ).all()
    by_element: dict[int, ElementCounts] = {}
    elements = {e.id: e for e in linking.elements_by_id([r[0] for r in rows])}
    for element_id, status, n in rows:
        found = elements.get(element_id)
        if found is None:
            continue
        entry = by_element.setdefault(
            element_id, ElementCounts(element_id, linking.element_label(found), found.kind)
        )
        entry.counts[status] = n
    order = {"priority": 0, "qi": 1}
    return sorted(by_element.values(), key=lambda e: (order.get(e.kind, 9), e.label))


# Self-evaluation movement per QI -------------------------------------------------------------------


@dataclass
class Movement:
    label: str
    schools: int  # school and theme (or QI) pairs evaluated
    up: int
    same: int
    down: int
    once: int  # evaluated once: no movement yet
    from_levels: list[tuple[str, int]]
    to_levels: list[tuple[str, int]]


def selfeval_movement(partnership_id: int) -> list[Movement]:
    """Per QI (themes rolled up to it): each school's first level → its latest, counted."""
    element = aliased(FrameworkElement)
    target = _rolled_up(element).label("target")
    rows = db.session.execute(
        select(
            SelfEvaluation.school_id,
            SelfEvaluation.element_id,
            target,
            element.framework_id,
            SelfEvaluation.level,
        )
        .join(element, SelfEvaluation.element_id == element.id)
        .where(SelfEvaluation.partnership_id == partnership_id)
        .order_by(SelfEvaluation.evaluated_on, SelfEvaluation.id)
    ).all()
    if not rows:
        return []
    levels = {
        (lvl.framework_id, lvl.key): (lvl.label, lvl.value if lvl.value is not None else lvl.position + 1)
        for lvl in db.session.scalars(select(FrameworkLevel))
    }
    first: dict[tuple, tuple] = {}
    latest: dict[tuple, tuple] = {}
    times: Counter = Counter()
    for school_id, element_id, qi_id, framework_id, level in rows:
        key = (qi_id, school_id, element_id)
        shown = levels.get((framework_id, level), (level, 0))
        first.setdefault(key, shown)
        latest[key] = shown
        times[key] += 1
    qis = {e.id: e for e in linking.elements_by_id(list({k[0] for k in first}))}
    per_qi: dict[int, list[tuple]] = defaultdict(list)
    for key, start in first.items():
        per_qi[key[0]].append((start, latest[key], times[key] > 1))
    result = []
    for qi_id, pairs in per_qi.items():
        qi = qis.get(qi_id)
        if qi is None:
            continue
        up = sum(1 for a, b, _ in pairs if b[1] > a[1])
        down = sum(1 for a, b, _ in pairs if b[1] < a[1])
        once = sum(1 for _, _, moved in pairs if not moved)
        result.append(
            Movement(
                label=linking.element_label(qi),
                schools=len(pairs),
                up=up,
                same=len(pairs) - up - down - once,
                down=down,
                once=once,
                from_levels=sorted(Counter(a[0] for a, _, _ in pairs).items()),
                to_levels=sorted(Counter(b[0] for _, b, _ in pairs).items()),
            )
        )
    return sorted(result, key=lambda m: m.label)


# Coverage -----------------------------------------------------------------------------------------


@dataclass
class Gap:
    framework: str
    elements: list[str]


def coverage_gaps(partnership_ids: list[int]) -> list[Gap]:
    """The current frameworks' QIs and IGBE priorities that no enquiring trio (planning or active)
    in these partnerships links to, itself or through one of its themes."""
    element = aliased(FrameworkElement)
    covered: set[int] = set()
    if partnership_ids:
        covered = set(
            db.session.scalars(
                select(_rolled_up(element))
                .select_from(FrameworkLink)
                .join(Trio, (FrameworkLink.record_type == "trio") & (FrameworkLink.record_id == Trio.id))
                .join(element, FrameworkLink.element_id == element.id)
                .where(Trio.partnership_id.in_(list(partnership_ids)), Trio.status.in_(ENQUIRING))
                .distinct()
            )
        )
    rows = db.session.execute(
        select(FrameworkElement.id, Framework.title, Framework.version, FrameworkElement)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(Framework.is_current.is_(True), FrameworkElement.kind.in_(("qi", "priority")))
        .order_by(Framework.id, FrameworkElement.position, FrameworkElement.number)
    ).all()
    gaps: dict[str, list[str]] = {}
    for element_id, title, version, found in rows:
        if element_id not in covered:
            gaps.setdefault(f"{title} ({version})", []).append(linking.element_label(found))
    return [Gap(framework, elements) for framework, elements in gaps.items()]
