"""Which schools work together: schools as points, trios as the ties between them, grouped and
coloured by local authority. A pure layout (a circle of schools per authority, the authorities
round a larger circle) so the same data always draws the same picture; the page draws it as SVG
with a table that says the same. No request globals."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from sqlalchemy import select

from ..extensions import db
from ..models import Membership, Partnership, ResearchLesson, School, Trio, TrioMember

WIDTH, HEIGHT = 720, 520
# Okabe and Ito's palette, told apart with most colour-vision deficiencies; a shape per authority
# as well, and the authority's name in the key and the table, so colour is never the only sign.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
SHAPES = ("circle", "square", "triangle", "diamond")


@dataclass(frozen=True)
class Point:
    id: int
    number: int  # the label drawn beside the point, and the table's first column
    name: str
    authority: str
    sector: str
    partnership: str
    x: float
    y: float
    colour: str
    shape: str


def _in_order(a: Point, b: Point) -> tuple[Point, Point]:
    return (a, b) if a.number <= b.number else (b, a)


@dataclass(frozen=True)
class Tie:
    a: Point
    b: Point
    trios: int

    @property
    def across(self) -> bool:
        return self.a.authority != self.b.authority


@dataclass(frozen=True)
class Authority:
    name: str
    colour: str
    shape: str
    schools: int


@dataclass
class Network:
    points: list[Point] = field(default_factory=list)
    ties: list[Tie] = field(default_factory=list)
    authorities: list[Authority] = field(default_factory=list)

    @property
    def ties_across(self) -> int:
        return sum(1 for t in self.ties if t.across)

    def ties_of(self, point: Point) -> int:
        return sum(1 for t in self.ties if point in (t.a, t.b))


def layout(schools_by_authority: dict[str, list]) -> dict[object, tuple[float, float]]:
    """Each authority's schools on a small circle, the authorities' circles round a large one."""
    cx, cy = WIDTH / 2, HEIGHT / 2
    authorities = sorted(schools_by_authority)
    positions = {}
    big = 0 if len(authorities) == 1 else min(WIDTH, HEIGHT) / 2 - 110
    for i, authority in enumerate(authorities):
        # From the left, clockwise: two authorities sit side by side, not one above the other.
        angle = 2 * math.pi * i / max(len(authorities), 1) + math.pi
        ax, ay = cx + big * math.cos(angle), cy + big * math.sin(angle)
        members = schools_by_authority[authority]
        small = (
            0 if len(members) == 1 else (170 if len(authorities) == 1 else min(80, 24 + 10 * len(members)))
        )
        for j, key in enumerate(members):
            a = 2 * math.pi * j / len(members) - math.pi / 2
            positions[key] = (round(ax + small * math.cos(a), 1), round(ay + small * math.sin(a), 1))
    return positions


def network(partnership_ids: list[int]) -> Network:
    if not partnership_ids:
        return Network()
    ids = list(partnership_ids)
    schools = db.session.execute(
        select(School, Partnership.name)
        .join(Partnership, School.partnership_id == Partnership.id)
        .where(School.partnership_id.in_(ids))
        .order_by(School.local_authority, Partnership.name, School.name)
    ).all()
    # A trio's schools: its members' schools in the trio's partnership, and where its lessons were.
    trio_schools: dict[int, set[int]] = defaultdict(set)
    for trio_id, school_id in db.session.execute(
        select(Trio.id, Membership.school_id)
        .join(TrioMember, TrioMember.trio_id == Trio.id)
        .join(
            Membership,
            (Membership.user_id == TrioMember.user_id) & (Membership.partnership_id == Trio.partnership_id),
        )
        .where(Trio.partnership_id.in_(ids), Membership.school_id.is_not(None))
    ):
        if school_id is not None:  # (the query leaves those out; the type cannot say so)
            trio_schools[trio_id].add(school_id)
    for trio_id, school_id in db.session.execute(
        select(ResearchLesson.trio_id, ResearchLesson.school_id).where(
            ResearchLesson.partnership_id.in_(ids), ResearchLesson.school_id.is_not(None)
        )
    ):
        if school_id is not None:  # (the query leaves those out; the type cannot say so)
            trio_schools[trio_id].add(school_id)
    pairs: Counter = Counter()
    for members in trio_schools.values():
        for a, b in combinations(sorted(members), 2):
            pairs[(a, b)] += 1

    by_authority: dict[str, list[int]] = defaultdict(list)
    for school, _ in schools:
        by_authority[school.local_authority].append(school.id)
    positions = layout(by_authority)
    authorities = sorted(by_authority)
    style = {name: (COLOURS[i % len(COLOURS)], SHAPES[i % len(SHAPES)]) for i, name in enumerate(authorities)}
    points = {}
    for number, (school, partnership) in enumerate(schools, start=1):
        colour, shape = style[school.local_authority]
        x, y = positions[school.id]
        points[school.id] = Point(
            school.id,
            number,
            school.name,
            school.local_authority,
            school.sector_label,
            partnership,
            x,
            y,
            colour,
            shape,
        )
    ties = [
        Tie(*_in_order(points[a], points[b]), n) for (a, b), n in pairs.items() if a in points and b in points
    ]
    ties.sort(key=lambda t: (t.a.number, t.b.number))
    return Network(
        points=list(points.values()),
        ties=ties,
        authorities=[Authority(name, *style[name], len(by_authority[name])) for name in authorities],
    )
