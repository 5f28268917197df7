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

The identity provider's metadata is read from a file that `flask refresh-saml-metadata` (cron)
fetches, checks and replaces; the app fetches it at start when the file is missing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.sigver import get_xmlsec_binary
from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import csrf, db
from ..mail.settings import absolute_url
from ..models import SamlAssertionSeen, SamlRequest
from ..models.base import utcnow
from . import bp, identities
from .redirects import safe_next
from .single_sign_on import STARTS, Journey, Provider, configured_providers, finish, provider_named, refuse

REQUEST_VALID_MINUTES = 10
# How far the provider's clock may be from ours when the time window is checked.
CLOCK_SKEW_SECONDS = 60
# What RM Unify sends is agreed when the app is registered: these are the names pysaml2 gives the
# usual attributes. A deployment sets its own in the provider's "attributes" (README).
DEFAULT_ATTRIBUTES = {"subject": "", "email": "mail", "name": "displayName"}


class MetadataProblem(Exception):
    pass


class NotConfigured(MetadataProblem):
    """Neither BASE_URL nor the provider's own sp_entity_id and acs_url say where this workspace is."""


def metadata_path(provider: Provider) -> str:
    folder = current_app.config.get("SAML_METADATA_DIR") or os.path.join(current_app.instance_path, "saml")
    return os.path.join(folder, f"{provider.name}-idp-metadata.xml")


def _from_base_url(provider: Provider, setting: str, endpoint: str) -> str:
    configured = provider.settings.get(setting)
    if configured:
        return configured
    if not current_app.config.get("BASE_URL"):
        raise NotConfigured(
            f"SAML_PROVIDERS[{provider.name!r}]: set BASE_URL (the workspace's address, as people reach "
            f"it) or the provider's {setting}: the assertions' audience and recipient are not taken "
            "from the request's Host header"
        )
    return absolute_url(endpoint, name=provider.name)


def sp_entity_id(provider: Provider) -> str:
    return _from_base_url(provider, "sp_entity_id", "auth.saml_metadata")


def acs_url(provider: Provider) -> str:
    return _from_base_url(provider, "acs_url", "auth.saml_acs")


def check_configured(config) -> None:
    """At start: every SAML provider can say where this workspace is (raises RuntimeError)."""
    for provider in saml_providers(config):
        settings = provider.settings
        if not config.get("BASE_URL") and not (settings.get("sp_entity_id") and settings.get("acs_url")):
            raise RuntimeError(
                f"SAML_PROVIDERS[{provider.name!r}] needs BASE_URL (or its own sp_entity_id and acs_url): "
                "the assertions' audience and recipient are not taken from the request's Host header."
            )


def _sp_config(provider: Provider, with_idp_metadata: bool = True) -> SPConfig:
    settings = provider.settings
    service = {
        "endpoints": {"assertion_consumer_service": [(acs_url(provider), BINDING_HTTP_POST)]},
        # pysaml2 would refuse a response that names a request it does not remember (it remembers
        # in memory, per process); InResponseTo is checked here instead (_answered_request), and a
        # response that names none is refused there unless allow_idp_initiated.
        "allow_unsolicited": True,
        "want_assertions_signed": True,
        "want_response_signed": False,
        "authn_requests_signed": bool(settings.get("sp_key_file")),
    }
    config = {
        "entityid": sp_entity_id(provider),
        "xmlsec_binary": settings.get("xmlsec_binary") or get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
        "service": {"sp": service},
        "accepted_time_diff": CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
    }
    if settings.get("sp_key_file"):
        config["key_file"] = settings["sp_key_file"]
        config["cert_file"] = settings["sp_cert_file"]
    if with_idp_metadata:
        path = metadata_path(provider)
        if not os.path.exists(path):
            raise MetadataProblem(f"no metadata yet at {path}: run flask refresh-saml-metadata")
        config["metadata"] = {"local": [path]}
    sp_config = SPConfig()
    sp_config.load(config)
    return sp_config


def _client(provider: Provider) -> Saml2Client:
    """A client for this request, on the provider's configuration, kept while its metadata file is
    unchanged (reading the metadata is the slow part; the client itself keeps people in memory, so
    it is not kept). One configuration per provider, whatever host the request names."""
    path = metadata_path(provider)
    try:
        changed = os.stat(path).st_mtime_ns
    except FileNotFoundError as missing:
        raise MetadataProblem(f"no metadata yet at {path}: run flask refresh-saml-metadata") from missing
    kept = current_app.extensions.setdefault("workspace_saml_configs", {})
    found = kept.get(provider.name)
    if found is None or found[0] != changed:
        found = kept[provider.name] = (changed, _sp_config(provider))
    return Saml2Client(config=found[1])


def idp_entity_id(provider: Provider, client: Saml2Client) -> str:
    configured = provider.settings.get("idp_entity_id")
    if configured:
        return configured
    found = list(client.metadata.identity_providers())
    if len(found) != 1:
        raise MetadataProblem("set idp_entity_id: the metadata names more than one identity provider")
    return found[0]


# Signing in -----------------------------------------------------------------------------------


def browser_cookie_name(provider: Provider) -> str:
    return f"saml_browser_{provider.name}"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(provider: Provider, journey: Journey):
    try:
        client = _client(provider)
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
        client = _client(provider)
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
        config = _sp_config(provider, with_idp_metadata=False)
    except NotConfigured as problem:
        return Response(f"SAML is not configured: {problem}.", 503, mimetype="text/plain")
    xml = create_metadata_string(None, config=config, valid=24 * 365)
    return Response(xml, mimetype="application/samlmetadata+xml")


def refresh_metadata(provider: Provider, fetch=None) -> str:
    """Fetches the identity provider's metadata, checks it names the provider with at least one
    signing certificate, and only then replaces the file (so a bad download changes nothing).
    Every certificate in it is trusted: during a rollover RM publishes the old and the new."""
    import requests

    url = provider.settings.get("metadata_url")
    if not url:
        raise MetadataProblem(f"SAML_PROVIDERS[{provider.name!r}] has no metadata_url")
    if fetch is None:
        answer = requests.get(url, timeout=15)
        answer.raise_for_status()
        xml = answer.text
    else:
        xml = fetch(url)
    path = metadata_path(provider)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, candidate = tempfile.mkstemp(dir=folder, suffix=".xml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(xml)
        certificates = _signing_certificates(provider, candidate)
        os.replace(candidate, path)
    except BaseException:
        if os.path.exists(candidate):
            os.remove(candidate)
        raise
    return f"{provider.name}: metadata saved with {certificates} signing certificate(s)"


def _signing_certificates(provider: Provider, path: str) -> int:
    sp_config = _sp_config(provider, with_idp_metadata=False)
    metadata = sp_config.load_metadata({"local": [path]})
    idps = list(metadata.identity_providers())
    entity = provider.settings.get("idp_entity_id") or (idps[0] if len(idps) == 1 else None)
    if entity is None or entity not in idps:
        raise MetadataProblem(
            f"the metadata does not name the identity provider {entity or '(set idp_entity_id)'}"
        )
    certificates = metadata.certs(entity, "idpsso", "signing")
    if not certificates:
        raise MetadataProblem("the metadata has no signing certificate")
    return len(certificates)


def saml_providers(config) -> list[Provider]:
    return [p for p in configured_providers(config) if p.protocol == "saml"]


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
