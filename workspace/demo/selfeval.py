"""Demo self-evaluations: each school's judgements at two or three dates, moving over time. Fictional."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Action, FrameworkElement, Partnership, School, User
from ..selfeval import services
from .trios import _element

# school, evaluator, (framework, QI number, theme position or None), [(days ago, level, how well, how know, what now)]
EVALUATIONS = [
    (
        "Glenmuir Primary School",
        "Eilidh Robertson",
        ("stem", "2.3", 1),
        [
            (
                240,
                "starting",
                "Some interactive STEM learning, mostly in P6. Little sharing across stages.",
                "Learning walks in May; pupil focus groups.",
                "Lesson study on fractions with Carronbank and Ochil View.",
            ),
            (
                30,
                "building",
                "Most learners are engaged in enquiry-based maths; P5–P7 use fraction walls weekly.",
                "Exit tickets: 78% secure on equivalence, up from 52%. Lesson-study observations of case pupils.",
                "Extend paired talk to P3–P4; share the starter bank.",
            ),
        ],
    ),
    (
        "Glenmuir Primary School",
        "Eilidh Robertson",
        ("stem", "1.1", 0),
        [
            (
                240,
                "starting",
                "Self-evaluation of STEM is led by the head teacher alone.",
                "Minutes of staff meetings.",
                "Involve pupils and parents in evaluating STEM.",
            ),
            (
                30,
                "starting",
                "Pupils have been consulted once; parents not yet.",
                "Pupil council survey.",
                "Parent STEM evening in the spring.",
            ),
        ],
    ),
    (
        "Carronbank High School",
        "Callum Fraser",
        ("stem", "2.3", 1),
        [
            (
                210,
                "starting",
                "S1 maths is mostly teacher-led; girls rarely explain their thinking aloud.",
                "Observations by the principal teacher; S1 pupil survey.",
                "Join the partnership's lesson-study trio.",
            ),
            (
                25,
                "building",
                "Paired talk before explanation is routine in S1; girls' contributions have doubled.",
                "Tally of contributions over four lessons; lesson-study sheets.",
                "Take paired talk into S2 science.",
            ),
        ],
    ),
    (
        "Wallacebrae Early Learning Centre",
        "Hannah Kerr",
        ("stem", "3.1", 0),
        [
            (
                200,
                "starting",
                "Play areas are used in gendered ways.",
                "Tracking of children's choices over three weeks.",
                "Audit displays and books; lesson study on construction play.",
            ),
            (
                60,
                "building",
                "Girls and boys now choose the block area about equally.",
                "Repeat of the three-week tally.",
                "Share the audit tool with Ochil View nursery.",
            ),
            (
                10,
                "highly_effective",
                "Children challenge stereotypes in play themselves; families notice the change.",
                "Learning journals; parent comments.",
                "Keep it going as staff change.",
            ),
        ],
    ),
    (
        "Ochil View Primary School",
        "Priya Sharma",
        ("stem", "2.6", 0),
        [
            (
                180,
                "starting",
                "Transition to Bannockvale focuses on pastoral matters, not learning.",
                "P7 pupil survey.",
                "Joint maths tasks for P7 and S1.",
            ),
            (
                20,
                "building",
                "P7 pupils have tried S1 tasks and say they feel ready.",
                "Pupil voice from the pilot.",
                "Share tasks with the other associated primaries.",
            ),
        ],
    ),
    (
        "Bannockvale Academy",
        "Ross McLeod",
        ("hgios4", "2.7", None),
        [
            (
                150,
                "satisfactory",
                "Partnerships with employers are occasional.",
                "List of visits last session.",
                "STEM careers week with local employers.",
            ),
            (
                15,
                "good",
                "Employers now visit each term; S5 STEM ambassadors work in primaries.",
                "Evaluations from employers and pupils.",
                "Involve the college in S3 options.",
            ),
        ],
    ),
]


def load_demo_selfeval(partnership: Partnership, today: date | None = None) -> None:
    today = today or date.today()
    users = {u.name: u for u in db.session.scalars(select(User))}
    schools = {
        s.name: s for s in db.session.scalars(select(School).where(School.partnership_id == partnership.id))
    }
    for school_name, evaluator, (key, number, theme_position), points in EVALUATIONS:
        qi = _element(key, number, "qi")
        if qi is None:
            continue
        element = (
            qi
            if theme_position is None
            else db.session.scalar(
                select(FrameworkElement).where(
                    FrameworkElement.parent_id == qi.id, FrameworkElement.position == theme_position
                )
            )
        )
        if element is None:  # as for the QI: a framework that lacks it
            continue
        school = schools[school_name]
        school_actions = list(
            db.session.scalars(select(Action.id).where(Action.school_id == school.id).limit(1))
        )
        for index, (days_ago, level, how_well, how_know, what_now) in enumerate(points):
            evidence = [("action", school_actions[0])] if school_actions and index == len(points) - 1 else []
            services.record_evaluation(
                partnership,
                school,
                element.id,
                today - timedelta(days=days_ago),
                level,
                how_well,
                how_know,
                what_now,
                evidence,
                users[evaluator],
                today=today,
            )
    db.session.flush()
