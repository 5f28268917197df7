"""flask send-mail, send-reminders and send-digest: for cron or a systemd timer (README: E-mail)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .settings import mail_is_set_up

NOT_SET_UP = "Mail is not set up (MAIL_SERVER, MAIL_SENDER and BASE_URL): nothing to do."


@click.command("send-mail")
@click.option(
    "--requeue",
    "requeue_id",
    metavar="MESSAGE-ID",
    help="Put an unconfirmed or failed message back in the queue.",
)
@with_appcontext
def send_mail(requeue_id: str | None) -> None:
    """Send the messages waiting in the outbox. Run it every few minutes."""
    from . import sending

    if not mail_is_set_up():
        click.echo(NOT_SET_UP)
        return
    if requeue_id:
        if not sending.requeue(requeue_id):
            raise click.ClickException(
                f"No unconfirmed or failed message with Message-ID {requeue_id} to put back."
            )
        click.echo(f"{requeue_id} is queued again.")
        return
    report = sending.send_queued()
    click.echo(
        f"Sent {report.sent}; to retry later {report.deferred}; bounced {report.bounced}; "
        f"failed {report.failed}; no longer wanted {report.cancelled}."
    )
    if report.error:
        click.echo(f"The mail server: {report.error}")
    for message_id in report.unconfirmed:
        click.echo(
            f"Unconfirmed: {message_id} was being sent when a sender stopped. Look for it in the mail "
            "server's log; if it is not there, run: flask send-mail --requeue " + message_id
        )


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Queue today's reminders of actions due within a week, overdue or with no recent update.
    Run it once a day; running it again the same day queues nothing. send-mail sends them."""
    from ..extensions import db
    from .reminders import queue_reminders

    if not mail_is_set_up():
        click.echo(NOT_SET_UP)
        return
    count = queue_reminders()
    db.session.commit()
    click.echo(f"Queued {count} reminder e-mail{'s' if count != 1 else ''}.")


@click.command("send-digest")
@with_appcontext
def send_digest() -> None:
    """Queue the weekly digest for each partnership's leads (and reviewers who asked for it). Run
    it once a week; running it again the same week queues nothing. send-mail sends them."""
    from ..extensions import db
    from .digest import queue_digests

    if not mail_is_set_up():
        click.echo(NOT_SET_UP)
        return
    count = queue_digests()
    db.session.commit()
    click.echo(f"Queued {count} digest{'s' if count != 1 else ''}.")
