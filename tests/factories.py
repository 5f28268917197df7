"""Builds test data through the real services, so tests exercise the same rules users meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from workspace.actions import services as action_services
from workspace.auth.services import create_user
from workspace.extensions import db
from workspace.models import Framework, FrameworkElement, Membership
from workspace.partnerships import services
from workspace.reference import Role, Sector

TEST_PASSWORD = "correct horse battery staple"


def member(partnership, email, role, school=None, name=None, password=TEST_PASSWORD):
    user = create_user(email, name or email.split("@")[0].replace(".", " ").title(), password)
    db.session.add(
        Membership(
            partnership_id=partnership.id, user_id=user.id, role=role, school_id=school.id if school else None
        )
    )
    db.session.flush()
    return user


@dataclass
class Side:
    partnership: object
    schools: list
    lead: object
    teacher: object
    other_teacher: object
    reviewer: object
    invite: object
    trio: object = None
    cycle: object = None
    lesson: object = None
    observation: object = None
    voice: object = None
    next_step: object = None
    action: object = None
    evaluation: object = None
    report: object = None
    update: object = None
    finding: object = None
    evidence_file: object = None


def build_partnership(label: str) -> Side:
    p = services.create_partnership(f"Partnership {label}")
    schools = [
        services.add_school(p, f"{label} Primary School", Sector.PRIMARY, "Falkirk"),
        services.add_school(p, f"{label} High School", Sector.SECONDARY, "Stirling"),
    ]
    low = label.lower()
    lead = member(p, f"lead.{low}@example.org", Role.LEAD)
    teacher = member(p, f"teacher.{low}@example.org", Role.TEACHER, schools[0])
    other = member(p, f"teacher2.{low}@example.org", Role.TEACHER, schools[1])
    reviewer = member(p, f"reviewer.{low}@example.org", Role.REVIEWER)
    invite, _token = services.create_invite(
        p,
        f"new.{low}@example.org",
        Role.TEACHER,
        schools[0].id,
        invited_by=lead,
        valid_for=timedelta(days=14),
    )
    side = Side(p, schools, lead, teacher, other, reviewer, invite)
    build_trio(side)
    return side


def build_trio(side: Side) -> None:
    """A trio of the two teachers, with one planned lesson, an observation, a note and a next step."""
    from workspace.trios import observing, planning, reflection
    from workspace.trios import services as trio_services

    trio = trio_services.create_trio(
        side.partnership,
        f"{side.partnership.name} fractions trio",
        "We want to learn how to improve the way we teach fractions to P6.",
        "active",
        [side.teacher.id, side.other_teacher.id],
        [],
        side.teacher,
    )
    cycle = trio_services.add_cycle(trio)
    lesson = trio_services.add_lesson(
        trio, cycle, None, side.schools[0].id, "P6", "Numeracy", side.teacher.id, side.teacher
    )
    plan = planning.plan_of(lesson)
    plan.stages = [planning.StageInput(None, "Starter"), planning.StageInput(None, "Main task")]
    planning.save_plan(lesson, lesson.version, plan, side.teacher)
    pupil, stage = lesson.case_pupils[0], lesson.stages[0]
    side.trio, side.cycle, side.lesson = trio, cycle, lesson
    side.observation = observing.record_observation(
        lesson,
        side.teacher.id,
        observing.ObservationInput(
            pupil.id, stage.id, "Counted on fingers, then used the fraction wall.", 4, []
        ),
    )
    side.voice = reflection.add_pupil_voice(
        lesson, pupil.id, side.other_teacher, "What helped you?", "The wall."
    )
    side.next_step = reflection.add_next_step(lesson, "Use fraction walls from the start.")
    build_action(side)


def set_action_status(action, status: str) -> None:
    """An action's status changed on its edit form, everything else as it is (no progress update)."""
    action_services.update_action(
        action,
        action.version,
        action.title,
        action.description,
        action.school_id,
        action.owner_id,
        action.due_date,
        status,
        [],
    )


def build_action(side: Side) -> None:
    """An action at the first school, owned by the teacher, with one progress update."""
    from workspace.actions import services as action_services

    side.action = action_services.create_action(
        side.partnership,
        side.lead,
        "Fraction walls in every P5-P7 class",
        "Buy and share walls.",
        side.schools[0].id,
        side.teacher.id,
        None,
        "in_progress",
        [],
    )
    side.update = action_services.post_progress(side.action, side.teacher, "Walls bought for P6.", "", None)
    build_evaluation(side)


def build_evaluation(side: Side) -> None:
    """A self-evaluation of the first school against the first STEM theme, citing the action."""
    from datetime import date

    from workspace.selfeval import services as selfeval

    stem = db.session.scalar(
        db.select(Framework).where(Framework.key == "stem", Framework.is_current.is_(True))
    )
    theme = db.session.scalar(
        db.select(FrameworkElement)
        .where(FrameworkElement.framework_id == stem.id, FrameworkElement.kind == "theme")
        .order_by(FrameworkElement.id)
    )
    side.evaluation = selfeval.record_evaluation(
        side.partnership,
        side.schools[0],
        theme.id,
        date(2026, 9, 1),
        "starting",
        "We are beginning.",
        "Staff survey.",
        "Plan collaborative self-evaluation.",
        [("action", side.action.id)],
        side.teacher,
    )
    build_report(side)


def build_report(side: Side) -> None:
    """A draft interim report for the autumn term, of both schools."""
    from datetime import date

    from workspace.reports import drafts

    side.report = drafts.start_draft(
        side.partnership,
        side.lead,
        "Autumn term report",
        date(2026, 8, 17),
        date(2026, 12, 18),
        [s.id for s in side.schools],
    )
    build_finding(side)


def build_finding(side: Side) -> None:
    """A draft finding of the trio: its partnership's alone until a lead approves it."""
    from workspace.exchange import findings

    side.finding = findings.create_finding(
        side.trio,
        findings.FindingInput(
            title="Fraction walls help P6 explain equivalence",
            focus=side.trio.focus,
            sector="primary",
            stage="P6",
            subject="Numeracy",
            tried="A fraction wall on every table from the starter.",
            learned="Pupil A moved from counting on fingers to reading the wall.",
            advice="Start with the wall; take it away later.",
        ),
        side.teacher,
    )
    build_evidence_file(side)


def build_evidence_file(side: Side) -> None:
    """A photo of the work, attached to the observation by the lead."""
    from workspace.evidence import services as evidence

    side.evidence_file, _ = evidence.attach(
        "observation",
        side.observation,
        side.lead,
        evidence.Upload(small_png(), "wall.png", "Pupil A's fraction wall"),
    )


def small_png(colour: str = "teal", size: tuple[int, int] = (8, 8)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    a: Side
    b: Side
    framework_id: int
    element_id: int

    def ids(self):
        def side(s: Side):
            membership = {
                m.user_id: m.id
                for m in db.session.scalars(
                    db.select(Membership).where(Membership.partnership_id == s.partnership.id)
                )
            }
            return {
                "partnership_id": s.partnership.id,
                "school_ids": [x.id for x in s.schools],
                "lead": s.lead.email,
                "teacher": s.teacher.email,
                "other_teacher": s.other_teacher.email,
                "reviewer": s.reviewer.email,
                "lead_membership_id": membership[s.lead.id],
                "teacher_membership_id": membership[s.teacher.id],
                "other_teacher_membership_id": membership[s.other_teacher.id],
                "invite_id": s.invite.id,
                "framework_id": self.framework_id,
                "element_id": self.element_id,
                "trio_id": s.trio.id,
                "cycle_id": s.cycle.id,
                "lesson_id": s.lesson.id,
                "observation_id": s.observation.id,
                "note_id": s.voice.id,
                "step_id": s.next_step.id,
                "action_id": s.action.id,
                "evaluation_id": s.evaluation.id,
                "report_id": s.report.id,
                "update_id": s.update.id,
                "finding_id": s.finding.id,
                "file_id": s.evidence_file.id,
                "pupil_ids": [p.id for p in s.lesson.case_pupils],
                "stage_ids": [st.id for st in s.lesson.stages],
            }

        return {"a": side(self.a), "b": side(self.b)}


def two_partnerships() -> World:
    """Two partnerships, and a QI of the STEM framework (loaded once for the run) at hand."""
    stem = db.session.scalar(db.select(Framework).where(Framework.key == "stem"))
    qi = db.session.scalar(
        db.select(FrameworkElement).where(
            FrameworkElement.framework_id == stem.id,
            FrameworkElement.number == "2.3",
            FrameworkElement.kind == "qi",
        )
    )
    return World(build_partnership("Alpha"), build_partnership("Beta"), stem.id, qi.id)
