"""The interim report laid out once, as a list of blocks: the Word writer writes them and the
report page shows them, so what the lead reads in the browser is what the document holds.

Modelled on the SIPP reports to Education Scotland: summary, context and aims, the partnership in
figures, progress and impact by priority and QI, collaborative enquiry, exceptions,
self-evaluation as distance travelled, issues and support needed, next steps, and the framework
wording as an appendix. The full lists go to the workbook beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .data import InterimData
from .interim_blocks import Block, Page
from .interim_sections import closing, context, distance, enquiry, exceptions, progress


def section_keys(data: InterimData) -> list[tuple[str, str]]:
    """The sections the lead writes, in order: (key, title)."""
    keys = [("summary", "Summary"), ("purpose", "Purpose and aims")]
    keys += [(f"progress:{s.element.id}", s.element.heading) for s in data.priorities + data.qis]
    keys += [(f"trio:{t.id}", t.name) for t in data.trios]
    keys += [
        ("issues", "Issues, barriers and support needed from the authority"),
        ("next_steps", "Next steps"),
    ]
    return keys


def unlinked(sections: dict[str, str] | None, keys: list[tuple[str, str]]) -> list[str]:
    """Saved, non-empty sections with no place in the report now (a QI no action in the period
    links to any more, a trio no longer at work): kept, shown and written, never dropped."""
    current = {key for key, _ in keys}
    return [key for key, text in (sections or {}).items() if key not in current and (text or "").strip()]


def layout(
    data: InterimData, sections: dict[str, str] | None = None, unlinked_titles: Sequence[tuple[str, str]] = ()
) -> list[Block]:
    """`unlinked_titles`: (key, title) of the sections `unlinked` names, written before the issues."""
    sections = sections or {}
    page = Page()
    context(page, data, sections)
    progress(page, data, sections)
    enquiry(page, data, sections)
    exceptions(page, data)
    distance(page, data)
    closing(page, data, sections, unlinked_titles)
    return page.blocks


def outline(blocks: list[Block]) -> list[tuple[int, str, str]]:
    """(level, title, anchor) of the headings the contents list shows."""
    return [(b.level, b.text, b.anchor) for b in blocks if b.kind == "heading" and b.level <= 2]


def evidence_beside(data: InterimData) -> dict[str, list[str]]:
    """What the lead reads beside each section's text box: the figures and evidence it is about."""
    evidence: dict[str, list[str]] = {
        "summary": [f"{label}: {value}" for label, value in data.figures + data.participation],
        "purpose": [
            f"The partnership's description: {data.description}"
            if data.description
            else "The partnership has no description yet."
        ],
        "issues": [f"{label}: {n}" for label, n in data.exception_counts]
        + ([f"Trios with no lesson: {', '.join(data.quiet_trios)}"] if data.quiet_trios else []),
        "next_steps": [f"{t.name}: {step}" for t in data.trios for step in t.next_steps][:20]
        or ["No trio recorded next steps in the period."],
    }
    for summary in data.priorities + data.qis:
        element_id = summary.element.id
        lines = [
            f"{summary.actions} action{'s' if summary.actions != 1 else ''}; {summary.complete_pct}% complete, {summary.overdue_pct}% overdue, "
            f"{summary.stale_pct}% with no recent update; {summary.with_evidence} with evidence of impact"
        ]
        lines += [
            f"{a.title}: {a.evidence}" for a in data.actions if element_id in a.element_ids and a.evidence
        ][:8]
        evidence[f"progress:{element_id}"] = lines
    for trio in data.trios:
        evidence[f"trio:{trio.id}"] = (
            [f"{len(trio.lessons)} research lesson{'s' if len(trio.lessons) != 1 else ''} in the period"]
            + [f"Learned: {text}" for text in trio.learned]
            + [f"Next step: {step}" for step in trio.next_steps]
        )
    return evidence
