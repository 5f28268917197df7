"""Password rules: long enough, not too long, and not on the lists attackers try first."""

from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 128
HASH_METHOD = "scrypt"
# zxcvbn's list is ranked by how often each password was seen in breaches.
COMMON_LIST_SIZE = 10_000


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_LIST_SIZE])


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why this password will not do, in words for the person choosing it; None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Enter a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Enter a password of at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.strip("0123456789!") in _common_passwords():
        return "That password is one of the most commonly used, so it is easy to guess. Choose another."
    if email and lowered == email.lower():
        return "Your password must not be your e-mail address."
    if len(set(password)) < 3:
        return "That password repeats the same few characters. Choose another."
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
