"""Dev-only signing key and tokens (local stack and tests).

Never used when JWT_ISSUER is a Cognito user pool."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.core.tokens import mint_token

DEV_ISSUER = "http://127.0.0.1/dev-issuer"
DEV_CLIENT_ID = "tangerang-live-app-dev"
KID = "dev-key-1"


@dataclass(frozen=True)
class DevKeys:
    private_pem: str
    jwks_json: str
    issuer: str = DEV_ISSUER
    client_id: str = DEV_CLIENT_ID
    kid: str = KID

    def token(
        self,
        sub: str,
        role: str,
        npsn: str | None = None,
        name: str = "",
        ttl_seconds: int = 12 * 3600,
        **kwargs: Any,
    ) -> str:
        if "cognito-idp" in self.issuer:
            raise RuntimeError("dev tokens are never minted for a Cognito issuer")
        return mint_token(
            self.private_pem,
            kid=self.kid,
            issuer=self.issuer,
            client_id=self.client_id,
            sub=sub,
            groups=[role],
            npsn=npsn,
            name=name,
            ttl_seconds=ttl_seconds,
            extra=dict(kwargs),
        )


def generate(kid: str = KID) -> DevKeys:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=kid, alg="RS256", use="sig")
    return DevKeys(pem, json.dumps({"keys": [jwk]}), kid=kid)
