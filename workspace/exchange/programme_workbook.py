"""The programme overview as an .xlsx workbook (XlsxWriter, as the interim report's lists are):
the same aggregates as the pages, one sheet each, never a pupil's data."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import xlsxwriter

from ..models.actions import ACTION_STATUS_LABELS, ACTION_STATUSES
from ..reports.workbook import Column, write_sheet
from . import network, programme

_MOVEMENT_COUNTS = [("Evaluated", 10), ("Moved up", 10), ("Same", 8), ("Moved down", 10), ("Once only", 10)]


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
    partnership_columns: list[Column] = [
        ("Partnership", 36, "text"),
        ("Schools", 9, "number"),
        ("Local authorities", 30, "text"),
        ("Trios active", 10, "number"),
        ("Lessons this term", 10, "number"),
        *[(f"Actions: {s}", 12, "number") for s in statuses],
        ("Findings published", 10, "number"),
        ("Last activity (UTC)", 18, "datetime"),
        (f"Quiet ({quiet_weeks} weeks or more)", 12, "text"),
        ("Latest interim report", 30, "text"),
        ("Report status", 12, "text"),
    ]
    write_sheet(
        book,
        formats,
        "Partnerships",
        partnership_columns,
        (
            [
                f.name,
                f.schools,
                ", ".join(f.authorities),
                f.trios_active,
                f.lessons_this_term,
                *[f.actions[s] for s in ACTION_STATUSES],
                f.findings_published,
                f.last_activity,
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

    write_sheet(
        book,
        formats,
        "Actions by priority and QI",
        [
            ("Partnership", 36, "text"),
            ("Kind", 14, "text"),
            ("Priority or QI", 60, "text"),
            *[(s, 12, "number") for s in statuses],
            ("Total", 8, "number"),
        ],
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

    write_sheet(
        book,
        formats,
        "Self-evaluation movement",
        [
            ("Partnership", 36, "text"),
            ("QI", 60, "text"),
            *[(header, width, "number") for header, width in _MOVEMENT_COUNTS],
            ("From", 40, "text"),
            ("To", 40, "text"),
        ],
        movement_rows(),
    )
    write_sheet(
        book,
        formats,
        "Coverage gaps",
        [("Framework", 50, "text"), ("QI or IGBE priority with no enquiring trio", 80, "text")],
        (
            [gap.framework, label]
            for gap in programme.coverage_gaps(partnership_ids)
            for label in gap.elements
        ),
    )
    graph = network.network(partnership_ids)
    write_sheet(
        book,
        formats,
        "Network ties",
        [
            ("School", 36, "text"),
            ("Local authority", 20, "text"),
            ("School", 36, "text"),
            ("Local authority", 20, "text"),
            ("Trios together", 10, "number"),
            ("Across authorities", 12, "text"),
        ],
        (
            [t.a.name, t.a.authority, t.b.name, t.b.authority, t.trios, "Yes" if t.across else "No"]
            for t in graph.ties
        ),
    )
    book.close()
    return buffer.getvalue()
