"""Demo actions across the partnership's schools, some overdue, with progress histories. Fictional."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..actions import services
from ..activity import services as activity
from ..extensions import db
from ..models import ActionStatusChange, Partnership, School, User
from .trios import Link, _element

Progress = tuple[int, str, str, str | None]  # days ago, text, evidence, new status
# title, school (None: partnership-wide), owner, status, due in days from today (negative: past),
# created days ago, links, progress
DemoAction = tuple[str, str | None, str, str, int, int, list[Link], list[Progress]]
ACTIONS: list[DemoAction] = [
    (
        "Introduce fraction walls in every P5–P7 class",
        "Glenmuir Primary School",
        "Eilidh Robertson",
        "in_progress",
        30,
        60,
        [("stem", "2.3", "qi")],
        [
            (50, "Walls made for P6 and shared at the staff meeting.", "", None),
            (
                20,
                "P5 and P7 now use them weekly.",
                "Exit tickets: 78% secure on equivalence, up from 52%.",
                None,
            ),
        ],
    ),
    (
        "Paired talk before whole-class explanation in maths",
        "Carronbank High School",
        "Callum Fraser",
        "in_progress",
        -5,
        70,
        [("stem", "2.3", "qi"), ("igbe", "EQ-S1", "priority")],
        [(60, "Tried in two S1 classes.", "", "in_progress")],
    ),
    (
        "Audit classroom displays for gender stereotypes",
        "Wallacebrae Early Learning Centre",
        "Hannah Kerr",
        "complete",
        -20,
        90,
        [("igbe", "KA1", "priority"), ("igbe", "EQ-S2", "priority")],
        [
            (80, "Audit tool agreed with the team.", "", "in_progress"),
            (
                40,
                "All rooms audited; 14 images replaced.",
                "Children now choose the block area equally (tally, 3 weeks).",
                "complete",
            ),
        ],
    ),
    (
        "STEM careers week with local employers",
        None,
        "Catriona Baird",
        "not_started",
        75,
        20,
        [("stem", "2.7", "qi"), ("igbe", "NP2", "priority")],
        [],
    ),
    (
        "Share moderation of numeracy across the cluster",
        None,
        "Catriona Baird",
        "in_progress",
        -12,
        100,
        [("stem", "1.1", "qi")],
        [(90, "First moderation session held.", "", "in_progress")],
    ),
    (
        "Transition maths tasks for P7 into S1",
        "Ochil View Primary School",
        "Priya Sharma",
        "in_progress",
        14,
        45,
        [("stem", "2.6", "qi")],
        [
            (30, "Tasks drafted with Bannockvale maths.", "", None),
            (3, "Piloted with P7b.", "Pupils said the tasks felt 'like high school'.", None),
        ],
    ),
    (
        "Digital skills club for girls in S2",
        "Bannockvale Academy",
        "Ross McLeod",
        "on_hold",
        40,
        50,
        [("stem", "3.3", "qi"), ("igbe", "EQ-S1", "priority")],
        [(35, "On hold until the new laptops arrive.", "", "on_hold")],
    ),
    (
        "Outdoor learning for number in the nursery",
        "Ochil View Primary School",
        "Aileen Docherty",
        "in_progress",
        -2,
        80,
        [("stem", "2.3", "qi")],
        [(75, "Number trail planned.", "", "in_progress")],
    ),
    (
        "Parent STEM evening",
        "Glenmuir Primary School",
        "Eilidh Robertson",
        "not_started",
        -9,
        60,
        [("stem", "2.5", "qi"), ("igbe", "KA4", "priority")],
        [],
    ),
    (
        "Track girls' uptake of physics and computing",
        "Carronbank High School",
        "Jamie Thomson",
        "in_progress",
        60,
        55,
        [("stem", "3.2", "qi"), ("igbe", "KA5", "priority")],
        [(40, "Baseline data collected for S3 choices.", "", None)],
    ),
    (
        "Professional learning on unconscious bias",
        None,
        "Catriona Baird",
        "complete",
        -30,
        120,
        [("stem", "1.2", "qi"), ("igbe", "KA2", "priority")],
        [
            (110, "Session booked with the IGBE officer.", "", "in_progress"),
            (
                45,
                "Delivered to 41 staff across five schools.",
                "Evaluations: 92% will change one practice.",
                "complete",
            ),
        ],
    ),
    (
        "Construction play resources in every playroom",
        "Wallacebrae Early Learning Centre",
        "Hannah Kerr",
        "in_progress",
        21,
        35,
        [("stem", "1.5", "qi")],
        [(10, "Order placed.", "", None)],
    ),
    (
        "Science capital conversations with families",
        "Ochil View Primary School",
        "Priya Sharma",
        "not_started",
        90,
        10,
        [("stem", "2.5", "qi")],
        [],
    ),
    (
        "Senior pupils as STEM ambassadors in primaries",
        "Bannockvale Academy",
        "Ross McLeod",
        "in_progress",
        -15,
        95,
        [("stem", "1.2", "qi"), ("stem", "2.7", "qi")],
        [(85, "Six S5 volunteers trained.", "", "in_progress")],
    ),
    (
        "Self-evaluation of STEM against QI 1.3",
        None,
        "Catriona Baird",
        "in_progress",
        45,
        30,
        [("stem", "1.3", "qi")],
        [(15, "Each school has chosen its themes.", "", None)],
    ),
    (
        "Maths anxiety: growth mindset lessons",
        "Carronbank High School",
        "Callum Fraser",
        "not_started",
        35,
        15,
        [("stem", "3.1", "qi")],
        [],
    ),
]


def _when(days_ago: int) -> datetime:
    return datetime.combine(date.today() - timedelta(days=days_ago), time(15, 40), tzinfo=UTC)


def load_demo_actions(partnership: Partnership, today: date | None = None) -> None:
    today = today or date.today()
    users = {u.name: u for u in db.session.scalars(select(User))}
    schools = {
        s.name: s for s in db.session.scalars(select(School).where(School.partnership_id == partnership.id))
    }
    lead = users["Catriona Baird"]
    for title, school, owner, status, due_in, created_ago, links, history in ACTIONS:
        owner_user = users[owner]
        element_ids = [e.id for e in (_element(*link) for link in links) if e is not None]
        first_status = "not_started" if history else status
        action = services.create_action(
            partnership,
            lead,
            title,
            "",
            schools[school].id if school else None,
            owner_user.id,
            today + timedelta(days=due_in),
            first_status,
            element_ids,
        )
        action.created_at = action.updated_at = action.last_progress_at = _when(created_ago)
        changes = {
            c.progress_update_id: c
            for c in db.session.scalars(
                select(ActionStatusChange).where(ActionStatusChange.action_id == action.id)
            )
        }
        changes[None].changed_at = _when(created_ago)
        activity.record(
            partnership.id, lead, "created", "action", action.id, f"created the action “{title}”"
        ).created_at = _when(created_ago)
        for days_ago, text, evidence, new_status in history:
            update = services.post_progress(action, owner_user, text, evidence, new_status)
            update.created_at = action.last_progress_at = action.updated_at = _when(days_ago)
            if update.status_to:
                db.session.execute(
                    select(ActionStatusChange).where(ActionStatusChange.progress_update_id == update.id)
                ).scalar_one().changed_at = _when(days_ago)
        if action.status != status:
            action.status = status
    db.session.flush()
