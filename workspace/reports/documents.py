"""Pure builders: report data in, a python-docx Document out. No database, no request."""

from __future__ import annotations

from collections.abc import Sequence

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.shared import Pt

from . import charts, evidence_figures, interim_blocks, interim_layout
from . import docx_kit as kit
from .data import InterimData
from .records import ProformaData, TrioRecord


def _title_page(document, title: str, lines: list[str]) -> None:
    kit.paragraph(document, title, "Title")
    for line in lines:
        paragraph = kit.paragraph(document, line)
        paragraph.runs[0].font.size = Pt(13)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def interim_outline(
    data: InterimData, sections: dict[str, str] | None = None, unlinked_titles: Sequence[tuple[str, str]] = ()
) -> list[tuple[int, str]]:
    """The headings in order: the table of contents and the body are made from this one list."""
    return [
        (level, text)
        for level, text, _ in interim_layout.outline(interim_layout.layout(data, sections, unlinked_titles))
    ]


def _chart(document, data: InterimData, caption: str) -> None:
    total = {
        c: sum(data.chart_series.get(s, {}).get(c, 0) for s in data.chart_series)
        for c in data.chart_categories
    }
    alt = (
        "Bar chart of actions by status at the end of the period for each quality indicator. "
        + "; ".join(
            f"{c}: {total[c]} action{'s' if total[c] != 1 else ''} ("
            + ", ".join(
                f"{data.chart_series[s].get(c, 0)} {data.status_labels[s].lower()}"
                for s in data.chart_series
                if data.chart_series[s].get(c)
            )
            + ")"
            for c in data.chart_categories
        )
        + "."
    )
    png = charts.stacked_bars(
        data.chart_categories,
        data.chart_series,
        data.status_labels,
        "Actions by status for each quality indicator",
    )
    kit.picture(document, png, 16.5, alt, "Actions by status for each quality indicator")
    kit.paragraph(document, caption, "Caption")


def write_blocks(document, blocks: list[interim_blocks.Block], data: InterimData, draft: bool) -> None:
    for block in blocks:
        if block.kind == "heading":
            kit.heading(document, block.text, block.level, block.anchor)
        elif block.kind == "text":
            kit.paragraph(document, block.text, "Caption" if block.key == "caption" else None)
        elif block.kind == "written":
            if block.text:
                for part in block.text.replace("\r\n", "\n").split("\n\n"):
                    kit.paragraph(document, part)
            else:
                kit.paragraph(document, interim_blocks.NOT_WRITTEN if draft else "—")
        elif block.kind == "label":
            kit.label_value(document, block.text, block.items[0] if block.items else "")
        elif block.kind == "bullets":
            if block.text:
                kit.paragraph(document, block.text, "Heading4")
            for number, (prefix, text) in enumerate(block.items):
                kit.bullet(document, text, prefix)
                if number in block.files:
                    evidence_figures.write_files(document, block.files[number])
        elif block.kind == "table":
            if block.caption:
                kit.paragraph(document, block.caption, "Caption")
            kit.table(document, block.headers, block.rows, block.widths, spans=block.spans)
            if block.files:  # the table just written is the body's last block before its sectPr
                evidence_figures.write_into_rows(document, document.element.body[-2], block.files)
        elif block.kind == "chart":
            _chart(document, data, block.caption)


def interim_report(
    data: InterimData,
    author: str,
    sections: dict[str, str] | None = None,
    status: str = "draft",
    marking: str = "OFFICIAL-SENSITIVE",
    unlinked_titles: Sequence[tuple[str, str]] = (),
    title: str = "",
):
    """`title`: the report's own (a draft's); the quick export has none and names the period."""
    state = "Final" if status == "final" else "Draft"
    document = kit.new_document(
        f"{data.partnership}: {title}" if title else f"{data.partnership}: interim report, {data.period}",
        author,
        f"{data.partnership}: interim report · {state} · produced {data.produced_on:%-d %B %Y}",
        subject="Interim report to the local authority",
        marking=marking,
        title_page=True,
    )
    _title_page(
        document,
        f"{data.partnership}\n{title or 'Interim report'}",
        [
            f"Period: {data.period}",
            f"Local authorities: {', '.join(data.local_authorities) or '—'}",
            f"Schools and settings: {len(data.schools)}",
            f"{state}, produced on {data.produced_on:%-d %B %Y} by {author}",
        ]
        + ([marking] if marking else []),
    )
    blocks = interim_layout.layout(data, sections, unlinked_titles)
    kit.paragraph(document, "Contents", "TOCHeading")
    kit.table_of_contents(document, interim_layout.outline(blocks))
    write_blocks(document, blocks, data, status != "final")
    return document


def _highlight_files(document, title: str, entries) -> None:
    """Each highlighted record that has files, then its files (evidence_figures.write_files)."""
    if not entries:
        return
    kit.heading(document, title, 3)
    for what, files in entries:
        kit.paragraph(document, what)
        evidence_figures.write_files(document, files)


def trio_record(data: TrioRecord, author: str):
    document = kit.new_document(
        f"{data.name}: lesson-study record", author, data.partnership, subject="Lesson-study record of a trio"
    )
    kit.paragraph(document, data.name, "Title")
    kit.paragraph(
        document, f"Lesson-study record, {data.partnership}. Produced on {data.produced_on:%-d %B %Y}."
    )
    kit.heading(document, "The trio", 1)
    kit.label_value(document, "Enquiry focus", data.focus)
    kit.label_value(document, "Members", ", ".join(data.members))
    kit.label_value(document, "Status", data.status)
    kit.label_value(document, "Linked to", "; ".join(data.links) or "—")
    kit.paragraph(
        document, "Case pupils are described by the group they typify; they are never named.", "Caption"
    )
    for lesson in data.lessons:
        kit.heading(document, lesson.title, 1)
        kit.heading(document, "The plan", 2)
        for label, value in lesson.details:
            kit.label_value(document, label, value)
        if lesson.stages:
            kit.table(document, ["Stage", "What happens"], [list(s) for s in lesson.stages], [5, 12])
        kit.heading(document, "Case pupils", 2)
        kit.table(document, ["Pupil", "Typical of", "Success criterion"], lesson.pupils, [2, 7, 8])
        kit.heading(document, "Predictions and observations", 2)
        kit.paragraph(
            document,
            "Leuven involvement scale: 1 extremely low, 2 low, 3 moderate, 4 high, 5 extremely high.",
            "Caption",
        )
        for pupil, rows in lesson.grids:
            kit.heading(document, pupil, 3)
            kit.table(document, ["Stage", "Predicted", "Observed"], rows, [3.5, 5.5, 8])
        _highlight_files(document, "Photos and files of highlighted observations", lesson.observed_files)
        kit.heading(document, "Pupil voice", 2)
        if lesson.voice:
            kit.table(document, ["Pupil", "Question", "What they said"], lesson.voice, [2, 6, 9])
        else:
            document.add_paragraph("No pupil voice recorded.")
        _highlight_files(document, "Photos and files of highlighted pupil voice", lesson.voice_files)
        kit.heading(document, "Post-lesson discussion", 2)
        for pupil, text in lesson.progress:
            kit.label_value(document, f"{pupil}, against the predictions", text)
        kit.label_value(document, "The teaching", lesson.teaching)
        kit.label_value(document, "What we learned", lesson.learned)
        kit.heading(document, "Next steps", 2)
        for step in lesson.next_steps:
            kit.bullet(document, step)
        if not lesson.next_steps:
            document.add_paragraph("None recorded.")
    return document


def self_evaluation(data: ProformaData, author: str):
    on = f"{data.on:%-d %B %Y}" if data.on else "no date"
    document = kit.new_document(
        f"{data.school}: {data.title}, {on}",
        author,
        f"{data.school} · {data.partnership}",
        subject="School self-evaluation pro-forma",
    )
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = kit.PORTRAIT[1], kit.PORTRAIT[0]
    kit.heading(document, data.title, 1)
    kit.label_value(document, "Establishment", f"{data.school} ({data.school_details})")
    kit.label_value(document, "Date", on)
    headers = ["QI and theme", "Level"] + data.questions
    for category, rows in data.categories:
        kit.heading(document, category, 2)
        if rows:
            kit.table(document, headers, rows, [4.8, 2.6, 6.0, 6.6, 5.6])
        else:
            document.add_paragraph(f"Nothing evaluated under {category.lower()} on this date.")
    if data.credit:
        kit.paragraph(document, data.credit, "Caption")
    return document
