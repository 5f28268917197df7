"""OpenID Connect sign-in through Authlib's Flask client: the authorization code flow with PKCE
(S256), `state` and `nonce` kept in the session, the ID token's signature, audience, expiry and
issuer checked.

Microsoft Entra ID's multi-tenant endpoint (`organizations`) announces its issuer as
`https://login.microsoftonline.com/{tenantid}/v2.0`: each token's issuer must be that with the
token's own `tid` in it, and the `tid` must be one the deployment lists (`tenants`). Without that
check any Microsoft 365 tenant in the world could sign in. Any other provider is configured by its
discovery URL, and its issuer must be the one its discovery document names."""

from __future__ import annotations

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, session, url_for
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from ..mail.settings import absolute_url
from . import bp, identities
from .single_sign_on import STARTS, Journey, Provider, finish, provider_named, refuse

MICROSOFT_DISCOVERY = "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"
TENANT_PLACEHOLDER = "{tenantid}"
JOURNEY_KEY = "oidc_journey"
HTTP_TIMEOUT_SECONDS = 10


def is_microsoft(provider: Provider) -> bool:
    return "tenants" in provider.settings


def _client(provider: Provider):
    """Authlib's client for the provider, registered once per application (it keeps the
    provider's discovery document and keys)."""
    oauth = current_app.extensions.get("workspace_oauth")
    if oauth is None:
        oauth = current_app.extensions["workspace_oauth"] = OAuth(current_app)
    client = oauth.create_client(provider.name)
    if client is None:
        settings = provider.settings
        discovery = settings.get("discovery_url") or (MICROSOFT_DISCOVERY if is_microsoft(provider) else None)
        if not discovery:
            raise RuntimeError(f"OIDC_PROVIDERS[{provider.name!r}] needs a discovery_url (or tenants).")
        client = oauth.register(
            provider.name,
            client_id=settings["client_id"],
            client_secret=settings.get("client_secret"),
            server_metadata_url=discovery,
            client_kwargs={
                "scope": settings.get("scope", "openid email profile"),
                "code_challenge_method": "S256",
                "default_timeout": HTTP_TIMEOUT_SECONDS,
            },
        )
    return client


def start(provider: Provider, journey: Journey):
    session[JOURNEY_KEY] = {
        "provider": provider.name,
        "invite_id": journey.invite_id,
        "link_to_user_id": journey.link_to_user_id,
        "next_path": journey.next_path,
    }
    try:
        client = _client(provider)
        # Authlib makes the state, the PKCE verifier and (asked for) the nonce, and keeps them in
        # the session until the callback.
        return client.authorize_redirect(redirect_uri(provider), nonce=_new_nonce())
    except Exception as error:  # the provider unreachable, its discovery document wrong
        current_app.logger.warning("OIDC start failed for %s: %r", provider.name, error)
        return refuse(provider, "provider unreachable", _try_again(provider), 502)


STARTS["oidc"] = start


def redirect_uri(provider: Provider) -> str:
    """Where the provider sends people back: the provider's own `redirect_uri`, else from BASE_URL
    (the address registered with the provider), and only without either, on a developer's machine,
    from the request's host."""
    configured = provider.settings.get("redirect_uri")
    if configured:
        return configured
    if current_app.config.get("BASE_URL"):
        return absolute_url("auth.oidc_callback", name=provider.name)
    return url_for("auth.oidc_callback", name=provider.name, _external=True)


def _new_nonce() -> str:
    from authlib.common.security import generate_token

    return generate_token(32)


@bp.get("/sign-in/with/<name>/callback")
def oidc_callback(name: str):
    provider = provider_named(name)
    if provider.protocol != "oidc":
        return refuse(provider, "not an OpenID Connect provider", _try_again(provider), 404)
    stored = session.pop(JOURNEY_KEY, None) or {}
    journey = Journey(stored.get("invite_id"), stored.get("link_to_user_id"), stored.get("next_path") or "")
    client = _client(provider)
    try:
        token = client.authorize_access_token(claims_options=_claims_options(provider, client))
    except MismatchingStateError:
        return refuse(provider, "state does not match", _start_again(provider), 400)
    except ExpiredTokenError:
        return refuse(provider, "token expired", _start_again(provider), 400)
    except ClaimError as error:  # the claim named is wrong or missing
        reason = f"{error.claim} not accepted"
        if error.claim in ("iss", "tid") and is_microsoft(provider):
            reason = "tenant not allowed or issuer wrong"
            return refuse(provider, reason, _tenant_not_allowed(provider), 403)
        return refuse(provider, reason, _start_again(provider), 400)
    except OAuthError as error:  # the provider said no (the person cancelled, consent refused)
        return refuse(provider, f"provider answered {error.error}"[:200], _try_again(provider), 400)
    except (JoseError, ValueError) as error:  # a bad signature, a token that does not parse
        return refuse(provider, f"token not accepted: {type(error).__name__}", _start_again(provider), 400)
    except Exception as error:  # the token endpoint unreachable
        current_app.logger.warning("OIDC callback failed for %s: %r", provider.name, error)
        return refuse(provider, "provider unreachable", _try_again(provider), 502)
    claims = token.get("userinfo") or {}
    if not claims.get("sub"):
        return refuse(provider, "no id token", _start_again(provider), 400)
    return finish(provider, profile_from(provider, claims), journey)


def _claims_options(provider: Provider, client) -> dict:
    """Authlib checks the audience only through `azp` unless told: a token for another
    application that names us as its authorised party would pass. So the audience is asked too."""
    issuer = client.load_server_metadata().get("issuer", "")
    audience = {"essential": True, "values": [client.client_id]}
    if not is_microsoft(provider):
        return {"iss": {"essential": True, "value": issuer}, "aud": audience}
    tenants = {str(t).lower() for t in provider.settings.get("tenants") or ()}

    def issuer_of_an_allowed_tenant(claims, value) -> bool:
        tid = str(claims.get("tid") or "").lower()
        return bool(tid) and tid in tenants and value == issuer.replace(TENANT_PLACEHOLDER, tid)

    return {"iss": {"essential": True, "validate": issuer_of_an_allowed_tenant}, "aud": audience}


def profile_from(provider: Provider, claims) -> identities.Profile:
    # Entra ID gives the sign-in name in preferred_username and often no email claim.
    email = claims.get("email") or (claims.get("preferred_username") if is_microsoft(provider) else "") or ""
    verified = bool(claims.get("email_verified")) or bool(provider.settings.get("email_verified"))
    return identities.Profile(
        provider=provider.name,
        label=provider.label,
        issuer=claims["iss"],
        subject=str(claims["sub"]),
        email=str(email),
        name=str(claims.get("name") or ""),
        email_verified=verified,
    )


def _start_again(provider: Provider) -> str:
    return (
        f"Signing in with {provider.label} could not be completed: the answer did not match the request "
        "this browser made, or it had expired. Go back to the sign-in page and choose "
        f"{provider.button} again."
    )


def _try_again(provider: Provider) -> str:
    return (
        f"Signing in with {provider.label} did not work this time. Try again in a few minutes; if it "
        "keeps happening, tell your site administrator."
    )


def _tenant_not_allowed(provider: Provider) -> str:
    return (
        f"Your organisation's {provider.label} accounts are not set up to sign in to this workspace. "
        "Your school's IT team or the site administrator can ask for it to be added; meanwhile "
        "sign in with your e-mail address and password if you have one."
    )
