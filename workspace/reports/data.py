"""What the interim report says, gathered from the database in a fixed number of queries.

No request globals: the views, the command line and the benchmark all call these. The same
InterimData feeds the report page in the browser, the Word document and the workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Framework, FrameworkElement, FrameworkLevel, Partnership, School, SelfEvaluation
from ..models.actions import ACTION_STATUS_LABELS
from ..reference import Sector
from . import action_figures, enquiry_data
from .action_figures import BODY_LIST_LIMIT, STALE_WEEKS, STATUS_ORDER, ActionAtEnd, Element, Summary
from .enquiry_data import TrioSection, day
from .evidence_figures import FileShown, files_of

__all__ = ["InterimData", "TrioSection", "interim", "STATUS_ORDER"]


def _start(day_: date) -> datetime:
    return datetime.combine(day_, time.min, tzinfo=UTC)


def _end(day_: date) -> datetime:
    return datetime.combine(day_ + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass
class Distance:
    """Self-evaluation on one framework's scale: never mixed with another's in one column."""

    framework: str
    scale: list[str]
    rows: list[list[str]]  # school, QI and theme, at the start, at the end
    by_school: list[list[str]] = field(default_factory=list)  # school, evaluated, higher, same, lower, new
    credit: str = ""  # its titles and scale are quoted: the credits name it


@dataclass
class InterimData:
    partnership_id: int
    partnership: str
    description: str
    local_authorities: list[str]
    period_from: date
    period_to: date
    produced_on: date
    schools: list[list[str]]  # name, sector, local authority
    school_ids: list[int]
    figures: list[tuple[str, str]]  # the period in figures
    participation: list[tuple[str, str]]
    teachers_by_school: list[tuple[str, int]]
    priorities: list[Summary]
    qis: list[Summary]
    exceptions: list[ActionAtEnd]  # each action once, with its marks
    exception_counts: list[tuple[str, int]]
    quiet_trios: list[str]
    evidence: list[ActionAtEnd]  # actions with evidence of impact in the period
    trios: list[TrioSection]
    distance: list[Distance]
    wording: list[tuple[str, str]]  # framework wording the report refers to
    credits: list[str]
    chart_categories: list[str]
    chart_series: dict[str, dict[str, int]]
    actions: list[ActionAtEnd] = field(repr=False, default_factory=list)  # every action: the workbook's
    elements: dict[int, Element] = field(repr=False, default_factory=dict)
    with_descriptors: bool = False
    status_labels: dict[str, str] = field(default_factory=lambda: dict(ACTION_STATUS_LABELS))
    stale_weeks: int = STALE_WEEKS
    list_limit: int = BODY_LIST_LIMIT
    # The files of the starred evidence shown in the body, by action id (reports/evidence_figures.py).
    evidence_files: dict[int, list[FileShown]] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return f"{self.period_from:%-d %B %Y} to {self.period_to:%-d %B %Y}"

    @property
    def exceptions_left_out(self) -> int:
        return max(0, sum(1 for a in self.actions if a.marks) - len(self.exceptions))

    @property
    def evidence_starred(self) -> bool:
        return any(a.evidence_starred for a in self.actions)

    @property
    def evidence_left_out(self) -> int:
        starred = self.evidence_starred  # once: asked for each action, it made this quadratic
        shown = sum(1 for a in self.actions if (a.evidence_starred if starred else a.evidence))
        return max(0, shown - len(self.evidence))


def interim(
    partnership: Partnership,
    period_from: date,
    period_to: date,
    school_ids: list[int] | None = None,
    today: date | None = None,
    with_descriptors: bool = False,
) -> InterimData:
    """The partnership's work in a period, for the chosen schools (all when school_ids is None)."""
    start, end = _start(period_from), _end(period_to)
    schools = db.session.scalars(
        select(School).where(School.partnership_id == partnership.id).order_by(School.name)
    ).all()
    if school_ids is not None:
        schools = [s for s in schools if s.id in set(school_ids)]
    chosen = [s.id for s in schools]
    figures = action_figures.gather(partnership.id, chosen, period_from, start, end)
    enquiry = enquiry_data.gather(
        partnership.id, schools, period_from, period_to, start, end, with_descriptors
    )
    actions = figures.actions

    chart_elements = [s.element for s in figures.qis]
    series: dict[str, dict[str, int]] = {s: {} for s in STATUS_ORDER}
    for action in actions:
        for element_id in action.element_ids:
            element = figures.elements[element_id]
            if element.framework_key != "igbe":
                series[action.status][element.short] = series[action.status].get(element.short, 0) + 1

    flagged = [a for a in actions if a.marks]
    flagged.sort(key=lambda a: (-len(a.marks), a.due or date.max, a.id))
    # The evidence the leads starred; where they have starred none, each action's latest.
    with_evidence = [a for a in actions if a.evidence_starred] or [a for a in actions if a.evidence]
    # Each has evidence, and so its time.
    with_evidence.sort(key=lambda a: a.evidence_at or datetime.min, reverse=True)
    in_progress = figures.by_status["in_progress"]
    distance = _distance(partnership, chosen, period_from, period_to)
    shown = with_evidence[:BODY_LIST_LIMIT]
    files = files_of("progress_update", [a.evidence_update_id for a in shown if a.evidence_update_id])
    return InterimData(
        partnership_id=partnership.id,
        partnership=partnership.name,
        description=partnership.description or "",
        local_authorities=sorted({s.local_authority for s in schools}),
        period_from=period_from,
        period_to=period_to,
        produced_on=today or date.today(),
        schools=[[s.name, Sector(s.sector).label, s.local_authority] for s in schools],
        school_ids=chosen,
        figures=[
            ("Improvement actions open in the period", str(len(actions))),
            ("In progress at the end of the period", str(in_progress)),
            ("Completed in the period", str(figures.completed)),
            ("Not started at the end of the period", str(figures.by_status["not_started"])),
            ("On hold at the end of the period", str(figures.by_status["on_hold"])),
            ("Overdue at the end of the period", str(sum(a.overdue for a in actions))),
            ("Progress updates posted", str(figures.updates_in_period)),
        ],
        participation=[
            ("Schools and settings", str(len(schools))),
            ("Teachers involved", str(sum(n for _, n in enquiry.teachers_by_school))),
            ("Lesson-study trios at work", str(len(enquiry.trios))),
            ("Research lessons taught", str(enquiry.lessons)),
            ("Observations of case pupils", str(enquiry.observations)),
            ("Pupil-voice notes", str(enquiry.voice_notes)),
        ],
        teachers_by_school=enquiry.teachers_by_school,
        priorities=figures.priorities,
        qis=figures.qis,
        exceptions=flagged[:BODY_LIST_LIMIT],
        exception_counts=[
            ("Overdue", sum(a.overdue for a in actions)),
            (f"No update in {STALE_WEEKS} weeks", sum(a.stale for a in actions)),
            ("On hold", figures.by_status["on_hold"]),
            ("Trios with no lesson in the period", len(enquiry.quiet_trios)),
        ],
        quiet_trios=enquiry.quiet_trios,
        evidence=shown,
        trios=enquiry.trios,
        distance=distance,
        wording=[
            (e.heading, e.text)
            for e in sorted((s.element for s in figures.priorities + figures.qis), key=action_figures._order)
            if e.framework_key == "igbe" and e.text != e.title
        ],
        # every framework quoted: in the progress tables, and in distance travelled (its QI titles and scale)
        credits=sorted(
            {s.element.credit for s in figures.priorities + figures.qis}
            | {d.credit for d in distance if d.credit}
        ),
        chart_categories=[e.short for e in chart_elements],
        chart_series=series,
        actions=actions,
        elements=figures.elements,
        with_descriptors=with_descriptors,
        evidence_files={a.id: files[a.evidence_update_id] for a in shown if a.evidence_update_id in files},
    )


def _distance(
    partnership: Partnership, chosen: list[int], period_from: date, period_to: date
) -> list[Distance]:
    """Per school and theme or QI: the level at the period's start and at its end, per framework."""
    parent = aliased(FrameworkElement)
    rows = db.session.execute(
        select(
            SelfEvaluation.school_id,
            School.name,
            SelfEvaluation.element_id,
            FrameworkElement.number,
            FrameworkElement.kind,
            FrameworkElement.title,
            parent.title,
            Framework.id,
            Framework.short_title,
            Framework.version,
            Framework.credit,
            SelfEvaluation.level,
            SelfEvaluation.evaluated_on,
        )
        .join(School, SelfEvaluation.school_id == School.id)
        .join(FrameworkElement, SelfEvaluation.element_id == FrameworkElement.id)
        .join(Framework, FrameworkElement.framework_id == Framework.id)
        .outerjoin(parent, FrameworkElement.parent_id == parent.id)
        .where(
            SelfEvaluation.partnership_id == partnership.id,
            SelfEvaluation.school_id.in_(chosen),
            SelfEvaluation.evaluated_on <= period_to,
        )
        .order_by(
            Framework.id,
            School.name,
            FrameworkElement.position,
            SelfEvaluation.evaluated_on,
            SelfEvaluation.id,
        )
    ).all()
    if not rows:
        return []
    levels, positions = {}, {}
    scales: dict[int, list[str]] = {}
    for step in db.session.scalars(
        select(FrameworkLevel).order_by(FrameworkLevel.framework_id, FrameworkLevel.position)
    ):
        levels[(step.framework_id, step.key)] = step.label
        positions[(step.framework_id, step.key)] = step.position
        scales.setdefault(step.framework_id, []).append(step.label)
    by_framework: dict[int, dict] = {}
    names, credits = {}, {}
    for (  # type: ignore[misc]  # mypy cannot unpack SQLAlchemy's rows of over ten columns (their variadic tail)
        _school_id,
        school,
        element_id,
        number,
        kind,
        title,
        parent_title,
        framework_id,
        short,
        version,
        credit,
        level,
        on,
    ) in rows:
        names[framework_id] = f"{short} ({version})"
        credits[framework_id] = credit or ""
        entry = by_framework.setdefault(framework_id, {}).setdefault(
            (school, element_id),
            {
                "label": f"QI {number} {parent_title}: {title}"
                if kind == "theme"
                else f"QI {number} {title}",
                "start": None,
                "end": None,
            },
        )
        shown = f"{levels.get((framework_id, level), level)} ({day(on)})"
        rank = positions.get((framework_id, level), 0)
        if on <= period_from:
            entry["start"], entry["start_rank"] = shown, rank
        entry["end"], entry["end_rank"] = shown, rank
    result = []
    for fid, entries in by_framework.items():
        per_school: dict[str, list[int]] = {}
        for (school, _), e in entries.items():
            counts = per_school.setdefault(school, [0, 0, 0, 0, 0])
            counts[0] += 1
            if e["start"] is None:
                counts[4] += 1
            else:
                counts[
                    1 if e["end_rank"] > e["start_rank"] else 2 if e["end_rank"] == e["start_rank"] else 3
                ] += 1
        result.append(
            Distance(
                names[fid],
                scales.get(fid, []),
                [
                    [school, e["label"], e["start"] or "Not yet evaluated", e["end"]]
                    for (school, _), e in entries.items()
                ],
                [[school] + [str(n) for n in counts] for school, counts in per_school.items()],
                credits[fid],
            )
        )
    return result
