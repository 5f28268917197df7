"""The keys that seal authenticator secrets at rest: Fernet (AES-128-CBC with HMAC-SHA256, from
the cryptography package) through MultiFernet, so that keys can be rotated as Flask-Security's
TOTP_SECRETS are.

TWO_STEP_SECRET_KEYS holds Fernet keys, newest first: a list, or one string of keys separated by
commas or spaces (WORKSPACE_TWO_STEP_SECRET_KEYS). The first seals; every one opens. Keys derived
from SECRET_KEY (and each of SECRET_KEY_FALLBACKS) with HKDF come after them and open too; with
no TWO_STEP_SECRET_KEYS the one from SECRET_KEY also seals, so `make run` works without setting
anything. That default ties the secrets to SECRET_KEY: a deployment sets its own keys (README,
"Accounts and sessions") and runs `flask rotate-two-step-keys`, which re-seals every secret with
the first key.
"""

from __future__ import annotations

import base64
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"partnership-workspace: two-step secrets at rest, v1"
_BASE32 = re.compile(r"[A-Z2-7]+=*")


class SecretUnreadable(Exception):
    """No configured key opens this sealed secret."""


def configured_keys(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return [str(key).strip() for key in value if str(key).strip()]


def derived_key(secret_key: str | bytes) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
    return base64.urlsafe_b64encode(key)


def key_ring(config=None) -> MultiFernet:
    """The keys in force: built once per distinct setting and remembered on the app."""
    app = current_app if config is None else None
    config = app.config if app is not None else config
    setting = (
        tuple(configured_keys(config.get("TWO_STEP_SECRET_KEYS"))),
        config.get("SECRET_KEY"),
        tuple(config.get("SECRET_KEY_FALLBACKS") or ()),
    )
    remembered = app.extensions.get("two_step_keys") if app is not None else None
    if remembered is not None and remembered[0] == setting:
        return remembered[1]
    explicit, secret_key, fallbacks = setting
    try:
        fernets = [Fernet(key) for key in explicit]
    except ValueError as error:
        raise ValueError(
            "TWO_STEP_SECRET_KEYS: each key must be a Fernet key (32 url-safe base64-encoded "
            "bytes, as Fernet.generate_key() makes)"
        ) from error
    fernets += [Fernet(derived_key(key)) for key in (secret_key, *fallbacks) if key]
    if not fernets:
        raise ValueError("Two-step secrets need TWO_STEP_SECRET_KEYS or SECRET_KEY to be set")
    ring = MultiFernet(fernets)
    if app is not None:
        app.extensions["two_step_keys"] = (setting, ring)
    return ring


def seal(secret: str, config=None) -> str:
    return key_ring(config).encrypt(secret.encode()).decode()


def unseal(sealed: str, config=None) -> str:
    try:
        return key_ring(config).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable from error


def reseal(sealed: str, config=None) -> str:
    """The same secret sealed with the first key (MultiFernet.rotate)."""
    try:
        return key_ring(config).rotate(sealed.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable from error


def is_plain_secret(value: str) -> bool:
    """A base32 secret as stored before sealing (a Fernet token has lower case and - _ in it)."""
    return bool(_BASE32.fullmatch(value))
