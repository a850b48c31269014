"""RS256 JWT verification the way Cognito tokens must be verified, and dev-token minting.

Checks: algorithm pinned to RS256; key chosen by ``kid`` from our JWKS only; ``iss`` exact;
``exp``/``iat`` present (60 s leeway); ``token_use`` == access; ``client_id`` == our app client
(access tokens carry no ``aud``); ``sub`` present. Role from ``cognito:groups``; a school
operator must carry an ``custom:npsn`` claim (read-only for the app client in Cognito).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from chalicelib.core.principal import ROLE_PRECEDENCE, Principal, Role
from chalicelib.core.validators import check_npsn

LEEWAY_SECONDS = 60


class TokenError(Exception):
    """The token is not acceptable; the message is for logs, never for the client."""


@dataclass
class TokenVerifier:
    issuer: str
    client_id: str
    jwks_json: str = ""
    _keys: dict[str, PyJWK] = field(default_factory=dict, init=False)
    _client: PyJWKClient | None = field(default=None, init=False)

    def _key(self, kid: str) -> Any:
        if self.jwks_json:
            if not self._keys:
                data = json.loads(self.jwks_json)
                self._keys = {k["kid"]: PyJWK(k, algorithm="RS256") for k in data["keys"]}
            if kid not in self._keys:
                raise TokenError("unknown kid")
            return self._keys[kid].key
        if self._client is None:
            url = self.issuer.rstrip("/") + "/.well-known/jwks.json"
            self._client = PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)
        try:
            return self._client.get_signing_key(kid).key
        except jwt.PyJWKClientError as exc:
            raise TokenError("unknown kid") from exc

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenError("malformed token") from exc
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise TokenError("wrong alg or missing kid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(header["kid"]),
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenError(str(exc)) from exc
        if claims.get("token_use") != "access":
            raise TokenError("wrong token_use")
        if claims.get("client_id") != self.client_id:
            raise TokenError("wrong client_id")
        return claims


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [groups]
    role = next((r for r in ROLE_PRECEDENCE if r.value in groups), None)
    if role is None:
        raise TokenError("no known role group")
    npsn = None
    if role is Role.SCHOOL_OPERATOR:
        try:
            npsn = check_npsn(str(claims.get("custom:npsn", "")))
        except ValueError as exc:
            raise TokenError("operator without a valid npsn claim") from exc
    return Principal(sub=str(claims["sub"]), role=role, npsn=npsn, name=str(claims.get("name", "")))


def mint_token(
    private_key_pem: str,
    *,
    kid: str,
    issuer: str,
    client_id: str,
    sub: str,
    groups: list[str],
    npsn: str | None = None,
    name: str = "",
    ttl_seconds: int = 3600,
    now: int | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Sign an access token shaped like Cognito's. Only for local use and tests."""
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "sub": sub,
        "iss": issuer,
        "client_id": client_id,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "iat": issued,
        "auth_time": issued,
        "exp": issued + ttl_seconds,
        "cognito:groups": groups,
        "username": sub,
    }
    if npsn:
        claims["custom:npsn"] = npsn
    if name:
        claims["name"] = name
    claims.update(extra or {})
    return jwt.encode(claims, private_key_pem, algorithm="RS256", headers={"kid": kid})
