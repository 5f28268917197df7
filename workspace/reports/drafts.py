"""Interim reports the partnership writes: started as a draft, saved by the lead (and each trio's
paragraph by the trio), finalised read-only, and a new draft started from a final one.

Saves name the version they started from; a stale save is merged three ways as lesson plans are
(merging.three_way) and refused with the merged text (StaleEdit), so nobody's typing is lost.
Every save is kept as a version. No request globals.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import merging, pupil_details
from ..extensions import db
from ..models import (
    Framework,
    FrameworkElement,
    InterimReport,
    InterimReportVersion,
    Partnership,
    School,
    Trio,
    User,
)
from ..models.base import utcnow
from ..services_errors import ServiceError, StaleEdit
from . import data, frozen, interim_layout

MAX_TITLE = 200
MAX_SECTION = 20_000


def report_data(report: InterimReport, today: date | None = None) -> data.InterimData:
    """What the report shows: a final one what it showed when it was finalised."""
    if report.is_final and report.frozen:
        return frozen.load(data.InterimData, report.frozen)
    partnership = db.session.get_one(Partnership, report.partnership_id)
    return data.interim(
        partnership,
        report.period_from,
        report.period_to,
        list(report.school_ids or []),
        today=today,
        with_descriptors=report.include_descriptors,
    )


def starting_sections(report_data_: data.InterimData) -> dict[str, str]:
    """What a new draft's sections start from: the partnership's description as its purpose, and
    each trio's paragraph from what its discussions learned."""
    sections = {key: "" for key, _ in interim_layout.section_keys(report_data_)}
    sections["purpose"] = report_data_.description
    for trio in report_data_.trios:
        sections[f"trio:{trio.id}"] = "\n\n".join(trio.learned)
    return sections


def _check(
    partnership: Partnership,
    title: str,
    period_from: date | None,
    period_to: date | None,
    school_ids: list[int],
) -> list[int]:
    if not title.strip():
        raise ServiceError("Give the report a title.", "title")
    if len(title) > MAX_TITLE:
        raise ServiceError(f"Keep the title to {MAX_TITLE} characters.", "title")
    if period_from is None or period_to is None or period_to < period_from:
        raise ServiceError("The end of the period must be on or after its start.", "period_to")
    own = set(db.session.scalars(select(School.id).where(School.partnership_id == partnership.id)))
    chosen = sorted(set(school_ids) & own)
    if not chosen or len(chosen) != len(set(school_ids)):
        raise ServiceError("Choose at least one of the partnership's schools.", "schools")
    return chosen


def _keep_version(report: InterimReport, user: User | None) -> None:
    db.session.add(
        InterimReportVersion(
            partnership_id=report.partnership_id,
            report=report,
            version=report.version,
            status=report.status,
            sections=dict(report.sections or {}),
            saved_by_id=user.id if user else None,
            saved_at=report.updated_at,
        )
    )


def start_draft(
    partnership: Partnership,
    user: User,
    title: str,
    period_from: date | None,
    period_to: date | None,
    school_ids: list[int],
    include_descriptors: bool = False,
    based_on: InterimReport | None = None,
) -> InterimReport:
    chosen = _check(partnership, title, period_from, period_to, school_ids)
    now = utcnow()
    report = InterimReport(
        partnership_id=partnership.id,
        title=title.strip(),
        period_from=period_from,
        period_to=period_to,
        school_ids=chosen,
        status="draft",
        include_descriptors=include_descriptors,
        based_on_id=based_on.id if based_on else None,
        version=1,
        created_by_id=user.id,
        created_at=now,
        updated_by_id=user.id,
        updated_at=now,
        sections={},
    )
    sections = starting_sections(report_data(report))
    if based_on is not None:  # what the final report said, where the new draft has the same section
        # and what it said that has no place now, so that it is shown, not lost
        sections.update(
            {k: v for k, v in (based_on.sections or {}).items() if k in sections or (v or "").strip()}
        )
    report.sections = sections
    db.session.add(report)
    db.session.flush()
    _keep_version(report, user)
    db.session.flush()
    return report


def new_draft_from(final: InterimReport, user: User) -> InterimReport:
    if not final.is_final:
        raise ServiceError("A new draft is started from a final report.")
    partnership = db.session.get_one(Partnership, final.partnership_id)
    return start_draft(
        partnership,
        user,
        final.title,
        final.period_from,
        final.period_to,
        list(final.school_ids),
        final.include_descriptors,
        based_on=final,
    )


def fingerprints(report: InterimReport, keys=()) -> str:
    """Of every section the form shows: one not saved yet counts as empty, so that a save from
    a form opened before it was first saved merges as a change from empty."""
    return merging.fingerprints(dict.fromkeys(keys, "") | dict(report.sections or {}))


def unlinked_titles(report: InterimReport, report_data_: data.InterimData) -> list[tuple[str, str]]:
    """(key, title) of the saved sections the report has no place for now (interim_layout.unlinked)."""
    keys = interim_layout.unlinked(report.sections, interim_layout.section_keys(report_data_))
    if not keys:
        return []
    ids = {
        kind: [
            int(k.split(":", 1)[1]) for k in keys if k.startswith(kind + ":") and k.split(":", 1)[1].isdigit()
        ]
        for kind in ("progress", "trio")
    }
    names = {
        f"progress:{i}": (f"{number} {title}" if key == "igbe" else f"QI {number} {title}") + f" ({short})"
        for i, number, title, key, short in db.session.execute(
            select(
                FrameworkElement.id,
                FrameworkElement.number,
                FrameworkElement.title,
                Framework.key,
                Framework.short_title,
            )
            .join(Framework, FrameworkElement.framework_id == Framework.id)
            .where(FrameworkElement.id.in_(ids["progress"] or [0]))
        )
    }
    names |= {
        f"trio:{i}": name
        for i, name in db.session.execute(
            select(Trio.id, Trio.name).where(
                Trio.id.in_(ids["trio"] or [0]), Trio.partnership_id == report.partnership_id
            )
        )
    }
    return [(key, names.get(key, "A section written earlier")) for key in keys]


def section_keys(report: InterimReport, report_data_: data.InterimData) -> list[tuple[str, str]]:
    """Every section the form shows: the report's own, then any written earlier that has no place now."""
    return interim_layout.section_keys(report_data_) + unlinked_titles(report, report_data_)


def _stale(
    report: InterimReport, mine: dict[str, str], original: dict[str, str] | None, labels: dict[str, str]
) -> StaleEdit:
    saved = dict(report.sections or {})
    theirs = {key: saved.get(key, "") for key in mine}
    merge = merging.three_way(original or {}, mine, theirs)
    return StaleEdit(
        [(labels.get(key, key), saved.get(key, "") or "(empty)") for key in merge.theirs + merge.conflicts],
        report.updated_by.name if report.updated_by else None,
        report.updated_at,
        report.version,
        merged=merge.values,
        conflicts=[labels.get(key, key) for key in merge.conflicts],
        fingerprints=fingerprints(report, mine),
    )


def _write(report: InterimReport, user: User, **changes) -> bool:
    """Write the changes and keep the version, in a savepoint: False, with the report read again,
    when someone else saved it since it was read (the guarded UPDATE changed no row)."""
    # Read user.id first: loading it would flush a half-made change, bumping the version twice.
    changes.update(updated_by_id=user.id, updated_at=utcnow())
    try:
        with db.session.begin_nested():
            for name, value in changes.items():
                setattr(report, name, value)
            db.session.flush()  # UPDATE ... WHERE version = the one read; the mapper bumps it
            _keep_version(report, user)
            db.session.flush()
    except StaleDataError:
        db.session.refresh(report)
        return False
    return True


def save_sections(
    report: InterimReport,
    expected_version: int,
    sent: dict[str, str],
    user: User,
    allowed_keys: set[str],
    original: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> InterimReport:
    """Save the sections this person may write. A stale save raises StaleEdit with the text merged
    three ways against `original` (the fingerprints the form opened with). `labels`: the sections'
    titles (section_keys) where the caller has gathered the report already; else gathered here."""
    if report.is_final:
        raise ServiceError("This report is final and can no longer be changed; start a new draft from it.")
    mine = {
        key: (value or "").replace("\r\n", "\n").replace("\r", "\n")
        for key, value in sent.items()
        if key in allowed_keys
    }
    for key, value in mine.items():
        if len(value) > MAX_SECTION:
            raise ServiceError(f"Keep a section to {MAX_SECTION:,} characters.", key)
        # The report travels to the authority: no pupil's date of birth or candidate number in it.
        if problem := pupil_details.problem_in(value):
            raise ServiceError(problem, key)
    while True:
        if report.version != expected_version:
            if labels is None:
                labels = dict(section_keys(report, report_data(report)))
            stale = _stale(report, mine, original, labels)
            if stale.differences:
                raise stale
            # Someone saved other sections (a lead, while a trio wrote its paragraph): none of
            # this person's changed underneath, so theirs are kept and this save goes ahead.
            expected_version = report.version
        saved = dict(report.sections or {})
        if all(saved.get(key, "") == value for key, value in mine.items()):
            return report  # nothing changed: no new version
        if _write(report, user, sections={**saved, **mine}):
            return report


def finalise(report: InterimReport, expected_version: int, user: User) -> InterimReport:
    if report.is_final:
        raise ServiceError("This report is already final.")
    on = utcnow()
    shown = frozen.dump(report_data(report, today=on.date())) if report.version == expected_version else None
    if report.version != expected_version or not _write(report, user, status="final", frozen=shown):
        raise StaleEdit(
            [], report.updated_by.name if report.updated_by else None, report.updated_at, report.version
        )
    return report


def list_reports(partnership: Partnership) -> list[InterimReport]:
    return list(
        db.session.scalars(
            select(InterimReport)
            .where(InterimReport.partnership_id == partnership.id)
            .options(
                defer(InterimReport.sections),
                defer(InterimReport.frozen),
                joinedload(InterimReport.updated_by),
            )
            .order_by(InterimReport.updated_at.desc(), InterimReport.id.desc())
        )
    )


def versions(report: InterimReport) -> list[InterimReportVersion]:
    """Number, date and author of every save, for the list: not the text each kept."""
    return list(
        db.session.scalars(
            select(InterimReportVersion)
            .where(InterimReportVersion.report_id == report.id)
            .options(defer(InterimReportVersion.sections), joinedload(InterimReportVersion.saved_by))
            .order_by(InterimReportVersion.version.desc())
        )
    )
