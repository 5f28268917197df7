"""The dashboard's summary tables: actions by status in each school, and where the partnership's
actions cover QIs and IGBE priorities (a gap is an empty cell); and the lists its filters offer.

The number of SQL statements does not grow with the number of actions: each table is one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import read_rows
from ..models import Action, Framework, FrameworkElement, FrameworkLink, School
from ..models.actions import ACTION_STATUS_LABELS


@dataclass
class Coverage:
    columns: list[tuple[str, str]]  # (key, title)
    rows: list[tuple[str, str]]  # (school key, school name)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, row: str, column: str) -> int:
        return self.counts.get((row, column), 0)

    def gaps(self, row: str) -> int:
        return sum(1 for key, _ in self.columns if not self.count(row, key))

    def grid(self, dashboard_url: str, parameter: str) -> list[tuple[str, list[tuple[str, int]], int]]:
        """Each row as the table shows it: the school's name, (the link to the dashboard filtered to
        the cell, count) per column, and its gaps. The links are written here from the dashboard's
        address, once per cell, rather than built by url_for or pieced together in the template."""
        quoted = [quote(key) for key, _ in self.columns]
        table = []
        for row_key, row_name in self.rows:
            prefix = f"{dashboard_url}?school={row_key}&{parameter}="
            cells = [
                (prefix + q, self.counts.get((row_key, key), 0))
                for q, (key, _) in zip(quoted, self.columns, strict=True)
            ]
            table.append((row_name, cells, sum(1 for _, n in cells if not n)))
        return table


# The summaries' statements are built once (SQLAlchemy keeps their compiled SQL with them):
# building a statement anew costs about as much as running one of these small ones.
_STATUS_COUNTS = (
    select(
        Action.school_id,
        Action.status,
        func.count(Action.id),
        func.sum(case((and_(Action.due_date < bindparam("today"), Action.status != "complete"), 1), else_=0)),
    )
    .where(Action.partnership_id == bindparam("partnership_id"))
    .group_by(Action.school_id, Action.status)
)


def status_counts(partnership_id: int, today: date | None = None) -> dict:
    """Per school (and partnership-wide): actions by status, and how many are overdue."""
    rows = read_rows(_STATUS_COUNTS, {"partnership_id": partnership_id, "today": today or date.today()}).all()
    table: dict = defaultdict(lambda: {"by_status": defaultdict(int), "overdue": 0, "total": 0})
    for school_id, status, count, overdue in rows:
        key = str(school_id) if school_id else "none"
        table[key]["by_status"][status] += count
        table[key]["overdue"] += overdue or 0
        table[key]["total"] += count
    return table


_SCHOOLS = (
    select(School.id, School.name)
    .where(School.partnership_id == bindparam("partnership_id"))
    .order_by(School.name)
)


def schools_of(partnership_id: int) -> list[tuple[int, str]]:
    """The partnership's schools as (id, name), by name: rows, not records."""
    return [(school_id, name) for school_id, name in read_rows(_SCHOOLS, {"partnership_id": partnership_id})]


def school_rows(schools: list[tuple[int, str]]) -> list[tuple[str, str]]:
    return [(str(school_id), name) for school_id, name in schools] + [("none", "Partnership-wide")]


_CURRENT = (FrameworkElement.framework_id == Framework.id, Framework.is_current.is_(True))
_QI = and_(Framework.key == "hgios4", FrameworkElement.kind == "qi")
_IGBE = and_(Framework.key == "igbe", FrameworkElement.kind == "priority")
_QI_COLUMNS = (
    select(FrameworkElement.number, FrameworkElement.title)
    .where(*_CURRENT, _QI)
    .order_by(FrameworkElement.number)
)
_IGBE_COLUMNS = (
    select(FrameworkElement.code, FrameworkElement.title)
    .where(*_CURRENT, _IGBE)
    .order_by(FrameworkElement.parent_id, FrameworkElement.position)
)
_FILTER_COLUMNS = (
    select(Framework.key, FrameworkElement.number, FrameworkElement.code, FrameworkElement.title)
    .where(*_CURRENT, or_(_QI, _IGBE))
    .order_by(FrameworkElement.parent_id, FrameworkElement.position)
)


def filter_columns() -> dict[str, list[tuple[str, str]]]:
    """The QIs and the IGBE priorities the dashboard's filter offers (as qi_columns and
    igbe_columns give them), in one query."""
    found: dict[str, list[tuple[str, str]]] = {"qi_columns": [], "igbe_columns": []}
    for key, number, code, title in read_rows(_FILTER_COLUMNS):
        if key == "hgios4":
            found["qi_columns"].append((number, title))
        else:
            found["igbe_columns"].append((code, title))
    found["qi_columns"].sort()  # by number, as qi_columns orders them
    return found


def qi_columns() -> list[tuple[str, str]]:
    """The QI numbers and titles the dashboard offers (HGIOS4's; STEM's QIs share the numbers)."""
    return [(number, title) for number, title in read_rows(_QI_COLUMNS)]


def igbe_columns() -> list[tuple[str, str]]:
    return [(code, title) for code, title in read_rows(_IGBE_COLUMNS)]


def _coverage_counts(column, kinds):
    """Actions per school and QI number (or priority code), from the partnership's own action
    links.

    The links are asked for by element id, from the elements of those kinds. SQLite then seeks
    them in the index on (partnership, record type, element, record) element by element, and
    joins only the links a table counts to their actions: for the IGBE table, 2,500 of the large
    partnership's 10,000 links (the statement took 3.7 ms before, 2.4 ms after). PostgreSQL
    hashes the elements either way: IGBE 3.4 -> 2.7 ms; the QI table, three quarters of the links,
    5.2 ms on SQLite (6.0 before) and 5.6 ms on PostgreSQL (5.3 before: no gain there)."""
    counted = aliased(FrameworkElement)
    return (
        select(Action.school_id, column, func.count(func.distinct(Action.id)))
        .select_from(FrameworkLink)
        .join(Action, FrameworkLink.record_id == Action.id)
        .join(FrameworkElement, FrameworkLink.element_id == FrameworkElement.id)
        .where(
            FrameworkLink.partnership_id == bindparam("partnership_id"),
            FrameworkLink.record_type == "action",
            FrameworkLink.element_id.in_(select(counted.id).where(counted.kind.in_(kinds))),
        )
        .group_by(Action.school_id, column)
    )


_QI_COUNTS = _coverage_counts(FrameworkElement.number, ("qi", "theme"))
_IGBE_COUNTS = _coverage_counts(FrameworkElement.code, ("priority",))


def qi_coverage(partnership_id: int, rows: list[tuple[str, str]]) -> Coverage:
    """Schools against QI numbers (a theme counts for its QI; STEM and HGIOS4 share numbers)."""
    counts: list[Any] = list(read_rows(_QI_COUNTS, {"partnership_id": partnership_id}))
    return Coverage(qi_columns(), rows, {(str(s) if s else "none", number): n for s, number, n in counts})


def igbe_coverage(partnership_id: int, rows: list[tuple[str, str]]) -> Coverage:
    counts: list[Any] = list(read_rows(_IGBE_COUNTS, {"partnership_id": partnership_id}))
    return Coverage(igbe_columns(), rows, {(str(s) if s else "none", code): n for s, code, n in counts})


# The dashboard's three summary tables, each a fragment of its own (loaded as it scrolls into view)
# with a page of its own for a browser without JavaScript: (title, what the table shows, how to read it).
SUMMARIES = {
    "by-school": ("Actions by status in each school", "Number of actions by status in each school", ""),
    "qi": (
        "Coverage of quality indicators",
        "schools against QIs",
        "Each number is how many actions at that school link to the QI or one of its themes (HGIOS4 and STEM "
        "framework QIs share numbers). An empty, shaded cell is a gap.",
    ),
    "igbe": (
        "Coverage of IGBE priorities",
        "schools against IGBE priorities",
        "Each number is how many actions at that school link to the priority. An empty, shaded cell is a gap.",
    ),
}


def status_labels() -> dict[str, str]:
    return dict(ACTION_STATUS_LABELS)
