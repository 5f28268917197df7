"""The outbox and its sender, against a real SMTP server (tests/mailbox.py): invitations e-mailed
once, a refusing or absent server retried with backoff, a permanent refusal marked and not retried,
and a crash between the server's acceptance and our mark never sent twice."""

import re
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from tests import factories
from tests.conftest import html
from tests.mailbox import BASE_URL, all_text, parts
from tests.test_invites import make_invite
from workspace.extensions import db
from workspace.mail import sending
from workspace.models import MailBounce, OutboxMessage, OutboxState, Partnership
from workspace.reference import Role


def send_mail(app) -> str:
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    return result.output


def outbox_rows(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def test_without_mail_settings_nothing_is_queued_and_the_link_is_shown(client, world, app):
    client.sign_in(world["a"]["lead"])
    response, _link = make_invite(client, world, "no.mail@example.org")
    assert "Send this link to" in html(response)
    assert outbox_rows(app) == []
    assert "Mail is not set up" in send_mail(app)


def test_an_invitation_is_emailed_once_with_both_parts_and_the_link_shown(client, world, app, mailbox):
    with app.app_context():
        db.session.get(Partnership, world["a"]["partnership_id"]).name = "Forth & Clyde <Partnership>"
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    response, link = make_invite(client, world, "Morag.Campbell@School.Scot")
    assert "on its way by e-mail" in html(response)
    assert mailbox.messages == []  # queued, not sent, by the request

    assert "Sent 1;" in send_mail(app)
    assert "Sent 0;" in send_mail(app)
    [message] = mailbox.messages
    assert message["To"] == "morag.campbell@school.scot"
    assert message["Subject"].startswith("Forth & Clyde <Partnership>:")
    text, body = parts(message)
    assert BASE_URL + link in text and f'href="{BASE_URL + link}"' in body
    assert "Forth &amp; Clyde &lt;Partnership&gt;" in body and "<Partnership>" not in body
    assert "<style" not in body and "<script" not in body and 'style="' in body
    assert "List-Unsubscribe" not in message  # an invitation is not optional
    [row] = outbox_rows(app)
    assert row.state == OutboxState.SENT and row.message_id == message["Message-ID"]
    assert row.text_body == "" and row.html_body == ""  # the token is not kept once sent


def test_inviting_again_before_the_mail_went_sends_only_the_new_link(client, world, app, mailbox):
    client.sign_in(world["a"]["lead"])
    _first, old_link = make_invite(client, world, "again@example.org")
    _second, new_link = make_invite(client, world, "again@example.org")
    send_mail(app)
    [message] = mailbox.to("again@example.org")
    assert new_link in all_text(message) and old_link not in all_text(message)
    assert [r.state for r in outbox_rows(app) if r.to_address == "again@example.org"] == [
        OutboxState.CANCELLED,
        OutboxState.SENT,
    ]
    assert client.get(old_link).status_code == 404


def test_a_refusing_server_leaves_the_message_queued_and_it_is_retried_with_backoff(
    client, world, app, mailbox, frozen_clock
):
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "later@example.org")
    mailbox.refuse_all = "451 4.3.0 Try again later"
    assert "to retry later 1" in send_mail(app)
    [row] = [r for r in outbox_rows(app) if r.to_address == "later@example.org"]
    assert row.state == OutboxState.QUEUED and row.attempts == 1 and "451" in row.last_error
    mailbox.refuse_all = None
    send_mail(app)  # not yet: the next attempt is five minutes on
    assert mailbox.messages == []
    frozen_clock.shift(timedelta(minutes=6))
    send_mail(app)
    frozen_clock.shift(timedelta(hours=7))
    send_mail(app)
    assert len(mailbox.to("later@example.org")) == 1
    assert sending.retry_delay(1) == timedelta(minutes=5) and sending.retry_delay(30) == timedelta(hours=6)


def test_a_server_that_is_down_leaves_the_message_queued(
    client, world, app, mailbox, frozen_clock, monkeypatch
):
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "down@example.org")
    from tests.mailbox import free_port

    port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    output = send_mail(app)
    assert "to retry later 1" in output and "ConnectionRefusedError" in output
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    frozen_clock.shift(timedelta(minutes=6))
    send_mail(app)
    send_mail(app)
    assert len(mailbox.to("down@example.org")) == 1


def new_reviewer(app, world, email):
    with app.app_context():
        factories.member(db.session.get(Partnership, world["a"]["partnership_id"]), email, Role.REVIEWER)
        db.session.commit()
    return SimpleNamespace(email=email)


def test_a_permanent_refusal_marks_the_address_and_nothing_more_goes_to_it(
    client, world, app, mailbox, frozen_clock, make_client
):
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "gone@example.org")
    mailbox.refused_addresses.add("gone@example.org")
    assert "bounced 1" in send_mail(app)
    with app.app_context():
        assert db.session.scalar(select(MailBounce.reason).where(MailBounce.email == "gone@example.org"))
    make_invite(client, world, "gone@example.org")  # the lead tries again: not queued
    frozen_clock.shift(timedelta(days=1))
    send_mail(app)
    assert mailbox.recipients_tried == ["gone@example.org"]
    client.sign_in(world["a"]["lead"])  # a day on, the session has ended
    members = html(client.get(f"/p/{world['a']['partnership_id']}/members"))
    assert "E-mail bounced" in members
    gone = make_client(new_reviewer(app, world, "gone@example.org"))
    assert "The mail server refused this address" in html(gone.get("/account/email"))


def test_a_crash_between_acceptance_and_mark_is_never_sent_again_by_itself(
    client, world, app, mailbox, frozen_clock, monkeypatch
):
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "crash@example.org")
    finish = sending._finish

    def die_after_the_server_accepted(message, state, reason=""):
        if state == OutboxState.SENT:
            raise KeyboardInterrupt  # the process stops before it can mark the message sent
        finish(message, state, reason)

    monkeypatch.setattr(sending, "_finish", die_after_the_server_accepted)
    with app.app_context():
        try:
            sending.send_queued()
        except KeyboardInterrupt:
            db.session.rollback()
    monkeypatch.setattr(sending, "_finish", finish)
    assert len(mailbox.to("crash@example.org")) == 1
    send_mail(app)  # the claim is fresh: another sender may be at work on it; left alone
    frozen_clock.shift(timedelta(minutes=20))
    output = send_mail(app)
    [row] = [r for r in outbox_rows(app) if r.to_address == "crash@example.org"]
    assert row.state == OutboxState.UNCONFIRMED and f"--requeue {row.message_id}" in output
    send_mail(app)
    assert len(mailbox.to("crash@example.org")) == 1
    # The operator found no trace of it in the server's log: put back, it goes (the same Message-ID).
    result = app.test_cli_runner().invoke(args=["send-mail", "--requeue", row.message_id])
    assert result.exit_code == 0, result.output
    send_mail(app)
    assert [m["Message-ID"] for m in mailbox.to("crash@example.org")] == [row.message_id] * 2


def test_a_message_is_claimed_by_one_sender_only(client, world, app, mailbox):
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "once@example.org")
    [row] = outbox_rows(app)
    with app.app_context():
        settings = sending.mail_settings()
        smtp = sending.connect(settings)
        try:
            assert sending._send_one(smtp, row.message_id, settings) == "sent"
            assert sending._send_one(smtp, row.message_id, settings) is None
        finally:
            smtp.quit()
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert len(mailbox.messages) == 1


def test_the_links_start_with_the_base_url(client, world, app, mailbox):
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "links@example.org")
    send_mail(app)
    [message] = mailbox.messages
    links = re.findall(r'href="([^"]+)"', parts(message)[1])
    assert links and all(link.startswith(BASE_URL + "/") for link in links)


def test_a_deployment_without_cron_can_send_after_the_request(client, world, app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", True)
    client.sign_in(world["a"]["lead"])
    response, link = make_invite(client, world, "right.away@example.org")
    response.close()  # what the server does once the response has gone
    [message] = mailbox.to("right.away@example.org")
    assert link in all_text(message)
    assert [r.state for r in outbox_rows(app)] == [OutboxState.SENT]


def test_a_name_with_a_line_break_makes_a_one_line_subject(client, world, app, mailbox):
    """A line break typed into a name is no header of its own, and does not stop the outbox."""
    with app.app_context():
        db.session.get(
            Partnership, world["a"]["partnership_id"]
        ).name = "Forth\r\nBcc: someone@elsewhere.example"
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    make_invite(client, world, "line.break@example.org")
    assert "Sent 1;" in send_mail(app)
    [message] = mailbox.messages
    assert message["Subject"].startswith("Forth Bcc: someone@elsewhere.example:")
    assert message["Bcc"] is None and message["To"] == "line.break@example.org"
