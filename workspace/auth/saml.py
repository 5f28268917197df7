"""SAML 2.0 sign-in (Glow, through RM Unify) with pysaml2 as the service provider.

pysaml2 checks the assertion's signature (against every signing certificate in the identity
provider's metadata, so two side by side during a rollover both work), its audience, its recipient
and its time window. The audience and recipient are this workspace's entity id and ACS URL, taken
from BASE_URL (or set outright), never from the request's Host header. This module adds what
pysaml2 leaves to its caller: a response that names a request must name one of ours, not yet
answered (saml_request), started by this same browser (a random value in a cookie of its own,
its hash on the request), and an assertion is accepted once (saml_assertion_seen). A response
that names no request (the Glow Launch Pad's) is refused unless the deployment turns on
`allow_idp_initiated`, and then it only signs in an identity already linked.

The configuration of both sides, and the identity provider's metadata that `flask
refresh-saml-metadata` (cron) fetches, are saml_config.py; the app fetches the metadata at start.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.metadata import create_metadata_string
from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import csrf, db
from ..models import SamlAssertionSeen, SamlRequest
from ..models.base import utcnow
from . import bp, identities
from .redirects import safe_next
from .saml_config import (
    CLOCK_SKEW_SECONDS,
    MetadataProblem,
    NotConfigured,
    acs_url,
    check_configured,
    client_for,
    idp_entity_id,
    refresh_metadata,
    saml_providers,
    sp_config,
)
from .single_sign_on import STARTS, Journey, Provider, finish, provider_named, refuse

REQUEST_VALID_MINUTES = 10
# What RM Unify sends is agreed when the app is registered: these are the names pysaml2 gives the
# usual attributes. A deployment sets its own in the provider's "attributes" (README).
DEFAULT_ATTRIBUTES = {"subject": "", "email": "mail", "name": "displayName"}


# Signing in -----------------------------------------------------------------------------------


def browser_cookie_name(provider: Provider) -> str:
    return f"saml_browser_{provider.name}"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(provider: Provider, journey: Journey):
    try:
        client = client_for(provider)
        request_id, info = client.prepare_for_authenticate(
            entityid=idp_entity_id(provider, client), binding=BINDING_HTTP_REDIRECT
        )
    except Exception as error:
        current_app.logger.warning("SAML start failed for %s: %r", provider.name, error)
        return refuse(provider, "metadata missing or unusable", _try_again(provider), 502)
    # The request is this browser's: its answer counts only if this browser brings it back. Else
    # the identity provider's address (which names the request) could be sent to someone else,
    # whose answer would then link their identity to the account that started it.
    browser = secrets.token_urlsafe(32)
    db.session.add(
        SamlRequest(
            id=request_id,
            provider=provider.name,
            invite_id=journey.invite_id,
            link_to_user_id=journey.link_to_user_id,
            next_path=journey.next_path,
            browser_hash=_hash(browser),
        )
    )
    db.session.commit()
    location = dict(info["headers"])["Location"]
    response = redirect(location, 303)
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    response.set_cookie(
        browser_cookie_name(provider),
        browser,
        max_age=REQUEST_VALID_MINUTES * 60,
        path=urlsplit(acs_url(provider)).path,
        secure=secure,
        httponly=True,
        # The answer is a cross-site POST: only a SameSite=None cookie comes with it, and browsers
        # keep one only if it is Secure (so over plain HTTP, in development, Lax: same-site only).
        samesite="None" if secure else "Lax",
    )
    return response


STARTS["saml"] = start


@bp.post("/sign-in/with/<name>/acs")
@csrf.exempt  # the identity provider posts here; the signed assertion is the credential
def saml_acs(name: str):
    provider = provider_named(name)
    if provider.protocol != "saml":
        return refuse(provider, "not a SAML provider", _try_again(provider), 404)
    xml = request.form.get("SAMLResponse", "")
    if not xml:
        return refuse(provider, "no SAML response", _start_again(provider), 400)
    try:
        client = client_for(provider)
        expected_issuer = idp_entity_id(provider, client)
    except MetadataProblem as problem:
        current_app.logger.warning("SAML %s: %s", provider.name, problem)
        return refuse(provider, "metadata missing or unusable", _try_again(provider), 502)
    try:
        response = client.parse_authn_request_response(xml, BINDING_HTTP_POST)
    except Exception as error:  # pysaml2 raises many kinds, all of them a refusal
        return refuse(provider, _reason(error), _start_again(provider), 400)
    if response is None or response.assertion is None:
        return refuse(provider, "no assertion", _start_again(provider), 400)
    if response.issuer() != expected_issuer:
        return refuse(provider, "issuer not the configured provider", _start_again(provider), 400)
    answered, refusal = _answered_request(
        provider, response, request.cookies.get(browser_cookie_name(provider))
    )
    if refusal:
        return refuse(provider, refusal, _start_again(provider), 400)
    if not _first_time_seen(response):
        return refuse(provider, "assertion replayed", _start_again(provider), 400)
    try:
        profile = profile_from(provider, response)
    except ValueError as error:
        return refuse(provider, str(error), _try_again(provider), 400)
    # An unsolicited response (answered is None) carries no journey: it links nothing to anyone's
    # account and accepts no invitation; it only signs in an identity already linked.
    journey = Journey(
        invite_id=answered.invite_id if answered else None,
        link_to_user_id=answered.link_to_user_id if answered else None,
        next_path=(answered.next_path if answered else safe_next(request.form.get("RelayState"))) or "",
    )
    db.session.commit()  # the request answered and the assertion seen stay so, whatever follows
    finished = finish(provider, profile, journey, session_travels=False, only_linked=answered is None)
    if answered is not None:
        finished = current_app.make_response(finished)
        finished.delete_cookie(browser_cookie_name(provider), path=urlsplit(acs_url(provider)).path)
    return finished


@dataclass(frozen=True)
class AnsweredRequest:
    invite_id: int | None
    link_to_user_id: int | None
    next_path: str


def _answered_request(
    provider: Provider, response, browser: str | None
) -> tuple[AnsweredRequest | None, str]:
    """The request of ours the response answers, spent, or why it is refused: it must have been
    started by this browser (`browser`, its cookie's value). No InResponseTo at all is the Launch
    Pad's sign-in, if the deployment allows it."""
    named = {response.in_response_to} | {
        confirmation.subject_confirmation_data.in_response_to
        for assertion in [response.assertion]
        for confirmation in assertion.subject.subject_confirmation
        if confirmation.subject_confirmation_data is not None
    }
    named.discard(None)
    if not named:
        if provider.settings.get("allow_idp_initiated", False):
            return None, ""
        return None, "unsolicited response not allowed"
    if len(named) != 1:
        return None, "InResponseTo differs within the response"
    request_id = named.pop()
    row = db.session.get(SamlRequest, request_id)
    too_old = utcnow() - timedelta(minutes=REQUEST_VALID_MINUTES)
    if row is None or row.provider != provider.name or row.created_at < too_old:
        return None, "InResponseTo names no request of ours"
    if not browser or not hmac.compare_digest(row.browser_hash, _hash(browser)):
        return None, "InResponseTo names no request of ours (started by another browser)"
    answered = AnsweredRequest(row.invite_id, row.link_to_user_id, row.next_path)
    # One guarded DELETE: of two posts of answers to one request, one wins.
    spent = cast(
        CursorResult[Any], db.session.execute(delete(SamlRequest).where(SamlRequest.id == request_id))
    ).rowcount
    if spent != 1:
        return None, "InResponseTo names a request already answered"
    return answered, ""


def _first_time_seen(response) -> bool:
    """Remembers the assertion's id until it expires; False if it was remembered already."""
    expires = _not_on_or_after(response) or utcnow() + timedelta(hours=1)
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(SamlAssertionSeen)
        .values(id=response.assertion.id, expires_at=expires + timedelta(seconds=CLOCK_SKEW_SECONDS))
        .on_conflict_do_nothing(index_elements=[SamlAssertionSeen.id])
        .returning(SamlAssertionSeen.id)  # a row back: this request was the first to see it
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def _not_on_or_after(response) -> datetime | None:
    times = [
        confirmation.subject_confirmation_data.not_on_or_after
        for confirmation in response.assertion.subject.subject_confirmation
        if confirmation.subject_confirmation_data is not None
    ]
    if response.assertion.conditions is not None:
        times.append(response.assertion.conditions.not_on_or_after)
    parsed = [datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC) for t in times if t]
    return max(parsed) if parsed else None


def profile_from(provider: Provider, response) -> identities.Profile:
    mapping = {**DEFAULT_ATTRIBUTES, **(provider.settings.get("attributes") or {})}
    values = response.ava or {}

    def first(attribute: str) -> str:
        found = values.get(attribute) or []
        return str(found[0]).strip() if found else ""

    subject = first(mapping["subject"]) if mapping["subject"] else (response.name_id.text or "").strip()
    if not subject:
        raise ValueError(f"no {mapping['subject'] or 'NameID'} in the assertion")
    return identities.Profile(
        provider=provider.name,
        label=provider.label,
        issuer=response.issuer(),
        subject=subject,
        email=first(mapping["email"]),
        name=first(mapping["name"]),
        email_verified=bool(provider.settings.get("email_verified", True)),
    )


def _reason(error: Exception) -> str:
    """The audit's words for what pysaml2 refused."""
    from saml2.response import IncorrectlySigned, SignatureError, UnsolicitedResponse
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    name = type(error).__name__
    text = str(error)
    if isinstance(error, (SignatureError, IncorrectlySigned)) or "signature" in text.lower():
        return "signature missing or wrong"
    if isinstance(error, (ResponseLifetimeExceed, ToEarly)) or "Can't use response" in text:
        return "outside its time window"
    if isinstance(error, UnsolicitedResponse):
        return "InResponseTo names no request of ours"
    if "audience" in text.lower() or "Not valid audience" in text:
        return "audience is not this workspace"
    if "recipient" in text.lower():
        return "recipient is not this workspace"
    return f"not accepted: {name}: {text}"[:150]


def _start_again(provider: Provider) -> str:
    return (
        f"Signing in with {provider.label} could not be completed: the answer was not one this workspace "
        f"can accept (it may have expired, or been used already). Go back to the sign-in page and choose "
        f"{provider.button} again."
    )


def _try_again(provider: Provider) -> str:
    return (
        f"Signing in with {provider.label} is not working at the moment. Try again later; if it keeps "
        "happening, tell your site administrator."
    )


# The service provider's metadata, and the identity provider's kept fresh -------------------------


@bp.get("/sign-in/with/<name>/metadata")
def saml_metadata(name: str):
    """What RM Unify is given: this workspace's entity id and where assertions are posted."""
    provider = provider_named(name)
    if provider.protocol != "saml":
        return Response("Not a SAML provider.", 404, mimetype="text/plain")
    try:
        config = sp_config(provider, with_idp_metadata=False)
    except NotConfigured as problem:
        return Response(f"SAML is not configured: {problem}.", 503, mimetype="text/plain")
    xml = create_metadata_string(None, config=config, valid=24 * 365)
    return Response(xml, mimetype="application/samlmetadata+xml")


def init_app(app) -> None:
    """At start, fetch the metadata afresh (cron keeps it fresh after that); a failure keeps the
    file there is and is logged. SAML without BASE_URL (or its own URLs) stops the start."""
    check_configured(app.config)
    if app.testing:
        return
    with app.test_request_context():
        for provider in saml_providers(app.config):
            if provider.settings.get("metadata_url"):
                try:
                    app.logger.info(refresh_metadata(provider))
                except Exception as error:
                    app.logger.error("SAML metadata for %s could not be fetched: %r", provider.name, error)
