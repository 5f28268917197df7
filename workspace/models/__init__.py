"""SQLAlchemy 2.0 models. Every table that belongs to a partnership carries partnership_id."""

from .actions import Action, ActionStatusChange, ProgressUpdate
from .activity import Activity, Comment
from .evidence import EvidenceFile
from .exchange import Finding, FindingObservation, FindingReuse, ProgrammeGrant
from .frameworks import ChallengeQuestion, Framework, FrameworkElement, FrameworkLevel, FrameworkLink
from .mail import ActionReminder, MailBounce, MailKind, OutboxMessage, OutboxState
from .observations import NextStep, Observation, PupilVoice
from .partnerships import Partnership, School
from .people import (
    ExternalIdentity,
    Invite,
    Membership,
    RecoveryCode,
    SignInAttempt,
    SignInStep,
    TwoStepSetup,
    User,
)
from .reports import InterimReport, InterimReportVersion
from .selfeval import SelfEvaluation, SelfEvaluationEvidence
from .single_sign_on import SamlAssertionSeen, SamlRequest
from .throttle import SignInThrottle
from .trios import CasePupil, Cycle, LessonStage, Prediction, ResearchLesson, Trio, TrioMember

__all__ = [
    "Action",
    "ActionReminder",
    "ActionStatusChange",
    "Activity",
    "CasePupil",
    "Comment",
    "ProgressUpdate",
    "ChallengeQuestion",
    "Cycle",
    "EvidenceFile",
    "ExternalIdentity",
    "Framework",
    "FrameworkElement",
    "FrameworkLevel",
    "FrameworkLink",
    "Finding",
    "FindingObservation",
    "FindingReuse",
    "ProgrammeGrant",
    "InterimReport",
    "InterimReportVersion",
    "Invite",
    "LessonStage",
    "MailBounce",
    "MailKind",
    "Membership",
    "NextStep",
    "Observation",
    "OutboxMessage",
    "OutboxState",
    "Partnership",
    "Prediction",
    "PupilVoice",
    "RecoveryCode",
    "ResearchLesson",
    "SamlAssertionSeen",
    "SamlRequest",
    "School",
    "SelfEvaluation",
    "SelfEvaluationEvidence",
    "SignInAttempt",
    "SignInStep",
    "SignInThrottle",
    "Trio",
    "TrioMember",
    "TwoStepSetup",
    "User",
]
