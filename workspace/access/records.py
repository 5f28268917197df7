"""The records of a partnership, one kind at a time: which one a route may open (404 outside the
partnership) and who may change it (403 inside it)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from ..extensions import db
from ..models import (
    Action,
    InterimReport,
    Observation,
    ResearchLesson,
    Trio,
    TrioMember,
)
from ..reference import Role
from .core import PartnershipAccess, _in_partnership

# Trios ---------------------------------------------------------------------------------------------


def trio_in(access: PartnershipAccess, trio_id: int, loading: Select | None = None) -> Trio:
    """The partnership's trio; `loading` (a `record_by_id` statement) reads its members with it."""
    return _in_partnership(Trio, access, trio_id, loading)


def lesson_in(
    access: PartnershipAccess, trio: Trio, lesson_id: int, loading: Select | None = None
) -> ResearchLesson:
    """The trio's research lesson; `loading` (a `record_by_id` statement) reads its plan with it."""
    lesson = _in_partnership(ResearchLesson, access, lesson_id, loading)
    if lesson.trio_id != trio.id:
        abort(404)
    return lesson


def is_trio_member(user_id: int, trio: Trio) -> bool:
    return (
        db.session.scalar(
            select(TrioMember.id).where(TrioMember.trio_id == trio.id, TrioMember.user_id == user_id)
        )
        is not None
    )


def can_change_trio(access: PartnershipAccess, trio, in_trio: bool | None = None) -> bool:
    """Trio members and the partnership's leads change a trio; every member reads it. Where the
    caller has already read whether this person is in the trio, it says so in `in_trio`."""
    if access.can_manage:
        return True
    if not access.can_contribute:
        return False
    return in_trio if in_trio is not None else is_trio_member(access.user_id, trio)


def require_trio_change(access: PartnershipAccess, trio: Trio) -> None:
    if not can_change_trio(access, trio):
        abort(403)


def observation_in(access: PartnershipAccess, lesson: ResearchLesson, observation_id: int) -> Observation:
    observation = _in_partnership(Observation, access, observation_id)
    if observation.lesson_id != lesson.id:
        abort(404)
    return observation


def can_change_observation(access: PartnershipAccess, observation: Observation) -> bool:
    """Observers edit and delete their own entries."""
    return access.can_contribute and observation.observer_id == access.user_id


# Actions -------------------------------------------------------------------------------------------


def action_in(access: PartnershipAccess, action_id: int) -> Action:
    return _in_partnership(Action, access, action_id)


def action_schools(access: PartnershipAccess) -> set[int | None] | None:
    """Where this person may make actions: None means anywhere (leads), else their own school."""
    if access.can_manage:
        return None
    if access.can_contribute and access.school_id:
        return {access.school_id}
    return set()


def can_change_action(access: PartnershipAccess, action: Action) -> bool:
    """Leads change any action; teachers change the actions they own; reviewers none."""
    if access.can_manage:
        return True
    return access.can_contribute and action.owner_id == access.user_id


def require_action_change(access: PartnershipAccess, action: Action) -> None:
    if not can_change_action(access, action):
        abort(403)


def commentable_in(access: PartnershipAccess, record_type: str, record_id: int):
    """The trio, research lesson or action being commented on, if it is this partnership's."""
    model = {"action": Action, "trio": Trio, "lesson": ResearchLesson, "report": InterimReport}.get(
        record_type
    )
    if model is None:
        abort(404)
    return _in_partnership(model, access, record_id)


# Interim reports -----------------------------------------------------------------------------------


def report_in(access: PartnershipAccess, report_id: int) -> InterimReport:
    return _in_partnership(InterimReport, access, report_id)


def writable_report_sections(access: PartnershipAccess, report: InterimReport, keys: list[str]) -> set[str]:
    """The sections of a draft this person writes: leads all of them, a trio's members its own
    paragraph ("trio:<id>"), reviewers none. A final report is read-only for everyone."""
    if report.is_final or not access.can_contribute:
        return set()
    if access.can_manage:
        return set(keys)
    own = {
        f"trio:{trio_id}"
        for trio_id in db.session.scalars(
            select(TrioMember.trio_id).where(TrioMember.user_id == access.user_id)
        )
    }
    return {key for key in keys if key in own}


def require_report_lead(access: PartnershipAccess) -> None:
    """Starting, finalising and redrafting reports: the partnership's leads."""
    if not access.can_manage:
        abort(403)


# Self-evaluation -----------------------------------------------------------------------------------


def can_evaluate(access: PartnershipAccess, school_id: int) -> bool:
    """Teachers evaluate their own school; leads any school; reviewers read."""
    if access.can_manage:
        return True
    return access.can_contribute and access.membership_id is not None and access.school_id == school_id


def require_evaluate(access: PartnershipAccess, school_id: int) -> None:
    if not can_evaluate(access, school_id):
        abort(403)


def self_evaluation_in(access: PartnershipAccess, evaluation_id: int):
    from ..models import SelfEvaluation

    return _in_partnership(SelfEvaluation, access, evaluation_id)


# Data protection ------------------------------------------------------------------------------------


def require_data_steward(access: PartnershipAccess) -> None:
    """Retention, exports of everything, case-pupil exports: the partnership's leads and site
    administrators, even when the partnership is archived (reading is still allowed then)."""
    if not (access.is_admin or access.role is Role.LEAD):
        abort(403)


def require_site_admin(access: PartnershipAccess) -> None:
    if not access.is_admin:
        abort(403)


# Evidence files -------------------------------------------------------------------------------------


def evidence_file_in(access: PartnershipAccess, file_id: int):
    """A file of this partnership, or 404. Reading it follows its record's rule: every member of
    the partnership reads progress updates, observations, pupil voice and self-evaluations."""
    from ..models import EvidenceFile

    return _in_partnership(EvidenceFile, access, file_id)


def can_remove_evidence(access: PartnershipAccess, evidence) -> bool:
    """A lead removes any file; whoever uploaded one, their own (while they may still contribute)."""
    if access.can_manage:
        return True
    return access.can_contribute and evidence.uploaded_by_id == access.user_id


def require_evidence_removal(access: PartnershipAccess, evidence) -> None:
    if not can_remove_evidence(access, evidence):
        abort(403)
