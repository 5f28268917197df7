"""The authenticator app's codes (RFC 6238 through pyotp: 30-second steps, 6 digits, HMAC-SHA1, as
every authenticator app makes them) and the single-use recovery codes that stand in for the app."""

from __future__ import annotations

import hashlib
import re
import secrets

import pyotp

ISSUER = "Partnership Workspace"
# Accept the code of the step before and after the current one, for a phone's clock a little apart
# from the server's: a code is good for about 90 seconds, and only once (see two_step_services).
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends."""
    return pyotp.random_base32()


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code this is, within the drift allowed, or None."""
    code = (code or "").replace(" ", "")
    # ASCII digits only: pyotp compares after NFKC, which would take "²" for "2".
    if not (secret and code.isascii() and code.isdigit() and len(code) == 6):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=now, valid_window=DRIFT_STEPS)
    except pyotp.exceptions.OTPVerificationError:
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#0b0c0c", title="QR code for your authenticator app"
    )


def new_recovery_codes(count: int = 10) -> list[str]:
    """Distinct codes (48 random bits each), so that one spends one row."""
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes["-".join(secrets.token_hex(3) for _ in range(2))] = None
    return list(codes)


def recovery_code_as_given(code: str) -> str:
    """A recovery code as it was shown (abc123-def456), however it was typed: capitals, spaces
    anywhere ("abc123 def456", "abc 123-def 456") and the dash left out are all the same code."""
    compact = re.sub(r"[\s-]+", "", code or "").lower()
    return f"{compact[:6]}-{compact[6:]}" if len(compact) == 12 else compact


def hash_code(code: str) -> str:
    return hashlib.sha256(recovery_code_as_given(code).encode()).hexdigest()
