"""What every stage of the generator shares: the build's state, explicit ids and bulk inserts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, insert, select, text

from ...extensions import db
from ...models import Framework, FrameworkElement, FrameworkLink


@dataclass
class Counts:
    partnerships: int = 0
    schools: int = 0
    members: int = 0
    trios: int = 0
    lessons: int = 0
    observations: int = 0
    actions: int = 0
    updates: int = 0
    evaluations: int = 0


class Ids:
    """Explicit ids, continuing from what the tables already hold."""

    def __init__(self):
        self.next = {}

    def take(self, model) -> int:
        if model not in self.next:
            self.next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self.next[model]
        self.next[model] += 1
        return value


@dataclass
class Build:
    """One run of the generator. The stages run in a fixed order and draw from one random
    generator, so the same seed always gives the same data."""

    rng: random.Random
    today: date
    now: datetime
    size: dict
    ids: Ids = field(default_factory=Ids)
    counts: Counts = field(default_factory=Counts)
    # The large partnership, once its people are made.
    large_pid: int = 0
    large_schools: list[int] = field(default_factory=list)
    teachers: list[tuple[int, int | None]] = field(default_factory=list)  # (user id, school id)
    leads: list[int] = field(default_factory=list)
    elements: dict[str, list[int]] = field(default_factory=dict)


def bulk(model, rows: list[dict], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start : start + chunk])


def spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(max(0, total), max(1, parts))
    return [base + (1 if i < extra else 0) for i in range(parts)]


def elements() -> dict[str, list[int]]:
    """Ids of the current STEM QIs and themes and of the IGBE priorities."""
    rows = db.session.execute(
        select(FrameworkElement.id, FrameworkElement.kind, Framework.key)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .where(Framework.is_current.is_(True))
    ).all()
    return {
        "qi": [i for i, kind, key in rows if key == "stem" and kind == "qi"],
        "theme": [i for i, kind, key in rows if key == "stem" and kind == "theme"],
        "priority": [i for i, kind, key in rows if key == "igbe" and kind == "priority"],
    }


def link_row(build: Build, record_type: str, record_id: int, element_id: int) -> dict:
    return {
        "id": build.ids.take(FrameworkLink),
        "partnership_id": build.large_pid,
        "record_type": record_type,
        "record_id": record_id,
        "element_id": element_id,
        "created_at": build.now,
    }


def _is_integer(column) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


def advance_sequences() -> None:
    """Explicit ids leave PostgreSQL's id sequences behind; move each past the highest id, or the
    next row anyone adds would collide."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        # Only integer ids have a sequence (a SAML assertion's id is the provider's text).
        if "id" in table.c and table.c.id.autoincrement is not False and _is_integer(table.c.id):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
