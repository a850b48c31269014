"""Identifiers: random, time-ordered object ids and unguessable verification codes."""

from __future__ import annotations

import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rest = divmod(value, 32)
        chars.append(_CROCKFORD[rest])
    return "".join(reversed(chars))


def new_id() -> str:
    """A ULID: 48 bits of milliseconds + 80 random bits, 26 characters, sortable by creation."""
    millis = time.time_ns() // 1_000_000
    return _encode(millis, 10) + _encode(secrets.randbits(80), 16)


def verification_code() -> str:
    """120 random bits as 24 Crockford characters in groups of four (e.g. 7QK3-9ZP2-...)."""
    raw = _encode(secrets.randbits(120), 24)
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def is_id(value: str) -> bool:
    return len(value) == 26 and all(c in _CROCKFORD for c in value)
