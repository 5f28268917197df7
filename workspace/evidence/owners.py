"""The records evidence files belong to, found through workspace.access as their own pages find them:
for each, the record, whether this person may attach files to it, its page and its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, url_for

from ..access import (
    PartnershipAccess,
    action_in,
    can_change_action,
    can_change_trio,
    can_evaluate,
    lesson_in,
    observation_in,
    self_evaluation_in,
    trio_in,
)
from ..actions.services import update_in
from ..extensions import db
from ..models import EvidenceFile, ProgressUpdate, PupilVoice


@dataclass(frozen=True)
class Owner:
    record_type: str
    record: Any  # a ProgressUpdate, Observation, PupilVoice or SelfEvaluation
    may_attach: bool
    back_url: str  # the record's page, where its files are shown
    heading: str  # what the attach page is about
    activity_type: str  # the record the activity feed links to
    activity_id: int
    summary: str = ""  # the record's own words, shown above its files


def progress_update(access: PartnershipAccess, action_id: int, update_id: int) -> Owner:
    action = action_in(access, action_id)
    update = update_in(action, update_id)
    if update is None:
        abort(404)
    url = url_for("actions.detail", partnership_id=access.partnership_id, action_id=action.id)
    return Owner(
        "progress_update",
        update,
        can_change_action(access, action),
        url + "#progress",
        f"Progress on “{action.title}”, {update.created_at:%-d %B %Y}",
        "action",
        action.id,
        update.text,
    )


def observation(access: PartnershipAccess, trio_id: int, lesson_id: int, observation_id: int) -> Owner:
    trio = trio_in(access, trio_id)
    lesson = lesson_in(access, trio, lesson_id)
    entry = observation_in(access, lesson, observation_id)
    url = url_for("trios.observe", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id)
    return Owner(
        "observation",
        entry,
        can_change_trio(access, trio),
        f"{url}#observation-{entry.id}",
        f"An observation of pupil {entry.case_pupil.label} in “{trio.name}”",
        "lesson",
        lesson.id,
        entry.text,
    )


def pupil_voice(access: PartnershipAccess, trio_id: int, lesson_id: int, note_id: int) -> Owner:
    trio = trio_in(access, trio_id)
    lesson = lesson_in(access, trio, lesson_id)
    note = db.session.get(PupilVoice, note_id)
    if note is None or note.lesson_id != lesson.id:
        abort(404)
    url = url_for("trios.voice", partnership_id=access.partnership_id, trio_id=trio.id, lesson_id=lesson.id)
    return Owner(
        "pupil_voice",
        note,
        can_change_trio(access, trio),
        url,
        f"Pupil voice of pupil {note.case_pupil.label} in “{trio.name}”",
        "lesson",
        lesson.id,
        note.response,
    )


def self_evaluation(access: PartnershipAccess, evaluation_id: int) -> Owner:
    evaluation = self_evaluation_in(access, evaluation_id)
    url = url_for("selfeval.detail", partnership_id=access.partnership_id, evaluation_id=evaluation.id)
    return Owner(
        "self_evaluation",
        evaluation,
        can_evaluate(access, evaluation.school_id),
        url,
        f"{evaluation.school.name}'s self-evaluation of {evaluation.evaluated_on:%-d %B %Y}",
        "self_evaluation",
        evaluation.id,
        evaluation.how_know,
    )


def of_file(access: PartnershipAccess, evidence: EvidenceFile) -> Owner:
    """The record a file belongs to, as its attach route would find it."""
    from ..models import Observation, ResearchLesson

    record_type, record_id = evidence.owner
    if record_type == "progress_update":
        update = db.session.get_one(ProgressUpdate, record_id)
        return progress_update(access, update.action_id, record_id)
    if record_type == "self_evaluation":
        return self_evaluation(access, record_id)
    if record_type == "observation":
        lesson_id = db.session.get_one(Observation, record_id).lesson_id
    else:
        lesson_id = db.session.get_one(PupilVoice, record_id).lesson_id
    lesson = db.session.get_one(ResearchLesson, lesson_id)
    finder = observation if record_type == "observation" else pupil_voice
    return finder(access, lesson.trio_id, lesson.id, record_id)
