"""Who may see and change what. Every route asks here; templates only reflect the answers.

A partnership's records are invisible to everyone outside it: asking for one answers 404,
never 403, so an id leaks nothing. Inside a partnership, a role that may read but not change
a thing gets 403.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal, NamedTuple

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import and_, bindparam, select

from . import identity
from .extensions import db
from .htmx import sign_in_required
from .models import (
    Action,
    InterimReport,
    Invite,
    Membership,
    Observation,
    Partnership,
    ResearchLesson,
    School,
    Trio,
    TrioMember,
    User,
)
from .reference import Role


class Permission(Enum):
    VIEW = "view"  # every member, and site administrators
    CONTRIBUTE = "contribute"  # leads and teachers: create and change their work
    MANAGE = "manage"  # leads and site administrators: schools, members, invites


class PartnershipAccess:
    """What one person may do in one partnership.

    Resolved by one small query (see `_resolve`); the person, partnership and membership records
    are loaded only when a view or template asks for them, so a busy route that needs only the
    answer (the observation poll) pays for one query.
    """

    __slots__ = (
        "user_id",
        "partnership_id",
        "is_admin",
        "role",
        "school_id",
        "membership_id",
        "archived",
        "partnership_name",
        "user_name",
        "along",
        "_loaded",
    )

    def __init__(
        self,
        user_id: int,
        partnership_id: int,
        is_admin: bool,
        role: Role | None,
        school_id: int | None,
        membership_id: int | None,
        archived: bool,
        partnership_name: str = "",
        along: tuple = (),
        user_name: str = "",
    ):
        self.user_id, self.partnership_id, self.is_admin = user_id, partnership_id, is_admin
        self.role, self.school_id, self.membership_id, self.archived = (
            role,
            school_id,
            membership_id,
            archived,
        )
        self.partnership_name = partnership_name  # for page titles, without loading the record
        self.user_name = user_name  # for the page header, likewise
        self.along = along  # the values of partnership_route(along=...)
        self._loaded: dict = {}

    def _get(self, model, record_id):
        # Loaded once for this request and held here: the session's identity map holds records only
        # while something refers to them, so a template asking three times would query three times.
        # A commit expires the record as usual and its next use reads it again.
        if record_id is None:
            return None
        found = self._loaded.get(model)
        if found is None:
            found = self._loaded[model] = db.session.get(model, record_id)
        return found

    @property
    def user(self) -> User:
        return self._get(User, self.user_id)

    @property
    def account(self) -> SignedIn:
        """The person as the page header shows them, without loading their record."""
        return SignedIn(self.user_id, self.user_name, self.is_admin)

    @property
    def partnership(self) -> Partnership:
        return self._get(Partnership, self.partnership_id)

    @property
    def membership(self) -> Membership | None:
        """None for a site administrator who is not a member."""
        return self._get(Membership, self.membership_id)

    def allows(self, permission: Permission) -> bool:
        if permission is Permission.VIEW:
            return True
        if self.archived:
            return False  # archived: read-only for everyone
        if self.is_admin and permission is Permission.MANAGE:
            return True
        if permission is Permission.CONTRIBUTE:
            return self.role in (Role.LEAD, Role.TEACHER)
        return self.role is Role.LEAD

    @property
    def can_manage(self) -> bool:
        return self.allows(Permission.MANAGE)

    @property
    def can_contribute(self) -> bool:
        return self.allows(Permission.CONTRIBUTE)

    @property
    def is_read_only(self) -> bool:
        return not self.can_contribute and not self.can_manage


class SignedIn(NamedTuple):
    """What the page header needs of the signed-in person (base.html reads it as it would
    Flask-Login's current_user): on a partnership's pages it comes with the access check."""

    id: int
    name: str
    is_admin: bool
    is_authenticated: bool = True


class _Session(Enum):
    NOT_SIGNED_IN = "not signed in"


_NOT_SIGNED_IN: Final = _Session.NOT_SIGNED_IN


# The access check runs on every partnership page: one statement, built once (SQLAlchemy keeps
# its compiled form), run on the request's session.
_ACCESS = (
    select(
        User.session_version,
        User.is_disabled,
        User.is_admin,
        User.name,
        Partnership.id,
        Partnership.archived_at,
        Partnership.name,
        Membership.id,
        Membership.role,
        Membership.school_id,
    )
    .select_from(User)
    .outerjoin(Partnership, Partnership.id == bindparam("partnership_id"))
    .outerjoin(Membership, and_(Membership.partnership_id == Partnership.id, Membership.user_id == User.id))
    .where(User.id == bindparam("user_id"))
)
_COLUMNS = len(_ACCESS.selected_columns)  # an AlongWith's columns come after these


@dataclass(frozen=True)
class AlongWith:
    """More columns for the access query's round trip (scalar subqueries), for a view that asks
    the database one small thing each time, many times a minute: the observation poll. Their bind
    parameters are named after the route's arguments (`params`) or "partnership_id"; the view
    finds the values in `access.along`, read only after the access has been granted."""

    columns: tuple
    params: tuple[str, ...]


def _resolve(
    user_id: int,
    partnership_id: int,
    session_version: int | None,
    statement=_ACCESS,
    arguments: dict | None = None,
) -> PartnershipAccess | Literal[_Session.NOT_SIGNED_IN] | None:
    """One query: the account (and, given a session version, whether the session is still its),
    the partnership and the membership. _NOT_SIGNED_IN where the session no longer holds,
    None where the partnership is none of their business."""
    row = db.session.execute(
        statement, {"user_id": user_id, "partnership_id": partnership_id, **(arguments or {})}
    ).first()
    if row is None:
        return _NOT_SIGNED_IN
    version, disabled, is_admin, user_name, found, archived_at, name, membership_id, role, school_id = row[
        :_COLUMNS
    ]
    if session_version is not None and not identity.still_valid(session_version, version, bool(disabled)):
        return _NOT_SIGNED_IN
    if found is None or (membership_id is None and not is_admin):
        return None
    return PartnershipAccess(
        user_id,
        found,
        bool(is_admin),
        Role(role) if role else None,
        school_id,
        membership_id,
        archived_at is not None,
        name,
        tuple(row[_COLUMNS:]),
        user_name,
    )


def partnership_route(permission: Permission = Permission.VIEW, along: AlongWith | None = None):
    """Decorates a view taking partnership_id: signs in, resolves access, checks the permission.

    The session's account and the access are checked in one query (with `along`'s columns, if
    any). The view receives `access` in place of partnership_id; templates find it as `access` too.
    """
    statement = _ACCESS.add_columns(*along.columns) if along else _ACCESS

    def decorator(view):
        @functools.wraps(view)
        def wrapped(partnership_id: int, **kwargs):
            reference = identity.session_reference(session)
            arguments = {name: kwargs[name] for name in along.params} if along else None
            access = (
                _NOT_SIGNED_IN
                if reference is None
                else _resolve(reference[0], partnership_id, reference[1], statement, arguments)
            )
            if access is _NOT_SIGNED_IN:
                return sign_in_required()
            if access is None:
                abort(404)
            if not access.allows(permission):
                abort(403)
            g.access = access
            if session.get("partnership_id") != access.partnership_id:
                session["partnership_id"] = access.partnership_id  # where "/" takes them next time
            return view(access, **kwargs)

        wrapped.partnership_permission = permission
        return wrapped

    return decorator


def admin_route(view):
    """Site administration: a signed-in administrator, or 404 (the pages are not advertised)."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if not current_user.is_authenticated:
            return sign_in_required()
        if not current_user.is_admin:
            abort(404)
        return view(**kwargs)

    return wrapped


def _in_partnership(model, access: PartnershipAccess, record_id: int, options=()):
    record = db.session.get(model, record_id, options=options)
    if record is None or record.partnership_id != access.partnership_id:
        abort(404)
    return record


def school_in(access: PartnershipAccess, school_id: int) -> School:
    return _in_partnership(School, access, school_id)


def membership_in(access: PartnershipAccess, membership_id: int) -> Membership:
    return _in_partnership(Membership, access, membership_id)


def invite_in(access: PartnershipAccess, invite_id: int) -> Invite:
    return _in_partnership(Invite, access, invite_id)


def partnerships_of(user: User) -> list[Partnership]:
    """The partnerships a person belongs to (administrators: all of them)."""
    query = select(Partnership).order_by(Partnership.name)
    if not user.is_admin:
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(db.session.scalars(query))


# Trios ---------------------------------------------------------------------------------------------


def trio_in(access: PartnershipAccess, trio_id: int, *options) -> Trio:
    """The partnership's trio; loader options (its members) load with it."""
    return _in_partnership(Trio, access, trio_id, options)


def lesson_in(access: PartnershipAccess, trio: Trio, lesson_id: int, *options) -> ResearchLesson:
    """The trio's research lesson; loader options (the plan's stages and pupils) load with it."""
    lesson = _in_partnership(ResearchLesson, access, lesson_id, options)
    if lesson.trio_id != trio.id:
        abort(404)
    return lesson


def is_trio_member(user_id: int, trio: Trio) -> bool:
    return (
        db.session.scalar(
            select(TrioMember.id).where(TrioMember.trio_id == trio.id, TrioMember.user_id == user_id)
        )
        is not None
    )


def can_change_trio(access: PartnershipAccess, trio, in_trio: bool | None = None) -> bool:
    """Trio members and the partnership's leads change a trio; every member reads it. Where the
    caller has already read whether this person is in the trio, it says so in `in_trio`."""
    if access.can_manage:
        return True
    if not access.can_contribute:
        return False
    return in_trio if in_trio is not None else is_trio_member(access.user_id, trio)


def require_trio_change(access: PartnershipAccess, trio: Trio) -> None:
    if not can_change_trio(access, trio):
        abort(403)


def observation_in(access: PartnershipAccess, lesson: ResearchLesson, observation_id: int) -> Observation:
    observation = _in_partnership(Observation, access, observation_id)
    if observation.lesson_id != lesson.id:
        abort(404)
    return observation


def can_change_observation(access: PartnershipAccess, observation: Observation) -> bool:
    """Observers edit and delete their own entries."""
    return access.can_contribute and observation.observer_id == access.user_id


# Actions -------------------------------------------------------------------------------------------


def action_in(access: PartnershipAccess, action_id: int) -> Action:
    return _in_partnership(Action, access, action_id)


def action_schools(access: PartnershipAccess) -> set[int | None] | None:
    """Where this person may make actions: None means anywhere (leads), else their own school."""
    if access.can_manage:
        return None
    if access.can_contribute and access.school_id:
        return {access.school_id}
    return set()


def can_change_action(access: PartnershipAccess, action: Action) -> bool:
    """Leads change any action; teachers change the actions they own; reviewers none."""
    if access.can_manage:
        return True
    return access.can_contribute and action.owner_id == access.user_id


def require_action_change(access: PartnershipAccess, action: Action) -> None:
    if not can_change_action(access, action):
        abort(403)


def commentable_in(access: PartnershipAccess, record_type: str, record_id: int):
    """The trio, research lesson or action being commented on, if it is this partnership's."""
    model = {"action": Action, "trio": Trio, "lesson": ResearchLesson, "report": InterimReport}.get(
        record_type
    )
    if model is None:
        abort(404)
    return _in_partnership(model, access, record_id)


# Interim reports -----------------------------------------------------------------------------------


def report_in(access: PartnershipAccess, report_id: int) -> InterimReport:
    return _in_partnership(InterimReport, access, report_id)


def writable_report_sections(access: PartnershipAccess, report: InterimReport, keys: list[str]) -> set[str]:
    """The sections of a draft this person writes: leads all of them, a trio's members its own
    paragraph ("trio:<id>"), reviewers none. A final report is read-only for everyone."""
    if report.is_final or not access.can_contribute:
        return set()
    if access.can_manage:
        return set(keys)
    own = {
        f"trio:{trio_id}"
        for trio_id in db.session.scalars(
            select(TrioMember.trio_id).where(TrioMember.user_id == access.user_id)
        )
    }
    return {key for key in keys if key in own}


def require_report_lead(access: PartnershipAccess) -> None:
    """Starting, finalising and redrafting reports: the partnership's leads."""
    if not access.can_manage:
        abort(403)


# Self-evaluation -----------------------------------------------------------------------------------


def can_evaluate(access: PartnershipAccess, school_id: int) -> bool:
    """Teachers evaluate their own school; leads any school; reviewers read."""
    if access.can_manage:
        return True
    return access.can_contribute and access.membership_id is not None and access.school_id == school_id


def require_evaluate(access: PartnershipAccess, school_id: int) -> None:
    if not can_evaluate(access, school_id):
        abort(403)


def self_evaluation_in(access: PartnershipAccess, evaluation_id: int):
    from .models import SelfEvaluation

    return _in_partnership(SelfEvaluation, access, evaluation_id)


# Data protection ------------------------------------------------------------------------------------


def require_data_steward(access: PartnershipAccess) -> None:
    """Retention, exports of everything, case-pupil exports: the partnership's leads and site
    administrators, even when the partnership is archived (reading is still allowed then)."""
    if not (access.is_admin or access.role is Role.LEAD):
        abort(403)


def require_site_admin(access: PartnershipAccess) -> None:
    if not access.is_admin:
        abort(403)


# Findings and the library ---------------------------------------------------------------------------


def finding_in(access: PartnershipAccess, finding_id: int):
    from .models import Finding

    return _in_partnership(Finding, access, finding_id)


def can_change_finding(access: PartnershipAccess, finding) -> bool:
    """A finding is written by its trio's members (and the leads), as the trio itself is."""
    return can_change_trio(access, finding.trio)


def require_finding_change(access: PartnershipAccess, finding) -> None:
    if not can_change_finding(access, finding):
        abort(403)


def signed_in_route(view):
    """The workspace's shared pages (the library of published findings): anyone signed in."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if not current_user.is_authenticated:
            return sign_in_required()
        return view(**kwargs)

    wrapped.signed_in_only = True
    return wrapped


def published_finding(finding_id: int):
    """A finding the library shows: published, or 404 whoever asks (a draft is its partnership's)."""
    from .models import Finding

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
        from .models import ProgrammeGrant

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
    from .models import ProgrammeGrant

    return (
        db.session.scalar(select(ProgrammeGrant.id).where(ProgrammeGrant.user_id == user.id).limit(1))
        is not None
    )


# Evidence files -------------------------------------------------------------------------------------


def evidence_file_in(access: PartnershipAccess, file_id: int):
    """A file of this partnership, or 404. Reading it follows its record's rule: every member of
    the partnership reads progress updates, observations, pupil voice and self-evaluations."""
    from .models import EvidenceFile

    return _in_partnership(EvidenceFile, access, file_id)


def can_remove_evidence(access: PartnershipAccess, evidence) -> bool:
    """A lead removes any file; whoever uploaded one, their own (while they may still contribute)."""
    if access.can_manage:
        return True
    return access.can_contribute and evidence.uploaded_by_id == access.user_id


def require_evidence_removal(access: PartnershipAccess, evidence) -> None:
    if not can_remove_evidence(access, evidence):
        abort(403)
