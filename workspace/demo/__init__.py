"""The demo partnership: fictional schools and people, so a newcomer sees a working workspace.

Later parts of the workspace (trios, actions, self-evaluations) add their own demo records
through load_demo(), so a reset always rebuilds the whole picture.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from ..auth.services import create_user
from ..extensions import db
from ..models import Membership, Partnership, User
from ..partnerships import services as partnership_services
from ..reference import Role, Sector

DEMO_PARTNERSHIP = "Ochil and Carron Learning Partnership"
DEMO_EMAIL_DOMAIN = "demo.example"
DEFAULT_PASSWORD = "ochil-carron-trio"

SCHOOLS = [
    ("Carronbank High School", Sector.SECONDARY, "Falkirk"),
    ("Glenmuir Primary School", Sector.PRIMARY, "Falkirk"),
    ("Wallacebrae Early Learning Centre", Sector.ELC, "Falkirk"),
    ("Ochil View Primary School", Sector.PRIMARY, "Stirling"),
    ("Bannockvale Academy", Sector.SECONDARY, "Stirling"),
]

# (name, role, school or None)
PEOPLE = [
    ("Catriona Baird", Role.LEAD, None),
    ("Eilidh Robertson", Role.TEACHER, "Glenmuir Primary School"),
    ("Callum Fraser", Role.TEACHER, "Carronbank High School"),
    ("Priya Sharma", Role.TEACHER, "Ochil View Primary School"),
    ("Ross McLeod", Role.TEACHER, "Bannockvale Academy"),
    ("Hannah Kerr", Role.TEACHER, "Wallacebrae Early Learning Centre"),
    ("Jamie Thomson", Role.TEACHER, "Carronbank High School"),
    ("Aileen Docherty", Role.TEACHER, "Ochil View Primary School"),
    ("Graham Paterson", Role.REVIEWER, None),
]


class DemoExists(Exception):
    pass


@dataclass(frozen=True)
class DemoSignIn:
    name: str
    email: str
    role: str
    school: str | None


def demo_email(name: str) -> str:
    first, last = name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{DEMO_EMAIL_DOMAIN}"


def demo_partnership() -> Partnership | None:
    return db.session.scalar(select(Partnership).where(Partnership.name == DEMO_PARTNERSHIP))


def sign_ins() -> list[DemoSignIn]:
    from .findings import OFFICERS

    return [DemoSignIn(name, demo_email(name), role.label, school) for name, role, school in PEOPLE] + [
        DemoSignIn(name, f"{local}@{DEMO_EMAIL_DOMAIN}", "Programme officer", None)
        for name, local in OFFICERS
    ]


def remove_demo() -> None:
    partnership = demo_partnership()
    if partnership is not None:
        # The database cascades everything under the partnership; its files' blobs go after the commit.
        from ..evidence import services as evidence_files

        evidence_files.release_where(evidence_files.EvidenceFile.partnership_id == partnership.id)
        db.session.execute(delete(Partnership).where(Partnership.id == partnership.id))
    db.session.execute(delete(User).where(User.email.like(f"%@{DEMO_EMAIL_DOMAIN}")))
    db.session.expunge_all()


def load_demo(password: str = DEFAULT_PASSWORD, reset: bool = False) -> Partnership:
    """Creates the demo partnership. Refuses over existing demo data unless reset is True."""
    if demo_partnership() is not None or db.session.scalar(
        select(User.id).where(User.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))
    ):
        if not reset:
            raise DemoExists(f"The demo partnership ({DEMO_PARTNERSHIP}) is already loaded.")
        remove_demo()
    partnership = partnership_services.create_partnership(
        DEMO_PARTNERSHIP,
        "Five schools and settings in Falkirk and Stirling working together on girls' and boys' "
        "confidence in STEM, through lesson-study trios across the primary-secondary transition.",
    )
    schools = {
        name: partnership_services.add_school(partnership, name, sector, authority)
        for name, sector, authority in SCHOOLS
    }
    for name, role, school in PEOPLE:
        user = create_user(demo_email(name), name, password)
        db.session.add(
            Membership(
                partnership_id=partnership.id,
                user_id=user.id,
                role=role,
                school_id=schools[school].id if school else None,
            )
        )
    db.session.flush()
    from ..frameworks import loader
    from .trios import load_demo_trios

    if not loader.frameworks_loaded():
        loader.load_all()
    load_demo_trios(partnership)
    from .actions import load_demo_actions

    load_demo_actions(partnership)
    from .selfeval import load_demo_selfeval

    load_demo_selfeval(partnership)
    from .evidence import load_demo_evidence

    load_demo_evidence(partnership)
    from .findings import load_demo_findings

    load_demo_findings(partnership, DEMO_EMAIL_DOMAIN, password)
    from .reports import load_demo_report

    load_demo_report(partnership, demo_email(PEOPLE[0][0]))  # the lead's draft
    return partnership
