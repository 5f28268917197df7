"""A deterministic, realistic national-scale data set for the benchmarks.

60 partnerships, 2,500 schools, 10,000 members; among them one large partnership ("Forth Valley
Benchmark Partnership") with 40 schools, 400 members, 100 trios, 600 research lessons, 20,000
observations, 5,000 actions, 20,000 progress updates and 2,000 self-evaluations.

Rows go in with bulk inserts and explicit ids, so a run takes seconds, not minutes; the same seed
always gives the same data. The stages: `people` (partnerships, schools, members), `trios`
(lesson study), `actions` (improvement work and self-evaluation).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from ...extensions import db
from ...models import Partnership
from .actions import add_actions, add_self_evaluations
from .people import BENCH_DOMAIN, BENCH_PASSWORD, LARGE_NAME, add_people
from .rows import Build, Counts, advance_sequences, elements
from .trios import add_trios

__all__ = ["BENCH_DOMAIN", "BENCH_PASSWORD", "LARGE_NAME", "Counts", "generate", "large_partnership"]

LARGE_SIZE = {
    "schools": 40,
    "members": 400,
    "trios": 100,
    "lessons": 600,
    "observations": 20_000,
    "actions": 5_000,
    "updates": 20_000,
    "evaluations": 2_000,
}


def large_partnership() -> Partnership | None:
    return db.session.scalar(select(Partnership).where(Partnership.name == LARGE_NAME))


def generate(
    seed: int = 2026,
    today: date | None = None,
    partnerships: int = 60,
    schools: int = 2500,
    members: int = 10_000,
    large: dict | None = None,
) -> Counts:
    """Adds the data set. Refuses to run twice over the same database."""
    if large_partnership() is not None:
        raise RuntimeError("The benchmark data is already here.")
    today = today or date(2026, 11, 22)
    build = Build(
        rng=random.Random(seed),
        today=today,
        now=datetime.combine(today, time(12), tzinfo=UTC),
        size=LARGE_SIZE | (large or {}),
    )
    add_people(build, partnerships, schools, members)
    build.elements = elements()
    add_trios(build)
    add_actions(build)
    add_self_evaluations(build)
    db.session.flush()
    advance_sequences()
    return build.counts
