"""The local API front: chalice local's HTTP server, made to answer like API Gateway and CloudFront.

* API Gateway's own errors (missing token, authorizer deny, unknown route or method) as the
  GatewayResponses of infra/resources.json define them (problem+json);
* every error the HTTP server itself raises (an over-long URL, a malformed request line, too many
  header bytes) as problem+json too, never a bare HTML page or a reset connection: a URL longer
  than API Gateway accepts (MAX_URL_LENGTH) is 414;
* ``GET /snapshots/<key>`` standing in for the CloudFront distribution of the public PPDB
  snapshots, and ``GET /.well-known/jwks.json`` for the issuer's JWKS (the dev keys of the run);
* an access log without query strings or path ids: method, route template, status, duration;
* a listen backlog that lets 100 clients connect at once without a wait or a reset.

Every body this module writes ends with a newline.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    InvalidAuthorizerError,
    LocalGatewayException,
    NotAuthorizedError,
    RouteMatcher,
    ThreadedHTTPServer,
)

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.json"
SNAPSHOTS_PATH = "/snapshots/"  # the local stand-in of the CloudFront distribution
SNAPSHOTS_PREFIX = "ppdb/"  # the only keys the distribution may read (SnapshotsBucketPolicy)
JWKS_PATH = "/.well-known/jwks.json"
# API Gateway: "Length, in characters, of the URL for an edge-optimized API: 8192"; longer
# request lines (10240 bytes with the headers) are refused before any Lambda runs.
MAX_URL_LENGTH = 8192
# socketserver's default listen backlog is 5: the 6th simultaneous connect waits for a SYN
# retransmission (1 s, 3 s, 7 s ...) or is reset. Linux caps it at net.core.somaxconn.
LISTEN_BACKLOG = 1024


def with_newline(body: bytes) -> bytes:
    """Text bodies end with a newline (curl output, files); an empty body stays empty."""
    return body if not body or body.endswith(b"\n") else body + b"\n"


# --------------------------------------------------------------------------------------------
# API Gateway responses (infra/resources.json GatewayResponses) for the gateway's own errors
# --------------------------------------------------------------------------------------------

PROBLEMS = "https://api.tangerangkota.go.id/edu/problems/"


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: dict[str, str]
    template: str

    def render(self, request_id: str) -> tuple[int, dict[str, str], bytes]:
        body = re.sub(r"\$context\.(extendedRequestId|requestId)", request_id, self.template)
        body = re.sub(r"\$context\.[A-Za-z.]+", "", body)
        return self.status, dict(self.headers), with_newline(body.encode("utf-8"))


def _default_response(
    status: int, code: str, slug: str, title: str, detail: str, **headers: str
) -> GatewayResponse:
    body = {
        "type": PROBLEMS + slug,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "request_id": "$context.requestId",
    }
    base = {"Content-Type": "application/problem+json", "Cache-Control": "no-store"}
    return GatewayResponse(status, base | headers, json.dumps(body, ensure_ascii=False))


# Used only when the template does not define the response type.
DEFAULT_RESPONSES = {
    "UNAUTHORIZED": _default_response(
        401,
        "unauthenticated",
        "unauthenticated",
        "Unauthorized",
        "Token akses tidak ada. Silakan masuk terlebih dahulu.",
        **{"WWW-Authenticate": "Bearer"},
    ),
    "ACCESS_DENIED": _default_response(
        401,
        "invalid_token",
        "invalid-token",
        "Unauthorized",
        "Token akses tidak valid atau sudah kedaluwarsa. Silakan masuk kembali.",
        **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
    ),
    "MISSING_AUTHENTICATION_TOKEN": _default_response(
        404,
        "route_not_found",
        "route-not-found",
        "Not Found",
        "Alamat atau metode yang diminta tidak tersedia.",
    ),
    "DEFAULT_5XX": _default_response(
        500,
        "internal_error",
        "internal-error",
        "Internal Server Error",
        "Terjadi kesalahan pada server. Silakan coba lagi.",
    ),
}


def _literal(value: Any) -> str | None:
    """A mapping value of ResponseParameters: a quoted static string, e.g. "'no-store'"."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return None


def _headers(params: dict[str, Any]) -> dict[str, str]:
    """SAM style {"Headers": {...}} or CFN style {"gatewayresponse.header.X": ...}."""
    raw = dict(params.get("Headers") or {})
    prefix = "gatewayresponse.header."
    raw |= {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}
    return {k: v for k, v in ((k, _literal(v)) for k, v in raw.items()) if v is not None}


def _parse_response(spec: dict[str, Any], fallback: GatewayResponse | None) -> GatewayResponse:
    templates = spec.get("ResponseTemplates") or {}
    template = templates.get("application/json") or (fallback.template if fallback else "")
    status = int(spec.get("StatusCode") or (fallback.status if fallback else 500))
    return GatewayResponse(status, _headers(spec.get("ResponseParameters") or {}), template)


def _specs(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    props = resource.get("Properties") or {}
    if resource.get("Type") == "AWS::ApiGateway::GatewayResponse":
        kind = props.get("ResponseType")
        return {kind: props} if isinstance(kind, str) else {}
    responses = props.get("GatewayResponses")  # SAM AWS::Serverless::Api (Chalice's RestAPI)
    return dict(responses) if isinstance(responses, dict) else {}


def load_gateway_responses(path: Path = TEMPLATE) -> dict[str, GatewayResponse]:
    responses = dict(DEFAULT_RESPONSES)
    try:
        template = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return responses
    for resource in (template.get("Resources") or {}).values():
        for kind, spec in _specs(resource).items():
            responses[kind] = _parse_response(spec, responses.get(kind))
    return responses


def gateway_error_type(error: LocalGatewayException) -> str:
    """Which API Gateway response type chalice local's error stands for."""
    if isinstance(error, NotAuthorizedError):
        return "UNAUTHORIZED"  # no Authorization header on a route with an authorizer
    if isinstance(error, InvalidAuthorizerError):
        return "AUTHORIZER_CONFIGURATION_ERROR"
    if isinstance(error, ForbiddenError):
        if error.headers.get("x-amzn-ErrorType") == "AccessDeniedException":
            return "ACCESS_DENIED"  # the authorizer denied the token
        return "MISSING_AUTHENTICATION_TOKEN"  # no such route
    return "DEFAULT_5XX" if error.CODE >= 500 else "DEFAULT_4XX"


# --------------------------------------------------------------------------------------------
# Public PPDB snapshots (CloudFront + origin access control in the deployment)
# --------------------------------------------------------------------------------------------

SNAPSHOT_NOT_FOUND = _default_response(
    404,
    "snapshot_not_found",
    "snapshot-not-found",
    "Tidak ditemukan",
    "Snapshot peringkat tidak ditemukan atau belum diterbitkan.",
)


@dataclass(frozen=True)
class SnapshotObject:
    body: bytes
    content_type: str
    cache_control: str | None = None
    etag: str | None = None
    last_modified: datetime | None = None


class BucketSnapshots:
    """Reads snapshot objects from the snapshots bucket of the running settings (moto)."""

    def get(self, key: str) -> SnapshotObject | None:
        from botocore.exceptions import ClientError

        from chalicelib.core.aws import client
        from chalicelib.core.settings import get_settings

        try:
            got = client("s3").get_object(Bucket=get_settings().snapshots_bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        return SnapshotObject(
            body=got["Body"].read(),
            content_type=got.get("ContentType") or "binary/octet-stream",
            cache_control=got.get("CacheControl"),
            etag=got.get("ETag"),
            last_modified=got.get("LastModified"),
        )


def snapshot_key(path: str) -> str | None:
    """The bucket key a ``/snapshots/...`` URL path names, or None when it names no snapshot
    (outside ``ppdb/``, empty segments, ``.``/``..``): like the bucket policy, not readable."""
    raw = urlsplit(path).path  # CloudFront's cache policy forwards no query string
    if not raw.startswith(SNAPSHOTS_PATH):
        return None
    key = unquote(raw[len(SNAPSHOTS_PATH) :])
    if not key.startswith(SNAPSHOTS_PREFIX) or any(
        part in ("", ".", "..") for part in key.split("/")
    ):
        return None
    return key


def snapshot_response(
    source: BucketSnapshots, path: str, request_id: str
) -> tuple[int, dict[str, str], bytes]:
    """What the distribution answers for ``path``: the object with its Content-Type and
    Cache-Control, or 404 problem+json (CloudFront itself answers 403 for a missing key)."""
    key = snapshot_key(path)
    found = source.get(key) if key is not None else None
    if found is None:
        status, headers, body = SNAPSHOT_NOT_FOUND.render(request_id)
        return status, headers | {"x-amzn-RequestId": request_id}, body
    headers = {
        "Content-Type": found.content_type,
        "X-Content-Type-Options": "nosniff",  # the response headers policy adds it
        "x-amzn-RequestId": request_id,
    }
    if found.cache_control:
        headers["Cache-Control"] = found.cache_control
    if found.etag:
        headers["ETag"] = found.etag
    if found.last_modified is not None:
        headers["Last-Modified"] = format_datetime(found.last_modified.astimezone(UTC), usegmt=True)
    return 200, headers, found.body


class LocalApiServer(ThreadedHTTPServer):
    """chalice local's threaded server (a thread per connection) with a real listen backlog."""

    request_queue_size = LISTEN_BACKLOG


_ID_LIKE = re.compile(r"\d.*\d|%")


def route_template(app: Any, path: str) -> str:
    """What the access log prints for ``path``: the route template it matches (path ids stay
    out: a NIK typed into a URL is never printed), a fixed name for the stand-ins, or the
    path with every id-like segment (two digits or more, or any escape) replaced."""
    raw = urlsplit(path).path
    if raw.startswith(SNAPSHOTS_PATH):
        return SNAPSHOTS_PATH + "{key}"
    try:
        return str(RouteMatcher(list(app.routes)).match_route(raw).route)
    except ValueError:
        parts = raw.split("/")
        return "/".join("{…}" if _ID_LIKE.search(p) else p for p in parts)[:120]


PROBLEM_HEADERS = {"Content-Type": "application/problem+json", "Cache-Control": "no-store"}
SERVER_ERRORS = {  # what the HTTP server itself refuses, before any route: (code, detail)
    HTTPStatus.REQUEST_URI_TOO_LONG: (
        "uri_too_long",
        f"Alamat (URL) permintaan terlalu panjang: paling banyak {MAX_URL_LENGTH} karakter.",
    ),
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: (
        "headers_too_large",
        "Header permintaan terlalu besar.",
    ),
    HTTPStatus.BAD_REQUEST: ("bad_request", "Permintaan tidak dapat diproses."),
}


def server_problem(status: int, request_id: str) -> bytes:
    """problem+json for an error of the HTTP server itself (never echoes the request)."""
    phrase = HTTPStatus(status).phrase
    code, detail = SERVER_ERRORS.get(
        HTTPStatus(status), (phrase.lower().replace(" ", "_").replace("-", "_"), phrase)
    )
    body = {
        "type": PROBLEMS + code.replace("_", "-"),
        "title": phrase,
        "status": status,
        "code": code,
        "detail": detail,
        "request_id": request_id,
    }
    return with_newline(json.dumps(body, ensure_ascii=False).encode("utf-8"))


class GatewayProblemHandler(ChaliceRequestHandler):
    """chalice local's handler, answering gateway errors the way the deployed API does, and
    serving the public snapshots and the JWKS the way their distributions do."""

    def __init__(
        self,
        request: Any,
        client_address: Any,
        server: Any,
        app_object: Any,
        config: Any,
        responses: dict[str, GatewayResponse],
        snapshots: BucketSnapshots | None = None,
        jwks: Callable[[], str | None] | None = None,
    ) -> None:
        self.gateway_responses = responses
        self.snapshots = snapshots
        self.jwks = jwks
        self.stage = getattr(config, "chalice_stage", "local")
        self.app_object = app_object
        self.started = time.monotonic()
        self.request_id = str(uuid.uuid4())
        super().__init__(request, client_address, server, app_object, config)

    # -- the HTTP server's own errors and the access log ----------------------------------------

    def parse_request(self) -> bool:
        self.started = time.monotonic()
        self.request_id = str(uuid.uuid4())  # one per request, as API Gateway's requestId
        if not super().parse_request():
            return False
        if len(self.path) > MAX_URL_LENGTH:
            self._parse_payload()  # drain the body: the connection stays usable
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's errors (414 for a request line over 64 KiB, 400, 431, 505 ...) as
        problem+json; the request (which may hold a NIK) is neither echoed nor logged."""
        self.request_id = str(uuid.uuid4())
        body = server_problem(code, self.request_id)
        if getattr(self, "request_version", "") == "HTTP/0.9":  # an unparsable line: no client
            self.request_version = self.protocol_version  # speaks 0.9; status line and headers
        self.send_response(code)
        for name, value in PROBLEM_HEADERS.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", self.request_id)
        self.send_header("Content-Length", str(len(body)))
        if code >= 400 and self.close_connection is not False:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        method = getattr(self, "command", "") or "-"
        path = getattr(self, "path", "") or ""
        where = route_template(self.app_object, path) if path.startswith("/") else "-"
        millis = (time.monotonic() - self.started) * 1000
        status = code.value if isinstance(code, HTTPStatus) else code
        sys.stderr.write(f"[api] {method} {where} {status} {millis:.0f}ms\n")  # one write: threads

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        """Only the fixed text: http.server passes the raw request line as an argument."""
        sys.stderr.write(f"[api] {format.split('%')[0].strip()}\n")

    # -- gateway responses ----------------------------------------------------------------------

    def _send_gateway_response(self, kind: str, request_id: str, fallback: int) -> bool:
        response = self.gateway_responses.get(kind) or self.gateway_responses.get(
            "DEFAULT_5XX" if fallback >= 500 else "DEFAULT_4XX"
        )
        if response is None:
            return False
        status, headers, body = response.render(request_id)
        headers |= {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": kind}
        ChaliceRequestHandler._send_http_response(self, status, headers, body)
        return True

    def _send_error_response(self, error: LocalGatewayException) -> None:
        if not self._send_gateway_response(gateway_error_type(error), self.request_id, error.CODE):
            super()._send_error_response(error)

    def _send_http_response(
        self, code: int, headers: dict[str, Any], body: str | bytes | None
    ) -> None:
        # Chalice answers a known path with an unknown method itself (405); API Gateway answers
        # MISSING_AUTHENTICATION_TOKEN before any Lambda runs.
        if code == 405 and b"MethodNotAllowedError" in _as_bytes(body):
            self._send_gateway_response("MISSING_AUTHENTICATION_TOKEN", self.request_id, 403)
            return
        headers.setdefault("x-amzn-RequestId", self.request_id)
        super()._send_http_response(code, headers, body)

    def _with_request_context(self) -> None:
        """chalice local's events carry no requestId, stage or request time: add them as API
        Gateway does, so ``request_id`` in error bodies is filled and matches x-amzn-RequestId."""
        converter = self.local_gateway.event_converter
        create = type(converter).create_lambda_event.__get__(converter)

        def create_with_context(*args: Any, **kwargs: Any) -> Any:
            event = create(*args, **kwargs)
            event["requestContext"].update(
                requestId=self.request_id,
                extendedRequestId=self.request_id,
                stage=self.stage,
                requestTimeEpoch=int(time.time() * 1000),
                protocol=self.request_version,
            )
            return event

        converter.create_lambda_event = create_with_context  # type: ignore[method-assign]

    # -- the stand-ins: snapshots (CloudFront) and the issuer's JWKS ----------------------------

    def _send_plain(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve_snapshot(self) -> None:
        assert self.snapshots is not None
        self._parse_payload()  # drain any body so the connection stays usable
        self._send_plain(*snapshot_response(self.snapshots, self.path, self.request_id))

    def _serve_jwks(self) -> None:
        assert self.jwks is not None
        self._parse_payload()
        keys = self.jwks()
        if not keys:
            self._send_gateway_response("MISSING_AUTHENTICATION_TOKEN", self.request_id, 403)
            return
        headers = {"Content-Type": "application/json", "Cache-Control": "public, max-age=300",
                   "x-amzn-RequestId": self.request_id}  # fmt: skip
        self._send_plain(200, headers, with_newline(keys.encode("utf-8")))

    def _stand_in(self) -> Callable[[], None] | None:
        if self.command not in ("GET", "HEAD"):
            return None
        path = urlsplit(self.path).path
        if self.snapshots is not None and path.startswith(SNAPSHOTS_PATH):
            return self._serve_snapshot
        if self.jwks is not None and path == JWKS_PATH:
            return self._serve_jwks
        return None

    def _handle_guarded(self) -> None:
        try:
            self._with_request_context()
            serve = self._stand_in() or self._generic_handle
            serve()
        except Exception:  # noqa: BLE001 - e.g. the authorizer itself crashed: a 5xx, not a hang
            traceback.print_exc()
            self._send_gateway_response("AUTHORIZER_FAILURE", self.request_id, 500)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any other method (TRACE, CONNECT, QUERY, ...)
            return self._unsupported_method
        raise AttributeError(name)

    def _unsupported_method(self) -> None:
        """API Gateway has no such method on any resource: its gateway response, not a 501."""
        self._parse_payload()  # drain the body so the connection stays usable
        self._send_gateway_response("MISSING_AUTHENTICATION_TOKEN", self.request_id, 403)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _handle_guarded


def _as_bytes(body: str | bytes | None) -> bytes:
    if body is None:
        return b""
    return body if isinstance(body, bytes) else body.encode("utf-8")
