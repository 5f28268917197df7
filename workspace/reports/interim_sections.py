"""The interim report's sections, in the order the report reads (modelled on the SIPP reports to
Education Scotland): each writes its headings and blocks on the page."""

from __future__ import annotations

from collections.abc import Sequence

from .data import STATUS_ORDER, InterimData
from .interim_blocks import (
    MANY_EVALUATIONS,
    MANY_TRIOS,
    NOT_WRITTEN,
    SUMMARY_HEADERS,
    SUMMARY_WIDTHS,
    UNLINKED_EVIDENCE,
    UNLINKED_HEADING,
    Block,
    Page,
    evidence_note,
    place_evidence,
    written,
)


def context(page: Page, data: InterimData, sections: dict[str, str]) -> None:
    """Summary, purpose and aims, and the partnership in figures."""
    page.heading("Summary")
    page.add(written(sections.get("summary", ""), "summary"))

    page.heading("Purpose and aims")
    page.add(written(sections.get("purpose", data.description), "purpose"))

    page.heading("The partnership in the period")
    page.add(
        Block(
            "text",
            f"{data.partnership} brings together {len(data.schools)} schools and settings in "
            f"{', '.join(data.local_authorities) or 'no local authority yet'}. Figures are as at "
            f"{data.period_to:%-d %B %Y}, the end of the period.",
        )
    )
    page.add(
        Block(
            "table",
            headers=["Participation", "Number"],
            rows=[list(p) for p in data.participation],
            widths=[12, 4],
            caption="Participation in the period",
        )
    )
    page.add(
        Block(
            "table",
            headers=["School or setting", "Sector", "Local authority", "Teachers involved"],
            rows=[row + [str(n)] for row, (_, n) in zip(data.schools, data.teachers_by_school, strict=True)],
            widths=[7, 3.5, 3.5, 3],
            caption="Schools and settings",
        )
    )
    page.add(
        Block(
            "table",
            headers=["Improvement actions", "Number"],
            rows=[list(f) for f in data.figures],
            widths=[12, 4],
            caption="Improvement actions in the period",
        )
    )


def progress(page: Page, data: InterimData, sections: dict[str, str]) -> None:
    """Progress and impact by IGBE priority and by QI: a summary row each, the starred evidence
    under it (with its files), the chart and its figures, and the lead's paragraph for each."""
    page.heading("Progress and impact")
    page.add(
        Block(
            "text",
            f"Each row counts the actions linked to a priority or quality indicator that were open "
            f"in the period, with their status at its end; “no recent update” means none in the "
            f"{data.stale_weeks} weeks before the end. An action linked to several is counted under "
            f"each. " + evidence_note(data),
        )
    )
    placed = place_evidence(data)
    for title, summaries, first in (
        ("By IGBE priority", data.priorities, "IGBE priority"),
        ("By quality indicator", data.qis, "Quality indicator"),
    ):
        page.heading(title, 2)
        if not summaries:
            page.add(Block("text", f"No actions of the period are linked to {title[3:].lower()}s."))
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
        page.add(
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
            page.add(
                Block(
                    "chart",
                    caption="Figure 1: actions by status at the end of the period for each "
                    "quality indicator (an action linked to several is counted under each).",
                )
            )
            labels = data.status_labels
            page.add(
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
                page.heading(summary.element.heading, 3)
                page.add(written(sections[key], key))
    if placed.unlinked:
        page.add(Block("bullets", text=UNLINKED_EVIDENCE, items=placed.unlinked, files=placed.unlinked_files))
    if not data.evidence:
        page.add(Block("text", "No evidence of impact was posted in the period."))
    elif data.evidence_left_out:
        page.add(
            Block(
                "text",
                f"The evidence of impact of {data.evidence_left_out} more "
                f"action{'s' if data.evidence_left_out != 1 else ''} is in the workbook (Progress updates).",
            )
        )


def enquiry(page: Page, data: InterimData, sections: dict[str, str]) -> None:
    """Collaborative enquiry: each trio at work in the period (one row each when there are many)."""
    page.heading("Collaborative enquiry")
    if not data.trios:
        page.add(Block("text", "No research lessons were taught at these schools in the period."))
    elif len(data.trios) > MANY_TRIOS:
        _trios_compact(page, data, sections)
    for trio in data.trios if len(data.trios) <= MANY_TRIOS else []:
        page.heading(trio.name, 2)
        page.add(Block("label", "Enquiry focus", items=[trio.focus]))
        page.add(Block("label", "Members", items=[", ".join(trio.members)]))
        key = f"trio:{trio.id}"
        page.add(written(sections.get(key, "\n\n".join(trio.learned)), key))
        page.add(
            Block(
                "table",
                headers=["Date", "School", "Class", "Subject", "Taught by"],
                rows=trio.lessons,
                widths=[2.6, 4.4, 2.6, 3.6, 3.8],
            )
        )
        if trio.next_steps:
            page.add(Block("bullets", text="Next steps", items=[("", s) for s in trio.next_steps]))
        if trio.highlights:
            page.add(
                Block(
                    "bullets",
                    text="Highlights from observations and pupil voice",
                    items=[(f"{who}: ", what) for who, what in trio.highlights],
                )
            )


def _trios_compact(page: Page, data: InterimData, sections: dict[str, str]) -> None:
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
    page.add(
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
        page.add(
            Block(
                "bullets",
                text="Highlights from observations and pupil voice",
                items=highlights[: data.list_limit // 2],
            )
        )


def exceptions(page: Page, data: InterimData) -> None:
    """Overdue, stale and on-hold actions and quiet trios; each action once in the body."""
    page.heading("Exceptions")
    page.add(
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
        page.add(
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
                        a.last_update_at.strftime("%-d %b %Y") if a.last_update_at else "No update yet",
                        "; ".join(a.marks),
                    ]
                    for a in flagged
                ],
                widths=[4.6, 2.6, 2.3, 1.7, 1.9, 1.9, 2.0],  # 17 cm, the text width
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
        page.add(Block("label", "Trios with no lesson in the period", items=[", ".join(data.quiet_trios)]))


def distance(page: Page, data: InterimData) -> None:
    """Self-evaluation as distance travelled, each framework on its own scale."""
    page.heading("Self-evaluation: distance travelled")
    if not data.distance:
        page.add(Block("text", "No self-evaluations had been recorded by the end of the period."))
    for distance in data.distance:
        page.heading(distance.framework, 2)
        if distance.scale:
            page.add(Block("label", "Scale", items=[", ".join(distance.scale)]))
        if len(distance.rows) > MANY_EVALUATIONS:
            page.add(
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
        page.add(
            Block(
                "table",
                headers=["School", "QI and theme", "At the start of the period", "At the end of the period"],
                rows=distance.rows,
                widths=[4.2, 6.0, 3.4, 3.4],
            )
        )


def closing(
    page: Page, data: InterimData, sections: dict[str, str], unlinked_titles: Sequence[tuple[str, str]]
) -> None:
    """Sections with no place any more, issues and support needed, next steps, the appendix."""
    if unlinked_titles:
        page.heading(UNLINKED_HEADING)
        for key, title in unlinked_titles:
            page.heading(title, 2)
            page.add(written(sections.get(key, ""), key))

    page.heading("Issues, barriers and support needed from the authority")
    page.add(written(sections.get("issues", ""), "issues"))
    page.heading("Next steps")
    page.add(written(sections.get("next_steps", ""), "next_steps"))

    page.heading("Appendix: framework wording")
    if data.wording:
        page.add(Block("bullets", items=[(f"{label}: ", text) for label, text in data.wording]))
    for credit in data.credits:
        page.add(Block("text", credit, key="caption"))
    if not data.credits:
        page.add(Block("text", "The report quotes no framework wording."))
