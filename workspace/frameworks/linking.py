"""The one way any record links to QIs, themes and IGBE priorities.

A record type registers how to describe its records (title and URL); it then keeps its links with
set_links() and reads them with links_for(). Links point at elements of one framework version,
so they stay readable when a framework is revised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, case, delete, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Framework, FrameworkElement, FrameworkLink
from ..models.frameworks import LINKABLE_KINDS
from ..services_errors import ServiceError

MAX_LINKS_PER_RECORD = 40
# The STEM framework first: it is what partnerships work with most; then HGIOS4, HGIOELC, IGBE.
FRAMEWORK_ORDER = {"stem": 0, "hgios4": 1, "hgioelc": 2, "igbe": 3}
KIND_ORDER = {"qi": 0, "theme": 1, "priority": 2}


@dataclass(frozen=True)
class LinkedRecord:
    record_type: str
    record_id: int
    title: str
    url: str


@dataclass(frozen=True)
class RecordType:
    name: str
    label: str  # plural, for headings: "Trios", "Actions"
    # Given a partnership id and record ids, describes those records (one query, not one per id).
    describe: Callable[[int, list[int]], dict[int, LinkedRecord]]


_record_types: dict[str, RecordType] = {}


def register_record_type(
    name: str, label: str, describe: Callable[[int, list[int]], dict[int, LinkedRecord]]
) -> None:
    _record_types[name] = RecordType(name, label, describe)


# Describing elements --------------------------------------------------------------------------


def element_label(element: FrameworkElement) -> str:
    """How a QI, theme or priority is named in a list of links."""
    framework = element.framework.short_title
    if element.kind == "qi":
        return f"QI {element.number} {element.title} ({framework})"
    if element.kind == "theme":
        return f"QI {element.number}: {element.title} ({framework} theme)"
    if element.kind == "priority":
        return f"{framework} {element.number}: {element.title}"
    return element.title


def _with_framework(query):
    return query.options(joinedload(FrameworkElement.framework))


# Choosing elements ------------------------------------------------------------------------------

# Words people type because the workspace shows them in labels: "QI 2.3", "IGBE KA1", "STEM ...".
NOISE_WORDS = {"qi", "qis", "theme", "themes"}
FRAMEWORK_WORDS = {"stem": "stem", "hgios4": "hgios4", "hgioelc": "hgioelc", "igbe": "igbe"}


def search(query: str, limit: int = 12, exclude: Iterable[int] = ()) -> list[FrameworkElement]:
    """Linkable elements of the current framework versions whose number or wording matches."""
    words = [w.strip(":,;()") for w in query.lower().split()][:8]
    frameworks = [FRAMEWORK_WORDS[w] for w in words if w in FRAMEWORK_WORDS]
    words = [w for w in words if w and w not in NOISE_WORDS and w not in FRAMEWORK_WORDS][:6]
    if not words and not frameworks:
        return []
    statement = _with_framework(
        select(FrameworkElement)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(Framework.is_current.is_(True), FrameworkElement.kind.in_(LINKABLE_KINDS))
    )
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(
                FrameworkElement.search_text.like(f"%{escaped}%", escape="\\"),
                FrameworkElement.number == word,
            )
        )
    if frameworks:
        statement = statement.where(Framework.key.in_(frameworks))
    excluded = [i for i in exclude if i]
    if excluded:
        statement = statement.where(FrameworkElement.id.not_in(excluded))
    statement = statement.order_by(
        case(FRAMEWORK_ORDER, value=Framework.key, else_=9),
        FrameworkElement.number,
        case(KIND_ORDER, value=FrameworkElement.kind, else_=9),
        FrameworkElement.position,
    ).limit(limit)
    return list(db.session.scalars(statement))


def elements_by_id(element_ids: Iterable[int]) -> list[FrameworkElement]:
    """The linkable elements among these ids, in the order given; unknown ids are dropped."""
    ids = list(dict.fromkeys(i for i in element_ids if isinstance(i, int)))
    if not ids:
        return []
    found = {
        e.id: e
        for e in db.session.scalars(
            _with_framework(
                select(FrameworkElement).where(
                    FrameworkElement.id.in_(ids), FrameworkElement.kind.in_(LINKABLE_KINDS)
                )
            )
        )
    }
    return [found[i] for i in ids if i in found]


# Keeping links ------------------------------------------------------------------------------------


def set_links(
    partnership_id: int, record_type: str, record_id: int, element_ids: Iterable[int]
) -> list[FrameworkElement]:
    """Makes the record's links exactly these elements.

    A link already held to a superseded version is kept; a new link must be to a current version.
    """
    if record_type not in _record_types:
        raise ValueError(f"unregistered record type {record_type!r}")
    wanted = list(dict.fromkeys(element_ids))
    if len(wanted) > MAX_LINKS_PER_RECORD:
        raise ServiceError(f"Link at most {MAX_LINKS_PER_RECORD} QIs, themes and priorities.", "links")
    elements = elements_by_id(wanted)
    if len(elements) != len(wanted):
        raise ServiceError(
            "One of the chosen links is not a QI, theme or priority the workspace knows.", "links"
        )
    existing = {
        link.element_id: link
        for link in db.session.scalars(
            select(FrameworkLink).where(
                FrameworkLink.record_type == record_type, FrameworkLink.record_id == record_id
            )
        )
    }
    for element in elements:
        if element.id not in existing and not element.framework.is_current:
            raise ServiceError(
                f"{element_label(element)} is from a superseded version of the framework; choose the current wording.",
                "links",
            )
    keep = {e.id for e in elements}
    for element_id, link in existing.items():
        if element_id not in keep:
            db.session.delete(link)
    for element in elements:
        if element.id not in existing:
            db.session.add(
                FrameworkLink(
                    partnership_id=partnership_id,
                    record_type=record_type,
                    record_id=record_id,
                    element_id=element.id,
                )
            )
    db.session.flush()
    return elements


def remove_all_links(record_type: str, record_ids: Iterable[int]) -> None:
    ids = list(record_ids)
    if ids:
        db.session.execute(
            delete(FrameworkLink).where(
                FrameworkLink.record_type == record_type, FrameworkLink.record_id.in_(ids)
            )
        )


# Built once: a record's page asks for its links every time it is opened.
_LINKS_FOR = (
    select(FrameworkLink.record_id, FrameworkElement)
    .join(FrameworkElement, FrameworkLink.element_id == FrameworkElement.id)
    .options(joinedload(FrameworkElement.framework))
    .where(
        FrameworkLink.record_type == bindparam("record_type"),
        FrameworkLink.record_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(
        FrameworkElement.framework_id,
        FrameworkElement.number,
        case(KIND_ORDER, value=FrameworkElement.kind, else_=9),
        FrameworkElement.position,
    )
)


def links_for(record_type: str, record_ids: Iterable[int]) -> dict[int, list[FrameworkElement]]:
    """Each record's linked elements, for many records in one query."""
    ids = list(record_ids)
    result: dict[int, list[FrameworkElement]] = defaultdict(list)
    if not ids:
        return result
    rows = db.session.execute(_LINKS_FOR, {"record_type": record_type, "ids": ids}).all()
    for record_id, element in rows:
        result[record_id].append(element)
    return result


def records_linked_to(partnership_id: int, element: FrameworkElement) -> dict[str, list[LinkedRecord]]:
    """What in this partnership links to the element, or (for a QI) to any of its themes."""
    element_ids = [element.id]
    if element.kind == "qi":
        element_ids += db.session.scalars(
            select(FrameworkElement.id).where(FrameworkElement.parent_id == element.id)
        ).all()
    rows = db.session.execute(
        select(FrameworkLink.record_type, FrameworkLink.record_id)
        .where(FrameworkLink.partnership_id == partnership_id, FrameworkLink.element_id.in_(element_ids))
        .distinct()
    ).all()
    by_type: dict[str, list[int]] = defaultdict(list)
    for record_type, record_id in rows:
        by_type[record_type].append(record_id)
    linked: dict[str, list[LinkedRecord]] = {}
    for name, ids in by_type.items():
        kind = _record_types.get(name)
        if kind is None:
            continue
        described = kind.describe(partnership_id, ids)
        linked[kind.label] = sorted(described.values(), key=lambda r: r.title.lower())
    return linked
