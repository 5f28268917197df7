"""SAML's two sides of configuration: this workspace as a service provider (its entity id and ACS
URL, from BASE_URL, never from the request's Host header) and the identity provider's metadata,
read from a file that `flask refresh-saml-metadata` fetches, checks and replaces."""

from __future__ import annotations

import os
import tempfile

from flask import current_app
from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.sigver import get_xmlsec_binary

from ..mail.settings import absolute_url
from .single_sign_on import Provider, configured_providers

# How far the provider's clock may be from ours when the time window is checked.
CLOCK_SKEW_SECONDS = 60


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


def sp_config(provider: Provider, with_idp_metadata: bool = True) -> SPConfig:
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
    loaded = SPConfig()
    loaded.load(config)
    return loaded


def client_for(provider: Provider) -> Saml2Client:
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
        found = kept[provider.name] = (changed, sp_config(provider))
    return Saml2Client(config=found[1])


def idp_entity_id(provider: Provider, client: Saml2Client) -> str:
    configured = provider.settings.get("idp_entity_id")
    if configured:
        return configured
    found = list(client.metadata.identity_providers())
    if len(found) != 1:
        raise MetadataProblem("set idp_entity_id: the metadata names more than one identity provider")
    return found[0]


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
    metadata = sp_config(provider, with_idp_metadata=False).load_metadata({"local": [path]})
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
