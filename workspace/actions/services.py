"""Actions: creating, changing, and their progress history. No request globals."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import selectinload

from ..extensions import db, read_rows
from ..forms_common import too_long
from ..frameworks import linking
from ..models import Action, Membership, Partnership, ProgressUpdate, ResearchLesson, School, Trio, User
from ..models.actions import ACTION_STATUS_LABELS, ACTION_STATUSES
from ..models.base import utcnow
from ..reference import Role
from ..services_errors import ServiceError, StaleEdit
from . import status_history

MAX_TITLE = 300
MAX_TEXT = 10000


class Owner(NamedTuple):
    id: int
    name: str
    school: str | None  # the school's name; None for a lead


_OWNERS = (
    select(User.id, User.name, School.name)
    .join(Membership, Membership.user_id == User.id)
    .outerjoin(School, Membership.school_id == School.id)
    .where(
        Membership.partnership_id == bindparam("partnership_id"),
        Membership.role.in_([Role.LEAD, Role.TEACHER]),
    )
    .order_by(User.name)
)


def possible_owners(partnership_id: int) -> list[Owner]:
    """Leads and teachers own actions; reviewers do not. Rows, not records: a large partnership
    has hundreds, and every action form and the dashboard's filter list them."""
    return [Owner(*row) for row in read_rows(_OWNERS, {"partnership_id": partnership_id})]


def _check(
    partnership: Partnership,
    title: str,
    description: str,
    school_id: int | None,
    owner_id: int | None,
    status: str,
    allowed_schools: set[int | None] | None,
) -> None:
    if not title.strip():
        raise ServiceError("Give the action a title.", "title")
    if len(title) > MAX_TITLE:
        raise ServiceError(too_long(MAX_TITLE), "title")
    if len(description) > MAX_TEXT:
        raise ServiceError(too_long(MAX_TEXT), "description")
    if status not in ACTION_STATUSES:
        raise ServiceError("Choose a status.", "status")
    if school_id is not None:
        school = db.session.get(School, school_id)
        if school is None or school.partnership_id != partnership.id:
            raise ServiceError("Choose one of the partnership's schools.", "school_id")
    if allowed_schools is not None and school_id not in allowed_schools:
        raise ServiceError("Teachers make actions for their own school.", "school_id")
    if owner_id is None or owner_id not in {owner.id for owner in possible_owners(partnership.id)}:
        raise ServiceError("Choose the action's owner from the partnership's leads and teachers.", "owner_id")


def _trio_and_lesson(partnership: Partnership, trio_id: int | None, lesson_id: int | None) -> None:
    if trio_id is not None:
        trio = db.session.get(Trio, trio_id)
        if trio is None or trio.partnership_id != partnership.id:
            raise ServiceError("Choose one of the partnership's trios.", "trio_id")
    if lesson_id is not None:
        lesson = db.session.get(ResearchLesson, lesson_id)
        if (
            lesson is None
            or lesson.partnership_id != partnership.id
            or (trio_id and lesson.trio_id != trio_id)
        ):
            raise ServiceError("Choose a research lesson of that trio.", "lesson_id")


def create_action(
    partnership: Partnership,
    created_by: User,
    title: str,
    description: str,
    school_id: int | None,
    owner_id: int | None,
    due_date: date | None,
    status: str,
    link_ids: list[int],
    trio_id: int | None = None,
    lesson_id: int | None = None,
    allowed_schools: set[int | None] | None = None,
) -> Action:
    _check(partnership, title, description, school_id, owner_id, status, allowed_schools)
    _trio_and_lesson(partnership, trio_id, lesson_id)
    now = utcnow()
    action = Action(
        partnership_id=partnership.id,
        title=title.strip(),
        description=description.strip(),
        school_id=school_id,
        owner_id=owner_id,
        due_date=due_date,
        status=status,
        trio_id=trio_id,
        lesson_id=lesson_id,
        created_by_id=created_by.id,
        created_at=now,
        updated_at=now,
        last_progress_at=now,
    )
    db.session.add(action)
    db.session.flush()
    linking.set_links(partnership.id, "action", action.id, link_ids)
    return action


def update_action(
    action: Action,
    expected_version: int,
    title: str,
    description: str,
    school_id: int | None,
    owner_id: int | None,
    due_date: date | None,
    status: str,
    link_ids: list[int],
    allowed_schools: set[int | None] | None = None,
) -> Action:
    partnership = db.session.get_one(Partnership, action.partnership_id)
    _check(partnership, title, description, school_id, owner_id, status, allowed_schools)
    if action.version != expected_version:
        current_links = sorted(e.id for e in linking.links_for("action", [action.id]).get(action.id, []))
        rows = [
            ("Title", action.title, title.strip(), action.title),
            ("Description", action.description, description.strip(), action.description or "(empty)"),
            (
                "School",
                action.school_id,
                school_id,
                action.school.name if action.school else "Partnership-wide",
            ),
            ("Owner", action.owner_id, owner_id, action.owner.name if action.owner else "(none)"),
            (
                "Due date",
                action.due_date,
                due_date,
                action.due_date.strftime("%-d %B %Y") if action.due_date else "(none)",
            ),
            ("Status", action.status, status, action.status_label),
            ("Linked QIs and priorities", current_links, sorted(link_ids), f"{len(current_links)} linked"),
        ]
        raise StaleEdit(
            [(label, shown) for label, now, sent, shown in rows if now != sent],
            None,
            action.updated_at,
            action.version,
        )
    action.title, action.description = title.strip(), description.strip()
    action.school_id, action.owner_id, action.due_date, action.status = school_id, owner_id, due_date, status
    action.updated_at = utcnow()
    linking.set_links(action.partnership_id, "action", action.id, link_ids)
    db.session.flush()
    return action


def post_progress(
    action: Action, author: User, text: str, evidence: str, status_to: str | None
) -> ProgressUpdate:
    """Adds to the history; an earlier update is never changed. A status change moves the action."""
    if not text.strip():
        raise ServiceError("Write what has happened.", "text")
    for name, value in (("text", text), ("evidence", evidence)):
        if len(value) > MAX_TEXT:
            raise ServiceError(too_long(MAX_TEXT), name)
    if status_to is not None and status_to not in ACTION_STATUSES:
        raise ServiceError("Choose a status.", "status_to")
    now = utcnow()
    update = ProgressUpdate(
        partnership_id=action.partnership_id,
        action_id=action.id,
        author_id=author.id,
        text=text.strip(),
        evidence=evidence.strip(),
        status_from=action.status,
        status_to=status_to if status_to != action.status else None,
        created_at=now,
    )
    db.session.add(update)
    # Updates are appended, never in conflict with one another: move the action on without the
    # optimistic version check (two people posting at once must both succeed), but bump its
    # version so that an edit form opened before this update sees that the action has moved.
    values = {"last_progress_at": now, "updated_at": now, "version": Action.version + 1}
    if update.status_to:
        values["status"] = update.status_to
    db.session.execute(
        sa_update(Action)
        .where(Action.id == action.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    if update.status_to:
        status_history.record(action, update.status_to, now, author.id, update.id)
        db.session.flush()
    db.session.refresh(action)
    return update


def update_in(action: Action, update_id: int) -> ProgressUpdate | None:
    update = db.session.get(ProgressUpdate, update_id)
    return update if update is not None and update.action_id == action.id else None


def star(update: ProgressUpdate, starred: bool) -> None:
    """A lead stars an update as evidence of impact for the interim report (or takes the star off).
    The update's words are not changed, so the action's history stays as it was written."""
    update.is_highlight = starred
    db.session.flush()


def history(action: Action) -> list[ProgressUpdate]:
    """Newest first."""
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.action_id == action.id)
            .options(selectinload(ProgressUpdate.author))
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        )
    )


def status_label(status: str) -> str:
    return ACTION_STATUS_LABELS[status]
