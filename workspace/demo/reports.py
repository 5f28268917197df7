"""The demo's interim report: a draft the lead has begun, from the start of the school year (or
further back, so that it holds all the demo's lessons and actions, which go back about two months
from the day it is loaded), so that a first visit to Reports finds a report to read, write in and
download, not only a form."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Partnership, School, User
from ..reports import drafts

TITLE = "Interim report to the local authorities"
REACH = timedelta(days=120)  # further back than anything the demo records
SUMMARY = (
    "Two lesson-study trios taught research lessons across the primary-secondary transition in this "
    "period, and the schools' actions moved on girls' and boys' confidence in STEM. The sections below "
    "start from what the trios learned and what the actions record; the lead finishes them before "
    "the report goes to Falkirk and Stirling."
)
ISSUES = (
    "Cover for the trios' observation mornings has been the barrier: two lessons moved back by a "
    "fortnight. We ask the authorities to keep the supply days promised for next term."
)


def school_year_start(today: date) -> date:
    """1 August: a Scottish school year runs from August."""
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


def period_start(today: date) -> date:
    """The start of the school year, or further back where that would leave demo records out."""
    return min(school_year_start(today), today - REACH)


def load_demo_report(partnership: Partnership, lead_email: str, today: date | None = None) -> None:
    today = today or date.today()
    lead = db.session.scalars(select(User).where(User.email == lead_email)).one()
    schools = list(db.session.scalars(select(School.id).where(School.partnership_id == partnership.id)))
    report = drafts.start_draft(partnership, lead, TITLE, period_start(today), today, schools)
    # The lead has written the summary and the support asked for; the rest is as a draft starts.
    written = {"summary": SUMMARY, "issues": ISSUES}
    drafts.save_sections(report, report.version, written, lead, set(written))
