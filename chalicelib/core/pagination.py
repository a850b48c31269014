"""Opaque, signed pagination cursors bound to the query (scope) they came from.

A cursor is base64url(JSON of DynamoDB's LastEvaluatedKey) + "." + HMAC(scope + payload).
Changing either the payload or the scope (another parent's list, another school) fails the check.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from chalicelib.core.crypto import sign, verify_signature
from chalicelib.core.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    last_key: dict[str, Any] | None


def encode_cursor(secret: str, scope: str, last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return body + "." + sign(secret, scope.encode() + b"\x00" + payload)


def decode_cursor(secret: str, scope: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        body, signature = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, binascii.Error) as exc:
        raise Invalid("invalid_cursor", "Cursor halaman tidak valid.") from exc
    if not verify_signature(secret, scope.encode() + b"\x00" + payload, signature):
        raise Invalid("invalid_cursor", "Cursor halaman tidak valid untuk daftar ini.")
    value = json.loads(payload)
    if not isinstance(value, dict):
        raise Invalid("invalid_cursor", "Cursor halaman tidak valid.")
    return value


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid(
            "invalid_limit", f"Parameter limit harus bilangan bulat 1 sampai {MAX_LIMIT}."
        )
    return int(raw)
