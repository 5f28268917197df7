"""Each person's choice of e-mail (signed in), and the unsubscribe link (no sign-in: the signed
token is the credential, and turns off one kind of e-mail for one person)."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import csrf, db
from ..htmx import redirect_to
from . import bp, preferences
from .forms import MailChoicesForm
from .outbox import bounce_of
from .settings import mail_is_set_up

KIND_LABELS = {"reminders": "reminders of your actions", "digest": "the weekly digest"}


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def choices():
    user = current_user._get_current_object()
    offered_digest = bool(preferences.digest_roles(user))
    form = MailChoicesForm(data={"reminders": user.mail_reminders, "digest": preferences.digest_is_on(user)})
    if request.method == "POST" and form.validate():
        preferences.choose(user, form.reminders.data, form.digest.data if offered_digest else None)
        db.session.commit()
        flash("Your e-mail choices are saved.")
        return redirect_to(url_for("mail.choices"))
    bounced = bounce_of(user.email)
    return render_template(
        "mail/choices.html",
        form=form,
        offered_digest=offered_digest,
        mail_on=mail_is_set_up(),
        bounced=bounced,
    ), (422 if form.errors else 200)


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no session or token
def unsubscribe(token: str):
    found = preferences.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, kind = found
    if request.method == "POST":
        preferences.unsubscribe(user, kind)
        db.session.commit()
        return render_template("mail/unsubscribed.html", what=KIND_LABELS[kind])
    return render_template("mail/unsubscribe.html", what=KIND_LABELS[kind], token=token)
