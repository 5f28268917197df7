"""Trios of the large partnership: two cycles each, research lessons with stages, case pupils and
predictions, the observations of each lesson, pupil voice and next steps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from ...models import (
    CasePupil,
    Cycle,
    FrameworkLink,
    LessonStage,
    NextStep,
    Observation,
    Prediction,
    PupilVoice,
    ResearchLesson,
    Trio,
    TrioMember,
)
from .rows import Build, bulk, link_row, spread
from .words import ACTION_TOPICS, OBSERVED

# In the order they are inserted: each refers only to those before it.
MODELS = (
    Trio,
    TrioMember,
    FrameworkLink,
    Cycle,
    ResearchLesson,
    LessonStage,
    CasePupil,
    Prediction,
    Observation,
    PupilVoice,
    NextStep,
)


def add_trios(build: Build) -> None:
    rng, ids, now, size = build.rng, build.ids, build.now, build.size
    rows: dict[type, list[dict]] = {model: [] for model in MODELS}
    lessons_per_trio = max(1, size["lessons"] // max(1, size["trios"]))
    per_lesson = spread(size["observations"], size["trios"] * lessons_per_trio)
    for t in range(size["trios"]):
        tid = ids.take(Trio)
        trio_members = rng.sample(build.teachers, 3)
        rows[Trio].append(
            {
                "id": tid,
                "partnership_id": build.large_pid,
                "name": f"Trio {t + 1:03}: {rng.choice(ACTION_TOPICS)}",
                "focus": (
                    "We want to learn how to improve the way we teach "
                    f"{rng.choice(ACTION_TOPICS)} to P{rng.randint(4, 7)}."
                ),
                "status": "active",
                "created_at": now - timedelta(days=200),
                "created_by_id": trio_members[0][0],
                "version": 1,
            }
        )
        rows[TrioMember] += [
            {"id": ids.take(TrioMember), "trio_id": tid, "user_id": uid} for uid, _ in trio_members
        ]
        for element in rng.sample(build.elements["qi"], 2) + rng.sample(build.elements["priority"], 1):
            rows[FrameworkLink].append(link_row(build, "trio", tid, element))
        cycle_ids = []
        for c in range(2):
            cid = ids.take(Cycle)
            rows[Cycle].append(
                {
                    "id": cid,
                    "partnership_id": build.large_pid,
                    "trio_id": tid,
                    "number": c + 1,
                    "created_at": now,
                }
            )
            cycle_ids.append(cid)
        for n in range(lessons_per_trio):
            _add_lesson(build, rows, tid, cycle_ids[n % 2], n, trio_members, per_lesson)
    for model in MODELS:
        bulk(model, rows[model])
    build.counts.trios = len(rows[Trio])
    build.counts.lessons = len(rows[ResearchLesson])
    build.counts.observations = len(rows[Observation])


def _add_lesson(
    build: Build,
    rows: dict[type, list[dict]],
    tid: int,
    cycle_id: int,
    n: int,
    trio_members: list[tuple[int, int | None]],
    per_lesson: list[int],
) -> None:
    """The n-th research lesson of a trio, taught in turn by each member, and all it holds."""
    rng, ids, now, today, large_pid = build.rng, build.ids, build.now, build.today, build.large_pid
    lid = ids.take(ResearchLesson)
    teacher, school = trio_members[n % 3]
    day = today - timedelta(days=rng.randint(5, 300))
    rows[ResearchLesson].append(
        {
            "id": lid,
            "partnership_id": large_pid,
            "trio_id": tid,
            "cycle_id": cycle_id,
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
    rows[LessonStage] += [
        {"id": sid, "lesson_id": lid, "position": i, "title": title, "description": ""}
        for i, (sid, title) in enumerate(
            zip(stage_ids, ["Starter", "Modelling", "Paired task", "Plenary"], strict=True)
        )
    ]
    pupil_ids = [ids.take(CasePupil) for _ in range(3)]
    rows[CasePupil] += [
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
    rows[Prediction] += [
        {"id": ids.take(Prediction), "case_pupil_id": p_, "stage_id": s_, "text": "Will join in."}
        for p_ in pupil_ids
        for s_ in stage_ids
    ]
    observers = [uid for uid, _ in trio_members if uid != teacher]
    start = datetime.combine(day, time(9, 30), tzinfo=UTC)
    observations_per_lesson = per_lesson[len(rows[ResearchLesson]) - 1]
    for o in range(observations_per_lesson):
        when = start + timedelta(minutes=o)
        rows[Observation].append(
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
    rows[PupilVoice] += [
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
    rows[NextStep] += [
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
