"""flask send-reminders: a week before due, overdue and stale, to each owner, one e-mail a day at
most, nothing the second time it runs on a day; read back from a real SMTP server."""

from datetime import date, timedelta

from sqlalchemy import select

from tests.mailbox import BASE_URL, parts
from workspace.actions import services as action_services
from workspace.extensions import db
from workspace.models import Action, Partnership, User

TODAY = date(2026, 11, 20)  # the suite's frozen clock


def run(app, command: str) -> str:
    result = app.test_cli_runner().invoke(args=[command])
    assert result.exit_code == 0, result.output
    return result.output


def add_action(world, title, owner="teacher", due=None, status="in_progress", weeks_quiet=0):
    partnership = db.session.get(Partnership, world["a"]["partnership_id"])
    owner_user = db.session.scalar(select(User).where(User.email == world["a"][owner]))
    lead = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
    action = action_services.create_action(
        partnership, lead, title, "", world["a"]["school_ids"][0], owner_user.id, due, status, []
    )
    if weeks_quiet:
        action.last_progress_at = action.last_progress_at - timedelta(weeks=weeks_quiet)
    db.session.flush()
    return action


def test_owners_hear_of_due_overdue_and_stale_actions_once(app, world, mailbox, frozen_clock):
    with app.app_context():
        due_soon = add_action(world, "Share the fraction walls", due=TODAY + timedelta(days=7))
        add_action(world, "Number talks in P5", due=TODAY - timedelta(days=1))
        add_action(world, "Visit the high school", due=TODAY + timedelta(days=8))
        add_action(world, "Already done", due=TODAY - timedelta(days=3), status="complete")
        add_action(world, "Parents' maths evening", weeks_quiet=5)
        add_action(world, "Lead's own overdue action", owner="lead", due=TODAY - timedelta(days=10))
        db.session.commit()
        due_soon_id = due_soon.id

    assert "Queued 2 reminder e-mails" in run(app, "send-reminders")
    run(app, "send-mail")
    [teacher_mail] = mailbox.to(world["a"]["teacher"])
    assert teacher_mail["Subject"] == "Partnership Alpha: 3 of your actions need attention"
    text, body = parts(teacher_mail)
    overdue, due, stale = (
        text.index(h) for h in ("Overdue:", "Due within a week:", "No update for 4 weeks:")
    )
    assert overdue < text.index("Number talks in P5") < due < text.index("Share the fraction walls") < stale
    assert stale < text.index("Parents' maths evening")
    assert "Visit the high school" not in text and "Already done" not in text
    assert f"{BASE_URL}/p/{world['a']['partnership_id']}/actions/{due_soon_id}" in body
    assert "Parents&#39; maths evening" in body  # escaped in the HTML part
    unsubscribe = teacher_mail["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{BASE_URL}/mail/unsubscribe/")
    assert teacher_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"List-Unsubscribe: {unsubscribe}\r\n".encode() in mailbox.raw[0] + mailbox.raw[1]  # not encoded
    assert unsubscribe.strip("<>") in text and unsubscribe.strip("<>") in body
    assert len(mailbox.to(world["a"]["lead"])) == 1

    # Twice on a day: nothing the second time, even for an action overdue since the first run.
    with app.app_context():
        add_action(world, "Newly overdue", due=TODAY - timedelta(days=2))
        db.session.commit()
    assert "Queued 0" in run(app, "send-reminders")
    run(app, "send-mail")
    assert len(mailbox.messages) == 2

    # The next day: only what is new is said (the visit is now a week away).
    frozen_clock.shift(timedelta(days=1))
    assert "Queued 1 reminder e-mail." in run(app, "send-reminders")
    run(app, "send-mail")
    second = mailbox.to(world["a"]["teacher"])[1]
    assert "2 of your actions need attention" in second["Subject"]
    text = parts(second)[0]
    assert "Newly overdue" in text and "Visit the high school" in text
    assert "Share the fraction walls" not in text and "Number talks" not in text

    # A week on, the action that was due soon is overdue: that is a new reminder.
    frozen_clock.shift(timedelta(days=7))
    run(app, "send-reminders")
    run(app, "send-mail")
    third = mailbox.to(world["a"]["teacher"])[2]
    text = parts(third)[0]
    assert text.index("Overdue:") < text.index("Share the fraction walls")
    assert "Number talks in P5" not in text  # its overdue reminder was given already


def test_no_reminders_without_mail_settings_or_for_people_who_turned_them_off(
    app, world, mailbox, monkeypatch
):
    with app.app_context():
        add_action(world, "Overdue for someone who said no", due=TODAY - timedelta(days=1))
        db.session.scalar(select(User).where(User.email == world["a"]["teacher"])).mail_reminders = False
        db.session.commit()
    assert "Queued 0" in run(app, "send-reminders")
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    assert "Mail is not set up" in run(app, "send-reminders")
    with app.app_context():
        assert db.session.scalar(select(Action.id).where(Action.title.startswith("Overdue for")))
