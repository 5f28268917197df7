"""Two-step sign-in: setting up an authenticator app, the code asked for at sign-in, recovery
codes, and the rule a deployment can set that administrators and leads must use it. The rules
themselves are in two_step_services."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..extensions import db
from ..forms_common import CharacterLimit
from ..models import Membership, SignInStep, User
from ..reference import Role
from . import attempts, authenticator, bp, two_step_keys, two_step_services
from .forms import ConfirmForm
from .redirects import safe_next
from .signing_in import signed_in_with_password, start_session, start_session_again

PENDING_SECONDS = 300
# The same answer for a wrong code and for one already used: nothing tells which.
CODE_NOT_ACCEPTED = "That code was not accepted. Enter the code your app shows now: each code works once."


class CodeForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired("Enter the 6-digit code, or a recovery code."), CharacterLimit(20)]
    )


class TurnOffForm(FlaskForm):
    current_password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


def start_pending(user: User, next_path: str | None) -> None:
    """Password checked: the session waits for the second step, signed in to nothing yet."""
    session.clear()
    session.update(
        pending_user=user.id,
        pending_version=user.session_version,
        pending_at=int(time.time()),
        pending_next=next_path or "",
    )


def _pending_user() -> User | None:
    user_id, started = session.get("pending_user"), session.get("pending_at", 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled or user.session_version != session.get("pending_version"):
        return None
    return user


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    user = _pending_user()
    if user is None:
        flash("Please sign in again.")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if not form.is_submitted():
        return render_template("auth/sign_in_code.html", form=form)
    if not form.validate():
        return render_template("auth/sign_in_code.html", form=form), 422
    try:  # a code used before counts as a failure
        ok = attempts.checked(
            user.email, SignInStep.CODE, lambda: two_step_services.accept_code(user, form.code.data)
        )
    except attempts.TooManyAttempts as refused:
        form.form_errors.append(refused.message)
        return render_template("auth/sign_in_code.html", form=form), 429
    if not ok:
        form.code.errors = [CODE_NOT_ACCEPTED]
        return render_template("auth/sign_in_code.html", form=form), 422
    next_path = safe_next(session.get("pending_next"))
    start_session(user)
    return redirect(next_path or url_for("auth.home"), code=303)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def two_step():
    """Set-up in two steps: a POST to two_step_new makes the secret (kept on the server, sealed),
    this page shows it until it is confirmed with a code or goes stale."""
    user = current_user._get_current_object()
    if user.uses_two_step:
        return render_template(
            "auth/two_step_on.html",
            form=TurnOffForm(formdata=None),
            remaining=two_step_services.remaining_recovery_codes(user),
        )
    setup = two_step_services.pending_setup(user)
    if setup is None:
        if request.method == "POST":
            flash("That set-up had expired. Start again: you will need to scan a new QR code.")
            return redirect(url_for("auth.two_step"), code=303)
        return render_template(
            "auth/two_step_start.html", form=ConfirmForm(), minutes=two_step_services.PENDING_SETUP_MINUTES
        )
    form = CodeForm()
    uri = authenticator.provisioning_uri(setup.secret, user.email)
    context = dict(form=form, secret=setup.secret, qr=authenticator.qr_svg(uri), uri=uri)
    if request.method == "GET":
        return render_template("auth/two_step_setup.html", **context)
    codes = two_step_services.confirm_setup(user, setup, form.code.data) if form.validate() else None
    if codes is not None:
        db.session.commit()
        start_session_again(user)
        return render_template("auth/two_step_codes.html", codes=codes), 201
    db.session.rollback()
    if not form.code.errors:
        form.code.errors = [
            "That code is not right. Check the app shows the Partnership Workspace entry and try again."
        ]
    return render_template("auth/two_step_setup.html", **context), 422


@bp.post("/account/two-step/new")
@login_required
def two_step_new():
    user = current_user._get_current_object()
    if not ConfirmForm().validate():  # CSRF
        abort(400)
    if not user.uses_two_step:
        two_step_services.start_setup(user)
        db.session.commit()
    return redirect(url_for("auth.two_step"), code=303)


@bp.post("/account/two-step/off")
@login_required
def two_step_off():
    user = current_user._get_current_object()
    form = TurnOffForm()
    try:
        right = form.validate() and attempts.password_checked_again(user, form.current_password.data)
    except attempts.TooManyAttempts as refused:
        form.form_errors.append(refused.message)
        return render_template(
            "auth/two_step_on.html", form=form, remaining=two_step_services.remaining_recovery_codes(user)
        ), 429
    if right:
        if _required_for(user):
            flash("Two-step sign-in is required for your role here, so it stays on.")
            return redirect(url_for("auth.two_step"))
        two_step_services.turn_off(user)
        db.session.commit()
        flash("Two-step sign-in is off.")
        return redirect(url_for("auth.two_step"))
    if not form.current_password.errors:
        form.current_password.errors = ["Your password is not right."]
    return render_template(
        "auth/two_step_on.html", form=form, remaining=two_step_services.remaining_recovery_codes(user)
    ), 422


def _required_for(user: User) -> bool:
    required = set(current_app.config.get("REQUIRE_TWO_STEP_FOR") or [])
    if "admin" in required and user.is_admin:
        return True
    if "lead" in required:
        return (
            db.session.scalar(
                select(Membership.id)
                .where(Membership.user_id == user.id, Membership.role == Role.LEAD)
                .limit(1)
            )
            is not None
        )
    return False


ALLOWED_WITHOUT_TWO_STEP = {
    "auth.two_step",
    "auth.two_step_new",
    "auth.sign_out",
    "auth.privacy",
    "auth.accessibility",
    "static",
    "healthz",
}


def init_app(app) -> None:
    # A malformed TWO_STEP_SECRET_KEYS stops the app here, not at someone's sign-in.
    if two_step_keys.configured_keys(app.config.get("TWO_STEP_SECRET_KEYS")):
        two_step_keys.key_ring(app.config)
    elif not (app.debug or app.testing):
        app.logger.warning(
            "TWO_STEP_SECRET_KEYS is not set: two-step secrets are sealed with a key derived "
            "from SECRET_KEY. Set it in production (README, Accounts and sessions)."
        )

    @app.before_request
    def require_two_step():
        """Where the deployment requires it, administrators and leads who sign in with a password
        set up two-step sign-in first."""
        if (
            not app.config.get("REQUIRE_TWO_STEP_FOR")
            or request.endpoint in ALLOWED_WITHOUT_TWO_STEP
            or not current_user.is_authenticated
            or current_user.uses_two_step
            # The provider asks for its own second factor (README, Single sign-on).
            or not signed_in_with_password()
        ):
            return None
        if _required_for(current_user):
            flash("Set up two-step sign-in to continue: it is required for your role.")
            return redirect(url_for("auth.two_step"))
        return None
