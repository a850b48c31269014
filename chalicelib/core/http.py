"""HTTP edge shared by every feature: route declaration, input checks, error mapping.

``endpoint`` wraps a view so that, before the view runs: the caller is authenticated (unless
public) and allowed by the one route x role table (chalicelib.access_policy, deny by default);
the query string holds only the route's declared parameters, once each, for the caller's role
(else 400 naming it); a POST/PUT/PATCH body is parsed (JSON, bounded size and depth) and
validated against the route's declared model, ``EmptyBody`` when it takes no fields (unknown
fields -> 422); a write counts against the caller's rate limit (429, chalicelib.core.ratelimit).
POSTs honour Idempotency-Key. Every DomainError becomes RFC 9457 application/problem+json with
the request id; anything else is a logged 500 that leaks nothing. Every body ends with a newline.

What a route takes and gives (body and response models, status, summary, query parameters) is
declared on ``endpoint`` and recorded in ``ROUTE_DOCS``; chalicelib.openapi builds the OpenAPI
document from it, so what is documented is what is enforced.
"""

from __future__ import annotations

import functools
import importlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from chalice import Blueprint, Response
from pydantic import BaseModel, ValidationError

from chalicelib.access_policy import allowed_roles
from chalicelib.core import ratelimit
from chalicelib.core.auth import jwt_auth, principal_from_context
from chalicelib.core.errors import DomainError, Forbidden, Unauthenticated, Unprocessable
from chalicelib.core.idempotency import check_key, run_once
from chalicelib.core.inputs import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    QueryParam,
    check_query,
    declared_query,
    parse_body,
)
from chalicelib.core.observability import logger
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import Input

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "QueryParam", "parse_body"]

M = TypeVar("M", bound=BaseModel)
PROBLEM_TYPE = "https://api.tangerangkota.go.id/edu/problems/"
# Chalice answers a Content-Type outside a route's list itself, with its own {"Code","Message"}
# body, before the view (chalice.app._main_rest_api_handler); "*/*" matches every type, so the
# wrapper decides: a body route refuses anything but JSON with a 415 problem, a GET ignores it.
ANY_CONTENT_TYPE = ["*/*"]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
TOKEN_QUERY_PARAMS = {"access_token", "token", "id_token", "authorization"}
PAGE_QUERY: dict[str, str] = {
    "limit": "Jumlah item per halaman (1-100, bawaan 20).",
    "cursor": "Cursor halaman berikutnya: nilai next_cursor dari respons sebelumnya.",
}


class EmptyBody(Input):
    """The body of a route that takes no fields: nothing, or ``{}``; any field is refused."""


ModelRef = type[BaseModel] | str  # a model, or its dotted path (imported only when documented)


@functools.cache
def resolve_model(ref: ModelRef | None) -> type[BaseModel] | None:
    """The model a route declares; resolved once per instance (every request asks for it)."""
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
    params: dict[str, QueryParam]
    errors: tuple[int, ...] = ()

    @property
    def query(self) -> dict[str, str]:
        """Query parameter name -> description."""
        return {name: spec.description for name, spec in self.params.items()}

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
    parsed: BaseModel | None = None  # the declared body, validated by the wrapper

    @property
    def actor(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("unauthenticated", "Silakan masuk terlebih dahulu.")
        return self.principal

    def body(self, model: type[M]) -> M:
        """The body as ``model``: the instance the wrapper already validated when ``model`` is
        the route's declared body, else parsed now with the same rules."""
        if type(self.parsed) is model:
            return cast(M, self.parsed)
        return parse_body(self.raw_body, self.headers, model)


@dataclass
class Reply:
    """A view's answer; ``body`` is a response model, or the stored JSON of an idempotent replay."""

    body: BaseModel | dict[str, Any] | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


RESERVED = frozenset({"type", "title", "status", "code", "detail"})


def problem(
    status: int, code: str, title: str, detail: str, /, *, request_id: str, **extra: Any
) -> Response:
    """RFC 9457 body with the request id; an extra member named like a standard one is sent as
    ``current_<name>``."""
    body = {
        "type": PROBLEM_TYPE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **{(f"current_{k}" if k in RESERVED else k): v for k, v in extra.items()},
        "request_id": request_id,
    }
    headers: dict[str, str | list[str]] = {"Content-Type": "application/problem+json"}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    text = json.dumps(body, ensure_ascii=False) + "\n"
    return Response(body=text, status_code=status, headers=headers)


def error_response(exc: Exception, request_id: str) -> Response:
    """The one place that maps errors to HTTP."""
    if isinstance(exc, DomainError):
        return problem(
            exc.status, exc.code, exc.title, exc.detail, request_id=request_id, **exc.extra
        )
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
            request_id=request_id,
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
    return Response(body=body + "\n", status_code=reply.status, headers=headers)


# What the framework answers by itself (before or around a view), as the same problems the API
# Gateway template answers: an unknown method on a known path is "route_not_found" there.
FRAMEWORK_PROBLEMS: dict[int, tuple[int, str, str, str]] = {
    405: (404, "route_not_found", "Tidak ditemukan",
          "Alamat atau metode yang diminta tidak tersedia."),
    415: (415, "unsupported_media_type", "Jenis konten tidak didukung",
          "Kirim data sebagai application/json."),
    400: (400, "bad_request", "Permintaan tidak valid", "Permintaan tidak dapat diproses."),
}  # fmt: skip
SERVER_PROBLEM = (500, "internal_error", "Terjadi kesalahan pada server",
                  "Terjadi kesalahan pada server. Silakan coba lagi.")  # fmt: skip


def request_id_of(request: Any) -> str:
    """API Gateway's request id; locally the Lambda request id; never empty."""
    context = getattr(request, "context", None) or {}
    lambda_context = getattr(request, "lambda_context", None)
    return str(
        context.get("requestId") or getattr(lambda_context, "aws_request_id", "") or uuid.uuid4()
    )


def framework_errors_as_problems(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: a ``{"Code", "Message"}`` body that Chalice made itself becomes the
    RFC 9457 problem the API Gateway template gives for the same case."""
    response = get_response(event)
    body = response.body
    if not (isinstance(body, dict) and set(body) == {"Code", "Message"}):
        return response
    status, code, title, detail = FRAMEWORK_PROBLEMS.get(
        response.status_code,
        SERVER_PROBLEM if response.status_code >= 500 else FRAMEWORK_PROBLEMS[400],
    )
    return problem(status, code, title, detail, request_id=request_id_of(event))


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


def _query_lists(request: Any) -> dict[str, list[str]]:
    given = request.query_params
    return {name: list(given.getlist(name)) for name in given} if given else {}


def _build_req(
    bp: Blueprint, principal: Principal | None, params: dict[str, str], request_id: str
) -> Req:
    request = bp.current_request
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    return Req(
        principal,
        params,
        dict(request.query_params or {}),
        headers,
        cast(bytes, request.raw_body or b""),
        request_id,
        bp.lambda_context,
    )


def _count_write(req: Req, method: str) -> None:
    if method in ratelimit.WRITE_METHODS and req.principal is not None:
        ratelimit.limiter().check(req.principal)


def _run(view: Callable[..., Reply], req: Req, method: str, path: str) -> Reply:
    """Run the view; a write counts against the caller's limit only when it reaches the view,
    so an idempotent replay (answered from the store) is not counted twice."""
    key = req.headers.get("idempotency-key")
    if method != "POST" or key is None or req.principal is None:
        _count_write(req, method)
        return view(req, **req.params)
    scope = f"{req.principal.sub}|{method} {path}|{req.params}|{check_key(key)}"
    payload = req.raw_body.decode("utf-8", "replace")

    ran: list[bool] = []

    def work() -> dict[str, Any]:
        _count_write(req, method)
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
    query: Mapping[str, str | QueryParam] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[Callable[..., Reply]], Callable[..., Response]]:
    """Declare a /v1 route on ``bp``; see the module docstring for what the wrapper does.

    ``body``: the input model a POST/PUT/PATCH takes (``EmptyBody`` when omitted); it is
    validated before the view, which gets it from ``req.body(Model)``. ``query``: name ->
    description, or a ``QueryParam`` restricted to some roles; anything else is refused.
    ``returns``, ``status``, ``summary`` and ``errors`` (problem statuses beyond those its shape
    implies, e.g. a GET's 409) document the route (``ROUTE_DOCS``, the OpenAPI document).
    """
    if body is None and method in BODY_METHODS:
        body = EmptyBody
    params = declared_query(query)

    def decorator(view: Callable[..., Reply]) -> Callable[..., Response]:
        doc = RouteDoc(
            method=method,
            path=path,
            view=view.__name__,
            module=view.__module__,
            public=public,
            body_ref=body,
            returns_ref=returns,
            status=status,
            summary=summary,
            params=params,
            errors=tuple(errors),
        )
        ROUTE_DOCS[(method, path)] = doc

        @functools.wraps(view)
        def handler(**path_params: str) -> Response:
            request_id = ""
            try:
                request = bp.current_request
                request_id = request_id_of(request)
                principal = _authorize(method, path, request, public)
                check_query(_query_lists(request), params, principal.role if principal else None)
                req = _build_req(bp, principal, path_params, request_id)
                if method in BODY_METHODS and doc.body is not None:
                    req.parsed = parse_body(req.raw_body, req.headers, doc.body)
                return to_response(_run(view, req, method, path))
            except Exception as exc:  # noqa: BLE001 - mapped in one place
                return error_response(exc, request_id or str(uuid.uuid4()))

        bp.route(
            path,
            methods=[method],
            authorizer=None if public else jwt_auth,
            content_types=ANY_CONTENT_TYPE,
        )(handler)
        return handler

    return decorator
