"""Who the mixed workload's users are, read from the generated data set: run in its own process
(python benchmarks/locust_cast.py, with DATABASE_URL set), it prints one line of JSON.

- lessons: research lessons of the large partnership, one per trio first (then each trio's next),
  with the trio's three members (every one of them may post: workspace.access.can_change_trio),
  the case pupils and the lesson stages an observation names;
- leads: the partnership's leads (they post progress on any action);
- teachers: teachers who own actions (they post progress on their own), with those actions;
- reviewers: the partnership's reviewers (they read and download);
- actions, schools, self-evaluations and trios to browse.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from workspace import create_app
from workspace.demo import national
from workspace.extensions import db
from workspace.models import (
    Action,
    CasePupil,
    LessonStage,
    Membership,
    ResearchLesson,
    School,
    SelfEvaluation,
    Trio,
    TrioMember,
    User,
)


def cast() -> dict:
    p = national.large_partnership()
    email = dict(
        db.session.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partnership_id == p.id)
        ).all()
    )
    roles = db.session.execute(
        select(Membership.user_id, Membership.role)
        .where(Membership.partnership_id == p.id)
        .order_by(Membership.id)
    ).all()
    members: dict[int, list[str]] = {}
    for trio_id, user_id in db.session.execute(
        select(TrioMember.trio_id, TrioMember.user_id)
        .join(Trio, Trio.id == TrioMember.trio_id)
        .where(Trio.partnership_id == p.id)
        .order_by(TrioMember.id)
    ).all():
        members.setdefault(trio_id, []).append(email[user_id])
    by_trio: dict[int, list[int]] = {}
    for trio_id, lesson_id in db.session.execute(
        select(ResearchLesson.trio_id, ResearchLesson.id)
        .where(ResearchLesson.partnership_id == p.id)
        .order_by(ResearchLesson.id)
    ).all():
        by_trio.setdefault(trio_id, []).append(lesson_id)
    pupils: dict[int, list[int]] = {}
    for lesson_id, pupil_id in db.session.execute(
        select(CasePupil.lesson_id, CasePupil.id)
        .join(ResearchLesson, ResearchLesson.id == CasePupil.lesson_id)
        .where(ResearchLesson.partnership_id == p.id)
        .order_by(CasePupil.id)
    ).all():
        pupils.setdefault(lesson_id, []).append(pupil_id)
    stages: dict[int, list[int]] = {}
    for lesson_id, stage_id in db.session.execute(
        select(LessonStage.lesson_id, LessonStage.id)
        .join(ResearchLesson, ResearchLesson.id == LessonStage.lesson_id)
        .where(ResearchLesson.partnership_id == p.id)
        .order_by(LessonStage.id)
    ).all():
        stages.setdefault(lesson_id, []).append(stage_id)
    lessons = []
    for round_ in range(max(len(ids) for ids in by_trio.values())):
        for trio_id in sorted(by_trio):
            if round_ < len(by_trio[trio_id]) and len(members.get(trio_id, [])) == 3:
                lesson_id = by_trio[trio_id][round_]
                lessons.append(
                    {
                        "trio": trio_id,
                        "lesson": lesson_id,
                        "observers": members[trio_id],
                        "pupils": pupils[lesson_id],
                        "stages": stages[lesson_id],
                    }
                )
    owned: dict[int, list[int]] = {}
    for action_id, owner_id in db.session.execute(
        select(Action.id, Action.owner_id).where(Action.partnership_id == p.id).order_by(Action.id)
    ).all():
        owned.setdefault(owner_id, []).append(action_id)
    teachers = [
        {"email": email[uid], "actions": owned[uid][:20]}
        for uid, role in roles
        if role == "teacher" and owned.get(uid)
    ]
    return {
        "partnership": p.id,
        "lessons": lessons,
        "leads": [email[uid] for uid, role in roles if role == "lead"],
        "teachers": teachers[:60],
        "reviewers": [email[uid] for uid, role in roles if role == "reviewer"],
        "actions": [a for ids in owned.values() for a in ids][::25],
        "schools": list(
            db.session.scalars(select(School.id).where(School.partnership_id == p.id).order_by(School.id))
        ),
        "evaluations": list(
            db.session.scalars(
                select(SelfEvaluation.id)
                .where(SelfEvaluation.partnership_id == p.id)
                .order_by(SelfEvaluation.id)
            )
        )[::20],
        "trios": sorted(by_trio),
        "password": national.BENCH_PASSWORD,
    }


if __name__ == "__main__":
    with create_app().app_context():
        print(json.dumps(cast()))
