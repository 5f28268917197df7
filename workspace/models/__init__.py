"""SQLAlchemy 2.0 models. Every table that belongs to a partnership carries partnership_id."""
from .partnerships import Partnership, School
from .people import Invite, Membership, SignInAttempt, User

__all__ = ["Invite", "Membership", "Partnership", "School", "SignInAttempt", "User"]
