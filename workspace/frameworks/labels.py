"""The names of QIs, themes and priorities as busy lists show them, remembered per process.

An element's wording never changes once loaded (a changed framework file must come as a new
version, with new elements), so what a list shows for element 123 can be worked out once and
kept: the dashboard then asks the database only which elements each action links to.
The memory belongs to the application (one per database) and the loader empties it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select

from ..extensions import db, read_rows
from ..models import Framework, FrameworkElement, FrameworkLink
from .linking import KIND_ORDER, element_label


@dataclass(frozen=True, slots=True)
class ElementLabel:
    id: int
    number: str  # what a tag shows: "2.3", "KA1"
    label: str  # the full name, as linking.element_label gives it
    order: tuple  # framework, number, kind, position: the order links are listed in
    kind: str  # "qi", "theme", "priority"...
    title: str  # the element's own title, without its framework or number

    @property
    def framework_id(self) -> int:
        return self.order[0]


def _memory() -> dict[int, ElementLabel]:
    return current_app.extensions.setdefault("element_labels", {})


def forget() -> None:
    """After loading frameworks: nothing remembered can be out of date (ids are never reused
    within a process otherwise, but a rolled-back load could hand one out again)."""
    _memory().clear()


def labels(element_ids: Iterable[int]) -> dict[int, ElementLabel]:
    """Labels by element id. The first call in a process (or after a load) reads every element
    once, a few hundred rows; after that, only an element loaded since is a reason to read again."""
    memory = _memory()
    wanted = set(element_ids)
    if not wanted <= memory.keys():
        rows = db.session.execute(
            select(FrameworkElement, Framework).join(Framework, FrameworkElement.framework_id == Framework.id)
        ).all()
        for element, framework in rows:
            memory[element.id] = ElementLabel(
                element.id,
                element.number or element.code or "",
                element_label(element),
                (framework.id, element.number or "", KIND_ORDER.get(element.kind, 9), element.position),
                element.kind,
                element.title,
            )
    return {i: memory[i] for i in wanted if i in memory}


# Built once: the dashboard's results and the observation feed ask for their rows' links each time.
_LINKS = select(FrameworkLink.record_id, FrameworkLink.element_id).where(
    FrameworkLink.record_type == bindparam("record_type"),
    FrameworkLink.record_id.in_(bindparam("ids", expanding=True)),
)


def labels_for(record_type: str, record_ids: list[int]) -> dict[int, list[ElementLabel]]:
    """Each record's linked elements, in the order linking.links_for gives: one small query."""
    result: dict[int, list[ElementLabel]] = defaultdict(list)
    if not record_ids:
        return result
    pairs = read_rows(_LINKS, {"record_type": record_type, "ids": list(record_ids)}).all()
    known = labels(element_id for _, element_id in pairs)
    for record_id, element_id in pairs:
        if element_id in known:
            result[record_id].append(known[element_id])
    for items in result.values():
        items.sort(key=lambda label: label.order)
    return result


_CURRENT_LINKS = (
    select(FrameworkLink.element_id)
    .join(FrameworkElement, FrameworkLink.element_id == FrameworkElement.id)
    .join(Framework, FrameworkElement.framework_id == Framework.id)
    .where(
        FrameworkLink.record_type == bindparam("record_type"),
        FrameworkLink.record_id == bindparam("record_id"),
        Framework.is_current.is_(True),
    )
)


def current_labels_for(record_type: str, record_id: int) -> list[ElementLabel]:
    """One record's links to current framework versions, in order: one small query, asked by
    every observation posted."""
    rows = read_rows(_CURRENT_LINKS, {"record_type": record_type, "record_id": record_id}).all()
    return sorted(labels(row[0] for row in rows).values(), key=lambda label: label.order)
