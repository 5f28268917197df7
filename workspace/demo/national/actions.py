"""The large partnership's improvement work: actions with their progress updates, status
histories and links to QIs and IGBE priorities, and the schools' self-evaluations."""

from __future__ import annotations

from datetime import timedelta

from ...models import Action, ActionStatusChange, FrameworkLink, ProgressUpdate, SelfEvaluation
from .rows import Build, bulk, link_row
from .words import ACTION_TOPICS, ACTION_VERBS, OBSERVED


def add_actions(build: Build) -> None:
    rng, ids, now, today, size = build.rng, build.ids, build.now, build.today, build.size
    large_pid, large_schools, leads, elements = (
        build.large_pid,
        build.large_schools,
        build.leads,
        build.elements,
    )
    teachers = build.teachers
    action_rows, update_rows, status_rows, link_rows = [], [], [], []
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
            link_rows.append(link_row(build, "action", aid, element))
    bulk(Action, action_rows)
    bulk(ProgressUpdate, update_rows)
    bulk(ActionStatusChange, status_rows)
    bulk(FrameworkLink, link_rows)
    build.counts.actions, build.counts.updates = len(action_rows), len(update_rows)


def add_self_evaluations(build: Build) -> None:
    ids, now, today, size = build.ids, build.now, build.today, build.size
    large_pid, large_schools, leads, elements = (
        build.large_pid,
        build.large_schools,
        build.leads,
        build.elements,
    )
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
    bulk(SelfEvaluation, evaluation_rows)
    build.counts.evaluations = len(evaluation_rows)
