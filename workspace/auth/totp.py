"""Time-based one-time passwords (RFC 6238: 30-second steps, 6 digits, HMAC-SHA1), as
authenticator apps make them, and single-use recovery codes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP = 30
DIGITS = 6
DRIFT_STEPS = 1  # accept the code of the step before and after, for clocks a little apart


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def code_at(secret: str, counter: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def verify(secret: str, code: str, now: float | None = None) -> bool:
    code = (code or "").replace(" ", "")
    if not (secret and code.isascii() and code.isdigit() and len(code) == DIGITS):
        return False
    counter = int((now if now is not None else time.time()) // STEP)
    return any(hmac.compare_digest(code_at(secret, counter + d), code) for d in range(-DRIFT_STEPS, DRIFT_STEPS + 1))


def provisioning_uri(secret: str, email: str, issuer: str = "Partnership Workspace") -> str:
    return (f"otpauth://totp/{quote(issuer)}:{quote(email)}?secret={secret}&issuer={quote(issuer)}"
            f"&digits={DIGITS}&period={STEP}")


def qr_svg(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", title="QR code for your authenticator app")


def new_recovery_codes(count: int = 10) -> list[str]:
    return ["-".join(secrets.token_hex(3) for _ in range(2)) for _ in range(count)]


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()
