"""Two-step sign-in: setting up an authenticator app, the code asked for at sign-in, recovery
codes, and the rule a deployment can set that administrators and leads must use it."""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from flask_wtf import FlaskForm

from ..extensions import db
from ..forms_common import CharacterLimit
from ..models import Membership, RecoveryCode, User
from ..models.base import utcnow
from ..reference import Role
from . import bp, services, totp
from .passwords import verify_password
from .redirects import safe_next

PENDING_SECONDS = 300


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Enter the 6-digit code, or a recovery code."), CharacterLimit(20)])


class TurnOffForm(FlaskForm):
    current_password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


def start_pending(user: User, next_path: str | None) -> None:
    """Password checked: the session waits for the second step, signed in to nothing yet."""
    session.clear()
    session.update(pending_user=user.id, pending_version=user.session_version, pending_at=int(time.time()),
                   pending_next=next_path or "")


def _pending_user() -> User | None:
    user_id, started = session.get("pending_user"), session.get("pending_at", 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled or user.session_version != session.get("pending_version"):
        return None
    return user


def use_code(user: User, code: str) -> bool:
    """A current authenticator code, or an unused recovery code (which is then spent)."""
    if totp.verify(user.totp_secret, code):
        return True
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == totp.hash_code(code), RecoveryCode.used_at.is_(None)))
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    return True


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    from .views import _start_session, _throttle_limits

    user = _pending_user()
    if user is None:
        flash("Please sign in again.")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if not form.is_submitted():
        return render_template("auth/sign_in_code.html", form=form)
    if not form.validate():
        return render_template("auth/sign_in_code.html", form=form), 422
    address = request.remote_addr or "unknown"
    if services.is_throttled(user.email, address, _throttle_limits()):
        form.form_errors.append("There have been too many failed attempts. Please wait 15 minutes and try again.")
        return render_template("auth/sign_in_code.html", form=form), 429
    ok = use_code(user, form.code.data)
    services.record_attempt(user.email, address, ok)
    db.session.commit()
    if not ok:
        form.code.errors = ["That code is not right. Codes change every 30 seconds."]
        return render_template("auth/sign_in_code.html", form=form), 422
    next_path = safe_next(session.get("pending_next"))
    _start_session(user)
    return redirect(next_path or url_for("auth.home"), code=303)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def two_step():
    user = current_user._get_current_object()
    if user.totp_secret:
        return render_template("auth/two_step_on.html", form=TurnOffForm(formdata=None),
                               remaining=_remaining_codes(user))
    secret = session.get("totp_setup") or totp.new_secret()
    session["totp_setup"] = secret
    form = CodeForm()
    uri = totp.provisioning_uri(secret, user.email)
    context = dict(form=form, secret=secret, qr=totp.qr_svg(uri), uri=uri)
    if request.method == "GET":
        return render_template("auth/two_step_setup.html", **context)
    if form.validate() and totp.verify(secret, form.code.data):
        user.totp_secret = secret
        codes = totp.new_recovery_codes()
        db.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.hash_code(c)) for c in codes)
        user.end_all_sessions()  # other sessions signed in with the password alone end
        db.session.commit()
        session.pop("totp_setup", None)
        from .views import _start_session

        _start_session(user)
        return render_template("auth/two_step_codes.html", codes=codes), 201
    if not form.code.errors:
        form.code.errors = ["That code is not right. Check the app shows the Partnership Workspace entry and try again."]
    return render_template("auth/two_step_setup.html", **context), 422


@bp.post("/account/two-step/off")
@login_required
def two_step_off():
    user = current_user._get_current_object()
    form = TurnOffForm()
    if form.validate() and verify_password(user.password_hash, form.current_password.data):
        if _required_for(user):
            flash("Two-step sign-in is required for your role here, so it stays on.")
            return redirect(url_for("auth.two_step"))
        user.totp_secret = None
        db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
        db.session.commit()
        flash("Two-step sign-in is off.")
        return redirect(url_for("auth.two_step"))
    if not form.current_password.errors:
        form.current_password.errors = ["Your password is not right."]
    return render_template("auth/two_step_on.html", form=form, remaining=_remaining_codes(user)), 422


def _remaining_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def _required_for(user: User) -> bool:
    required = set(current_app.config.get("REQUIRE_TWO_STEP_FOR") or [])
    if "admin" in required and user.is_admin:
        return True
    if "lead" in required:
        return db.session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.role == Role.LEAD).limit(1)) is not None
    return False


ALLOWED_WITHOUT_TWO_STEP = {"auth.two_step", "auth.sign_out", "auth.privacy", "auth.accessibility", "static",
                            "healthz"}


def init_app(app) -> None:
    @app.before_request
    def require_two_step():
        """Where the deployment requires it, administrators and leads set up two-step sign-in first."""
        if (not app.config.get("REQUIRE_TWO_STEP_FOR") or request.endpoint in ALLOWED_WITHOUT_TWO_STEP
                or not current_user.is_authenticated or current_user.totp_secret):
            return None
        if _required_for(current_user):
            flash("Set up two-step sign-in to continue: it is required for your role.")
            return redirect(url_for("auth.two_step"))
        return None
