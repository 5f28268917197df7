"""Pure builders: report data in, a python-docx Document out. No database, no request."""
from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.shared import Pt

from . import charts, docx_kit as kit
from .data import InterimData
from .records import ProformaData, TrioRecord

ACTION_HEADERS = ["Action", "School", "Owner", "Status", "Due", "Latest update"]
ACTION_WIDTHS = [6.5, 4.0, 3.2, 2.3, 2.3, 7.4]


def _title_page(document, title: str, lines: list[str]) -> None:
    kit.paragraph(document, title, "Title")
    for line in lines:
        paragraph = kit.paragraph(document, line)
        paragraph.runs[0].font.size = Pt(13)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def interim_outline(data: InterimData) -> list[tuple[int, str]]:
    """The headings in order: the table of contents and the body are made from this one list."""
    outline = [(1, "The period in figures"), (1, "The partnership and its schools"), (1, "Collaborative enquiry")]
    outline += [(2, trio.name) for trio in data.trios]
    outline += [(1, "Actions by quality indicator"), (1, "Actions by IGBE priority"), (1, "Progress in the period"),
                (1, "Self-evaluation levels by school and QI"), (1, "Framework wording referred to")]
    return outline


def interim_report(data: InterimData, author: str, fast_tables: bool = True):
    table = kit.table if fast_tables else kit.plain_table
    period = f"{data.period_from:%-d %B %Y} to {data.period_to:%-d %B %Y}"
    document = kit.new_document(f"{data.partnership}: interim report, {period}", author, data.partnership,
                                subject="Interim report to the local authority")
    _title_page(document, f"{data.partnership}\nInterim report", [
        f"Period: {period}",
        f"Local authorities: {', '.join(data.local_authorities) or '—'}",
        f"Schools and settings: {len(data.schools)}",
        f"Produced on {data.produced_on:%-d %B %Y} by {author}",
    ])
    kit.heading(document, "Contents", 1)
    kit.table_of_contents(document, interim_outline(data))

    kit.heading(document, "The period in figures", 1)
    table(document, ["In the period", "Number"], [[label, value] for label, value in data.figures], [12, 4])

    kit.heading(document, "The partnership and its schools", 1)
    kit.paragraph(document, f"{data.partnership} brings together {len(data.schools)} schools and settings in "
                            f"{', '.join(data.local_authorities)}.")
    table(document, ["School or setting", "Sector", "Local authority"], data.schools, [8, 5, 4])

    kit.heading(document, "Collaborative enquiry", 1)
    if not data.trios:
        kit.paragraph(document, "No research lessons were taught at these schools in the period.")
    for trio in data.trios:
        kit.heading(document, trio.name, 2)
        kit.label_value(document, "Enquiry focus", trio.focus)
        kit.label_value(document, "Members", ", ".join(trio.members))
        table(document, ["Date", "School", "Class", "Subject", "Taught by"], trio.lessons, [2.6, 4.4, 2.6, 3.6, 3.8])
        if trio.learned:
            kit.heading(document, "What was learned", 3)
            for text in trio.learned:
                kit.bullet(document, text)
        if trio.next_steps:
            kit.heading(document, "Next steps", 3)
            for text in trio.next_steps:
                kit.bullet(document, text)
        if trio.highlights:
            kit.heading(document, "Highlights from observations and pupil voice", 3)
            for who, what in trio.highlights:
                kit.bullet(document, what, f"{who}: ")

    kit.landscape(document)
    kit.heading(document, "Actions by quality indicator", 1)
    if data.chart_categories:
        total = {c: sum(data.chart_series.get(s, {}).get(c, 0) for s in data.chart_series) for c in data.chart_categories}
        alt = "Bar chart of actions by status for each quality indicator. " + "; ".join(
            f"QI {c}: {total[c]} action{'s' if total[c] != 1 else ''} ("
            + ", ".join(f"{data.chart_series[s].get(c, 0)} {data.status_labels[s].lower()}"
                        for s in data.chart_series if data.chart_series[s].get(c)) + ")"
            for c in data.chart_categories) + "."
        png = charts.stacked_bars(data.chart_categories, data.chart_series, data.status_labels,
                                  "Actions by status for each quality indicator")
        kit.picture(document, png, 22.0, alt, "Actions by status for each quality indicator")
        kit.paragraph(document, "Figure 1: actions by status for each QI (an action linked to several QIs is counted "
                                "under each).", "Caption")
    for heading, rows in data.actions_by_qi:
        kit.heading(document, heading, 2)
        table(document, ACTION_HEADERS, rows, ACTION_WIDTHS)
    if not data.actions_by_qi:
        document.add_paragraph("No actions are linked to quality indicators.")

    kit.heading(document, "Actions by IGBE priority", 1)
    for heading, rows in data.actions_by_igbe:
        kit.heading(document, heading, 2)
        table(document, ACTION_HEADERS, rows, ACTION_WIDTHS)
    if not data.actions_by_igbe:
        document.add_paragraph("No actions are linked to IGBE priorities.")

    kit.heading(document, "Progress in the period", 1)
    if data.progress:
        table(document, ["Date", "Action", "School", "By", "Update", "Status", "Evidence of impact"], data.progress,
              [2.3, 4.8, 3.4, 2.8, 6.6, 2.0, 3.8])
    else:
        document.add_paragraph("No progress updates were posted in the period.")

    kit.heading(document, "Self-evaluation levels by school and QI", 1)
    if data.levels:
        table(document, ["School", "QI", "Theme", "Framework", "Level", "Date"], data.levels,
              [4.6, 6.4, 6.0, 2.6, 3.6, 2.4])
    else:
        document.add_paragraph("No self-evaluations had been recorded by the end of the period.")
    kit.portrait(document)

    kit.heading(document, "Framework wording referred to", 1)
    for label, text in data.wording:
        kit.bullet(document, text, f"{label}: ")
    for credit in data.credits:
        kit.paragraph(document, credit, "Caption")
    return document


def trio_record(data: TrioRecord, author: str):
    document = kit.new_document(f"{data.name}: lesson-study record", author, data.partnership,
                                subject="Lesson-study record of a trio")
    kit.paragraph(document, data.name, "Title")
    kit.paragraph(document, f"Lesson-study record, {data.partnership}. Produced on {data.produced_on:%-d %B %Y}.")
    kit.heading(document, "The trio", 1)
    kit.label_value(document, "Enquiry focus", data.focus)
    kit.label_value(document, "Members", ", ".join(data.members))
    kit.label_value(document, "Status", data.status)
    kit.label_value(document, "Linked to", "; ".join(data.links) or "—")
    kit.paragraph(document, "Case pupils are described by the group they typify; they are never named.", "Caption")
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
        for pupil, rows in lesson.grids:
            kit.heading(document, pupil, 3)
            kit.table(document, ["Stage", "Predicted", "Observed"], rows, [3.5, 5.5, 8])
        kit.heading(document, "Pupil voice", 2)
        if lesson.voice:
            kit.table(document, ["Pupil", "Question", "What they said"], lesson.voice, [2, 6, 9])
        else:
            document.add_paragraph("No pupil voice recorded.")
        kit.heading(document, "Post-lesson discussion", 2)
        for pupil, text in lesson.progress:
            kit.label_value(document, f"{pupil}, against the predictions", text)
        kit.label_value(document, "The teaching", lesson.teaching)
        kit.label_value(document, "What we learned", lesson.learned)
        kit.heading(document, "Next steps", 2)
        for step in lesson.next_steps or ["None recorded."]:
            kit.bullet(document, step)
    return document


def self_evaluation(data: ProformaData, author: str):
    on = f"{data.on:%-d %B %Y}" if data.on else "no date"
    document = kit.new_document(f"{data.school}: {data.title}, {on}", author, data.partnership,
                                subject="School self-evaluation pro-forma")
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
