"""`flask send-digest`, weekly: for each partnership's leads (and reviewers who ask for it), what
the last seven days brought: new, completed, overdue and stale actions; lessons taught and trios'
next steps; self-evaluations recorded; comments on the actions the person owns.

Like every e-mail, it names actions, trios, lessons and schools, and nothing about pupils: no
case-pupil descriptors, no observation, pupil-voice or discussion text, and next steps counted,
not quoted (they are written in a post-lesson discussion, beside the case pupils)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select

from ..actions.dashboard import STALE_WEEKS
from ..extensions import db
from ..frameworks.linking import element_label
from ..models import (
    Action,
    ActionStatusChange,
    Comment,
    FrameworkLevel,
    MailKind,
    Membership,
    NextStep,
    OutboxMessage,
    Partnership,
    ResearchLesson,
    SelfEvaluation,
    User,
)
from ..models.base import utcnow
from ..reference import Role
from .outbox import queue
from .preferences import gets_digest_as
from .settings import absolute_url, mail_is_set_up

PERIOD = timedelta(days=7)
MOST_LINES = 15  # a section lists this many, then says how many more and links to the page


@dataclass
class Line:
    text: str
    url: str


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)
    total: int = 0
    more_url: str = ""

    @property
    def more(self) -> int:
        return max(self.total - len(self.lines), 0)


@dataclass
class PartnershipWeek:
    """What happened in a partnership in the period: the same for everyone who gets its digest."""

    partnership: Partnership
    sections: list[Section]

    @property
    def is_empty(self) -> bool:
        return not any(s.total for s in self.sections)


def _section(title: str, lines: list[Line], total: int | None = None, more_url: str = "") -> Section:
    return Section(title, lines[:MOST_LINES], len(lines) if total is None else total, more_url)


def _action_line(action: Action, extra: str = "") -> Line:
    where = action.school.name if action.school else "Partnership-wide"
    owner = action.owner.name if action.owner else "no owner"
    text = f"{action.title} ({where}; {owner}{'; ' + extra if extra else ''})"
    return Line(
        text, absolute_url("actions.detail", partnership_id=action.partnership_id, action_id=action.id)
    )


def _day(value: date | None) -> str:
    return value.strftime("%-d %B") if value else ""


def gather_week(partnership: Partnership, now: datetime, today: date) -> PartnershipWeek:
    start = now - PERIOD
    pid = partnership.id
    dashboard = absolute_url("actions.index", partnership_id=pid)

    def actions(*conditions, order=Action.id) -> list[Action]:
        return list(
            db.session.scalars(
                select(Action).where(Action.partnership_id == pid, *conditions).order_by(order)
            )
        )

    new = actions(Action.created_at >= start)
    completed_ids = select(ActionStatusChange.action_id).where(
        ActionStatusChange.partnership_id == pid,
        ActionStatusChange.status == "complete",
        ActionStatusChange.changed_at >= start,
    )
    completed = actions(Action.id.in_(completed_ids), Action.status == "complete")
    open_now = Action.status != "complete"
    overdue = actions(open_now, Action.due_date < today, order=Action.due_date)
    stale = actions(
        open_now, Action.last_progress_at < now - timedelta(weeks=STALE_WEEKS), order=Action.last_progress_at
    )

    lessons = list(
        db.session.scalars(
            select(ResearchLesson)
            .where(
                ResearchLesson.partnership_id == pid,
                ResearchLesson.lesson_date >= start.date(),
                ResearchLesson.lesson_date <= today,
            )
            .order_by(ResearchLesson.lesson_date, ResearchLesson.id)
        )
    )
    lesson_lines = [
        Line(
            f"{lesson.trio.name}: research lesson {lesson.number}"
            f"{', ' + lesson.subject if lesson.subject else ''}"
            f"{', ' + lesson.class_stage if lesson.class_stage else ''}"
            f"{' at ' + lesson.school.name if lesson.school else ''}, {_day(lesson.lesson_date)}",
            absolute_url("trios.plan", partnership_id=pid, trio_id=lesson.trio_id, lesson_id=lesson.id),
        )
        for lesson in lessons
    ]

    steps = Counter(
        db.session.execute(
            select(NextStep.lesson_id).where(NextStep.partnership_id == pid, NextStep.created_at >= start)
        ).scalars()
    )
    step_lines = []
    for lesson_id, count in sorted(steps.items()):
        lesson = db.session.get_one(ResearchLesson, lesson_id)
        step_lines.append(
            Line(
                f"{lesson.trio.name}, research lesson {lesson.number}: {count} next "
                f"step{'s' if count != 1 else ''} agreed",
                absolute_url(
                    "trios.discussion", partnership_id=pid, trio_id=lesson.trio_id, lesson_id=lesson.id
                ),
            )
        )

    evaluations = list(
        db.session.scalars(
            select(SelfEvaluation)
            .where(SelfEvaluation.partnership_id == pid, SelfEvaluation.created_at >= start)
            .order_by(SelfEvaluation.id)
        )
    )
    level_labels = {
        f"{framework_id}:{key}": label
        for framework_id, key, label in db.session.execute(
            select(FrameworkLevel.framework_id, FrameworkLevel.key, FrameworkLevel.label)
        )
    }
    evaluation_lines = [
        Line(
            f"{e.school.name}: {element_label(e.element)}, "
            f"{level_labels.get(f'{e.element.framework_id}:{e.level}', e.level)}",
            absolute_url("selfeval.detail", partnership_id=pid, evaluation_id=e.id),
        )
        for e in evaluations
    ]

    return PartnershipWeek(
        partnership,
        [
            _section("New actions", [_action_line(a) for a in new], more_url=dashboard),
            _section("Completed actions", [_action_line(a) for a in completed], more_url=dashboard),
            _section(
                "Overdue actions",
                [_action_line(a, f"due {_day(a.due_date)}") for a in overdue],
                more_url=absolute_url("actions.index", partnership_id=pid, overdue="1"),
            ),
            _section(
                f"No update for {STALE_WEEKS} weeks",
                [_action_line(a) for a in stale],
                more_url=absolute_url("actions.index", partnership_id=pid, stale=STALE_WEEKS),
            ),
            _section("Research lessons taught", lesson_lines),
            _section("Trios' next steps", step_lines),
            _section("Self-evaluations recorded", evaluation_lines),
        ],
    )


def comments_for(user: User, partnership: Partnership, now: datetime) -> Section:
    """Comments by others, in the period, on the actions this person owns (who said it, on what;
    the comment itself is read in the workspace)."""
    rows = db.session.execute(
        select(Comment, Action)
        .join(Action, and_(Comment.record_type == "action", Comment.record_id == Action.id))
        .where(
            Comment.partnership_id == partnership.id,
            Action.owner_id == user.id,
            Comment.created_at >= now - PERIOD,
            Comment.author_id != user.id,
        )
        .order_by(Comment.id)
    ).all()
    lines = [
        Line(
            f"{comment.author.name if comment.author else 'Someone'} commented on {action.title}",
            absolute_url("actions.detail", partnership_id=partnership.id, action_id=action.id),
        )
        for comment, action in rows
    ]
    return _section("Comments on your actions", lines)


def digest_recipients(partnership: Partnership) -> list[User]:
    rows = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.partnership_id == partnership.id,
            Membership.role.in_([Role.LEAD, Role.REVIEWER]),
            User.is_disabled.is_(False),
        )
        .order_by(User.id)
    ).all()
    return [user for user, role in rows if gets_digest_as(user, role)]


def week_key(user: User, partnership: Partnership, today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:{user.id}:{partnership.id}:{year}-W{week:02d}"


def queue_digests(now: datetime | None = None, today: date | None = None) -> int:
    """Queues this week's digests; returns how many. Running it again in the same ISO week queues
    none (each person's digest of a partnership for a week has a unique key in the outbox). A
    partnership where nothing happened and nothing is overdue or stale sends none."""
    if not mail_is_set_up():
        return 0
    now, today = now or utcnow(), today or date.today()
    queued = 0
    for partnership in db.session.scalars(
        select(Partnership).where(Partnership.archived_at.is_(None)).order_by(Partnership.id)
    ):
        recipients = digest_recipients(partnership)
        if not recipients:
            continue
        week = gather_week(partnership, now, today)
        for user in recipients:
            key = week_key(user, partnership, today)
            if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
                continue
            comments = comments_for(user, partnership, now)
            if week.is_empty and not comments.total:
                continue
            message = queue(
                MailKind.DIGEST,
                user.email,
                f"{partnership.name}: the week to {today.strftime('%-d %B %Y')}",
                "digest",
                {
                    "name": user.name,
                    "partnership_name": partnership.name,
                    "since": _day((now - PERIOD).date()),
                    "sections": [s for s in [*week.sections, comments] if s.total],
                    "overview_url": absolute_url("partnerships.overview", partnership_id=partnership.id),
                    "kind_label": "the weekly digest",
                },
                partnership_id=partnership.id,
                recipient=user,
                dedupe_key=key,
            )
            queued += message is not None
    db.session.flush()
    return queued
