"""Demo trios: two lesson-study trios with a full cycle each, all fictional."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TypedDict

from sqlalchemy import select

from ..extensions import db
from ..models import Framework, FrameworkElement, Partnership, School, User
from ..trios import observing, planning, reflection, services

Link = tuple[str, str, str]  # framework key, number (a priority's code), kind


class DemoTrio(TypedDict):
    name: str
    focus: str
    members: list[str]  # by name
    links: list[Link]
    stages: list[tuple[str, str]]  # title, description
    pupils: list[tuple[str, str, str]]  # label, descriptor, success criterion
    lessons: list[tuple[str, str, str, int]]  # school, class, teacher, days ago
    observations: list[tuple[str, int, str, int | None, bool]]  # pupil, stage, text, score, highlight
    voice: list[tuple[str, str, str]]  # pupil, question, response
    progress: dict[str, str]  # pupil: against the predictions
    teaching: str
    learned: str
    next_steps: list[str]


TRIOS: list[DemoTrio] = [
    {
        "name": "Fractions across P6 and S1",
        "focus": "We want to learn how to improve the way we teach equivalent fractions to pupils moving from P6 to S1, "
        "so that girls who lack confidence in maths explain their thinking.",
        "members": ["Eilidh Robertson", "Callum Fraser", "Priya Sharma"],
        "links": [("stem", "2.3", "qi"), ("stem", "2.6", "qi"), ("igbe", "EQ-S1", "priority")],
        "stages": [
            ("Number talk", "Whole class: how many ways can you show one half?"),
            (
                "Fraction walls in pairs",
                "Pairs build and compare walls; find fractions equal to 1/2 and 1/3.",
            ),
            ("Explain to the class", "Pairs explain one equivalence using the wall."),
            ("Exit ticket", "Two questions on equivalent fractions."),
        ],
        "pupils": [
            (
                "A",
                "A girl who is confident in number but quiet in group work",
                "I can explain why 2/4 is the same as 1/2 using a fraction wall.",
            ),
            (
                "B",
                "A boy who rushes and guesses rather than checks",
                "I can check my answer with the wall before I say it.",
            ),
            (
                "C",
                "A pupil with English as an additional language who is new to the class",
                "I can use the words numerator and denominator when I explain.",
            ),
        ],
        "lessons": [
            ("Glenmuir Primary School", "P6", "Eilidh Robertson", 38),
            ("Carronbank High School", "S1 maths", "Callum Fraser", 24),
        ],
        "observations": [
            (
                "A",
                0,
                "Listened closely but did not offer an answer; wrote 2/4 on her whiteboard and covered it.",
                2,
                False,
            ),
            (
                "B",
                0,
                "Shouted out “a half is 50” before the question finished; laughed when corrected.",
                3,
                False,
            ),
            (
                "C",
                0,
                "Watched the board and copied the drawing of a half; whispered to partner in Polish.",
                3,
                False,
            ),
            (
                "A",
                1,
                "Took the lead with the wall once her partner asked her; said “look, two quarters fill the same space”.",
                4,
                True,
            ),
            (
                "B",
                1,
                "Lined the strips up carefully after his first guess was wrong; checked three times.",
                4,
                False,
            ),
            ("C", 1, "Pointed to the strips and used “denominator” correctly when partner asked.", 4, True),
            ("A", 2, "Volunteered to explain to the class after encouragement; spoke clearly.", 5, True),
            ("B", 3, "Got both exit questions right and wrote “I checked with the wall”.", None, False),
        ],
        "voice": [
            (
                "A",
                "What helped you to learn?",
                "Building it with my partner. I knew it but I didn't want to say it wrong.",
            ),
            (
                "B",
                "Was anything difficult? What did you do when you got stuck?",
                "I got it wrong first so I checked with the wall.",
            ),
            ("C", "What helped you to learn?", "The pictures. And my partner said the words slowly."),
        ],
        "progress": {
            "A": "Exceeded the prediction: she explained to the whole class, but only after the pair work gave her confidence.",
            "B": "As predicted he rushed at first, but the wall made him check; he met his success criterion.",
            "C": "Better than predicted: he used the vocabulary with his partner, not yet with the class.",
        },
        "teaching": "Pair work before whole-class talk made the difference for A. Cold-calling in the number talk did not help.",
        "learned": "Quiet girls who are secure in number speak up when they have rehearsed with a partner and a physical model.",
        "next_steps": [
            "Use paired talk with fraction walls before every whole-class explanation in lesson 2.",
            "Share the fraction-wall starter with the S1 maths department at Carronbank.",
        ],
    },
    {
        "name": "Girls and engineering in the early years",
        "focus": "We want to learn how to improve the way we teach construction and design play to three- to five-year-olds, "
        "so that girls choose the block area as often as boys.",
        "members": ["Hannah Kerr", "Aileen Docherty", "Ross McLeod"],
        "links": [("stem", "2.2", "qi"), ("igbe", "KA1", "priority"), ("igbe", "EQ-S2", "priority")],
        "stages": [
            (
                "Story and challenge",
                "Read the bridge story; the challenge is to build a bridge for the goats.",
            ),
            ("Free construction", "Children choose materials in the block area."),
            ("Share and test", "Test bridges with toy goats; talk about what worked."),
        ],
        "pupils": [
            ("A", "A girl who usually chooses the home corner", "I can build something that stands up."),
            ("B", "A boy who often leads the block area", "I can share the blocks and listen to ideas."),
            ("C", "A girl who is new to nursery and watches from the edge", "I can join in and try an idea."),
        ],
        "lessons": [
            ("Wallacebrae Early Learning Centre", "Pre-school room", "Hannah Kerr", 30),
            ("Ochil View Primary School", "Nursery class", "Aileen Docherty", 16),
        ],
        "observations": [
            ("A", 0, "Sat at the front and asked “can girls build the bridge?”", 3, True),
            ("B", 1, "Gathered most of the long blocks; after a prompt, gave two to A.", 3, False),
            ("A", 1, "Built a tall tower first, then laid a plank across two towers.", 4, False),
            ("C", 1, "Watched for five minutes, then fetched blocks for A without being asked.", 3, False),
            ("A", 2, "Tested her bridge three times and fixed it when a goat fell.", 5, True),
            ("C", 2, "Held the goat for the test and cheered.", 4, False),
        ],
        "voice": [
            ("A", "How did you feel during the lesson?", "Happy. My bridge was the strongest."),
            ("C", "What would help you learn even better next time?", "If I can build with A again."),
        ],
        "progress": {
            "A": "Met and exceeded the prediction: she chose the block area and persisted.",
            "B": "Shared when prompted; listening to others' ideas is still to come.",
            "C": "Joined in through helping A, which is a first step we had not predicted.",
        },
        "teaching": "The story's question made the challenge feel open to everyone. Adults' language was gender-neutral.",
        "learned": "A story that invites everyone, and a peer to build with, brought girls into the block area.",
        "next_steps": [
            "Audit the block area's books and posters for who is shown building.",
            "Plan lesson 2 with mixed pairs chosen by the practitioners.",
        ],
    },
]


def _element(key: str, number: str, kind: str) -> FrameworkElement | None:
    framework = db.session.scalar(
        select(Framework).where(Framework.key == key, Framework.is_current.is_(True))
    )
    if framework is None:
        return None
    column = FrameworkElement.code if kind == "priority" else FrameworkElement.number
    return db.session.scalar(
        select(FrameworkElement).where(
            FrameworkElement.framework_id == framework.id, column == number, FrameworkElement.kind == kind
        )
    )


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC) + timedelta(minutes=minutes)


def load_demo_trios(partnership: Partnership, today: date | None = None) -> None:
    today = today or date.today()
    users = {u.name: u for u in db.session.scalars(select(User))}
    schools = {
        s.name: s for s in db.session.scalars(select(School).where(School.partnership_id == partnership.id))
    }
    for spec in TRIOS:
        members = [users[name] for name in spec["members"]]
        links = [e.id for e in (_element(*link) for link in spec["links"]) if e is not None]
        trio = services.create_trio(
            partnership, spec["name"], spec["focus"], "active", [m.id for m in members], links, members[0]
        )
        cycle = services.add_cycle(trio)
        for lesson_index, (school, stage_name, teacher, days_ago) in enumerate(spec["lessons"]):
            lesson_day = today - timedelta(days=days_ago)
            teacher_user = users[teacher]
            lesson = services.add_lesson(
                trio,
                cycle,
                lesson_day,
                schools[school].id,
                stage_name,
                "Numeracy" if "Fractions" in spec["name"] else "Construction play",
                teacher_user.id,
                members[0],
            )
            plan = planning.plan_of(lesson)
            plan.learning_intentions = (
                "We are learning that fractions can look different but be equal."
                if "Fractions" in spec["name"]
                else "We are learning to design and test a bridge."
            )
            plan.success_criteria = (
                "I can find two fractions equal to one half. I can explain how I know."
                if "Fractions" in spec["name"]
                else "I can build a bridge that holds a goat. I can say how I made it stronger."
            )
            plan.stages = [planning.StageInput(None, title, text) for title, text in spec["stages"]]
            plan.pupils = [
                planning.PupilInput(p.id, label, descriptor, criterion)
                for p, (label, descriptor, criterion) in zip(lesson.case_pupils, spec["pupils"], strict=True)
            ]
            planning.save_plan(lesson, lesson.version, plan, members[0])
            pupils = {p.label: p for p in lesson.case_pupils}
            plan = planning.plan_of(lesson)
            for pupil in lesson.case_pupils:
                for stage in lesson.stages:
                    plan.predictions[(pupil.id, stage.id)] = _prediction(pupil.label, stage.position)
            planning.save_plan(lesson, lesson.version, plan, members[1])
            if lesson_index > 0:
                continue  # the second lesson of the cycle is planned, not yet taught
            observers = [m for m in members if m.id != teacher_user.id]
            for n, (label, stage_index, text, score, highlight) in enumerate(spec["observations"]):
                observer = observers[n % len(observers)]
                observation = observing.record_observation(
                    lesson,
                    observer.id,
                    observing.ObservationInput(
                        pupils[label].id,
                        lesson.stages[stage_index].id,
                        text,
                        score,
                        links[:1] if highlight else [],
                    ),
                )
                observation.created_at = observation.updated_at = _at(lesson_day, 4 + n * 6)
                observation.received_at = observation.created_at
                observation.is_highlight = highlight
            for n, (label, question, response) in enumerate(spec["voice"]):
                note = reflection.add_pupil_voice(
                    lesson, pupils[label].id, observers[n % len(observers)], question, response
                )
                note.created_at = note.received_at = _at(lesson_day, 70 + n * 5)
                note.is_highlight = n == 0
            progress = {pupils[label].id: text for label, text in spec["progress"].items()}
            reflection.save_discussion(
                lesson, lesson.version, progress, spec["teaching"], spec["learned"], members[0]
            )
            steps = [reflection.add_next_step(lesson, text) for text in spec["next_steps"]]
            reflection.make_action(
                steps[0], lesson, steps[0].text, members[0].id, lesson_day + timedelta(days=21), members[0]
            )
    db.session.flush()


def _prediction(label: str, stage_position: int) -> str:
    predictions = {
        "A": [
            "Will listen but not answer.",
            "Will work well but let the partner talk.",
            "Will not volunteer.",
            "Will get both right.",
        ],
        "B": [
            "Will call out quickly, maybe wrongly.",
            "Will rush the wall.",
            "Will volunteer first.",
            "Will make a careless slip.",
        ],
        "C": [
            "Will watch and copy.",
            "Will rely on the partner.",
            "Will not speak to the class.",
            "Will manage one question.",
        ],
    }
    options = predictions.get(label, ["Will join in."])
    return options[min(stage_position, len(options) - 1)]
