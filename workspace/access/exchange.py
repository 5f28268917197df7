"""What travels between partnerships: the findings and the library of published findings, and the
programme officers who follow several partnerships."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..htmx import sign_in_required
from ..models import (
    Membership,
    Partnership,
    User,
)
from ..reference import Role
from .core import PartnershipAccess, _in_partnership
from .records import can_change_trio

# Findings and the library ---------------------------------------------------------------------------


def finding_in(access: PartnershipAccess, finding_id: int):
    from ..models import Finding

    return _in_partnership(Finding, access, finding_id)


def can_change_finding(access: PartnershipAccess, finding) -> bool:
    """A finding is written by its trio's members (and the leads), as the trio itself is."""
    return can_change_trio(access, finding.trio)


def require_finding_change(access: PartnershipAccess, finding) -> None:
    if not can_change_finding(access, finding):
        abort(403)


def published_finding(finding_id: int):
    """A finding the library shows: published, or 404 whoever asks (a draft is its partnership's)."""
    from ..models import Finding

    finding = db.session.get(Finding, finding_id)
    if finding is None or not finding.is_published:
        abort(404)
    return finding


def reads_pupil_quotes(user: User) -> bool:
    """Quoted observations are for the people who work with pupils: leads and teachers of a
    partnership, and site administrators. A reviewer (a local authority officer) and a programme
    officer read findings without them, whatever else they are a member of as a reviewer."""
    if user.is_admin:
        return True
    return (
        db.session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user.id, Membership.role.in_([Role.LEAD, Role.TEACHER]))
            .limit(1)
        )
        is not None
    )


def reuse_partnerships(user: User) -> list[Partnership]:
    """Where this person may start a trio from a finding: partnerships they lead or teach in."""
    return list(
        db.session.scalars(
            select(Partnership)
            .join(Membership, Membership.partnership_id == Partnership.id)
            .where(
                Membership.user_id == user.id,
                Membership.role.in_([Role.LEAD, Role.TEACHER]),
                Partnership.archived_at.is_(None),
            )
            .order_by(Partnership.name)
        )
    )


# Programme officers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeAccess:
    """A programme officer and the partnerships a site administrator let them follow."""

    user_id: int
    partnership_ids: tuple[int, ...]


def programme_route(view):
    """The programme view: a signed-in person with at least one partnership to follow, or 404.
    Being an officer opens no partnership page: those still ask for a membership."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if not current_user.is_authenticated:
            return sign_in_required()
        from ..models import ProgrammeGrant

        followed = tuple(
            db.session.scalars(
                select(ProgrammeGrant.partnership_id).where(ProgrammeGrant.user_id == current_user.id)
            )
        )
        if not followed:
            abort(404)
        g.programme = ProgrammeAccess(current_user.id, followed)
        return view(g.programme, **kwargs)

    wrapped.programme_officer = True
    return wrapped


def followed_in(officer: ProgrammeAccess, partnership_id: int) -> Partnership:
    """A partnership the officer follows, or 404."""
    if partnership_id not in officer.partnership_ids:
        abort(404)
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None:
        abort(404)
    return partnership


def is_programme_officer(user: User) -> bool:
    from ..models import ProgrammeGrant

    return (
        db.session.scalar(select(ProgrammeGrant.id).where(ProgrammeGrant.user_id == user.id).limit(1))
        is not None
    )
