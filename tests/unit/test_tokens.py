"""Access tokens: only our RS256 access tokens for our app client are accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from chalicelib.core.principal import Principal, Role
from chalicelib.core.tokens import TokenError, TokenVerifier, mint_token, principal_from_claims
from local.devauth import DevKeys, generate

KEYS = generate()
OTHER_KEY_SAME_KID = generate()
OTHER_KID = generate(kid="dev-key-2")


def verifier() -> TokenVerifier:
    return TokenVerifier(issuer=KEYS.issuer, client_id=KEYS.client_id, jwks_json=KEYS.jwks_json)


def token(keys: DevKeys = KEYS, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "kid": keys.kid,
        "issuer": KEYS.issuer,
        "client_id": KEYS.client_id,
        "sub": "parent-1",
        "groups": ["parent"],
        **overrides,
    }
    return mint_token(keys.private_pem, **fields)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hand_made(header: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A token assembled by hand, as an attacker would, from a valid token's claims."""
    claims = jwt.decode(token(), options={"verify_signature": False})
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    return head + "." + b64(sign(head.encode()))


def public_pem() -> bytes:
    key = serialization.load_pem_private_key(KEYS.private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def hs256_with_public_key() -> str:
    secret = public_pem()
    return hand_made(
        {"alg": "HS256", "typ": "JWT", "kid": KEYS.kid},
        lambda signing_input: hmac.new(secret, signing_input, hashlib.sha256).digest(),
    )


def alg_none() -> str:
    return hand_made({"alg": "none", "typ": "JWT", "kid": KEYS.kid}, lambda _: b"")


def without_kid() -> str:
    claims = jwt.decode(token(), options={"verify_signature": False})
    return jwt.encode(claims, KEYS.private_pem, algorithm="RS256")


def without_exp() -> str:
    claims = jwt.decode(token(), options={"verify_signature": False})
    del claims["exp"]
    return jwt.encode(claims, KEYS.private_pem, algorithm="RS256", headers={"kid": KEYS.kid})


def tampered() -> str:
    original = token()
    header, _, signature = original.split(".")
    claims = jwt.decode(original, options={"verify_signature": False})
    claims["cognito:groups"] = ["education_staff"]
    return ".".join([header, b64(json.dumps(claims).encode()), signature])


def test_our_access_token_is_accepted_as_its_principal() -> None:
    claims = verifier().verify(token(name="Budi"))

    assert principal_from_claims(claims) == Principal("parent-1", Role.PARENT, None, "Budi")


def test_a_school_operator_carries_the_npsn_of_their_school() -> None:
    claims = verifier().verify(token(groups=["school_operator"], npsn="20606123"))

    assert principal_from_claims(claims) == Principal("parent-1", Role.SCHOOL_OPERATOR, "20606123")


def test_a_token_a_few_seconds_past_expiry_is_within_the_leeway() -> None:
    issued = int(time.time()) - 120
    assert verifier().verify(token(ttl_seconds=100, now=issued))["sub"] == "parent-1"


BAD_SIGNATURE = "Signature verification failed"
REJECTED: dict[str, tuple[Callable[[], str], str]] = {
    "expired": (lambda: token(ttl_seconds=60, now=int(time.time()) - 3600), "expired"),
    "signed by another key with our kid": (lambda: token(OTHER_KEY_SAME_KID), BAD_SIGNATURE),
    "hs256 keyed with our public key": (hs256_with_public_key, "wrong alg"),
    "alg none": (alg_none, "wrong alg"),
    "another issuer": (lambda: token(issuer="https://cognito-idp.example/evil"), "issuer"),
    "an id token": (lambda: token(extra={"token_use": "id"}), "wrong token_use"),
    "another app client": (lambda: token(client_id="another-client"), "wrong client_id"),
    "no kid": (without_kid, "missing kid"),
    "an unknown kid": (lambda: token(OTHER_KID), "unknown kid"),
    "no exp": (without_exp, "exp"),
    "not a jwt": (lambda: "not-a-token", "malformed"),
    "a tampered payload": (tampered, BAD_SIGNATURE),
}


@pytest.mark.parametrize(("make", "why"), REJECTED.values(), ids=REJECTED.keys())
def test_a_token_that_is_not_ours_is_rejected(make: Callable[[], str], why: str) -> None:
    with pytest.raises(TokenError, match=why):
        verifier().verify(make())


@pytest.mark.parametrize(
    "claims",
    [
        {"cognito:groups": ["school_operator"]},
        {"cognito:groups": ["school_operator"], "custom:npsn": "2060612"},
        {"cognito:groups": ["teachers"]},
        {"cognito:groups": []},
        {},
    ],
    ids=["operator without npsn", "operator with a bad npsn", "unknown group", "no group", "none"],
)
def test_a_verified_token_without_a_usable_role_is_rejected(claims: dict[str, Any]) -> None:
    with pytest.raises(TokenError):
        principal_from_claims({"sub": "user-1", **claims})


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["parent", "education_staff"], Role.EDUCATION_STAFF),
        (["admin", "parent"], Role.PARENT),
        ("admin", Role.ADMIN),
    ],
)
def test_the_most_privileged_data_role_wins_and_admin_comes_last(
    groups: list[str] | str, role: Role
) -> None:
    assert principal_from_claims({"sub": "user-1", "cognito:groups": groups}).role is role


def test_dev_tokens_are_never_minted_for_a_cognito_issuer() -> None:
    cognito = DevKeys(KEYS.private_pem, KEYS.jwks_json, issuer="https://cognito-idp.x/pool")
    with pytest.raises(RuntimeError):
        cognito.token("user-1", "parent")
