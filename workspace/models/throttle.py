from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime


class SignInThrottle(Model):
    """Sign-in attempts that count against an account or an address in the current window.

    One row per key ("account:<e-mail>", "address:<ip>"), moved on by a single upsert per attempt,
    so that workers deciding at the same moment each see the others' attempts (see
    auth.services.take_attempt). The full history of attempts is in sign_in_attempt."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
