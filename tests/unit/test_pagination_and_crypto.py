"""Signed page cursors bound to their list, page limits, keyed hashes and field encryption."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidTag

from chalicelib.core.crypto import (
    decrypt_field,
    encrypt_field,
    keyed_hash,
    sign,
    verify_signature,
)
from chalicelib.core.errors import Invalid
from chalicelib.core.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    decode_cursor,
    encode_cursor,
    parse_limit,
)

SECRET = "k" * 32
SCOPE = "by_parent:parent-1"
LAST_KEY = {"id": {"S": "01J0000000000000000000000"}, "created_at": {"S": "2026-11-02T01:00:00Z"}}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def cursor() -> str:
    value = encode_cursor(SECRET, SCOPE, LAST_KEY)
    assert value is not None
    return value


def refused(value: str, scope: str = SCOPE, secret: str = SECRET) -> Invalid:
    with pytest.raises(Invalid) as caught:
        decode_cursor(secret, scope, value)
    assert caught.value.code == "invalid_cursor"
    return caught.value


def test_a_cursor_brings_back_the_key_it_was_made_from() -> None:
    assert decode_cursor(SECRET, SCOPE, cursor()) == LAST_KEY


def test_the_last_page_has_no_cursor_and_no_cursor_means_the_first_page() -> None:
    assert encode_cursor(SECRET, SCOPE, None) is None
    assert encode_cursor(SECRET, SCOPE, {}) is None
    assert decode_cursor(SECRET, SCOPE, None) is None
    assert decode_cursor(SECRET, SCOPE, "") is None


def test_a_cursor_with_an_edited_key_is_refused() -> None:
    signature = cursor().split(".")[1]
    edited = {**LAST_KEY, "id": {"S": "01J9999999999999999999999"}}
    refused(
        b64(json.dumps(edited, sort_keys=True, separators=(",", ":")).encode()) + "." + signature
    )


def test_a_cursor_with_an_edited_signature_is_refused() -> None:
    body, signature = cursor().split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    refused(body + "." + flipped)


def test_a_cursor_moved_to_another_list_is_refused() -> None:
    refused(cursor(), scope="by_parent:parent-2")
    refused(cursor(), scope="by_destination:20606123")


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    refused(cursor(), secret="z" * 32)


@pytest.mark.parametrize("value", ["no-dot-at-all", "%%%.abc", ".", "a.b.c"])
def test_garbage_is_refused_as_a_cursor(value: str) -> None:
    refused(value)


def test_a_signed_cursor_that_is_not_an_object_is_refused() -> None:
    payload = b"[1,2]"
    refused(b64(payload) + "." + sign(SECRET, SCOPE.encode() + b"\x00" + payload))


@pytest.mark.parametrize(("raw", "limit"), [(None, DEFAULT_LIMIT), ("", DEFAULT_LIMIT), ("1", 1)])
def test_a_limit_defaults_and_accepts_small_numbers(raw: str | None, limit: int) -> None:
    assert parse_limit(raw) == limit


def test_the_largest_limit_is_accepted() -> None:
    assert parse_limit(str(MAX_LIMIT)) == MAX_LIMIT


@pytest.mark.parametrize("raw", ["0", str(MAX_LIMIT + 1), "-1", "abc", "1.5", " 5", "1e2"])
def test_a_limit_outside_the_bounds_is_refused(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_limit(raw)
    assert caught.value.code == "invalid_limit"


def test_a_superscript_limit_is_refused_as_invalid() -> None:
    with pytest.raises(Invalid):
        parse_limit("²")


# Keyed hashes and encryption


def test_a_keyed_hash_is_stable_and_separated_by_key_and_purpose() -> None:
    value = "3671011705120001"
    digest = keyed_hash(SECRET, value, "nik")

    assert digest == keyed_hash(SECRET, value, "nik")
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert value not in digest
    assert digest != keyed_hash(SECRET, value, "kk")
    assert digest != keyed_hash("q" * 32, value, "nik")


def test_an_encrypted_field_opens_only_with_its_key_and_object() -> None:
    sealed = encrypt_field(SECRET, "3671011705120001", "transfer-1")

    assert "3671011705120001" not in sealed
    assert decrypt_field(SECRET, sealed, "transfer-1") == "3671011705120001"
    with pytest.raises(InvalidTag):
        decrypt_field(SECRET, sealed, "transfer-2")
    with pytest.raises(InvalidTag):
        decrypt_field("q" * 32, sealed, "transfer-1")


def test_encrypting_the_same_value_twice_gives_different_ciphertexts() -> None:
    assert encrypt_field(SECRET, "x", "t") != encrypt_field(SECRET, "x", "t")


def test_a_signature_verifies_only_its_own_payload() -> None:
    signature = sign(SECRET, b"payload")

    assert verify_signature(SECRET, b"payload", signature)
    assert not verify_signature(SECRET, b"payload!", signature)
    assert not verify_signature("q" * 32, b"payload", signature)


@pytest.mark.parametrize("cursor", [".\u00a6", "e30.\u00e9\u00e9", "\u00e9.abc"])
def test_a_cursor_with_non_ascii_characters_is_invalid_not_a_crash(cursor: str) -> None:
    with pytest.raises(Invalid) as caught:
        decode_cursor("s" * 32, "scope", cursor)
    assert caught.value.code == "invalid_cursor"
