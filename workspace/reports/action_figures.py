"""The interim report's figures about actions, as at the period's end.

Status is read from each action's status history (actions/status_history.py), so a report for a
past period says what was true then, whichever way the status was set. QIs are grouped by the
element itself (one framework version's QI), so the STEM framework's 2.3 and HGIOS4's 2.3 are
never merged by number, and each is titled in its own framework's words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ..actions import status_history
from ..extensions import db
from ..frameworks.linking import FRAMEWORK_ORDER
from ..models import Action, Framework, FrameworkElement, FrameworkLink, ProgressUpdate, School, User
from ..models.actions import ACTION_STATUS_LABELS

STATUS_ORDER = ("not_started", "in_progress", "on_hold", "complete")
STALE_WEEKS = 4  # "no update in the stale period": the dashboard's default filter
BODY_LIST_LIMIT = 40  # rows of a list in the body; the workbook holds them all


@dataclass
class ActionAtEnd:
    id: int
    title: str
    school: str
    owner: str
    status: str  # as at the period's end
    due: date | None
    created_at: datetime
    last_update_at: datetime | None  # the last progress update before the period's end
    last_update: str
    evidence: str  # the latest evidence of impact posted in the period
    evidence_at: datetime | None
    element_ids: list[int] = field(default_factory=list)
    evidence_starred: bool = False  # the evidence shown is an update a lead starred
    evidence_update_id: int | None = None  # the starred update shown (its files go with it)
    overdue: bool = False
    stale: bool = False
    completed_in_period: bool = False

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]

    @property
    def marks(self) -> list[str]:
        marks = []
        if self.overdue:
            marks.append("Overdue")
        if self.stale:
            marks.append(f"No update in {STALE_WEEKS} weeks")
        if self.status == "on_hold":
            marks.append("On hold")
        return marks


@dataclass
class Element:
    """A QI or IGBE priority as the report names it."""

    id: int
    framework_key: str
    framework: str  # "STEM framework (2019)"
    number: str  # "2.3", "KA1"
    title: str
    text: str  # a priority's full wording, else the title
    credit: str
    position: tuple = ()  # where the framework puts it: its group's position, then its own

    @property
    def short(self) -> str:  # the chart's category: "STEM 2.3"
        return f"{self.framework.split(' ')[0]} {self.number}"

    @property
    def label(self) -> str:  # how a line refers to it: "IGBE priority KA1", "STEM framework QI 2.3"
        if self.framework_key == "igbe":
            return f"IGBE priority {self.number}"
        return f"{self.framework.split(' (')[0]} QI {self.number}"

    @property
    def heading(self) -> str:
        kind = "QI " if self.framework_key != "igbe" else ""
        # "QI 2.3 Learning, teaching and assessment – HGIOS4 (2015)": the framework after a dash,
        # as its name already ends in brackets.
        return f"{kind}{self.number} {self.title} – {self.framework}"


@dataclass
class Summary:
    """One row per QI or priority: how its actions stood at the period's end."""

    element: Element
    actions: int
    complete_pct: int
    overdue_pct: int
    stale_pct: int
    with_evidence: int

    def row(self) -> list[str]:
        return [
            self.element.heading,
            str(self.actions),
            f"{self.complete_pct}%",
            f"{self.overdue_pct}%",
            f"{self.stale_pct}%",
            str(self.with_evidence),
        ]


@dataclass
class ActionFigures:
    actions: list[ActionAtEnd]
    priorities: list[Summary]
    qis: list[Summary]
    elements: dict[int, Element]
    completed: int
    by_status: dict[str, int]
    updates_in_period: int


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def gather(
    partnership_id: int, chosen: list[int], period_from: date, start: datetime, end: datetime
) -> ActionFigures:
    """Actions open at some point in the period at the chosen schools (or partnership-wide)."""
    in_scope = or_(Action.school_id.in_(chosen), Action.school_id.is_(None))
    scope = (Action.partnership_id == partnership_id, in_scope, Action.created_at < end)
    owner = aliased(User)
    rows = db.session.execute(
        select(
            Action.id,
            Action.title,
            School.name,
            owner.name,
            Action.status,
            Action.due_date,
            Action.created_at,
        )
        .outerjoin(School, Action.school_id == School.id)
        .outerjoin(owner, Action.owner_id == owner.id)
        .where(*scope)
        .order_by(Action.due_date, Action.id)
    ).all()
    in_report = select(Action.id).where(*scope)  # the same actions, found by the database
    at_start = status_history.statuses_at(in_report, start)
    at_end = status_history.statuses_at(in_report, end)
    completed_ids = status_history.completed_between(in_report, start, end)
    # An action with no recorded history at all (rows inserted in bulk) is taken as it is now.
    rows = [row for row in rows if at_start.get(row[0]) != "complete"]
    ids = [row[0] for row in rows]

    latest_before_end = (
        select(ProgressUpdate.action_id, func.max(ProgressUpdate.created_at).label("at"))
        .where(ProgressUpdate.partnership_id == partnership_id, ProgressUpdate.created_at < end)
        .group_by(ProgressUpdate.action_id)
        .subquery()
    )
    latest = {}
    for action_id, text, when in db.session.execute(
        select(ProgressUpdate.action_id, ProgressUpdate.text, ProgressUpdate.created_at)
        .join(
            latest_before_end,
            (ProgressUpdate.action_id == latest_before_end.c.action_id)
            & (ProgressUpdate.created_at == latest_before_end.c.at),
        )
        .where(ProgressUpdate.partnership_id == partnership_id)
    ):
        latest[action_id] = (text, when)
    evidence, starred = {}, {}
    updates_in_period = 0
    for action_id, text, when, is_starred, update_id in db.session.execute(
        select(
            ProgressUpdate.action_id,
            ProgressUpdate.evidence,
            ProgressUpdate.created_at,
            ProgressUpdate.is_highlight,
            ProgressUpdate.id,
        )
        .join(Action, ProgressUpdate.action_id == Action.id)
        .where(
            ProgressUpdate.partnership_id == partnership_id,
            in_scope,
            ProgressUpdate.created_at >= start,
            ProgressUpdate.created_at < end,
        )
        .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
    ):
        updates_in_period += 1
        if text and text.strip():
            evidence[action_id] = (text.strip(), when)
            if is_starred:
                starred[action_id] = (text.strip(), when, update_id)

    links = defaultdict(list)
    wanted = set(ids)
    element_ids = set()
    for record_id, element_id in db.session.execute(
        select(FrameworkLink.record_id, FrameworkLink.element_id).where(
            FrameworkLink.partnership_id == partnership_id, FrameworkLink.record_type == "action"
        )
    ):
        if record_id in wanted:
            links[record_id].append(element_id)
            element_ids.add(element_id)
    elements, qi_of = _elements(element_ids)

    stale_before = end - timedelta(weeks=STALE_WEEKS)
    period_to = (end - timedelta(days=1)).date()
    actions = []
    for action_id, title, school, owner_name, status_now, due, created in rows:
        status = at_end.get(action_id, status_now)
        update = latest.get(action_id)
        shown = starred.get(action_id) or evidence.get(action_id) or ("", None)
        done = status == "complete"
        last_at = update[1] if update else None
        actions.append(
            ActionAtEnd(
                id=action_id,
                title=title,
                school=school or "Partnership-wide",
                owner=owner_name or "",
                status=status,
                due=due,
                created_at=created,
                last_update_at=last_at,
                last_update=update[0] if update else "",
                evidence=shown[0],
                evidence_at=shown[1],
                evidence_starred=action_id in starred,
                evidence_update_id=starred[action_id][2] if action_id in starred else None,
                element_ids=sorted({qi_of[e] for e in links[action_id] if e in qi_of}),
                overdue=not done and due is not None and due < period_to,
                stale=not done and (last_at or created) < stale_before,
                completed_in_period=action_id in completed_ids
                or (action_id not in at_end and status_now == "complete" and created >= start),
            )
        )

    by_element = defaultdict(list)
    for action in actions:
        for element_id in action.element_ids:
            by_element[element_id].append(action)

    def summary(element):
        group = by_element[element.id]
        return Summary(
            element,
            len(group),
            _pct(sum(a.status == "complete" for a in group), len(group)),
            _pct(sum(a.overdue for a in group), len(group)),
            _pct(sum(a.stale for a in group), len(group)),
            sum(bool(a.evidence) for a in group),
        )

    ordered = sorted((elements[e] for e in by_element), key=_order)
    by_status = {s: sum(a.status == s for a in actions) for s in STATUS_ORDER}
    return ActionFigures(
        actions=actions,
        elements=elements,
        priorities=[summary(e) for e in ordered if e.framework_key == "igbe"],
        qis=[summary(e) for e in ordered if e.framework_key != "igbe"],
        completed=sum(a.completed_in_period for a in actions),
        by_status=by_status,
        updates_in_period=updates_in_period,
    )


def _order(element: Element):
    parts = re.findall(r"\d+|\D+", element.number)
    number = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
    return (
        FRAMEWORK_ORDER.get(element.framework_key, 9),
        element.framework,
        element.position,
        number,
        element.number,
    )


def _elements(element_ids: set[int]) -> tuple[dict[int, Element], dict[int, int]]:
    """The QIs and priorities linked to, each named by its own framework; a theme counts under its QI."""
    if not element_ids:
        return {}, {}
    parent = aliased(FrameworkElement)
    rows = db.session.execute(
        select(FrameworkElement.id, FrameworkElement.kind, FrameworkElement.parent_id, parent.kind)
        .outerjoin(parent, FrameworkElement.parent_id == parent.id)
        .where(FrameworkElement.id.in_(element_ids))
    ).all()
    qi_of = {}
    for element_id, kind, parent_id, parent_kind in rows:
        if kind == "theme" and parent_id and parent_kind == "qi":
            qi_of[element_id] = parent_id
        elif kind in ("qi", "priority"):
            qi_of[element_id] = element_id
    named = set(qi_of.values())
    elements = {}
    for (  # type: ignore[misc]  # mypy cannot unpack SQLAlchemy's rows of over ten columns (their variadic tail)
        element_id,
        number,
        title,
        text,
        key,
        short,
        version,
        credit,
        position,
        parent_position,
    ) in db.session.execute(
        select(
            FrameworkElement.id,
            FrameworkElement.number,
            FrameworkElement.title,
            FrameworkElement.text,
            Framework.key,
            Framework.short_title,
            Framework.version,
            Framework.credit,
            FrameworkElement.position,
            parent.position,
        )
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .outerjoin(parent, FrameworkElement.parent_id == parent.id)
        .where(FrameworkElement.id.in_(named))
    ):
        # QIs sort by number; priorities by where the framework lists them (KA1... before EQ-S1...).
        where = (parent_position or 0, position) if key == "igbe" else ()
        elements[element_id] = Element(
            element_id, key, f"{short} ({version})", number, title, text or title, credit, where
        )
    return elements, {k: v for k, v in qi_of.items() if v in elements}
