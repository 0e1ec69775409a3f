"""Secrets: PIN hashing (argon2) and device/session tokens (random, stored only as SHA-256).

Tokens are 256-bit random strings, so a fast hash is enough to store them; PINs are short and
guessable, so they get argon2 (memory-hard) with the OWASP minimum parameters.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_pin_hash() -> str:
    """A hash no PIN matches, made with the same parameters as every real one: a login for an
    unknown staff number is verified against it, so it costs what a wrong PIN costs and the
    answer's timing does not tell which staff numbers exist."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def mask_name(name: str) -> str:
    """张三丰 -> 张**; personal data is masked on every screen, export and log."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
