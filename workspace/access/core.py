"""The access check itself: who is signed in, their role in the partnership a page belongs to
(one statement per request), and the decorators every route is wrapped in."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal, NamedTuple

from flask import abort, g, request, session
from flask_login import current_user
from sqlalchemy import Select, and_, bindparam, select

from .. import identity
from ..extensions import db, read_rows
from ..htmx import sign_in_required
from ..models import (
    Invite,
    Membership,
    Partnership,
    School,
    User,
)
from ..reference import Role


class Permission(Enum):
    VIEW = "view"  # every member, and site administrators
    COMMENT = "comment"  # the same people, reviewers among them, while the partnership is not archived
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
        if permission is Permission.COMMENT:
            return True
        if self.is_admin and permission is Permission.MANAGE:
            return True
        if permission is Permission.CONTRIBUTE:
            return self.role in (Role.LEAD, Role.TEACHER)
        return self.role is Role.LEAD

    @property
    def can_manage(self) -> bool:
        return self.allows(Permission.MANAGE)

    @property
    def can_comment(self) -> bool:
        return self.allows(Permission.COMMENT)

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
    row = read_rows(
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


# A tablet's outbox sends what a teacher kept offline, later, from a page that may have been open
# since: it names the person the note is theirs with this header, and is answered as signed out
# (401: the note waits for its author) when someone else is signed in now on that browser.
SENT_FOR = "X-Workspace-User"


def _sent_by(user_id: int) -> bool:
    expected = request.headers.get(SENT_FOR)
    return expected is None or expected == str(user_id)


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
            if reference is not None and not _sent_by(reference[0]):
                return sign_in_required()
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


def record_by_id(model, *options) -> Select:
    """The statement that reads one record of `model` by its id, with what its loader `options`
    bring: built once, at import, by the module that uses it. `session.get` with options builds a
    new statement on every call, and SQLAlchemy works out its cache key again each time (for a
    lesson with its plan, a third of what reading it costs); a statement built once keeps both
    its key and its compiled form, like the access check's."""
    return select(model).where(model.id == bindparam("record_id")).options(*options)


def _in_partnership(model, access: PartnershipAccess, record_id: int, loading: Select | None = None):
    """The partnership's record, or 404. `loading` (from `record_by_id`) reads it with more."""
    if loading is None:
        record = db.session.get(model, record_id)
    else:
        record = db.session.execute(loading, {"record_id": record_id}).unique().scalar_one_or_none()
        if record is not None and not isinstance(record, model):  # a statement for another kind
            raise TypeError(f"{type(record).__name__} read where a {model.__name__} was asked for")
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


def signed_in_route(view):
    """The workspace's shared pages (the library of published findings): anyone signed in."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if not current_user.is_authenticated:
            return sign_in_required()
        return view(**kwargs)

    wrapped.signed_in_only = True
    return wrapped
