"""A trio's findings: written to travel, kept in the partnership until a lead approves them.

A finding never carries a case pupil's descriptor. Its text fields, and the text and stage title
of every starred observation it quotes (quotes.py), go through the pupil-privacy check
(pupil_details.problem_in) and are refused where they repeat a descriptor of the trio's case
pupils. Its starred observations are quoted by their text and lesson stage alone, and a lead's
approval copies them into the finding: the library shows the approved copy, never the live
observation. No request globals here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, or_, select

from ..extensions import db
from ..frameworks import linking
from ..models import (
    CasePupil,
    Finding,
    FindingObservation,
    FindingReuse,
    Partnership,
    ResearchLesson,
    School,
    Trio,
    User,
)
from ..models.base import utcnow
from ..pupil_details import identifier_in, problem_in
from ..reference import Sector
from ..services_errors import ServiceError, StaleEdit
from .quotes import StarredObservation, starred_observations

# Curriculum for Excellence stages, as teachers name them.
STAGES = (
    ("ELC", "Early learning and childcare"),
    *((f"P{n}", f"Primary {n}") for n in range(1, 8)),
    *((f"S{n}", f"Secondary {n}") for n in range(1, 7)),
    ("Across stages", "Across stages"),
)
STAGE_KEYS = {key for key, _ in STAGES}
MAX_STARRED = 6
# A descriptor shorter than this ("boy", "P6") is too common a word to refuse in a text.
SHORTEST_DESCRIPTOR_CHECKED = 8

TEXT_FIELDS = ("title", "focus", "subject", "tried", "learned", "advice")


def _describe_findings(partnership_id: int, ids: list[int]) -> dict[int, linking.LinkedRecord]:
    from flask import url_for

    rows = db.session.execute(
        select(Finding.id, Finding.title).where(Finding.partnership_id == partnership_id, Finding.id.in_(ids))
    ).all()
    return {
        fid: linking.LinkedRecord(
            "finding", fid, title, url_for("findings.finding", partnership_id=partnership_id, finding_id=fid)
        )
        for fid, title in rows
    }


linking.register_record_type("finding", "Findings", _describe_findings)


@dataclass
class FindingInput:
    title: str = ""
    focus: str = ""
    sector: str | None = None
    stage: str = ""
    subject: str = ""
    school_id: int | None = None
    show_school: bool = False
    anonymous: bool = False
    tried: str = ""
    learned: str = ""
    advice: str = ""
    link_ids: list[int] = field(default_factory=list)
    observation_ids: list[int] = field(default_factory=list)


def suggested_input(trio: Trio) -> FindingInput:
    """A new finding's first values: the trio's focus and links, the latest lesson's context."""
    lesson = db.session.scalars(
        select(ResearchLesson)
        .where(ResearchLesson.trio_id == trio.id)
        .order_by(ResearchLesson.lesson_date.desc().nulls_last(), ResearchLesson.id.desc())
        .limit(1)
    ).first()
    sector = None
    if lesson is not None and lesson.school is not None:
        sector = lesson.school.sector
    stage = lesson.class_stage.strip() if lesson else ""
    return FindingInput(
        title=trio.name,
        focus=trio.focus,
        sector=sector,
        stage=stage if stage in STAGE_KEYS else "",
        subject=lesson.subject if lesson else "",
        school_id=lesson.school_id if lesson else None,
        link_ids=[e.id for e in linking.links_for("trio", [trio.id]).get(trio.id, [])],
    )


def _descriptors(trio: Trio) -> list[str]:
    return [
        d.strip()
        for d in db.session.scalars(
            select(CasePupil.descriptor)
            .join(ResearchLesson, CasePupil.lesson_id == ResearchLesson.id)
            .where(ResearchLesson.trio_id == trio.id)
            .distinct()
        )
        if d and len(d.strip()) >= SHORTEST_DESCRIPTOR_CHECKED
    ]


def _check(trio: Trio, data: FindingInput) -> FindingInput:
    data.title, data.focus = data.title.strip(), data.focus.strip()
    if not data.title:
        raise ServiceError("Give the finding a title.", "title")
    if not data.focus:
        raise ServiceError("Write the enquiry focus.", "focus")
    if data.sector and data.sector not in {s.value for s in Sector}:
        raise ServiceError("Choose a sector.", "sector")
    if data.stage and data.stage not in STAGE_KEYS:
        raise ServiceError("Choose a stage.", "stage")
    if data.school_id is not None:
        school = db.session.get(School, data.school_id)
        if school is None or school.partnership_id != trio.partnership_id:
            raise ServiceError("Choose one of the partnership's schools.", "school_id")
    if data.show_school and data.school_id is None:
        raise ServiceError("Choose the school to name, or do not name one.", "school_id")
    descriptors = _descriptors(trio)
    for name in TEXT_FIELDS:
        text = getattr(data, name) or ""
        if message := problem_in(text):
            raise ServiceError(message, name)
        if descriptor := _descriptor_in(text, descriptors):
            raise ServiceError(
                f"This repeats a case pupil's descriptor (“{descriptor}”). A finding travels "
                "without descriptors: say what the group learned in your own words.",
                name,
            )
    chosen = list(dict.fromkeys(data.observation_ids))
    if len(chosen) > MAX_STARRED:
        raise ServiceError(f"Quote at most {MAX_STARRED} starred observations.", "observations")
    quotes = starred_observations(trio, chosen)
    if len(quotes) != len(chosen):
        raise ServiceError("Choose from the trio's starred observations.", "observations")
    _check_quotes(quotes, descriptors)
    data.observation_ids = chosen
    return data


def _descriptor_in(text: str, descriptors: list[str]) -> str | None:
    lowered = text.lower()
    return next((d for d in descriptors if d.lower() in lowered), None)


def _shortened(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _check_quotes(quotes: list[StarredObservation], descriptors: list[str]) -> None:
    """A quoted observation travels with the finding, so it passes the finding's own checks."""
    for quote in quotes:
        named = f"The quoted observation “{_shortened(quote.text)}” ({quote.lesson}"
        named += f", {quote.stage})" if quote.stage else ")"
        for text in (quote.text, quote.stage):
            if found := identifier_in(text):
                raise ServiceError(
                    f"{named} holds what looks like a {found.kind} (“{found.found}”). Take the quote "
                    "out of the finding, or change the observation, before the finding travels.",
                    "observations",
                )
            if descriptor := _descriptor_in(text, descriptors):
                raise ServiceError(
                    f"{named} repeats a case pupil's descriptor (“{descriptor}”). Take the quote out "
                    "of the finding, or change the observation, before the finding travels.",
                    "observations",
                )


def _apply(finding: Finding, data: FindingInput) -> None:
    for name in ("title", "focus", "stage", "subject", "tried", "learned", "advice"):
        setattr(finding, name, (getattr(data, name) or "").strip() if name != "title" else data.title)
    finding.sector = data.sector or None
    finding.school_id = data.school_id
    finding.show_school = bool(data.show_school and data.school_id)
    finding.anonymous = bool(data.anonymous)
    existing = {s.observation_id: s for s in finding.starred}
    for observation_id, row in existing.items():
        if observation_id not in data.observation_ids:
            finding.starred.remove(row)
    for observation_id in data.observation_ids:
        if observation_id not in existing:
            finding.starred.append(
                FindingObservation(partnership_id=finding.partnership_id, observation_id=observation_id)
            )
    db.session.flush()
    linking.set_links(finding.partnership_id, "finding", finding.id, data.link_ids)


def create_finding(trio: Trio, data: FindingInput, author: User) -> Finding:
    data = _check(trio, data)
    finding = Finding(
        partnership_id=trio.partnership_id, trio_id=trio.id, created_by_id=author.id, status="draft"
    )
    finding.title, finding.focus = data.title, data.focus
    db.session.add(finding)
    db.session.flush()
    _apply(finding, data)
    return finding


def _differences(finding: Finding, sent: FindingInput) -> list[tuple[str, str]]:
    """Where what is saved now differs from what was sent: each field's label and its saved value."""
    now = input_of(finding)

    def yes_no(value: bool) -> str:
        return "Yes" if value else "No"

    fields = [
        ("Title", now.title, sent.title, now.title),
        ("Enquiry focus", now.focus, sent.focus.strip(), now.focus),
        ("Sector", now.sector, sent.sector, finding.sector_label or "Not said"),
        ("Stage", now.stage, sent.stage.strip(), now.stage or "Not said"),
        ("Subject", now.subject, sent.subject.strip(), now.subject),
        ("School", now.school_id, sent.school_id, finding.school.name if finding.school else "Not said"),
        ("Name the school in the library", now.show_school, sent.show_school, yes_no(now.show_school)),
        ("Publish anonymously", now.anonymous, sent.anonymous, yes_no(now.anonymous)),
        ("What we tried", now.tried, sent.tried.strip(), now.tried),
        ("What we learned", now.learned, sent.learned.strip(), now.learned),
        ("What we would tell another partnership", now.advice, sent.advice.strip(), now.advice),
        (
            "Starred observations quoted",
            sorted(now.observation_ids),
            sorted(sent.observation_ids),
            f"{len(now.observation_ids)} quoted",
        ),
        (
            "Linked QIs and priorities",
            sorted(now.link_ids),
            sorted(sent.link_ids),
            f"{len(now.link_ids)} linked",
        ),
    ]
    return [(label, shown) for label, saved, mine, shown in fields if saved != mine]


def update_finding(finding: Finding, data: FindingInput, expected_version: int | None = None) -> Finding:
    """A published finding is withdrawn before it changes: what readers saw was approved.
    `expected_version` is the version the edit began from (None: the finding as the caller holds
    it); where someone has saved since, StaleEdit says what they changed and nothing is saved."""
    if finding.is_published:
        raise ServiceError("Withdraw the finding from the library before changing it.")
    data = _check(finding.trio, data)
    if expected_version is not None and finding.version != expected_version:
        raise StaleEdit(_differences(finding, data), None, finding.updated_at, finding.version)
    _apply(finding, data)
    # The finding's own row is written even when only its quotes or links changed, so that its
    # version moves on with every save.
    finding.updated_at = utcnow()
    return finding


def approve(finding: Finding, lead: User, seen_version: int | None = None) -> None:
    """Publishes the finding to the library: checked again, as the pupil rules may have tightened.
    `seen_version` is the version the lead read (None: the finding as the caller holds it); a
    finding changed since is not published (StaleEdit): the lead reads it again first."""
    if finding.is_published:
        return
    if seen_version is not None and finding.version != seen_version:
        raise StaleEdit([], None, finding.updated_at, finding.version)
    data = _check(finding.trio, input_of(finding))
    # The library shows this copy of each quote, never the observation: what a teacher writes in
    # the observation later changes nothing published. The copy is checked as the finding was.
    quotes = {q.id: q for q in starred_observations(finding.trio, data.observation_ids)}
    _check_quotes(list(quotes.values()), _descriptors(finding.trio))
    for row in finding.starred:
        quote = quotes[row.observation_id]
        row.quoted_text, row.quoted_stage, row.quoted_lesson = quote.text, quote.stage, quote.lesson
    finding.status, finding.approved_by_id = "published", lead.id
    finding.published_at, finding.withdrawn_at = utcnow(), None


def withdraw(finding: Finding) -> None:
    """Back in the partnership: the approved copies of its quotes go; approving again copies afresh."""
    if not finding.is_published:
        raise ServiceError("Only a published finding can be withdrawn.")
    finding.status, finding.withdrawn_at = "withdrawn", utcnow()
    for row in finding.starred:
        row.quoted_text = row.quoted_stage = row.quoted_lesson = None


def input_of(finding: Finding) -> FindingInput:
    return FindingInput(
        title=finding.title,
        focus=finding.focus,
        sector=finding.sector,
        stage=finding.stage,
        subject=finding.subject,
        school_id=finding.school_id,
        show_school=finding.show_school,
        anonymous=finding.anonymous,
        tried=finding.tried,
        learned=finding.learned,
        advice=finding.advice,
        link_ids=[e.id for e in linking.links_for("finding", [finding.id]).get(finding.id, [])],
        observation_ids=[s.observation_id for s in finding.starred],
    )


def findings_of(partnership: Partnership) -> list[Finding]:
    return list(
        db.session.scalars(
            select(Finding)
            .where(Finding.partnership_id == partnership.id)
            .order_by(Finding.created_at.desc())
        )
    )


# Built once: the trio page asks every time it is opened.
_OF_TRIO = (
    select(Finding, FindingReuse.id)
    .outerjoin(
        FindingReuse,
        and_(FindingReuse.finding_id == Finding.id, FindingReuse.trio_id == bindparam("trio_id")),
    )
    .where(or_(Finding.trio_id == bindparam("trio_id"), FindingReuse.id.is_not(None)))
    .order_by(Finding.id)
)


def findings_of_trio(trio: Trio) -> tuple[Finding | None, list[Finding]]:
    """The trio page's findings, in one query: the published finding the trio was started from
    (None if there is none, or it is no longer published) and the trio's own findings."""
    rows = db.session.execute(_OF_TRIO, {"trio_id": trio.id}).all()
    source = next((finding for finding, reuse in rows if reuse is not None), None)
    own = [finding for finding, reuse in rows if reuse is None]
    return (source if source is not None and source.is_published else None), own


@dataclass(frozen=True)
class Travel:
    partnership: str
    on: object  # datetime


def travelled(finding: Finding) -> list[Travel]:
    """Where the finding has started trios: the partnerships and when (their trios stay theirs)."""
    rows = db.session.execute(
        select(Partnership.name, FindingReuse.created_at)
        .join(Partnership, FindingReuse.partnership_id == Partnership.id)
        .where(FindingReuse.finding_id == finding.id)
        .order_by(FindingReuse.created_at)
    ).all()
    return [Travel(name, on) for name, on in rows]
