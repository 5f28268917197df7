"""The workbook's Files sheet: every evidence file of the report's records, with its record.

The records are the ones the other sheets list, in the same scope: progress updates posted in
the period (actions at the chosen schools or partnership-wide), observations and pupil-voice notes
of the period in lessons at the chosen schools, and the chosen schools' self-evaluations up to the
period's end. One query a kind of record; nothing of the file's bytes is read.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from ..evidence import kind_of
from ..extensions import db
from ..models import (
    Action,
    CasePupil,
    Cycle,
    EvidenceFile,
    Observation,
    ProgressUpdate,
    PupilVoice,
    ResearchLesson,
    School,
    SelfEvaluation,
    Trio,
    User,
)
from .data import InterimData

Column = tuple[str, int, str]  # as workbook.write_sheet takes them: header, width, kind

FILE_COLUMNS: list[Column] = [
    ("Record", 18, "text"),
    ("Action or trio", 40, "text"),
    ("Lesson", 18, "text"),
    ("Case pupil", 10, "text"),
    ("School", 28, "text"),
    ("Record's date (UTC)", 18, "datetime"),
    ("Caption", 50, "text"),
    ("Type", 22, "text"),
    ("Size (KB)", 10, "number"),
    ("Uploaded by", 22, "text"),
    ("Uploaded (UTC)", 18, "datetime"),
    ("Starred or highlight", 10, "text"),
]

_FILE = (
    EvidenceFile.caption,
    EvidenceFile.content_type,
    EvidenceFile.size_bytes,
    EvidenceFile.uploaded_at,
)


def _row(kind, what, lesson, pupil, school, when, file, uploader, flagged):
    caption, content_type, size, uploaded_at = file
    return (
        kind,
        what,
        lesson,
        pupil,
        school,
        when,
        caption,
        kind_of(content_type),
        round(size / 1024, 1),
        uploader or "",
        uploaded_at,
        "Yes" if flagged else "",
    )


def file_rows(data: InterimData):
    start = datetime.combine(data.period_from, time.min, tzinfo=UTC)
    end = datetime.combine(data.period_to + timedelta(days=1), time.min, tzinfo=UTC)
    uploader = aliased(User)
    with_uploader = (uploader, EvidenceFile.uploaded_by_id == uploader.id)
    in_partnership = EvidenceFile.partnership_id == data.partnership_id
    for row in db.session.execute(
        select(Action.title, School.name, ProgressUpdate.created_at, ProgressUpdate.is_highlight)
        .add_columns(*_FILE, uploader.name)
        .select_from(EvidenceFile)
        .join(ProgressUpdate, EvidenceFile.progress_update_id == ProgressUpdate.id)
        .join(Action, ProgressUpdate.action_id == Action.id)
        .outerjoin(School, Action.school_id == School.id)
        .outerjoin(*with_uploader)
        .where(
            in_partnership,
            Action.partnership_id == data.partnership_id,
            or_(Action.school_id.in_(data.school_ids), Action.school_id.is_(None)),
            ProgressUpdate.created_at >= start,
            ProgressUpdate.created_at < end,
        )
        .order_by(ProgressUpdate.created_at, EvidenceFile.id)
    ):
        title, school, when, starred, *file, name = row
        yield _row("Progress update", title, "", "", school or "Partnership-wide", when, file, name, starred)
    for record, kind in ((Observation, "Observation"), (PupilVoice, "Pupil voice")):
        column = EvidenceFile.observation_id if record is Observation else EvidenceFile.pupil_voice_id
        for row in db.session.execute(
            select(
                Trio.name,
                Cycle.number,
                ResearchLesson.number,
                CasePupil.label,
                School.name,
                record.created_at,
                record.is_highlight,
            )
            .add_columns(*_FILE, uploader.name)
            .select_from(EvidenceFile)
            .join(record, column == record.id)
            .join(ResearchLesson, record.lesson_id == ResearchLesson.id)
            .join(Trio, ResearchLesson.trio_id == Trio.id)
            .join(Cycle, ResearchLesson.cycle_id == Cycle.id)
            .outerjoin(School, ResearchLesson.school_id == School.id)
            .outerjoin(CasePupil, record.case_pupil_id == CasePupil.id)
            .outerjoin(*with_uploader)
            .where(
                in_partnership,
                ResearchLesson.partnership_id == data.partnership_id,
                ResearchLesson.school_id.in_(data.school_ids),
                record.created_at >= start,
                record.created_at < end,
            )
            .order_by(Trio.name, ResearchLesson.lesson_date, record.created_at, EvidenceFile.id)
        ):
            trio, cycle, number, label, school, when, highlight, *file, name = row
            yield _row(
                kind,
                trio,
                f"Cycle {cycle}, lesson {number}",
                f"Pupil {label}" if label else "",
                school or "",
                when,
                file,
                name,
                highlight,
            )
    for row in db.session.execute(
        select(School.name, SelfEvaluation.evaluated_on)
        .add_columns(*_FILE, uploader.name)
        .select_from(EvidenceFile)
        .join(SelfEvaluation, EvidenceFile.self_evaluation_id == SelfEvaluation.id)
        .join(School, SelfEvaluation.school_id == School.id)
        .outerjoin(*with_uploader)
        .where(
            in_partnership,
            SelfEvaluation.partnership_id == data.partnership_id,
            SelfEvaluation.school_id.in_(data.school_ids),
            SelfEvaluation.evaluated_on <= data.period_to,
        )
        .order_by(School.name, SelfEvaluation.evaluated_on, EvidenceFile.id)
    ):
        school, on, *file, name = row
        yield _row("Self-evaluation", "", "", "", school, on, file, name, False)
