"""Demo findings: what each demo trio learned, approved into the library, and a programme officer
who follows the demo partnership. The demo has one partnership, so the library holds its
findings only; a second partnership's would come with a second demo partnership."""

from __future__ import annotations

from sqlalchemy import select

from ..exchange import findings, programme, quotes
from ..extensions import db
from ..frameworks import linking
from ..models import Partnership, Trio, User

FINDINGS = {
    "Fractions across P6 and S1": {
        "title": "Fraction walls help quiet pupils explain equivalence across P6 and S1",
        "sector": "primary",
        "stage": "P6",
        "subject": "Numeracy",
        "tried": "A shared fraction wall for every pair from the first minute, a number talk before any written "
        "work, and a class explanation made by pairs rather than by volunteers.",
        "learned": "Pupil A explained 2/4 = 1/2 to her partner once the wall was on the table, but still not to "
        "the class. Pupil B checked with the wall when asked to, and made fewer slips. Pupil C used the words "
        "numerator and denominator when a partner modelled them first.",
        "advice": "Give every pair the wall before the task, not as a rescue. Ask pairs, not hands, to explain; "
        "the quieter pupils speak for the pair. Plan the S1 lesson with the P6 teacher in the room.",
        "show_school": True,
    },
    "Girls and engineering in the early years": {
        "title": "Naming girls' building as engineering changes who builds",
        "sector": "elc",
        "stage": "ELC",
        "subject": "Construction play",
        "tried": "Adults named what children did as engineering (“you tested it”, “you made it stronger”), set "
        "a shared challenge (a bridge for a goat) and kept the block area open to mixed groups.",
        "learned": "The case pupils chose the block area more often, stayed longer, and used the words test and "
        "stronger in their own talk by the end of the cycle.",
        "advice": "Agree the adults' words before the session and count who builds, not just who is there.",
        "show_school": False,
    },
}

OFFICERS = [("Moira Campbell", "moira.campbell")]


def load_demo_findings(partnership: Partnership, domain: str, password: str) -> None:
    from ..auth.services import create_user

    lead = db.session.execute(select(User).where(User.name == "Catriona Baird")).scalar_one()
    for trio in db.session.scalars(select(Trio).where(Trio.partnership_id == partnership.id)):
        spec = FINDINGS.get(trio.name)
        if spec is None:
            continue
        data = findings.suggested_input(trio)
        for key, value in spec.items():
            setattr(data, key, value)
        data.observation_ids = [o.id for o in quotes.starred_observations(trio)][:3]
        data.link_ids = [e.id for e in linking.links_for("trio", [trio.id]).get(trio.id, [])]
        author = trio.members[0].user
        finding = findings.create_finding(trio, data, author)
        findings.approve(finding, lead)
    for name, local in OFFICERS:
        officer = create_user(f"{local}@{domain}", name, password)
        programme.set_grants(officer, [partnership.id], lead)
    db.session.flush()
