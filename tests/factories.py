"""Builds test data through the real services, so tests exercise the same rules users meet."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from workspace.auth.services import create_user
from workspace.extensions import db
from workspace.models import Framework, FrameworkElement, Membership
from workspace.partnerships import services
from workspace.reference import Role, Sector

TEST_PASSWORD = "correct horse battery staple"


def member(partnership, email, role, school=None, name=None, password=TEST_PASSWORD):
    user = create_user(email, name or email.split("@")[0].replace(".", " ").title(), password)
    db.session.add(Membership(partnership_id=partnership.id, user_id=user.id, role=role,
                              school_id=school.id if school else None))
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
    memberships: dict = field(default_factory=dict)


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
    invite, _token = services.create_invite(p, f"new.{low}@example.org", Role.TEACHER, schools[0].id,
                                            invited_by=lead, valid_for=timedelta(days=14))
    return Side(p, schools, lead, teacher, other, reviewer, invite)


@dataclass
class World:
    a: Side
    b: Side
    framework_id: int
    element_id: int

    def ids(self):
        def side(s: Side):
            membership = {m.user_id: m.id for m in db.session.scalars(
                db.select(Membership).where(Membership.partnership_id == s.partnership.id))}
            return {
                "partnership_id": s.partnership.id,
                "school_ids": [x.id for x in s.schools],
                "lead": s.lead.email, "teacher": s.teacher.email, "other_teacher": s.other_teacher.email,
                "reviewer": s.reviewer.email,
                "lead_membership_id": membership[s.lead.id],
                "teacher_membership_id": membership[s.teacher.id],
                "other_teacher_membership_id": membership[s.other_teacher.id],
                "invite_id": s.invite.id,
                "framework_id": self.framework_id,
                "element_id": self.element_id,
            }

        return {"a": side(self.a), "b": side(self.b)}


def two_partnerships() -> World:
    """Two partnerships, and a QI of the STEM framework (loaded once for the run) at hand."""
    stem = db.session.scalar(db.select(Framework).where(Framework.key == "stem"))
    qi = db.session.scalar(db.select(FrameworkElement).where(
        FrameworkElement.framework_id == stem.id, FrameworkElement.number == "2.3", FrameworkElement.kind == "qi"))
    return World(build_partnership("Alpha"), build_partnership("Beta"), stem.id, qi.id)
