"""flask send-digest: the week's digest for leads (and reviewers who ask), its content against the
database, once a week; read back from a real SMTP server, with no pupil data in it."""

from datetime import date, timedelta

from sqlalchemy import func, select

from tests.mailbox import BASE_URL, all_text, parts
from tests.test_mail_reminders import add_action, run
from workspace.actions import services as action_services
from workspace.activity import services as activity
from workspace.extensions import db
from workspace.models import Action, CasePupil, Observation, ResearchLesson, User
from workspace.models.base import utcnow

TODAY = date(2026, 11, 20)
DESCRIPTORS = ("Keen reader, quiet in group work", "Enjoys practical tasks, avoids writing", "New to English")


def user(world, who, side="a"):
    return db.session.scalar(select(User).where(User.email == world[side][who]))


def a_busy_week(app, world):
    """The world's week (its action, lesson, next step and self-evaluation are all new) and more:
    an overdue, a completed and a stale action, a comment on the lead's action, case pupils described."""
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        lesson.lesson_date = TODAY - timedelta(days=2)
        for pupil, descriptor in zip(lesson.case_pupils, DESCRIPTORS, strict=False):
            pupil.descriptor = descriptor
        add_action(world, "Number talks in P5", due=TODAY - timedelta(days=1))
        done = add_action(world, "Order the fraction walls")
        action_services.post_progress(done, user(world, "teacher"), "Ordered.", "", "complete")
        add_action(world, "Parents' maths evening", weeks_quiet=5)
        lead_action = add_action(world, "Agree the cluster calendar", owner="lead")
        activity.add_comment(
            world["a"]["partnership_id"], "action", lead_action.id, user(world, "teacher"), "Draft attached."
        )
        user(world, "reviewer").mail_digest = True  # this reviewer asked for it
        db.session.commit()


def test_the_digest_says_what_the_week_brought_to_leads_and_reviewers_who_asked(app, world, mailbox):
    a_busy_week(app, world)
    assert "Queued 3 digests" in run(app, "send-digest")  # two leads, one reviewer
    run(app, "send-mail")
    assert mailbox.to(world["a"]["teacher"]) == [] and mailbox.to(world["b"]["reviewer"]) == []
    [digest] = mailbox.to(world["a"]["lead"])
    assert digest["Subject"] == "Partnership Alpha: the week to 20 November 2026"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, body = parts(digest)
    with app.app_context():
        pid = world["a"]["partnership_id"]
        new = db.session.scalar(select(func.count(Action.id)).where(Action.partnership_id == pid))
        trio_name = db.session.get(ResearchLesson, world["a"]["lesson_id"]).trio.name
        descriptors = set(db.session.scalars(select(CasePupil.descriptor).where(CasePupil.descriptor != "")))
        observations = set(db.session.scalars(select(Observation.text)))
    assert f"New actions ({new}):" in text
    completed = text.split("Completed actions (1):")[1].split("\n\n")[0]
    assert "Order the fraction walls" in completed
    overdue = text.split("Overdue actions (1):")[1].split("\n\n")[0]
    assert "Number talks in P5" in overdue and "due 19 November" in overdue
    assert "Parents' maths evening" in text.split("No update for 4 weeks (1):")[1]
    assert f"{trio_name}: research lesson 1, Numeracy, P6 at Alpha Primary School, 18 November" in text
    assert f"{trio_name}, research lesson 1: 1 next step agreed" in text
    assert "Self-evaluations recorded (1):" in text and "Alpha Primary School: QI" in text
    assert "Teacher Alpha commented on Agree the cluster calendar" in text
    assert "Draft attached." not in text  # the comment is read in the workspace
    assert f'href="{BASE_URL}/p/{pid}/actions/' in body
    # What the e-mail is about, and nothing about the pupils in it.
    assert descriptors == set(DESCRIPTORS) and observations
    for message in mailbox.messages:
        assert not any(t in all_text(message) for t in descriptors | observations)
    [reviewer_digest] = mailbox.to(world["a"]["reviewer"])
    assert "Comments on your actions" not in all_text(reviewer_digest)

    assert "Queued 0 digests" in run(app, "send-digest")  # the same week: nothing


def test_a_quiet_partnership_sends_no_digest_and_a_new_week_sends_again(app, world, mailbox, frozen_clock):
    frozen_clock.shift(timedelta(days=8))  # everything in the world is now more than a week old
    with app.app_context():
        for action in db.session.scalars(select(Action)):
            action.last_progress_at = utcnow()
        db.session.commit()
    assert "Queued 0 digests" in run(app, "send-digest")
    with app.app_context():
        add_action(world, "Plan the spring cycle")
        db.session.commit()
    assert "Queued 1 digest." in run(app, "send-digest")
    run(app, "send-mail")
    assert "Plan the spring cycle" in parts(mailbox.to(world["a"]["lead"])[0])[0]
