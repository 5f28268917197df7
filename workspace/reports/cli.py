"""flask --app workspace export interim|trio|selfeval ... -o FILE.docx, and export number-pages"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import InterimReport, Partnership, School, Trio
from . import data, documents, page_numbers, records
from .docx_kit import to_bytes


def _date(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y-%m-%d").date() if value else None


def _write(document, output: str) -> None:
    Path(output).write_bytes(to_bytes(document))
    click.echo(f"Wrote {output}")


@click.group("export")
def export() -> None:
    """Produce a Word document (.docx) from the command line, as a signed-in user would."""


@export.command("interim")
@click.option("--partnership", "partnership_id", type=int, required=True, help="Partnership id.")
@click.option("--from", "period_from", required=True, help="First day of the period, YYYY-MM-DD.")
@click.option("--to", "period_to", required=True, help="Last day of the period, YYYY-MM-DD.")
@click.option(
    "--school", "school_ids", type=int, multiple=True, help="A school id; repeat for several (default: all)."
)
@click.option("--author", default="Site administrator", show_default=True, help="Name on the title page.")
@click.option("-o", "--output", required=True, help="The .docx file to write.")
@with_appcontext
def export_interim(partnership_id, period_from, period_to, school_ids, author, output):
    """The partnership interim report for a period and (optionally) some of its schools."""
    partnership = db.session.get(Partnership, partnership_id) or _fail(f"No partnership {partnership_id}.")
    start, end = _date(period_from), _date(period_to)
    if end < start:
        _fail("--to is before --from.")
    report = data.interim(partnership, start, end, list(school_ids) or None)
    _write(documents.interim_report(report, author, marking=current_app.config["REPORT_MARKING"]), output)


@export.command("trio")
@click.option("--trio", "trio_id", type=int, required=True, help="Trio id.")
@click.option("--author", default="Site administrator", show_default=True)
@click.option("-o", "--output", required=True, help="The .docx file to write.")
@with_appcontext
def export_trio(trio_id, author, output):
    """A trio's lesson-study record."""
    trio = db.session.get(Trio, trio_id) or _fail(f"No trio {trio_id}.")
    _write(documents.trio_record(records.trio_record(trio), author), output)


@export.command("selfeval")
@click.option("--school", "school_id", type=int, required=True, help="School id.")
@click.option(
    "--date", "on", required=False, help="Date of the self-evaluation, YYYY-MM-DD (default: the latest)."
)
@click.option("--author", default="Site administrator", show_default=True)
@click.option("-o", "--output", required=True, help="The .docx file to write.")
@with_appcontext
def export_selfeval(school_id, on, author, output):
    """A school's self-evaluation pro-forma for one date."""
    from ..selfeval import overview as selfeval_overview

    school = db.session.get(School, school_id) or _fail(f"No school {school_id}.")
    dates = selfeval_overview.proforma_dates(school)
    day = _date(on) if on else (dates[0] if dates else None)
    if day not in dates:
        _fail(
            f"{school.name} has no self-evaluation dated {on}. Dates: {', '.join(map(str, dates)) or 'none'}."
        )
    _write(documents.self_evaluation(records.proforma(school, day), author), output)


@export.command("number-pages")
@click.option(
    "--report", "report_ids", type=int, multiple=True, help="A final report's id; repeat for several."
)
@click.option("--missing", is_flag=True, help="Every final report whose contents have no page numbers.")
@with_appcontext
def export_number_pages(report_ids, missing):
    """Lay final interim reports out again (LibreOffice) and keep their contents' page numbers."""
    reports = [db.session.get(InterimReport, i) or _fail(f"No interim report {i}.") for i in report_ids]
    if missing:
        finals = db.session.scalars(
            select(InterimReport).where(InterimReport.status == "final").order_by(InterimReport.id)
        )
        reports += [r for r in finals if not (r.page_numbers or {}).get("pages") and r not in reports]
    if not reports:
        _fail("Name a report (--report ID) or ask for --missing.")
    layout = page_numbers.Layout.from_config(current_app.config)
    failures = 0
    for report in reports:
        if not report.is_final:
            click.echo(f"Report {report.id}: a draft; page numbers are added when it is made final.")
            continue
        state = page_numbers.number_pages(report, current_app.config["REPORT_MARKING"], layout)
        db.session.commit()
        if state.get("pages"):
            click.echo(
                f"Report {report.id}: {len(state['pages'])} contents entries numbered ({state['seconds']} s)."
            )
        else:
            failures += 1
            click.echo(f"Report {report.id}: {state['failed']}")
    if failures:
        raise SystemExit(1)


def _fail(message: str):
    raise click.ClickException(message)
