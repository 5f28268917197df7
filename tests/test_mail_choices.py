"""Each person's choice of e-mail: the account's E-mail page, and the one-click unsubscribe
(RFC 8058) that works without signing in, for one kind of e-mail only."""

from datetime import date, timedelta

from sqlalchemy import select

from tests.conftest import html
from tests.test_mail_reminders import add_action, run
from workspace.extensions import db
from workspace.models import OutboxMessage, OutboxState, User

TODAY = date(2026, 11, 20)


def account(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def test_one_click_unsubscribe_turns_off_that_kind_only_without_signing_in(app, world, mailbox, make_client):
    with app.app_context():
        add_action(world, "Lead's overdue action", owner="lead", due=TODAY - timedelta(days=1))
        db.session.commit()
    run(app, "send-digest")
    run(app, "send-reminders")
    run(app, "send-mail")
    digest, reminders = sorted(mailbox.to(world["a"]["lead"]), key=lambda m: "week" not in m["Subject"])
    assert "the week to" in digest["Subject"] and "need" in reminders["Subject"]
    link = digest["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("https://workspace.example.org")

    visitor = make_client()  # signed out
    page = visitor.get(path)
    assert page.status_code == 200 and "Stop the weekly digest" in html(page)
    assert account(app, world["a"]["lead"]).mail_digest is None  # a GET changes nothing
    # What a mail client sends (RFC 8058): no session, no CSRF token.
    done = visitor.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert done.status_code == 200 and "no more the weekly digest" in html(done)
    lead = account(app, world["a"]["lead"])
    assert lead.mail_digest is False and lead.mail_reminders is True

    assert visitor.post(path[:-3] + "abc", csrf=False).status_code == 404  # a forged token
    assert visitor.get("/mail/unsubscribe/not-a-token").status_code == 404

    reminders_path = reminders["List-Unsubscribe"].strip("<>").removeprefix("https://workspace.example.org")
    assert visitor.post(reminders_path, data={"List-Unsubscribe": "One-Click"}, csrf=False).status_code == 200
    assert account(app, world["a"]["lead"]).mail_reminders is False


def test_a_message_queued_before_unsubscribing_does_not_go(app, world, mailbox, make_client):
    run(app, "send-digest")
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.to_address == world["a"]["lead"])
        )
        path = message.unsubscribe_url.removeprefix("https://workspace.example.org")
    make_client().post(path, csrf=False)
    assert "no longer wanted 1" in run(app, "send-mail")
    assert mailbox.to(world["a"]["lead"]) == []
    with app.app_context():
        assert db.session.get(OutboxMessage, message.id).state == OutboxState.CANCELLED


def test_the_email_page_saves_choices_and_offers_the_digest_to_leads_and_reviewers(app, world, make_client):
    reviewer = make_client(account(app, world["a"]["reviewer"]))
    page = html(reviewer.get("/account/email"))
    assert '<input checked id="reminders" name="reminders" type="checkbox" value="y">' in page
    assert (
        '<input id="digest" name="digest" type="checkbox" value="y">' in page
    )  # reviewers: off unless asked
    response = reviewer.post("/account/email", data={"digest": "y"})
    assert response.status_code == 303
    saved = account(app, world["a"]["reviewer"])
    assert saved.mail_digest is True and saved.mail_reminders is False
    assert "Your e-mail choices are saved." in html(reviewer.get("/account/email"))

    teacher = make_client(account(app, world["a"]["teacher"]))
    page = html(teacher.get("/account/email"))
    assert 'id="digest"' not in page and "The weekly digest is for partnership leads and reviewers." in page
    assert make_client().get("/account/email").status_code == 302  # signed out: to sign in
