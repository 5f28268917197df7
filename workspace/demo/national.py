"""A deterministic, realistic national-scale data set for the benchmarks.

60 partnerships, 2,500 schools, 10,000 members; among them one large partnership ("Forth Valley
Benchmark Partnership") with 40 schools, 400 members, 100 trios, 600 research lessons, 20,000
observations, 5,000 actions, 20,000 progress updates and 2,000 self-evaluations.

Rows go in with bulk inserts and explicit ids, so a run takes seconds, not minutes; the same seed
always gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from ..auth.passwords import hash_password
from ..extensions import db
from ..models import (
    Action,
    ActionStatusChange,
    CasePupil,
    Cycle,
    Framework,
    FrameworkElement,
    FrameworkLink,
    LessonStage,
    Membership,
    NextStep,
    Observation,
    Partnership,
    Prediction,
    ProgressUpdate,
    PupilVoice,
    ResearchLesson,
    School,
    SelfEvaluation,
    Trio,
    TrioMember,
    User,
)
from ..reference import LOCAL_AUTHORITIES

LARGE_NAME = "Forth Valley Benchmark Partnership"
BENCH_DOMAIN = "bench.example"
BENCH_PASSWORD = "benchmark-partnership-2026"

FIRST = [
    "Aileen",
    "Alasdair",
    "Ailsa",
    "Callum",
    "Catriona",
    "Eilidh",
    "Euan",
    "Fiona",
    "Fraser",
    "Hamish",
    "Iona",
    "Isla",
    "Jamie",
    "Kirsty",
    "Lachlan",
    "Morag",
    "Murray",
    "Niamh",
    "Rhona",
    "Ross",
    "Ruaridh",
    "Shona",
    "Struan",
    "Una",
    "Priya",
    "Amir",
    "Zofia",
    "Tomasz",
    "Grace",
    "Mhairi",
]
LAST = [
    "Anderson",
    "Baird",
    "Campbell",
    "Docherty",
    "Fraser",
    "Gillespie",
    "Grant",
    "Henderson",
    "Kerr",
    "MacDonald",
    "MacLeod",
    "McKenzie",
    "Morrison",
    "Murray",
    "Paterson",
    "Reid",
    "Robertson",
    "Ross",
    "Sharma",
    "Stewart",
    "Thomson",
    "Watson",
    "Wilson",
    "Young",
    "Nowak",
    "Khan",
]
PLACES = [
    "Allan",
    "Bannock",
    "Carron",
    "Devon",
    "Eden",
    "Forth",
    "Gala",
    "Harthill",
    "Inchkeith",
    "Kelvin",
    "Lomond",
    "Muir",
    "Nethy",
    "Ochil",
    "Pentland",
    "Quarry",
    "Rannoch",
    "Sidlaw",
    "Teith",
    "Ury",
    "Wallace",
]
KINDS = [
    ("Primary School", "primary"),
    ("High School", "secondary"),
    ("Academy", "secondary"),
    ("Early Learning Centre", "elc"),
    ("Additional Support Centre", "asn"),
    ("Community Learning Hub", "cld"),
]
ACTION_VERBS = [
    "Introduce",
    "Extend",
    "Review",
    "Share",
    "Pilot",
    "Embed",
    "Audit",
    "Plan",
    "Track",
    "Evaluate",
]
ACTION_TOPICS = [
    "paired talk in maths",
    "fraction walls",
    "outdoor number trails",
    "STEM careers talks",
    "girls' uptake of physics",
    "digital skills clubs",
    "science capital conversations",
    "moderation of numeracy",
    "transition maths tasks",
    "construction play",
    "coding in P5",
    "family learning evenings",
    "growth mindset lessons",
    "STEM ambassadors",
    "assessment for learning",
]
OBSERVED = [
    "Answered before the question finished; checked with a partner afterwards.",
    "Worked quietly, then explained the method clearly when asked.",
    "Used the concrete materials to test an idea; changed approach after a mistake.",
    "Watched others first, then joined in with the group's model.",
    "Asked a question that moved the whole group on.",
    "Lost focus during the long explanation; re-engaged with the practical task.",
]


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


class _Ids:
    """Explicit ids, continuing from what the tables already hold."""

    def __init__(self):
        self.next = {}

    def take(self, model) -> int:
        if model not in self.next:
            self.next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self.next[model]
        self.next[model] += 1
        return value


def _bulk(model, rows: list[dict], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start : start + chunk])


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
    size = {
        "schools": 40,
        "members": 400,
        "trios": 100,
        "lessons": 600,
        "observations": 20_000,
        "actions": 5_000,
        "updates": 20_000,
        "evaluations": 2_000,
    } | (large or {})
    rng = random.Random(seed)
    today = today or date(2026, 11, 22)
    now = datetime.combine(today, time(12), tzinfo=UTC)
    ids = _Ids()
    counts = Counts()
    password_hash = hash_password(
        BENCH_PASSWORD
    )  # one hash for every bench account: hashing 10,000 would take minutes

    # Partnerships, schools, people ---------------------------------------------------------------
    partnership_rows, school_rows, user_rows, membership_rows = [], [], [], []
    school_counts = [size["schools"]] + _spread(schools - size["schools"], partnerships - 1)
    member_counts = [size["members"]] + _spread(members - size["members"], partnerships - 1)
    large_schools, large_members = [], []
    for p in range(partnerships):
        pid = ids.take(Partnership)
        name = LARGE_NAME if p == 0 else f"{rng.choice(PLACES)} and {rng.choice(PLACES)} Partnership {p:02}"
        partnership_rows.append(
            {"id": pid, "name": name, "description": "Benchmark data.", "created_at": now}
        )
        authorities = rng.sample(LOCAL_AUTHORITIES, 2)
        school_ids = []
        for s in range(school_counts[p]):
            sid = ids.take(School)
            kind, sector = KINDS[s % len(KINDS)]
            school_rows.append(
                {
                    "id": sid,
                    "partnership_id": pid,
                    "name": f"{PLACES[s % len(PLACES)]}{s // len(PLACES) or ''} {kind}",
                    "sector": sector,
                    "local_authority": authorities[s % 2],
                    "created_at": now,
                }
            )
            school_ids.append(sid)
        for m in range(member_counts[p]):
            uid = ids.take(User)
            role = "lead" if m < 2 else "reviewer" if m % 25 == 0 else "teacher"
            user_rows.append(
                {
                    "id": uid,
                    "email": f"p{p}.m{m}@{BENCH_DOMAIN}",
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "password_hash": password_hash,
                    "is_admin": False,
                    "created_at": now,
                }
            )
            school = school_ids[m % len(school_ids)] if role == "teacher" else None
            membership_rows.append(
                {
                    "id": ids.take(Membership),
                    "partnership_id": pid,
                    "user_id": uid,
                    "role": role,
                    "school_id": school,
                    "created_at": now,
                }
            )
            if p == 0:
                large_members.append((uid, role, school))
        if p == 0:
            large_pid, large_schools = pid, school_ids
    _bulk(Partnership, partnership_rows)
    _bulk(School, school_rows)
    _bulk(User, user_rows)
    _bulk(Membership, membership_rows)
    counts.partnerships, counts.schools, counts.members = (
        len(partnership_rows),
        len(school_rows),
        len(membership_rows),
    )

    teachers = [(uid, school) for uid, role, school in large_members if role == "teacher"]
    leads = [uid for uid, role, _ in large_members if role == "lead"]
    elements = _elements()

    # Trios, lessons, observations ----------------------------------------------------------------------
    trio_rows, tm_rows, cycle_rows, lesson_rows, stage_rows, pupil_rows, prediction_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    observation_rows, voice_rows, step_rows, link_rows = [], [], [], []
    lessons_per_trio = max(1, size["lessons"] // max(1, size["trios"]))
    per_lesson = _spread(size["observations"], size["trios"] * lessons_per_trio)
    for t in range(size["trios"]):
        tid = ids.take(Trio)
        trio_members = rng.sample(teachers, 3)
        trio_rows.append(
            {
                "id": tid,
                "partnership_id": large_pid,
                "name": f"Trio {t + 1:03}: {rng.choice(ACTION_TOPICS)}",
                "focus": f"We want to learn how to improve the way we teach {rng.choice(ACTION_TOPICS)} to P{rng.randint(4, 7)}.",
                "status": "active",
                "created_at": now - timedelta(days=200),
                "created_by_id": trio_members[0][0],
                "version": 1,
            }
        )
        tm_rows += [{"id": ids.take(TrioMember), "trio_id": tid, "user_id": uid} for uid, _ in trio_members]
        for element in rng.sample(elements["qi"], 2) + rng.sample(elements["priority"], 1):
            link_rows.append(
                {
                    "id": ids.take(FrameworkLink),
                    "partnership_id": large_pid,
                    "record_type": "trio",
                    "record_id": tid,
                    "element_id": element,
                    "created_at": now,
                }
            )
        cycle_ids = []
        for c in range(2):
            cid = ids.take(Cycle)
            cycle_rows.append(
                {"id": cid, "partnership_id": large_pid, "trio_id": tid, "number": c + 1, "created_at": now}
            )
            cycle_ids.append(cid)
        for n in range(lessons_per_trio):
            lid = ids.take(ResearchLesson)
            teacher, school = trio_members[n % 3]
            day = today - timedelta(days=rng.randint(5, 300))
            lesson_rows.append(
                {
                    "id": lid,
                    "partnership_id": large_pid,
                    "trio_id": tid,
                    "cycle_id": cycle_ids[n % 2],
                    "number": n // 2 + 1,
                    "lesson_date": day,
                    "school_id": school,
                    "class_stage": f"P{rng.randint(3, 7)}",
                    "subject": "Numeracy",
                    "teacher_id": teacher,
                    "learning_intentions": "We are learning to explain our reasoning.",
                    "success_criteria": "I can explain how I know.",
                    "discussion_teaching": "Pair work helped.",
                    "discussion_learned": "Rehearsal with a partner builds confidence.",
                    "version": 1,
                    "updated_at": now,
                    "updated_by_id": teacher,
                }
            )
            stage_ids = [ids.take(LessonStage) for _ in range(4)]
            stage_rows += [
                {"id": sid, "lesson_id": lid, "position": i, "title": title, "description": ""}
                for i, (sid, title) in enumerate(
                    zip(stage_ids, ["Starter", "Modelling", "Paired task", "Plenary"], strict=True)
                )
            ]
            pupil_ids = [ids.take(CasePupil) for _ in range(3)]
            pupil_rows += [
                {
                    "id": pid_,
                    "lesson_id": lid,
                    "position": i,
                    "label": "ABC"[i],
                    "descriptor": [
                        "a girl who is quiet in group work",
                        "a boy who rushes",
                        "a pupil new to the class",
                    ][i],
                    "success_criterion": "I can explain my method.",
                    "discussion_progress": "Met the prediction.",
                }
                for i, pid_ in enumerate(pupil_ids)
            ]
            prediction_rows += [
                {"id": ids.take(Prediction), "case_pupil_id": p_, "stage_id": s_, "text": "Will join in."}
                for p_ in pupil_ids
                for s_ in stage_ids
            ]
            observers = [uid for uid, _ in trio_members if uid != teacher]
            start = datetime.combine(day, time(9, 30), tzinfo=UTC)
            observations_per_lesson = per_lesson[len(lesson_rows) - 1]
            for o in range(observations_per_lesson):
                when = start + timedelta(minutes=o)
                observation_rows.append(
                    {
                        "id": ids.take(Observation),
                        "partnership_id": large_pid,
                        "lesson_id": lid,
                        "case_pupil_id": pupil_ids[o % 3],
                        "stage_id": stage_ids[(o * 4) // observations_per_lesson],
                        "observer_id": observers[o % len(observers)],
                        "text": OBSERVED[o % len(OBSERVED)],
                        "leuven_score": rng.choice([None, 2, 3, 4, 5]),
                        "is_highlight": o % 17 == 0,
                        "created_at": when,
                        "updated_at": when,
                    }
                )
            voice_rows += [
                {
                    "id": ids.take(PupilVoice),
                    "partnership_id": large_pid,
                    "lesson_id": lid,
                    "case_pupil_id": p_,
                    "interviewer_id": observers[0],
                    "question": "What helped you to learn?",
                    "response": "Working it out with my partner.",
                    "is_highlight": i == 0,
                    "created_at": start + timedelta(hours=2),
                }
                for i, p_ in enumerate(pupil_ids)
            ]
            step_rows += [
                {
                    "id": ids.take(NextStep),
                    "partnership_id": large_pid,
                    "lesson_id": lid,
                    "position": i + 1,
                    "text": f"Next time: {rng.choice(ACTION_TOPICS)}.",
                    "action_id": None,
                    "created_at": now,
                }
                for i in range(2)
            ]
    for model, rows in (
        (Trio, trio_rows),
        (TrioMember, tm_rows),
        (Cycle, cycle_rows),
        (ResearchLesson, lesson_rows),
        (LessonStage, stage_rows),
        (CasePupil, pupil_rows),
        (Prediction, prediction_rows),
        (Observation, observation_rows),
        (PupilVoice, voice_rows),
        (NextStep, step_rows),
    ):
        _bulk(model, rows)
    counts.trios, counts.lessons, counts.observations = (
        len(trio_rows),
        len(lesson_rows),
        len(observation_rows),
    )

    # Actions and their histories ------------------------------------------------------------------------
    action_rows, update_rows, status_rows = [], [], []
    updates_per_action = max(0, size["updates"] // max(1, size["actions"]))
    statuses = ["not_started", "in_progress", "in_progress", "on_hold", "complete"]
    owners = [uid for uid, _ in teachers] + leads
    for a in range(size["actions"]):
        aid = ids.take(Action)
        created = now - timedelta(days=rng.randint(20, 400))
        status = rng.choice(statuses)
        school = rng.choice(large_schools + [None])
        last = created
        for u in range(updates_per_action):
            last = created + timedelta(days=(u + 1) * rng.randint(3, 15))
            if last > now:
                last = now - timedelta(hours=u + 1)
            update_rows.append(
                {
                    "id": ids.take(ProgressUpdate),
                    "partnership_id": large_pid,
                    "action_id": aid,
                    "author_id": rng.choice(owners),
                    "text": f"Update {u + 1}: {rng.choice(OBSERVED)}",
                    "evidence": "Exit tickets improved." if u % 3 == 0 else "",
                    "status_from": "in_progress",
                    "status_to": None,
                    "created_at": last,
                }
            )
        action_rows.append(
            {
                "id": aid,
                "partnership_id": large_pid,
                "title": f"{rng.choice(ACTION_VERBS)} {rng.choice(ACTION_TOPICS)} ({a + 1})",
                "description": "Benchmark action.",
                "school_id": school,
                "owner_id": rng.choice(owners),
                "due_date": today + timedelta(days=rng.randint(-90, 180)),
                "status": status,
                "trio_id": None,
                "lesson_id": None,
                "self_evaluation_id": None,
                "created_at": created,
                "created_by_id": leads[0],
                "updated_at": last,
                "last_progress_at": last,
                "version": 1,
            }
        )
        status_rows.append(
            {
                "id": ids.take(ActionStatusChange),
                "partnership_id": large_pid,
                "action_id": aid,
                "status": status,
                "changed_at": created,
                "changed_by_id": leads[0],
                "progress_update_id": None,
            }
        )
        for element in rng.sample(elements["qi"], rng.randint(1, 2)) + (
            [rng.choice(elements["priority"])] if a % 2 else []
        ):
            link_rows.append(
                {
                    "id": ids.take(FrameworkLink),
                    "partnership_id": large_pid,
                    "record_type": "action",
                    "record_id": aid,
                    "element_id": element,
                    "created_at": now,
                }
            )
    _bulk(Action, action_rows)
    _bulk(ProgressUpdate, update_rows)
    _bulk(ActionStatusChange, status_rows)
    _bulk(FrameworkLink, link_rows)
    counts.actions, counts.updates = len(action_rows), len(update_rows)

    # Self-evaluations -----------------------------------------------------------------------------------
    evaluation_rows = []
    levels = ["starting", "building", "highly_effective"]
    for e in range(size["evaluations"]):
        school = large_schools[e % len(large_schools)]
        evaluation_rows.append(
            {
                "id": ids.take(SelfEvaluation),
                "partnership_id": large_pid,
                "school_id": school,
                "element_id": elements["theme"][(e // len(large_schools)) % len(elements["theme"])],
                "evaluated_on": today - timedelta(days=30 * (e % 12) + e % 7),
                "level": levels[min(2, (e % 12) // 4)],
                "how_well": "Most learners are engaged.",
                "how_know": "Learning walks and pupil voice.",
                "what_now": "Extend paired talk.",
                "created_by_id": leads[0],
                "created_at": now,
            }
        )
    _bulk(SelfEvaluation, evaluation_rows)
    counts.evaluations = len(evaluation_rows)
    db.session.flush()
    _advance_sequences()
    return counts


def _is_integer(column) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


def _advance_sequences() -> None:
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


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(max(0, total), max(1, parts))
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _elements() -> dict[str, list[int]]:
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
