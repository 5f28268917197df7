"""The library of published findings, read by every signed-in person of the workspace, and the
reuse of a finding in another partnership ("Start a trio from this"). No request globals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..frameworks import linking
from ..models import Finding, FindingReuse, Framework, FrameworkElement, FrameworkLink, School, Trio, User
from ..reference import Sector
from . import findings as finding_services
from . import quotes

MAX_WORDS = 8
PAGE_SIZE = 50


@dataclass
class LibraryQuery:
    words: str = ""
    qi_id: int | None = None
    priority_id: int | None = None
    sector: str = ""
    stage: str = ""
    subject: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.qi_id or self.priority_id or self.sector or self.stage or self.subject)


@dataclass
class PublishedFinding:
    """A finding as the library shows it. Names only where the partnership did not choose anonymity;
    quoted observations by their text alone, as copied when a lead approved the finding."""

    id: int
    title: str
    focus: str
    sector: str
    stage: str
    subject: str
    tried: str
    learned: str
    advice: str
    published_at: datetime | None  # set when a lead approves; always so for what the library lists
    partnership_id: int
    partnership: str | None  # None: anonymous
    authorities: list[str]
    school: str | None
    links: list = field(default_factory=list)
    starred: list = field(default_factory=list)
    reuses: int = 0


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _element_and_themes(element_id: int) -> list[int]:
    return [element_id] + list(
        db.session.scalars(select(FrameworkElement.id).where(FrameworkElement.parent_id == element_id))
    )


def search(query: LibraryQuery, limit: int = PAGE_SIZE) -> list[Finding]:
    """Published findings matching every filter, newest first. Words: each must appear somewhere
    in the finding's text (case-insensitive LIKE, as plain as that)."""
    statement = select(Finding).where(Finding.status == "published")
    text: ColumnElement[str] = func.coalesce(Finding.title, "")
    for column in (Finding.focus, Finding.subject, Finding.tried, Finding.learned, Finding.advice):
        text = text + " " + func.coalesce(column, "")
    for word in query.words.split()[:MAX_WORDS]:
        statement = statement.where(text.ilike(f"%{_escaped(word)}%", escape="\\"))
    for element_id in (query.qi_id, query.priority_id):
        if element_id:
            statement = statement.where(
                Finding.id.in_(
                    select(FrameworkLink.record_id).where(
                        FrameworkLink.record_type == "finding",
                        FrameworkLink.element_id.in_(_element_and_themes(element_id)),
                    )
                )
            )
    if query.sector:
        statement = statement.where(Finding.sector == query.sector)
    if query.stage:
        statement = statement.where(Finding.stage == query.stage)
    if query.subject.strip():
        statement = statement.where(
            Finding.subject.ilike(f"%{_escaped(query.subject.strip())}%", escape="\\")
        )
    statement = statement.order_by(Finding.published_at.desc(), Finding.id.desc()).limit(limit)
    return list(
        db.session.scalars(statement.options(joinedload(Finding.partnership), selectinload(Finding.school)))
    )


def _authorities(partnership_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    for pid, authority in db.session.execute(
        select(School.partnership_id, School.local_authority)
        .where(School.partnership_id.in_(partnership_ids))
        .distinct()
        .order_by(School.local_authority)
    ):
        result[pid].append(authority)
    return result


def published_views(found: list[Finding], with_observations: bool = False) -> list[PublishedFinding]:
    """The library's view of these findings, in a few queries for all of them."""
    if not found:
        return []
    authorities = _authorities(list({f.partnership_id for f in found}))
    links = linking.links_for("finding", [f.id for f in found])
    reuses = dict(
        db.session.execute(
            select(FindingReuse.finding_id, func.count())
            .where(FindingReuse.finding_id.in_([f.id for f in found]))
            .group_by(FindingReuse.finding_id)
        ).all()
    )
    quoted = quotes.published_quotes(found) if with_observations else {}
    views = []
    for f in found:
        anonymous = f.anonymous
        school = f.school if (f.show_school and not anonymous) else None
        views.append(
            PublishedFinding(
                id=f.id,
                title=f.title,
                focus=f.focus,
                sector=f.sector_label,
                stage=f.stage,
                subject=f.subject,
                tried=f.tried,
                learned=f.learned,
                advice=f.advice,
                published_at=f.published_at,
                partnership_id=f.partnership_id,
                partnership=None if anonymous else f.partnership.name,
                authorities=[]
                if anonymous
                else ([school.local_authority] if school else authorities.get(f.partnership_id, [])),
                school=school.name if school else None,
                links=links.get(f.id, []),
                starred=quoted.get(f.id, []),
                reuses=reuses.get(f.id, 0),
            )
        )
    return views


def published(finding_id: int) -> Finding | None:
    finding = db.session.get(Finding, finding_id)
    return finding if finding is not None and finding.is_published else None


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """What the library's filters offer: the current frameworks' QIs, the IGBE priorities."""
    rows = db.session.execute(
        select(FrameworkElement)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(Framework.is_current.is_(True), FrameworkElement.kind.in_(("qi", "priority")))
        .options(joinedload(FrameworkElement.framework))
        .order_by(Framework.id, FrameworkElement.number, FrameworkElement.position)
    ).scalars()
    qis: list[tuple[str, str]] = []
    priorities: list[tuple[str, str]] = []
    for element in rows:
        (priorities if element.kind == "priority" else qis).append(
            (str(element.id), linking.element_label(element))
        )
    return {
        "qis": qis,
        "priorities": priorities,
        "sectors": [(s.value, s.label) for s in Sector],
        "stages": list(finding_services.STAGES),
    }


# Reuse ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """What a new trio takes from a published finding."""

    finding_id: int
    title: str
    focus: str
    link_ids: list[int]


def seed_of(finding: Finding) -> Seed:
    links = linking.links_for("finding", [finding.id]).get(finding.id, [])
    return Seed(finding.id, finding.title, finding.focus, [e.id for e in links if e.framework.is_current])


def record_reuse(finding: Finding, trio: Trio, reader: User) -> FindingReuse:
    """The trio was started from the finding: recorded in the reader's partnership, read by the author's."""
    reuse = FindingReuse(
        finding_id=finding.id, partnership_id=trio.partnership_id, trio_id=trio.id, reused_by_id=reader.id
    )
    db.session.add(reuse)
    db.session.flush()
    return reuse


def reused_anywhere(finding_ids: list[int]) -> set[int]:
    if not finding_ids:
        return set()
    return set(
        db.session.scalars(select(FindingReuse.finding_id).where(FindingReuse.finding_id.in_(finding_ids)))
    )
