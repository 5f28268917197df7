"""The programme overview as an .xlsx workbook (XlsxWriter, as the interim report's lists are):
the same aggregates as the pages, one sheet each, never a pupil's data."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import xlsxwriter

from ..models.actions import ACTION_STATUS_LABELS, ACTION_STATUSES
from ..reports.workbook import _naive, _sheet
from . import network, programme


def overview_workbook(partnership_ids: list[int], today: date, quiet_weeks: int) -> bytes:
    buffer = BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties({"title": "Programme overview", "comments": "Aggregates only: no pupil's data"})
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#D9E6F0", "text_wrap": True, "valign": "top"}),
        "date": book.add_format({"num_format": "d mmm yyyy"}),
        "datetime": book.add_format({"num_format": "d mmm yyyy hh:mm"}),
    }
    figures = programme.overview(partnership_ids, today, quiet_weeks)
    statuses = [ACTION_STATUS_LABELS[s] for s in ACTION_STATUSES]
    _sheet(
        book,
        formats,
        "Partnerships",
        [
            "Partnership",
            "Schools",
            "Local authorities",
            "Trios active",
            "Lessons this term",
            *[f"Actions: {s}" for s in statuses],
            "Findings published",
            "Last activity (UTC)",
            f"Quiet ({quiet_weeks} weeks or more)",
            "Latest interim report",
            "Report status",
        ],
        [36, 9, 30, 10, 10, *[12] * len(statuses), 10, 18, 12, 30, 12],
        (
            [
                f.name,
                f.schools,
                ", ".join(f.authorities),
                f.trios_active,
                f.lessons_this_term,
                *[f.actions[s] for s in ACTION_STATUSES],
                f.findings_published,
                _naive(f.last_activity),
                "Yes" if f.quiet else "No",
                f.report_title or "None yet",
                (f.report_status or "").capitalize(),
            ]
            for f in figures
        ),
    )

    def element_rows():
        for f in figures:
            for e in programme.actions_by_element([f.id]):
                yield [
                    f.name,
                    "IGBE priority" if e.kind == "priority" else "QI",
                    e.label,
                    *[e.counts[s] for s in ACTION_STATUSES],
                    e.total,
                ]

    _sheet(
        book,
        formats,
        "Actions by priority and QI",
        ["Partnership", "Kind", "Priority or QI", *statuses, "Total"],
        [36, 14, 60, *[12] * len(statuses), 8],
        element_rows(),
    )

    def movement_rows():
        for f in figures:
            for m in programme.selfeval_movement(f.id):
                yield [
                    f.name,
                    m.label,
                    m.schools,
                    m.up,
                    m.same,
                    m.down,
                    m.once,
                    "; ".join(f"{label}: {n}" for label, n in m.from_levels),
                    "; ".join(f"{label}: {n}" for label, n in m.to_levels),
                ]

    _sheet(
        book,
        formats,
        "Self-evaluation movement",
        ["Partnership", "QI", "Evaluated", "Moved up", "Same", "Moved down", "Once only", "From", "To"],
        [36, 60, 10, 10, 8, 10, 10, 40, 40],
        movement_rows(),
    )
    _sheet(
        book,
        formats,
        "Coverage gaps",
        ["Framework", "QI or IGBE priority with no enquiring trio"],
        [50, 80],
        (
            [gap.framework, label]
            for gap in programme.coverage_gaps(partnership_ids)
            for label in gap.elements
        ),
    )
    graph = network.network(partnership_ids)
    _sheet(
        book,
        formats,
        "Network ties",
        ["School", "Local authority", "School", "Local authority", "Trios together", "Across authorities"],
        [36, 20, 36, 20, 10, 12],
        (
            [t.a.name, t.a.authority, t.b.name, t.b.authority, t.trios, "Yes" if t.across else "No"]
            for t in graph.ties
        ),
    )
    book.close()
    return buffer.getvalue()
