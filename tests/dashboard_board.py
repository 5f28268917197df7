"""Six actions in partnership A chosen so that every dashboard filter and summary table picks out
a known set (the `board` fixture), for the dashboard's tests and its summary tables' tests."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Action, Framework, FrameworkElement, User

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def element(key, code, kind):
    framework = db.session.scalar(
        select(Framework).where(Framework.key == key, Framework.is_current.is_(True))
    )
    column = FrameworkElement.code if kind == "priority" else FrameworkElement.number
    return db.session.scalar(
        select(FrameworkElement).where(
            FrameworkElement.framework_id == framework.id, column == code, FrameworkElement.kind == kind
        )
    )


@pytest.fixture
def board(app, world):
    """Six actions in partnership A chosen so that every filter picks out a known set."""
    with app.app_context():
        pid = world["a"]["partnership_id"]
        s1, s2 = world["a"]["school_ids"]
        users = {u.email: u.id for u in db.session.scalars(select(User))}
        teacher, other = users[world["a"]["teacher"]], users[world["a"]["other_teacher"]]
        qi23 = element("stem", "2.3", "qi")
        theme23 = db.session.scalar(select(FrameworkElement).where(FrameworkElement.parent_id == qi23.id))
        qi11 = element("hgios4", "1.1", "qi")
        ka1 = element("igbe", "KA1", "priority")
        specs = {
            # name: title, school, owner, status, due, last progress (days before NOW), links
            "overdue": (
                "Fraction walls overdue",
                s1,
                teacher,
                "in_progress",
                TODAY - timedelta(days=3),
                10,
                [qi23.id],
            ),
            "stale": ("Careers evening", s2, other, "not_started", TODAY + timedelta(days=30), 60, [ka1.id]),
            "done": (
                "Audit displays",
                s1,
                teacher,
                "complete",
                TODAY - timedelta(days=40),
                70,
                [ka1.id, qi11.id],
            ),
            "wide": ("Moderation across the partnership", None, other, "on_hold", None, 5, [theme23.id]),
            "fresh": ("Outdoor number trail", s2, teacher, "in_progress", TODAY + timedelta(days=5), 1, []),
        }
        ids = {}
        for name, (title, school, owner, status, due, days, links) in specs.items():
            action = Action(
                partnership_id=pid,
                title=title,
                description=f"About {name}",
                school_id=school,
                owner_id=owner,
                status=status,
                due_date=due,
                created_by_id=owner,
                created_at=NOW - timedelta(days=90),
                updated_at=NOW,
                last_progress_at=NOW - timedelta(days=days),
            )
            db.session.add(action)
            db.session.flush()
            linking.set_links(pid, "action", action.id, links)
            ids[name] = action.id
        ids["fixture"] = world["a"][
            "action_id"
        ]  # "Fraction walls in every P5-P7 class", in progress, no due date
        db.session.commit()
        return ids
