"""The interim report laid out once, as a list of blocks: the Word writer writes them and the
report page shows them, so what the lead reads in the browser is what the document holds.

Modelled on the SIPP reports to Education Scotland: summary, context and aims, the partnership in
figures, progress and impact by priority and QI, collaborative enquiry, exceptions,
self-evaluation as distance travelled, issues and support needed, next steps, and the framework
wording as an appendix. The full lists go to the workbook beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .data import STATUS_ORDER, InterimData
from .evidence_figures import FilesShown, shown

NOT_WRITTEN = "Not written yet."
UNLINKED = "No work in the period is linked to this any more; edit or clear it."
UNLINKED_HEADING = "Other sections written for this report"
# Past these, a section is written in its compact form so that a large partnership's body stays
# near 40 pages; the full lists are in the workbook.
MANY_TRIOS = 8
MANY_EVALUATIONS = 60
SUMMARY_HEADERS = ["", "Actions", "Complete", "Overdue", "No recent update", "With evidence of impact"]
SUMMARY_WIDTHS = [7.0, 1.6, 2.0, 1.9, 2.2, 2.3]
UNLINKED_EVIDENCE = "Evidence of impact of actions linked to no priority or quality indicator"


@dataclass
class Block:
    kind: str  # heading, text, written, label, bullets, table, chart, landscape, portrait
    text: str = ""
    level: int = 0
    key: str = ""  # a written section's key
    items: list = field(default_factory=list)  # bullets: (bold prefix, text); label: [value]
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    caption: str = ""
    anchor: str = ""
    # A table's rows that are one cell the table's width, each [bold prefix, text]: their numbers.
    spans: list[int] = field(default_factory=list)
    # Evidence files under a table's span rows or a list's items, by their number (evidence_figures).
    files: dict[int, FilesShown] = field(default_factory=dict)


@dataclass
class PlacedEvidence:
    under: dict[int, list[list[str]]]  # element id: the rows under its summary row ([prefix, text])
    unlinked: list[tuple[str, str]]  # evidence of actions linked to no priority or QI: bullets
    # The starred evidence's files: by element, by number of the row under it; by unlinked item.
    files_under: dict[int, dict[int, FilesShown]] = field(default_factory=dict)
    unlinked_files: dict[int, FilesShown] = field(default_factory=dict)


def _evidence_prefix(action) -> str:
    return (
        f"{action.title} ({action.school}, {action.evidence_at:%-d %b %Y}"
        + (f"; flagged: {', '.join(action.marks)}" if action.marks else "")
        + "): "
    )


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def place_evidence(data: InterimData) -> PlacedEvidence:
    """Each action's evidence of impact once, in full, under the first priority or QI it is linked
    to in the report's order (IGBE priorities first, then QIs as listed), with a line naming the
    others it belongs to; under each of those others, one line saying where it is, never its text.
    So no action is printed twice, and no row's count of evidence goes unexplained."""
    order = [s.element.id for s in data.priorities + data.qis]
    rank = {element_id: i for i, element_id in enumerate(order)}
    under: dict[int, list[list[str]]] = {}
    elsewhere: dict[int, dict[int, int]] = {}  # element: {home element: actions shown there}
    unlinked: list[tuple[str, str]] = []
    files_under: dict[int, dict[int, FilesShown]] = {}
    unlinked_files: dict[int, FilesShown] = {}
    for action in data.evidence:
        linked = sorted((e for e in action.element_ids if e in rank), key=rank.__getitem__)
        files = data.evidence_files.get(action.id) if action.evidence_starred else None
        if not linked:
            if files:
                unlinked_files[len(unlinked)] = shown(files)
            unlinked.append((_evidence_prefix(action), action.evidence))
            continue
        home, others = linked[0], linked[1:]
        text = action.evidence
        if others:
            text += "\nAlso linked to " + _names([data.elements[e].label for e in others]) + "."
        if files:
            files_under.setdefault(home, {})[len(under.get(home, []))] = shown(files)
        under.setdefault(home, []).append([_evidence_prefix(action), text])
        for other in others:
            homes = elsewhere.setdefault(other, {})
            homes[home] = homes.get(home, 0) + 1
    for element_id, homes in elsewhere.items():
        count = sum(homes.values())
        where = _names([data.elements[h].label for h in sorted(homes, key=rank.__getitem__)])
        under.setdefault(element_id, []).append(
            [
                "",
                f"Evidence of impact of {count} more action{'s' if count != 1 else ''} linked here: "
                f"see under {where}.",
            ]
        )
    return PlacedEvidence(under, unlinked, files_under, unlinked_files)


def _evidence_note(data: InterimData) -> str:
    if not data.evidence:
        return ""
    chosen = (
        "the evidence of impact the partnership's leads starred for this report"
        if data.evidence_starred
        else "each action's latest evidence of impact in the period (leads star the updates to show "
        "here on each action's page)"
    )
    return (
        f"Under each row, {chosen}, latest first: each action's under the first priority or quality "
        f"indicator it is linked to, IGBE priorities first."
    )


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


def _written(text: str, key: str) -> Block:
    return Block("written", text.strip() if text and text.strip() else "", key=key)


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
    blocks: list[Block] = []
    counter = iter(range(1, 10_000))

    def heading(text, level=1):
        blocks.append(Block("heading", text, level=level, anchor=f"s{next(counter)}"))

    heading("Summary")
    blocks.append(_written(sections.get("summary", ""), "summary"))

    heading("Purpose and aims")
    blocks.append(_written(sections.get("purpose", data.description), "purpose"))

    heading("The partnership in the period")
    blocks.append(
        Block(
            "text",
            f"{data.partnership} brings together {len(data.schools)} schools and settings in "
            f"{', '.join(data.local_authorities) or 'no local authority yet'}. Figures are as at "
            f"{data.period_to:%-d %B %Y}, the end of the period.",
        )
    )
    blocks.append(
        Block(
            "table",
            headers=["Participation", "Number"],
            rows=[list(p) for p in data.participation],
            widths=[12, 4],
            caption="Participation in the period",
        )
    )
    blocks.append(
        Block(
            "table",
            headers=["School or setting", "Sector", "Local authority", "Teachers involved"],
            rows=[row + [str(n)] for row, (_, n) in zip(data.schools, data.teachers_by_school, strict=True)],
            widths=[7, 3.5, 3.5, 3],
            caption="Schools and settings",
        )
    )
    blocks.append(
        Block(
            "table",
            headers=["Improvement actions", "Number"],
            rows=[list(f) for f in data.figures],
            widths=[12, 4],
            caption="Improvement actions in the period",
        )
    )

    heading("Progress and impact")
    blocks.append(
        Block(
            "text",
            f"Each row counts the actions linked to a priority or quality indicator that were open "
            f"in the period, with their status at its end; “no recent update” means none in the "
            f"{data.stale_weeks} weeks before the end. An action linked to several is counted under "
            f"each. " + _evidence_note(data),
        )
    )
    placed = place_evidence(data)
    for title, summaries, first in (
        ("By IGBE priority", data.priorities, "IGBE priority"),
        ("By quality indicator", data.qis, "Quality indicator"),
    ):
        heading(title, 2)
        if not summaries:
            blocks.append(Block("text", f"No actions of the period are linked to {title[3:].lower()}s."))
            continue
        rows, spans, files = [], [], {}
        for summary in summaries:
            rows.append(summary.row())
            files_here = placed.files_under.get(summary.element.id, {})
            for number, entry in enumerate(placed.under.get(summary.element.id, [])):
                if number in files_here:
                    files[len(rows)] = files_here[number]
                spans.append(len(rows))
                rows.append(entry)
        blocks.append(
            Block(
                "table",
                headers=[first] + SUMMARY_HEADERS[1:],
                rows=rows,
                widths=SUMMARY_WIDTHS,
                spans=spans,
                files=files,
            )
        )
        if summaries is data.qis and data.chart_categories:
            blocks.append(
                Block(
                    "chart",
                    caption="Figure 1: actions by status at the end of the period for each "
                    "quality indicator (an action linked to several is counted under each).",
                )
            )
            labels = data.status_labels
            blocks.append(
                Block(
                    "table",
                    headers=["Quality indicator"] + [labels[s] for s in STATUS_ORDER],
                    rows=[
                        [c] + [str(data.chart_series[s].get(c, 0)) for s in STATUS_ORDER]
                        for c in data.chart_categories
                    ],
                    widths=[5.0, 3.0, 3.0, 3.0, 3.0],
                    caption="The figures of Figure 1",
                )
            )
        for summary in summaries:
            key = f"progress:{summary.element.id}"
            if sections.get(key, "").strip():
                heading(summary.element.heading, 3)
                blocks.append(_written(sections[key], key))
    if placed.unlinked:
        blocks.append(
            Block("bullets", text=UNLINKED_EVIDENCE, items=placed.unlinked, files=placed.unlinked_files)
        )
    if not data.evidence:
        blocks.append(Block("text", "No evidence of impact was posted in the period."))
    elif data.evidence_left_out:
        blocks.append(
            Block(
                "text",
                f"The evidence of impact of {data.evidence_left_out} more "
                f"action{'s' if data.evidence_left_out != 1 else ''} is in the workbook (Progress updates).",
            )
        )

    heading("Collaborative enquiry")
    if not data.trios:
        blocks.append(Block("text", "No research lessons were taught at these schools in the period."))
    elif len(data.trios) > MANY_TRIOS:
        _trios_compact(data, sections, blocks)
    for trio in data.trios if len(data.trios) <= MANY_TRIOS else []:
        heading(trio.name, 2)
        blocks.append(Block("label", "Enquiry focus", items=[trio.focus]))
        blocks.append(Block("label", "Members", items=[", ".join(trio.members)]))
        key = f"trio:{trio.id}"
        blocks.append(_written(sections.get(key, "\n\n".join(trio.learned)), key))
        blocks.append(
            Block(
                "table",
                headers=["Date", "School", "Class", "Subject", "Taught by"],
                rows=trio.lessons,
                widths=[2.6, 4.4, 2.6, 3.6, 3.8],
            )
        )
        if trio.next_steps:
            blocks.append(Block("bullets", text="Next steps", items=[("", s) for s in trio.next_steps]))
        if trio.highlights:
            blocks.append(
                Block(
                    "bullets",
                    text="Highlights from observations and pupil voice",
                    items=[(f"{who}: ", what) for who, what in trio.highlights],
                )
            )

    heading("Exceptions")
    blocks.append(
        Block(
            "table",
            headers=["At the end of the period", "Number"],
            rows=[[label, str(n)] for label, n in data.exception_counts],
            widths=[12, 4],
        )
    )
    # Each action once in the body: one with evidence of impact is listed there, with its flags.
    shown = {a.id for a in data.evidence}
    flagged = [a for a in data.exceptions if a.id not in shown]
    if flagged:
        blocks.append(
            Block(
                "table",
                headers=["Action", "School", "Owner", "Status", "Due", "Last update", "Flagged"],
                rows=[
                    [
                        a.title,
                        a.school,
                        a.owner,
                        a.status_label,
                        a.due.strftime("%-d %b %Y") if a.due else "",
                        a.last_update_at.strftime("%-d %b %Y") if a.last_update_at else "None",
                        "; ".join(a.marks),
                    ]
                    for a in flagged
                ],
                widths=[5.2, 3.0, 2.6, 1.8, 1.9, 1.9, 2.6],
                caption="Actions flagged (each listed once"
                + (
                    "; those with evidence of impact are under Progress and impact"
                    if len(flagged) < len(data.exceptions)
                    else ""
                )
                + ")"
                + (f"; {data.exceptions_left_out} more in the workbook" if data.exceptions_left_out else ""),
            )
        )
    if data.quiet_trios:
        blocks.append(
            Block("label", "Trios with no lesson in the period", items=[", ".join(data.quiet_trios)])
        )

    heading("Self-evaluation: distance travelled")
    if not data.distance:
        blocks.append(Block("text", "No self-evaluations had been recorded by the end of the period."))
    for distance in data.distance:
        heading(distance.framework, 2)
        if distance.scale:
            blocks.append(Block("label", "Scale", items=[", ".join(distance.scale)]))
        if len(distance.rows) > MANY_EVALUATIONS:
            blocks.append(
                Block(
                    "table",
                    headers=[
                        "School",
                        "Themes and QIs evaluated",
                        "Higher at the end",
                        "The same",
                        "Lower",
                        "First evaluated in the period",
                    ],
                    rows=distance.by_school,
                    widths=[5.0, 2.4, 2.4, 2.2, 2.0, 3.0],
                    caption=f"Levels at the period's start and end, by school ({len(distance.rows)} "
                    f"themes and QIs; each is in the workbook's Self-evaluations sheet)",
                )
            )
            continue
        blocks.append(
            Block(
                "table",
                headers=["School", "QI and theme", "At the start of the period", "At the end of the period"],
                rows=distance.rows,
                widths=[4.2, 6.0, 3.4, 3.4],
            )
        )

    if unlinked_titles:
        heading(UNLINKED_HEADING)
        for key, title in unlinked_titles:
            heading(title, 2)
            blocks.append(_written(sections.get(key, ""), key))

    heading("Issues, barriers and support needed from the authority")
    blocks.append(_written(sections.get("issues", ""), "issues"))
    heading("Next steps")
    blocks.append(_written(sections.get("next_steps", ""), "next_steps"))

    heading("Appendix: framework wording")
    if data.wording:
        blocks.append(Block("bullets", items=[(f"{label}: ", text) for label, text in data.wording]))
    for credit in data.credits:
        blocks.append(Block("text", credit, key="caption"))
    if not data.credits:
        blocks.append(Block("text", "The report quotes no framework wording."))
    return blocks


def _trios_compact(data: InterimData, sections: dict[str, str], blocks: list[Block]) -> None:
    """Many trios: one row each (members, lessons, its paragraph), then a few highlights."""
    rows = []
    for trio in data.trios:
        dates = [lesson[0] for lesson in trio.lessons]
        written = sections.get(f"trio:{trio.id}", "\n\n".join(trio.learned)).strip()
        rows.append(
            [
                trio.name,
                "; ".join(trio.members),
                f"{len(dates)}" + (f" ({dates[0]} to {dates[-1]})" if len(dates) > 1 else f" ({dates[0]})"),
                written or NOT_WRITTEN,
            ]
        )
    blocks.append(
        Block(
            "table",
            headers=["Trio", "Members", "Lessons in the period", "What the trio learned"],
            rows=rows,
            widths=[3.6, 4.2, 2.8, 6.4],
            caption=f"{len(rows)} trios at work; each trio's lesson-study record has its lessons, "
            "next steps and observations",
        )
    )
    highlights = [(f"{trio.name}, {who}: ", what) for trio in data.trios for who, what in trio.highlights[:1]]
    if highlights:
        blocks.append(
            Block(
                "bullets",
                text="Highlights from observations and pupil voice",
                items=highlights[: data.list_limit // 2],
            )
        )


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
