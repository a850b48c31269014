"""The Chalice built-in authorizer (a TOKEN authorizer Lambda) and the caller's Principal.

It verifies the bearer token (see core.tokens) and passes sub, role and NPSN to the handler as
authorizer context. Denied tokens answer 401 problem+json (API Gateway response ACCESS_DENIED is
remapped in infra/resources.json; the local stand-in applies the same mapping).
Role-to-route permissions are checked in the handler (core.http, chalicelib.access_policy).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalice import AuthResponse, Blueprint
from chalice.app import AuthRequest

from chalicelib.core.errors import Unauthenticated
from chalicelib.core.principal import Principal, Role
from chalicelib.core.tokens import TokenError, TokenVerifier, principal_from_claims

auth_bp = Blueprint(__name__)


@lru_cache(maxsize=1)
def verifier() -> TokenVerifier:
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    return TokenVerifier(settings.jwt_issuer, settings.jwt_client_id, settings.jwks_json)


def authenticate(header_value: str) -> Principal:
    scheme, _, token = (header_value or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("not a bearer token")
    return principal_from_claims(verifier().verify(token.strip()))


@auth_bp.authorizer(ttl_seconds=300)
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    try:
        principal = authenticate(auth_request.token)
    except TokenError:
        return AuthResponse(routes=[], principal_id="anonymous")
    context = {"role": principal.role.value, "npsn": principal.npsn or "", "name": principal.name}
    return AuthResponse(routes=["*"], principal_id=principal.sub, context=context)


def principal_from_context(context: dict[str, Any] | None) -> Principal:
    """The Principal the authorizer established for this request."""
    auth = (context or {}).get("authorizer") or {}
    sub, role = auth.get("principalId"), auth.get("role")
    if not sub or not role or sub == "anonymous":
        raise Unauthenticated("unauthenticated", "Silakan masuk terlebih dahulu.")
    return Principal(
        sub=str(sub), role=Role(role), npsn=auth.get("npsn") or None, name=str(auth.get("name", ""))
    )
