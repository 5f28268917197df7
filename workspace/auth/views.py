"""Signing in and out, the account page, partnerships list and accepting invites."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from .. import identity
from ..access import is_programme_officer, partnerships_of
from ..extensions import db, login_manager
from ..forms_common import form_errors_from
from ..htmx import redirect_to, sign_in_required
from ..models import SignInStep, User
from ..services_errors import ServiceError
from . import attempts, bp, services
from .forms import ChangePasswordForm, ConfirmForm, NewAccountForm, SignInForm
from .redirects import safe_next
from .signing_in import start_session, start_session_again
from .two_step import start_pending


@login_manager.user_loader
def load_user(session_id: str):
    """The session's user, if the session is still theirs (see identity.still_valid)."""
    reference = identity.session_reference({identity.SESSION_KEY: session_id})
    if reference is None:
        return None
    user = db.session.get(User, reference[0])
    if user is None or not identity.still_valid(reference[1], user.session_version, user.is_disabled):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    return sign_in_required()


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    next_path = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("auth.home"))
    form = SignInForm()
    if not form.is_submitted():
        return render_template("auth/sign_in.html", form=form, next_path=next_path)
    if not form.validate():
        return render_template("auth/sign_in.html", form=form, next_path=next_path), 422
    address = request.remote_addr or "unknown"
    allowed = services.take_attempt(form.email.data, address, services.throttle_limits(current_app.config))
    credentials = services.credentials_of(form.email.data) if allowed else None
    # The password hash takes a fifth of a second to check: commit the counted attempt first, so
    # that other workers see it and no database lock is held meanwhile, then record the outcome.
    db.session.commit()
    if not allowed:
        form.form_errors.append(attempts.too_many_attempts_message())
        return render_template("auth/sign_in.html", form=form, next_path=next_path), 429
    ok = services.check_password(credentials, form.password.data)
    user = db.session.get(User, credentials.user_id) if ok else None
    if user is not None and not _password_sign_in_allowed(user):
        services.record_attempt(form.email.data, address, False, SignInStep.PASSWORD)
        db.session.commit()
        form.form_errors.append(
            "Your account signs in with "
            + " or ".join(i.provider.title() for i in user.external_identities)
            + ": use the button above, not a password."
        )
        form.password.data = ""
        return render_template("auth/sign_in.html", form=form, next_path=next_path), 403
    # A two-step account's right password is not yet a sign-in: the history says the code is next.
    step = SignInStep.PASSWORD_CODE_NEXT if user is not None and user.uses_two_step else SignInStep.PASSWORD
    services.record_attempt(form.email.data, address, ok, step)
    db.session.commit()
    if user is None:
        form.form_errors.append("The e-mail address or password is not right.")
        form.password.data = ""
        return render_template("auth/sign_in.html", form=form, next_path=next_path), 422
    if user.uses_two_step:
        start_pending(user, next_path)
        return redirect(url_for("auth.sign_in_code"), code=303)
    start_session(user)
    return redirect(next_path or url_for("auth.home"), code=303)


def _password_sign_in_allowed(user: User) -> bool:
    """A deployment can turn passwords off for everyone who signs in through a provider."""
    return current_app.config["PASSWORD_SIGN_IN_WITH_SINGLE_SIGN_ON"] or not user.external_identities


@bp.post("/sign-out")
def sign_out():
    form = ConfirmForm()
    if not form.validate():  # CSRF: signing out must not be forced by another site
        abort(400)
    current_user.end_all_sessions()  # signing out here signs out every device
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect_to(url_for("auth.sign_in"))


@bp.get("/")
@login_required
def home():
    """Straight into a person's partnership; a chooser where they have several."""
    partnerships = partnerships_of(current_user)
    remembered = session.get("partnership_id")
    if remembered and any(p.id == remembered for p in partnerships):
        return redirect(url_for("partnerships.overview", partnership_id=remembered))
    if len(partnerships) == 1:
        return redirect(url_for("partnerships.overview", partnership_id=partnerships[0].id))
    if not partnerships and is_programme_officer(current_user):
        return redirect(url_for("programme.index"))
    return redirect(url_for("auth.my_partnerships"))


@bp.get("/partnerships")
@login_required
def my_partnerships():
    partnerships = partnerships_of(current_user)
    roles = {m.partnership_id: m for m in current_user.memberships}
    return render_template(
        "auth/partnerships.html",
        partnerships=partnerships,
        roles=roles,
        officer=is_programme_officer(current_user),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.is_submitted():
        if form.validate():
            user = current_user._get_current_object()
            try:
                if not attempts.password_checked_again(user, form.current_password.data):
                    raise ServiceError("Your current password is not right.", "current_password")
                services.set_password(user, form.new_password.data)
            except attempts.TooManyAttempts as refused:
                form.form_errors.append(refused.message)
                return render_template("auth/change_password.html", form=form), 429
            except ServiceError as error:
                form_errors_from(error, form)
            else:
                user.end_all_sessions()  # every other session ends; this one starts afresh
                db.session.commit()
                start_session_again(user)
                flash("Your password has been changed.")
                return redirect_to(url_for("auth.home"))
        return render_template("auth/change_password.html", form=form), 422
    return render_template("auth/change_password.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    invite = services.find_open_invite(token)
    if invite is None:
        return render_template("auth/invite_invalid.html"), 404
    has_account = db.session.scalar(db.select(User.id).where(User.email == invite.email)) is not None

    if current_user.is_authenticated:
        form = ConfirmForm()
        if request.method == "POST":
            if not form.validate():
                abort(400)
            try:
                services.accept_invite(invite, current_user)
            except ServiceError as error:
                form.form_errors.append(error.message)
                return render_template(
                    "auth/invite_accept.html", invite=invite, form=form, has_account=True
                ), 422
            db.session.commit()
            session["partnership_id"] = invite.partnership_id
            flash(f"You have joined {invite.partnership.name}.")
            return redirect_to(url_for("partnerships.overview", partnership_id=invite.partnership_id))
        return render_template("auth/invite_accept.html", invite=invite, form=form, has_account=True)

    if has_account:
        # An existing account signs in first, then comes back here to accept.
        return render_template(
            "auth/invite_accept.html",
            invite=invite,
            form=None,
            has_account=True,
            sign_in_url=url_for("auth.sign_in", next=request.path),
        )

    form = NewAccountForm()
    if form.is_submitted():
        if form.validate():
            try:
                # Both are required, so never None once the form has validated.
                user = services.accept_invite_as_new_person(
                    invite, form.name.data or "", form.password.data or ""
                )
            except ServiceError as error:
                form_errors_from(error, form)
            else:
                db.session.commit()
                start_session(user)
                session["partnership_id"] = invite.partnership_id
                flash(f"Welcome, {user.name}. You have joined {invite.partnership.name}.")
                return redirect_to(url_for("partnerships.overview", partnership_id=invite.partnership_id))
        return render_template(
            "auth/invite_accept.html", invite=invite, form=form, has_account=False, token=token
        ), 422
    return render_template(
        "auth/invite_accept.html", invite=invite, form=form, has_account=False, token=token
    )


@bp.get("/privacy")
def privacy():
    return render_template("auth/privacy.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("auth/accessibility.html")
