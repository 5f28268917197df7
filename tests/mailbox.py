"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, and the `mailbox` fixture that
points the workspace at it. Every message it receives in a test is searched, at the test's end, for
any case-pupil descriptor, prediction, observation or pupil-voice text in the database: none may be
in an e-mail."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from workspace.extensions import db
from workspace.models import CasePupil, Observation, Prediction, PupilVoice


@dataclass
class Recorder:
    """What the server received, and how it answers: refuse_all (e.g. "451 4.3.0 Try later") at
    RCPT TO for everyone, or a permanent 550 for the addresses in refused_addresses."""

    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    recipients_tried: list[str] = field(default_factory=list)
    refuse_all: str | None = None
    refused_addresses: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.recipients_tried.append(address)
        if self.refuse_all:
            return self.refuse_all
        if address in self.refused_addresses:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        self.messages.clear()
        self.raw.clear()
        self.recipients_tried.clear()
        self.refuse_all = None
        self.refused_addresses.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


BASE_URL = "https://workspace.example.org"


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a message."""
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def all_text(message: EmailMessage) -> str:
    text, html = parts(message)
    return "\n".join([str(message["Subject"]), text, html])


def pupil_texts() -> set[str]:
    found = set()
    for column in (
        CasePupil.descriptor,
        CasePupil.success_criterion,
        CasePupil.discussion_progress,
        Prediction.text,
        Observation.text,
        PupilVoice.response,
    ):
        found.update(t.strip() for t in db.session.scalars(select(column)) if t and len(t.strip()) >= 6)
    return found


@pytest.fixture
def mailbox(app, smtp_server, monkeypatch):
    recorder: Recorder = smtp_server.handler
    recorder.reset()
    for name, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_SECURITY": "none",
        "MAIL_SENDER": "Partnership Workspace <workspace@example.org>",
        "MAIL_TIMEOUT_SECONDS": 5,
        "BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    yield recorder
    with app.app_context():
        forbidden = pupil_texts()
        for message in recorder.messages:
            body = all_text(message)
            leaked = [t for t in forbidden if t in body]
            assert not leaked, f"pupil data in an e-mail to {message['To']}: {leaked}"
