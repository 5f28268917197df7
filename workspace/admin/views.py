"""Site administration: partnerships and their first leads."""

from datetime import timedelta

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from ..access import admin_route, partnerships_of
from ..extensions import db
from ..htmx import redirect_to
from ..mail.invitations import invitation_emailed
from ..models import SignInStep
from ..partnerships import services as partnership_services
from ..reference import Role
from ..saving import saving
from . import bp
from .forms import NewPartnershipForm, ProgrammeOfficerForm


@bp.get("/")
@admin_route
def index():
    return render_template("admin/index.html", partnerships=partnerships_of(current_user))


@bp.route("/partnerships/new", methods=["GET", "POST"])
@admin_route
def new_partnership():
    form = NewPartnershipForm()
    if request.method == "POST":
        if form.validate():
            with saving(form) as saved:
                partnership = partnership_services.create_partnership(
                    form.name.data, form.description.data or ""
                )
                invite, token = partnership_services.create_invite(
                    partnership,
                    form.lead_email.data,
                    Role.LEAD,
                    None,
                    invited_by=current_user,
                    valid_for=timedelta(days=current_app.config["INVITE_VALID_DAYS"]),
                )
            if saved.ok:
                link = url_for("auth.accept_invite", token=token, _external=True)
                return render_template(
                    "admin/partnership_created.html",
                    partnership=partnership,
                    invite=invite,
                    link=link,
                    emailed=invitation_emailed(invite),
                ), 201
        return render_template("admin/new_partnership.html", form=form), 422
    return render_template("admin/new_partnership.html", form=form)


@bp.get("/sign-ins")
@admin_route
def sign_ins():
    """The audit of signing in: every attempt, newest first. Nothing in the workspace edits it."""
    from sqlalchemy import select

    from ..models import SignInAttempt

    attempts = db.session.scalars(select(SignInAttempt).order_by(SignInAttempt.id.desc()).limit(500)).all()
    return render_template("admin/sign_ins.html", attempts=attempts, steps=SIGN_IN_STEPS)


# What each step checked, and what it came to when it was right. A two-step account's right
# password is a half-done sign-in: it signs in only with a "Signed in" code step after it.
SIGN_IN_STEPS = {
    SignInStep.PASSWORD: ("Password", "Signed in"),
    SignInStep.PASSWORD_CODE_NEXT: ("Password", "Password right, code not yet given"),
    SignInStep.CODE: ("Two-step code", "Signed in"),
    SignInStep.PASSWORD_AGAIN: ("Password asked again when signed in", "Right"),
    SignInStep.SINGLE_SIGN_ON: ("Single sign-on", "Signed in"),
}


@bp.route("/officers", methods=["GET", "POST"])
@admin_route
def officers():
    """Programme officers: the partnerships each follows, through aggregates only."""
    from sqlalchemy import select

    from ..auth.services import normalise_email
    from ..exchange import programme
    from ..models import User

    form = ProgrammeOfficerForm()
    form.partnerships.choices = [(p.id, p.name) for p in partnerships_of(current_user)]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            officer = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
            if officer is None:
                form.email.errors = [
                    "No account has this e-mail address. Ask the officer to accept an invitation or sign in first."
                ]
            else:
                with saving(form) as saved:
                    programme.set_grants(officer, form.partnerships.data or [], current_user)
                if saved.ok:
                    return redirect_to(url_for("admin.officers"))
    elif request.args.get("email"):
        form.email.data = request.args["email"]
        officer = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        if officer is not None:
            form.partnerships.data = programme.followed_ids(officer.id)
    return render_template("admin/officers.html", form=form, officers=programme.officers()), status
