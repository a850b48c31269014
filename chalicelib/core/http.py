"""HTTP edge shared by every feature: route declaration, body parsing, error mapping.

``endpoint`` wraps a view so that: the caller is authenticated (unless public) and allowed by
the one route x role table (chalicelib.access_policy, deny by default); the JSON body is parsed
into the view's pydantic model (unknown fields -> 422); POSTs honour Idempotency-Key; every
DomainError becomes RFC 9457 application/problem+json; anything else is a logged 500 that
leaks nothing.

What a route takes and gives (body and response models, status, summary, query parameters) is
declared on ``endpoint`` too and recorded in ``ROUTE_DOCS``; chalicelib.openapi builds the
OpenAPI document from it. The declarations are documentation only: the view still parses its
body itself and returns its own ``Reply``.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from chalice import Blueprint, Response
from pydantic import BaseModel, ValidationError

from chalicelib.access_policy import allowed_roles
from chalicelib.core.auth import jwt_auth, principal_from_context
from chalicelib.core.errors import (
    DomainError,
    Forbidden,
    Invalid,
    PayloadTooLarge,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
)
from chalicelib.core.idempotency import check_key, run_once
from chalicelib.core.observability import logger
from chalicelib.core.principal import Principal

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024
PROBLEM_TYPE = "https://api.tangerangkota.go.id/edu/problems/"
ALL_CONTENT_TYPES = [
    "application/json",
    "application/problem+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
]
TOKEN_QUERY_PARAMS = {"access_token", "token", "id_token", "authorization"}
PAGE_QUERY: dict[str, str] = {
    "limit": "Jumlah item per halaman (1-100, bawaan 20).",
    "cursor": "Cursor halaman berikutnya: nilai next_cursor dari respons sebelumnya.",
}


ModelRef = type[BaseModel] | str  # a model, or its dotted path (imported only when documented)


def resolve_model(ref: ModelRef | None) -> type[BaseModel] | None:
    if ref is None or isinstance(ref, type):
        return ref
    module, _, name = ref.rpartition(".")
    model = getattr(importlib.import_module(module), name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{ref} is not a pydantic model")
    return model


@dataclass(frozen=True)
class RouteDoc:
    """What one route declares about itself, for the OpenAPI document (chalicelib.openapi).

    Models may be given as dotted paths, so that declaring a route does not import the feature's
    schemas: a Lambda instance imports a feature only when one of its routes is called."""

    method: str
    path: str
    view: str
    module: str
    public: bool
    body_ref: ModelRef | None
    returns_ref: ModelRef | None
    status: int
    summary: str
    query: dict[str, str]
    errors: tuple[int, ...] = ()

    @property
    def body(self) -> type[BaseModel] | None:
        return resolve_model(self.body_ref)

    @property
    def returns(self) -> type[BaseModel] | None:
        return resolve_model(self.returns_ref)


ROUTE_DOCS: dict[tuple[str, str], RouteDoc] = {}


@dataclass
class Req:
    """What a view sees of the request."""

    principal: Principal | None
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes
    request_id: str
    lambda_context: Any = None

    @property
    def actor(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("unauthenticated", "Silakan masuk terlebih dahulu.")
        return self.principal

    def body(self, model: type[M]) -> M:
        return parse_body(self.raw_body, self.headers, model)


@dataclass
class Reply:
    """A view's answer; ``body`` is a response model, or the stored JSON of an idempotent replay."""

    body: BaseModel | dict[str, Any] | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def parse_body(raw: bytes, headers: dict[str, str], model: type[M]) -> M:
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("unsupported_media_type", "Kirim data sebagai application/json.")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge("body_too_large", "Data yang dikirim lebih dari 64 KB.")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("invalid_json", "Data bukan JSON yang valid.") from exc
    return model.model_validate(data)


RESERVED = frozenset({"type", "title", "status", "code", "detail"})


def problem(status: int, code: str, title: str, detail: str, /, **extra: Any) -> Response:
    """RFC 9457 body; an extra member named like a standard one is sent as ``current_<name>``."""
    body = {
        "type": PROBLEM_TYPE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **{(f"current_{k}" if k in RESERVED else k): v for k, v in extra.items()},
    }
    headers: dict[str, str | list[str]] = {"Content-Type": "application/problem+json"}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=headers)


def error_response(exc: Exception, request_id: str) -> Response:
    """The one place that maps errors to HTTP."""
    if isinstance(exc, DomainError):
        return problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)
    if isinstance(exc, ValidationError):
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_input=False, include_url=False)
        ]
        return problem(
            422,
            "validation_failed",
            Unprocessable.title,
            "Ada isian yang tidak valid; lihat daftar errors.",
            errors=errors,
        )
    logger().exception("unhandled error", extra={"request_id": request_id})
    return problem(
        500,
        "internal_error",
        "Terjadi kesalahan pada server",
        "Terjadi kesalahan pada server. Silakan coba lagi.",
        request_id=request_id,
    )


def to_response(reply: Reply) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        **reply.headers,
    }
    if reply.body is None:
        return Response(body="", status_code=reply.status, headers=headers)
    if isinstance(reply.body, BaseModel):
        body = reply.body.model_dump_json(by_alias=True)
    else:
        body = json.dumps(reply.body, ensure_ascii=False)
    return Response(body=body, status_code=reply.status, headers=headers)


def _authorize(method: str, path: str, request: Any, public: bool) -> Principal | None:
    if TOKEN_QUERY_PARAMS & {k.lower() for k in (request.query_params or {})}:
        raise Unauthenticated(
            "token_in_query", "Token hanya boleh dikirim di header Authorization."
        )
    if public:
        return None
    principal = principal_from_context(request.context)
    if principal.role not in allowed_roles(method, path):
        raise Forbidden("forbidden_role", "Peran Anda tidak berwenang untuk layanan ini.")
    return principal


def _build_req(bp: Blueprint, principal: Principal | None, params: dict[str, str]) -> Req:
    request = bp.current_request
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    return Req(
        principal,
        params,
        dict(request.query_params or {}),
        headers,
        cast(bytes, request.raw_body or b""),
        request.context.get("requestId", ""),
        bp.lambda_context,
    )


def _run(view: Callable[..., Reply], req: Req, method: str, path: str) -> Reply:
    key = req.headers.get("idempotency-key")
    if method != "POST" or key is None or req.principal is None:
        return view(req, **req.params)
    scope = f"{req.principal.sub}|{method} {path}|{req.params}|{check_key(key)}"
    payload = req.raw_body.decode("utf-8", "replace")

    ran: list[bool] = []

    def work() -> dict[str, Any]:
        ran.append(True)
        reply = view(req, **req.params)
        body = reply.body
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", by_alias=True)
        return {"status": reply.status, "headers": reply.headers, "body": body}

    stored = run_once(scope, payload, work, req.lambda_context)
    return Reply(
        stored["body"],
        stored["status"],
        {**stored["headers"], "Idempotent-Replayed": "false" if ran else "true"},
    )


def endpoint(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    public: bool = False,
    body: ModelRef | None = None,
    returns: ModelRef | None = None,
    status: int = 200,
    summary: str = "",
    query: dict[str, str] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[Callable[..., Reply]], Callable[..., Response]]:
    """Declare a /v1 route on ``bp``; see the module docstring for what the wrapper does.

    ``body``, ``returns``, ``status``, ``summary``, ``query`` (name -> description) and
    ``errors`` (problem statuses beyond those its shape implies, e.g. a GET's 409) only document
    the route (``ROUTE_DOCS``); they do not change what the wrapper does.
    """

    def decorator(view: Callable[..., Reply]) -> Callable[..., Response]:
        ROUTE_DOCS[(method, path)] = RouteDoc(
            method=method,
            path=path,
            view=view.__name__,
            module=view.__module__,
            public=public,
            body_ref=body,
            returns_ref=returns,
            status=status,
            summary=summary,
            query=dict(query or {}),
            errors=tuple(errors),
        )

        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request_id = ""
            try:
                request_id = bp.current_request.context.get("requestId", "")
                principal = _authorize(method, path, bp.current_request, public)
                return to_response(_run(view, _build_req(bp, principal, params), method, path))
            except Exception as exc:  # noqa: BLE001 - mapped in one place
                return error_response(exc, request_id)

        bp.route(
            path,
            methods=[method],
            authorizer=None if public else jwt_auth,
            content_types=ALL_CONTENT_TYPES,
        )(handler)
        return handler

    return decorator
