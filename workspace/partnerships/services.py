"""Partnerships, their schools, members and invites. No request globals here."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from ..auth.services import new_invite_token, normalise_email
from ..extensions import db
from ..mail.invitations import queue_invitation
from ..mail.outbox import cancel_invitation_mail
from ..models import (
    Action,
    Invite,
    Membership,
    Partnership,
    ResearchLesson,
    School,
    SelfEvaluation,
    Trio,
    TrioMember,
    User,
)
from ..models.base import utcnow
from ..reference import LOCAL_AUTHORITIES, Role, Sector
from ..services_errors import ServiceError

# Partnerships ---------------------------------------------------------------------------


def create_partnership(name: str, description: str = "") -> Partnership:
    name = name.strip()
    if db.session.scalar(select(Partnership.id).where(func.lower(Partnership.name) == name.lower())):
        raise ServiceError("A partnership with that name already exists.", "name")
    partnership = Partnership(name=name, description=description.strip())
    db.session.add(partnership)
    db.session.flush()
    return partnership


def partnership_summary(partnership: Partnership) -> dict:
    schools = db.session.scalar(select(func.count(School.id)).where(School.partnership_id == partnership.id))
    by_role = dict(
        db.session.execute(
            select(Membership.role, func.count(Membership.id))
            .where(Membership.partnership_id == partnership.id)
            .group_by(Membership.role)
        ).all()
    )
    authorities = db.session.scalars(
        select(School.local_authority)
        .where(School.partnership_id == partnership.id)
        .distinct()
        .order_by(School.local_authority)
    ).all()
    return {"schools": schools, "by_role": by_role, "local_authorities": authorities}


# Schools ------------------------------------------------------------------------------------


def list_schools(partnership: Partnership) -> list[School]:
    return list(
        db.session.scalars(
            select(School).where(School.partnership_id == partnership.id).order_by(School.name)
        )
    )


def _check_school_fields(
    partnership: Partnership, name: str, sector: str, local_authority: str, school: School | None = None
) -> str:
    name = name.strip()
    if not name:
        raise ServiceError("Enter the school's name.", "name")
    if sector not in {s.value for s in Sector}:
        raise ServiceError("Choose the school's sector.", "sector")
    if local_authority not in LOCAL_AUTHORITIES:
        raise ServiceError("Choose the local authority from the list.", "local_authority")
    clash = select(School.id).where(
        School.partnership_id == partnership.id, func.lower(School.name) == name.lower()
    )
    if school is not None:
        clash = clash.where(School.id != school.id)
    if db.session.scalar(clash) is not None:
        raise ServiceError("This partnership already has a school with that name.", "name")
    return name


def add_school(partnership: Partnership, name: str, sector: str, local_authority: str) -> School:
    name = _check_school_fields(partnership, name, sector, local_authority)
    school = School(partnership_id=partnership.id, name=name, sector=sector, local_authority=local_authority)
    db.session.add(school)
    db.session.flush()
    return school


def update_school(school: School, name: str, sector: str, local_authority: str) -> School:
    school.name = _check_school_fields(school.partnership, name, sector, local_authority, school)
    school.sector = sector
    school.local_authority = local_authority
    db.session.flush()
    return school


def school_dependents(school: School) -> dict[str, int]:
    """What would be left pointing at nothing if the school went."""
    members = db.session.execute(
        select(func.count(Membership.id)).where(Membership.school_id == school.id)
    ).scalar_one()
    invites = db.session.execute(
        select(func.count(Invite.id)).where(
            Invite.school_id == school.id, Invite.accepted_at.is_(None), Invite.revoked_at.is_(None)
        )
    ).scalar_one()
    actions = db.session.execute(
        select(func.count(Action.id)).where(Action.school_id == school.id)
    ).scalar_one()
    lessons = db.session.execute(
        select(func.count(ResearchLesson.id)).where(ResearchLesson.school_id == school.id)
    ).scalar_one()
    evaluations = db.session.execute(
        select(func.count(SelfEvaluation.id)).where(SelfEvaluation.school_id == school.id)
    ).scalar_one()
    return {
        "members": members,
        "open invites": invites,
        "actions": actions,
        "research lessons": lessons,
        "self-evaluations": evaluations,
    }


def remove_school(school: School) -> None:
    in_use = {what: n for what, n in school_dependents(school).items() if n}
    if in_use:
        described = " and ".join(f"{n} {what}" for what, n in in_use.items())
        raise ServiceError(
            f"{school.name} still has {described}. Move its members and actions to another school "
            "(and withdraw open invitations) before removing it; a school with research lessons or "
            "self-evaluations is kept, so that nothing recorded is lost."
        )
    # Spent and revoked invites have done their work; they go with the school.
    db.session.execute(
        delete(Invite).where(Invite.school_id == school.id).execution_options(synchronize_session=False)
    )
    db.session.delete(school)
    db.session.flush()


# Members --------------------------------------------------------------------------------------


def list_members(partnership: Partnership) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, Membership.user_id == User.id)
            .where(Membership.partnership_id == partnership.id)
            .options(selectinload(Membership.user), selectinload(Membership.school))
            .order_by(Membership.role, User.name)
        )
    )


def _school_for_role(partnership: Partnership, role: str, school_id: int | None) -> int | None:
    if role not in {r.value for r in Role}:
        raise ServiceError("Choose a role.", "role")
    if role == Role.REVIEWER:
        return None  # reviewers are local authority officers, not staff of a school
    if school_id is None:
        if role == Role.TEACHER:
            raise ServiceError("Choose the teacher's school.", "school_id")
        return None
    school = db.session.get(School, school_id)
    if school is None or school.partnership_id != partnership.id:
        raise ServiceError("Choose a school of this partnership.", "school_id")
    return school.id


def _lead_count(partnership_id: int) -> int:
    return db.session.execute(
        select(func.count(Membership.id)).where(
            Membership.partnership_id == partnership_id, Membership.role == Role.LEAD
        )
    ).scalar_one()


def change_role(membership: Membership, role: str, school_id: int | None) -> Membership:
    # The only-lead rule first: no point asking for a school when the change cannot happen.
    if membership.role == Role.LEAD and role != Role.LEAD and _lead_count(membership.partnership_id) == 1:
        raise ServiceError("This is the partnership's only lead. Make someone else a lead first.", "role")
    school_id = _school_for_role(membership.partnership, role, school_id)
    membership.role = role
    membership.school_id = school_id
    db.session.flush()
    return membership


def remove_member(membership: Membership) -> None:
    if membership.role == Role.LEAD and _lead_count(membership.partnership_id) == 1:
        raise ServiceError("This is the partnership's only lead. Make someone else a lead first.")
    # They leave the partnership's trios too (what they wrote stays, with their name).
    trio_ids = select(Trio.id).where(Trio.partnership_id == membership.partnership_id)
    db.session.execute(
        delete(TrioMember).where(TrioMember.user_id == membership.user_id, TrioMember.trio_id.in_(trio_ids))
    )
    db.session.delete(membership)
    db.session.flush()


# Invites ----------------------------------------------------------------------------------------


def create_invite(
    partnership: Partnership,
    email: str,
    role: str,
    school_id: int | None,
    invited_by: User | None,
    valid_for: timedelta,
) -> tuple[Invite, str]:
    """A new invite and its token. The token is returned once and never stored, but for the
    invitation e-mail queued with it when mail is set up (erased from the outbox once sent)."""
    email = normalise_email(email)
    school_id = _school_for_role(partnership, role, school_id)
    existing_member = db.session.scalar(
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership.id, User.email == email)
    )
    if existing_member is not None:
        raise ServiceError(
            f"{email} is already a member of this partnership. Change their role on the members page instead.",
            "email",
        )
    # A fresh invite replaces any open one for the same address, so only one link works.
    now = utcnow()
    for open_invite in db.session.scalars(
        select(Invite).where(
            Invite.partnership_id == partnership.id,
            Invite.email == email,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
        )
    ):
        open_invite.revoked_at = now
        cancel_invitation_mail(open_invite.id)
    token, token_hash = new_invite_token()
    invite = Invite(
        partnership_id=partnership.id,
        email=email,
        role=role,
        school_id=school_id,
        token_hash=token_hash,
        created_by_id=invited_by.id if invited_by else None,
        created_at=now,
        expires_at=now + valid_for,
    )
    db.session.add(invite)
    db.session.flush()
    queue_invitation(invite, token)
    return invite, token


def open_invites(partnership: Partnership) -> list[Invite]:
    return list(
        db.session.scalars(
            select(Invite)
            .where(
                Invite.partnership_id == partnership.id,
                Invite.accepted_at.is_(None),
                Invite.revoked_at.is_(None),
                Invite.expires_at > utcnow(),
            )
            .options(selectinload(Invite.school))
            .order_by(Invite.created_at.desc())
        )
    )


def revoke_invite(invite: Invite) -> None:
    if invite.accepted_at is not None:
        raise ServiceError("That invitation has already been accepted.")
    invite.revoked_at = invite.revoked_at or utcnow()
    cancel_invitation_mail(invite.id)
    db.session.flush()
