"""SQLAlchemy 2.0 models. Every table that belongs to a partnership carries partnership_id."""
from .frameworks import ChallengeQuestion, Framework, FrameworkElement, FrameworkLevel, FrameworkLink
from .partnerships import Partnership, School
from .people import Invite, Membership, SignInAttempt, User

__all__ = [
    "ChallengeQuestion", "Framework", "FrameworkElement", "FrameworkLevel", "FrameworkLink", "Invite", "Membership", "Partnership", "School", "SignInAttempt", "User"]
