"""The mail settings, and links that work outside the request that made them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    security: str  # "starttls", "tls" or "none"
    username: str | None
    password: str | None
    sender: str
    timeout: float
    max_attempts: int


SECURITY_CHOICES = ("starttls", "tls", "none")


def mail_settings() -> MailSettings | None:
    """The settings, or None when mail is not set up: then nothing is queued or sent."""
    config = current_app.config
    if not (config.get("MAIL_SERVER") and config.get("MAIL_SENDER") and config.get("BASE_URL")):
        return None
    security = str(config.get("MAIL_SECURITY") or "starttls").lower()
    if security not in SECURITY_CHOICES:
        raise RuntimeError(f"MAIL_SECURITY is {security!r}: choose one of {', '.join(SECURITY_CHOICES)}.")
    return MailSettings(
        server=config["MAIL_SERVER"],
        port=int(config.get("MAIL_PORT") or 587),
        security=security,
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        sender=config["MAIL_SENDER"],
        timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 30),
        max_attempts=int(config.get("MAIL_MAX_ATTEMPTS") or 10),
    )


def mail_is_set_up() -> bool:
    return mail_settings() is not None


def absolute_url(endpoint: str, **values) -> str:
    """A full link to a page, from BASE_URL: the commands that send reminders have no request to
    take a host from, and a link in an e-mail must not depend on who happened to cause it."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
