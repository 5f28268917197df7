"""SQLAlchemy 2.0 models. Every table that belongs to a partnership carries partnership_id."""

from .actions import Action, ActionStatusChange, ProgressUpdate
from .activity import Activity, Comment
from .exchange import Finding, FindingObservation, FindingReuse, ProgrammeGrant
from .frameworks import ChallengeQuestion, Framework, FrameworkElement, FrameworkLevel, FrameworkLink
from .observations import NextStep, Observation, PupilVoice
from .partnerships import Partnership, School
from .people import Invite, Membership, RecoveryCode, SignInAttempt, SignInStep, TwoStepSetup, User
from .reports import InterimReport, InterimReportVersion
from .selfeval import SelfEvaluation, SelfEvaluationEvidence
from .throttle import SignInThrottle
from .trios import CasePupil, Cycle, LessonStage, Prediction, ResearchLesson, Trio, TrioMember

__all__ = [
    "Action",
    "ActionStatusChange",
    "Activity",
    "CasePupil",
    "Comment",
    "ProgressUpdate",
    "ChallengeQuestion",
    "Cycle",
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
    "Membership",
    "NextStep",
    "Observation",
    "Partnership",
    "Prediction",
    "PupilVoice",
    "RecoveryCode",
    "ResearchLesson",
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
