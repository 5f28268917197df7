"""The lead's dashboard: every action of the partnership, filtered, sorted and paged. Its summary
tables (counts by status per school, coverage of QIs and IGBE priorities) are summaries.py.

The number of SQL statements does not grow with the number of actions: each part is one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db, read_rows
from ..forms_common import parse_id
from ..frameworks import labels
from ..models import Action, FrameworkElement, FrameworkLink, Membership, School, User
from ..models.actions import ACTION_STATUS_LABELS, ACTION_STATUSES
from ..models.base import utcnow

PER_PAGE = 50
SORTS = {
    "due": "Due date, soonest first",
    "-due": "Due date, latest first",
    "updated": "Last update, oldest first",
    "-updated": "Last update, newest first",
    "title": "Title",
    "school": "School",
    "owner": "Owner",
    "status": "Status",
}
STALE_CHOICES = (2, 4, 8, 12)
STALE_WEEKS = 4  # an open action with no update for this long is marked "No recent update"
OPEN_STATUSES = ("not_started", "in_progress", "on_hold")


@dataclass(frozen=True)
class ActionFilters:
    q: str = ""
    school: str = ""  # "", "none" (partnership-wide) or a school id
    status: tuple[str, ...] = ()
    owner: int | None = None  # an owner's id: the links of the page of owners (actions.owners)
    owner_name: str = ""  # words of an owner's name: what the dashboard's filter form sends
    qi: str = ""  # a QI number, "2.3"
    igbe: str = ""  # an IGBE priority code, "KA1"
    overdue: bool = False
    stale_weeks: int | None = None
    sort: str = "due"
    page: int = 1

    def query_args(self, **changes) -> dict:
        """The filters as URL arguments, leaving out defaults, so a URL says only what was chosen."""
        f = replace(self, **changes)
        args = {
            "q": f.q,
            "school": f.school,
            "status": list(f.status),
            "owner": f.owner,
            "owner_name": f.owner_name,
            "qi": f.qi,
            "igbe": f.igbe,
            "overdue": "1" if f.overdue else None,
            "stale": f.stale_weeks,
            "sort": None if f.sort == "due" else f.sort,
            "page": None if f.page == 1 else f.page,
        }
        return {k: v for k, v in args.items() if v not in ("", None, [])}

    def query_string(self) -> str:
        """The filters as a URL's query, without the "?": what an action's link from the results
        carries, so its page leads back to the same results (actions.detail)."""
        return urlencode(self.query_args(), doseq=True)

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.school
            or self.status
            or self.owner
            or self.owner_name
            or self.qi
            or self.igbe
            or self.overdue
            or self.stale_weeks
        )


def _int(value) -> int | None:
    return parse_id(value)


def parse_filters(args) -> ActionFilters:
    """Filters from URL arguments; anything malformed is ignored rather than refused."""
    school = args.get("school", "")
    if school != "none" and _int(school) is None:
        school = ""
    stale = _int(args.get("stale"))
    page = _int(args.get("page")) or 1
    return ActionFilters(
        q=(args.get("q") or "").strip()[:100],
        school=school,
        status=tuple(s for s in dict.fromkeys(args.getlist("status")) if s in ACTION_STATUSES),
        owner=_int(args.get("owner")),
        owner_name=(args.get("owner_name") or "").strip()[:100],
        qi=(args.get("qi") or "")[:10],
        igbe=(args.get("igbe") or "")[:20],
        overdue=args.get("overdue") in ("1", "on", "true"),
        stale_weeks=stale if stale in STALE_CHOICES else None,
        sort=args.get("sort") if args.get("sort") in SORTS else "due",
        page=max(1, min(page, 10_000)),
    )


def _linked_to(element_condition):
    return exists(
        select(FrameworkLink.id)
        .join(FrameworkElement, FrameworkLink.element_id == FrameworkElement.id)
        .where(FrameworkLink.record_type == "action", FrameworkLink.record_id == Action.id, element_condition)
    )


def _containing(column, words: str):
    """The column holds the words, in any case; a % or _ in them is only itself. Both sides are
    lowercased by the database (ILIKE, or lower() on SQLite), so they agree: SQLite's lower()
    leaves a letter such as Ù as it is, on both sides alike."""
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return column.ilike(pattern, escape="\\")


def _conditions(partnership_id: int, f: ActionFilters, today: date, now: datetime) -> list:
    conditions = [Action.partnership_id == partnership_id]
    if f.q:
        conditions.append(or_(_containing(Action.title, f.q), _containing(Action.description, f.q)))
    if f.school == "none":
        conditions.append(Action.school_id.is_(None))
    elif f.school:
        conditions.append(Action.school_id == int(f.school))
    if f.status:
        conditions.append(Action.status.in_(f.status))
    if f.owner:
        conditions.append(Action.owner_id == f.owner)
    if f.owner_name:
        conditions.append(Action.owner_id.in_(select(User.id).where(_containing(User.name, f.owner_name))))
    if f.qi:
        conditions.append(
            _linked_to(and_(FrameworkElement.kind.in_(("qi", "theme")), FrameworkElement.number == f.qi))
        )
    if f.igbe:
        conditions.append(
            _linked_to(and_(FrameworkElement.kind == "priority", FrameworkElement.code == f.igbe))
        )
    if f.overdue:
        conditions.append(and_(Action.due_date < today, Action.status != "complete"))
    if f.stale_weeks:
        conditions.append(
            and_(Action.last_progress_at < now - timedelta(weeks=f.stale_weeks), Action.status != "complete")
        )
    return conditions


_OWNER_NAMED = select(User.name).where(
    User.id == bindparam("owner_id"),
    or_(
        exists().where(
            Membership.user_id == User.id, Membership.partnership_id == bindparam("partnership_id")
        ),
        exists().where(Action.owner_id == User.id, Action.partnership_id == bindparam("partnership_id")),
    ),
)


def owner_filter(partnership_id: int, f: ActionFilters, args) -> tuple[ActionFilters, str]:
    """The owner filter as it holds, and the name the owner box shows.

    An owner's id (a link from the page of owners, or a bookmark) shows their name in the box,
    and the form sends the id back beside the box's words: the id holds while the box still shows
    their name, so namesakes stay out; words typed over it, or an emptied box, replace it. An id
    of no member of the partnership, and no owner of one of its actions, is ignored, as any
    malformed filter is."""
    if not f.owner:
        return f, f.owner_name
    named = db.session.scalar(_OWNER_NAMED, {"owner_id": f.owner, "partnership_id": partnership_id})
    if not named or ("owner_name" in args and f.owner_name != named):
        return replace(f, owner=None), f.owner_name
    return replace(f, owner_name=""), named


def _order(f: ActionFilters, owner):
    due_missing = case((Action.due_date.is_(None), 1), else_=0)
    return {
        "due": (due_missing, Action.due_date, Action.id),
        "-due": (due_missing, Action.due_date.desc(), Action.id),
        "updated": (Action.last_progress_at, Action.id),
        "-updated": (Action.last_progress_at.desc(), Action.id),
        "title": (func.lower(Action.title), Action.id),
        "school": (case((School.name.is_(None), 1), else_=0), School.name, Action.due_date, Action.id),
        "owner": (owner.name, Action.due_date, Action.id),
        "status": (
            case({s: i for i, s in enumerate(ACTION_STATUSES)}, value=Action.status),
            Action.due_date,
            Action.id,
        ),
    }[f.sort]


@dataclass(slots=True)
class ActionRow:
    """One line of the dashboard: just what it shows, read without loading whole records."""

    id: int
    title: str
    status: str
    due_date: date | None
    last_progress_at: datetime
    school_name: str | None
    owner_name: str | None
    created_at: datetime | None = None
    overdue: bool = False
    stale: bool = False
    links: list = field(default_factory=list)

    @property
    def has_update(self) -> bool:
        """Whether a progress update has been posted: an action starts with its creation time as
        its last progress (so that one never updated goes stale too)."""
        return self.created_at is None or self.last_progress_at > self.created_at

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]


@dataclass
class DashboardPage:
    filters: ActionFilters
    actions: list[ActionRow]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @property
    def first(self) -> int:
        """The place of the page's first action among all that match ("Showing 51-100 of ...")."""
        return (self.filters.page - 1) * PER_PAGE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.actions) - 1


def attention(
    status: str,
    due_date: date | None,
    last_progress_at: datetime,
    today: date,
    now: datetime,
    stale_weeks: int | None = None,
) -> tuple[bool, bool]:
    """Whether an action is overdue, and whether it has had no update for the stale period: the
    dashboard's marks, and the action's own page's. A complete action is neither."""
    if status == "complete":
        return False, False
    return (
        due_date is not None and due_date < today,
        last_progress_at < now - timedelta(weeks=stale_weeks or STALE_WEEKS),
    )


def _page_ids(conditions: list, f: ActionFilters, dated: int) -> list[int]:
    """The ids on the page, in order, in one query.

    Sorted by due date (the usual view), actions without a due date come last. Dated and
    undated actions are asked for separately, each already in order from the index on
    (partnership, due date, status), so nothing is sorted but the hundred ids that come back.
    """
    offset = (f.page - 1) * PER_PAGE
    if f.sort in ("due", "-due"):
        due = Action.due_date if f.sort == "due" else Action.due_date.desc()
        dated_part = (
            select(Action.id, Action.due_date)
            .where(*conditions, Action.due_date.is_not(None))
            .order_by(due, Action.id)
            .limit(PER_PAGE)
            .offset(offset)
        )
        undated_part = (
            select(Action.id, Action.due_date)
            .where(*conditions, Action.due_date.is_(None))
            .order_by(Action.id)
            .limit(PER_PAGE)
            .offset(max(0, offset - dated))
        )
        both = union_all(select(dated_part.subquery()), select(undated_part.subquery()))
        sign = 1 if f.sort == "due" else -1
        rows = sorted(
            read_rows(both).all(),
            key=lambda r: (r[1] is None, sign * r[1].toordinal() if r[1] else 0, r[0]),
        )
        return [r[0] for r in rows[:PER_PAGE]]
    owner = aliased(User)
    return list(
        read_rows(
            select(Action.id)
            .outerjoin(School, Action.school_id == School.id)
            .outerjoin(owner, Action.owner_id == owner.id)
            .where(*conditions)
            .order_by(*_order(f, owner))
            .limit(PER_PAGE)
            .offset(offset)
        ).scalars()
    )


_OWNER = aliased(User)
# The page's lines, by id: what ActionRow shows.
_LINES = (
    select(
        Action.id,
        Action.title,
        Action.status,
        Action.due_date,
        Action.last_progress_at,
        School.name,
        _OWNER.name,
        Action.created_at,
    )
    .outerjoin(School, Action.school_id == School.id)
    .outerjoin(_OWNER, Action.owner_id == _OWNER.id)
    .where(Action.id.in_(bindparam("ids", expanding=True)))
)


def search(
    partnership_id: int, f: ActionFilters, today: date | None = None, now: datetime | None = None
) -> DashboardPage:
    """A page of actions in four queries whatever the number of actions: the count, the page's
    ids, their lines and their links."""
    today, now = today or date.today(), now or utcnow()
    conditions = _conditions(partnership_id, f, today, now)
    # count(*), not count(id) (the id is never null: the same number): with the usual filters
    # (partnership, status) PostgreSQL can then answer from the index on (partnership, status, due
    # date) by an index-only scan, 0.4 ms where reading the rows took 0.9 ms for the large
    # partnership's 3,023 actions not started or in progress. SQLite read that index already.
    total, dated = read_rows(
        select(func.count(), func.count(Action.due_date)).select_from(Action).where(*conditions)
    ).one()
    last_page = max(1, -(-total // PER_PAGE))
    if f.page > last_page:  # ?page=99999, or a page emptied since its link was made: the last page
        f = replace(f, page=last_page)
    ids = _page_ids(conditions, f, dated)
    lines = {row[0]: row for row in read_rows(_LINES, {"ids": ids})} if ids else {}
    links = labels.labels_for("action", ids)
    actions = []
    for action_id in ids:
        row = ActionRow(*lines[action_id])
        row.overdue, row.stale = attention(
            row.status, row.due_date, row.last_progress_at, today, now, f.stale_weeks
        )
        row.links = links.get(action_id, [])
        actions.append(row)
    return DashboardPage(f, actions, total)
