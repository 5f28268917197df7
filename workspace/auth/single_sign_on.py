"""Single sign-on's views, shared by both protocols: the buttons on the sign-in page, the start of a
sign-in (an invitation being accepted and the page to go to next travel with it), and its end: the
account found (identities.py), the session started, the audit written, or a page that says what
to do. OpenID Connect is in oidc.py, SAML in saml.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Invite, Partnership, User
from ..models.base import utcnow
from . import bp, identities, services
from .redirects import safe_next
from .signing_in import start_session


@dataclass(frozen=True)
class Provider:
    name: str  # in URLs and the database: "glow", "microsoft"
    protocol: str  # "oidc" or "saml"
    button: str  # "Sign in with Glow"
    label: str  # "Glow"
    settings: dict


def configured_providers(config) -> list[Provider]:
    """Every provider the deployment configured, SAML first (Glow is what every teacher has)."""
    found = []
    for protocol, key in (("saml", "SAML_PROVIDERS"), ("oidc", "OIDC_PROVIDERS")):
        for name, settings in (config.get(key) or {}).items():
            label = settings.get("name") or name.title()
            found.append(
                Provider(name, protocol, settings.get("label") or f"Sign in with {label}", label, settings)
            )
    return found


@bp.context_processor
def sign_in_buttons():
    return {"sso_providers": configured_providers(current_app.config)}


def provider_named(name: str) -> Provider:
    for provider in configured_providers(current_app.config):
        if provider.name == name:
            return provider
    abort(404)


@dataclass(frozen=True)
class Journey:
    """What the person was doing when they chose a provider; comes back with the answer."""

    invite_id: int | None = None
    link_to_user_id: int | None = None
    next_path: str = ""


def journey_from_request() -> Journey:
    invite = services.find_open_invite(request.args.get("invite", ""))
    return Journey(
        invite_id=invite.id if invite else None,
        link_to_user_id=current_user.id if current_user.is_authenticated else None,
        next_path=safe_next(request.args.get("next")) or "",
    )


# Each protocol's module puts its start here ("oidc": oidc.start), so that this one imports neither.
STARTS: dict = {}


@bp.get("/sign-in/with/<name>")
def single_sign_on_start(name: str):
    provider = provider_named(name)
    return STARTS[provider.protocol](provider, journey_from_request())


def finish(
    provider: Provider,
    profile: identities.Profile,
    journey: Journey,
    session_travels: bool = True,
    only_linked: bool = False,
):
    """The provider's answer has been checked: sign the person in, or say why not.

    A link to the account signed in when the sign-in started holds only if that session is still
    signed in to it. SAML's answer arrives as a cross-site POST, which carries no session cookie
    (SameSite=Lax): there the request of ours it answers, known only to the browser that started
    it, stands for the session (session_travels=False), bound to that browser by a cookie of its
    own. An answer to no request (SAML's IdP-initiated sign-in) signs in only an identity already
    linked (only_linked): whoever posted it into this browser chose it, not the person here."""
    invite = db.session.get(Invite, journey.invite_id) if journey.invite_id else None
    if invite is not None and not invite.is_open(utcnow()):
        invite = None
    signed_in = db.session.get(User, journey.link_to_user_id) if journey.link_to_user_id else None
    still_theirs = current_user.is_authenticated and signed_in is not None and current_user.id == signed_in.id
    if (session_travels and not still_theirs) or only_linked:
        signed_in = None
    domains = frozenset(d.lower() for d in provider.settings.get("new_account_domains") or ())
    try:
        outcome = identities.account_for(profile, invite, signed_in, domains, only_linked=only_linked)
    except identities.SignInRefused as refused:
        db.session.rollback()
        return refuse(provider, refused.reason, refused.message, refused.status, profile)
    identities.record_single_sign_on(profile.email, _address(), True, f"{provider.label}: {outcome.how}")
    db.session.commit()
    start_session(outcome.user, signed_in_with=provider.name)
    if outcome.joined_partnership_id is not None:
        session["partnership_id"] = outcome.joined_partnership_id
        joined = db.session.get_one(Partnership, outcome.joined_partnership_id)
        flash(f"You have joined {joined.name}.")
        return redirect(url_for("partnerships.overview", partnership_id=outcome.joined_partnership_id), 303)
    if signed_in is not None and outcome.how.startswith("identity linked"):
        flash(f"Your {provider.label} account is now linked: you can sign in with it.")
    return redirect(safe_next(journey.next_path) or url_for("auth.home"), 303)


def refuse(
    provider: Provider,
    reason: str,
    message: str,
    status: int = 403,
    profile: identities.Profile | None = None,
):
    """Into the audit, and a page for the person: what happened, and what to do. Where the
    provider's answer was good, the audit keeps its id for the person, for linking it by hand."""
    current_app.logger.info("single sign-on refused: %s: %s", provider.label, reason)
    detail = f"{provider.label}: {reason}"
    if profile is not None:
        detail += f" (issuer {profile.issuer}, subject {profile.subject})"
    identities.record_single_sign_on(profile.email if profile else "", _address(), False, detail)
    db.session.commit()
    return render_template("auth/single_sign_on_refused.html", provider=provider, message=message), status


def _address() -> str:
    return request.remote_addr or "unknown"
