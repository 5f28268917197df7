"""Keeping Partnership.actions_version in step with what the actions dashboard shows.

Whenever a flush adds, changes or removes an action, a progress update, a framework link of an
action, a school or a person's name, the partnerships concerned get a new actions_version in
the same transaction. A bulk statement on those tables gives every partnership a new one, unless
it names the one partnership it changes or says it changes nothing the dashboard shows (as the
removal of an observation's links does): what is left is rare (generated data, the demo's reset). The dashboard's results
are remembered against this version (results_cache.py), so a change is seen at once by everyone.
"""

from __future__ import annotations

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from ..models import Action, FrameworkLink, Membership, Partnership, ProgressUpdate, School, User
from ..models.partnerships import new_version

_WATCHED_TABLES = {model.__table__ for model in (Action, ProgressUpdate, FrameworkLink, School, User)}
_PENDING = "actions_changed_in"
# A bulk statement that changes one partnership's records says so with
# .execution_options(changes_partnership=...), and only that partnership's version moves on.
PARTNERSHIP_OPTION = "changes_partnership"
# One that touches a watched table but nothing the dashboard shows says so with
# .execution_options(changes_actions=False).
ACTIONS_OPTION = "changes_actions"


def _name_changed(record) -> bool:
    return inspect(record).attrs.name.history.has_changes()


def _partnerships_touched(session: Session, record, deleted: bool) -> set[int]:
    if isinstance(record, (Action, ProgressUpdate)):
        return {record.partnership_id}
    if isinstance(record, FrameworkLink):
        return {record.partnership_id} if record.record_type == "action" else set()
    if isinstance(record, School):
        return {record.partnership_id} if deleted or _name_changed(record) else set()
    if isinstance(record, User) and not deleted and record.id is not None and _name_changed(record):
        with session.no_autoflush:
            return set(
                session.scalars(select(Membership.partnership_id).where(Membership.user_id == record.id))
            )
    return set()


def _collect(session: Session, _context, _instances) -> None:
    touched: set[int] = session.info.setdefault(_PENDING, set())
    for record in session.new:
        touched |= _partnerships_touched(session, record, deleted=False)
    for record in session.dirty:
        if session.is_modified(record, include_collections=False):
            touched |= _partnerships_touched(session, record, deleted=False)
    for record in session.deleted:
        touched |= _partnerships_touched(session, record, deleted=True)


def _bump(session: Session, _context) -> None:
    touched = {p for p in session.info.pop(_PENDING, set()) if p is not None}
    if touched:
        session.connection().execute(
            update(Partnership).where(Partnership.id.in_(touched)).values(actions_version=new_version())
        )


def _bulk(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if getattr(state.statement, "table", None) not in _WATCHED_TABLES:
        return
    if state.execution_options.get(ACTIONS_OPTION) is False:  # e.g. an observation's links
        return
    statement = update(Partnership).values(actions_version=new_version())
    partnership_id = state.execution_options.get(PARTNERSHIP_OPTION)
    if partnership_id is not None:  # the statement says whose records it changes
        statement = statement.where(Partnership.id == partnership_id)
    state.session.connection().execute(statement)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


# The session events this module listens to; create_app registers them (listen_to_session).
LISTENERS = (
    ("before_flush", _collect),
    ("after_flush", _bump),
    ("do_orm_execute", _bulk),
    ("after_rollback", _forget),
)
