"""The embedded S3 enforces what Amazon S3 enforces on presigned requests; moto does not.

moto accepts a browser-based POST with another key, another Content-Type, an oversized body, a
zeroed signature or an expired policy, and serves presigned GETs after they expired. This WSGI
middleware sits in front of moto's app (``protect(server)`` in ``local.run.start_moto``) and
answers such requests the way S3 does, with S3's XML errors:

- ``POST /{bucket}`` with ``multipart/form-data`` (a POST Object upload): the SigV4 signature of
  the policy, the policy's expiration, every condition (``bucket``, exact / ``eq`` /
  ``starts-with`` on any field, ``content-length-range``) and that every form field is named by a
  condition (except ``policy``, ``x-amz-signature``, ``file`` and ``x-ignore-*``). Fields after the
  file are ignored, as S3 ignores them (they are not forwarded to moto either). A form without a
  policy is an anonymous write to a private bucket: 403.
- Any request whose query carries ``X-Amz-Signature`` (presigned GET/PUT/HEAD/DELETE): the
  signature (recomputed with botocore's SigV4 query signer) and ``X-Amz-Date`` + ``X-Amz-Expires``.

Everything else (boto3 calls signed in the Authorization header, other services) passes through.
The secret key is the one the local stack hands to every client (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` in the environment, read per request). ``clock`` is the time the guard
judges expiry by; tests may move it forward.

Statuses and codes, as Amazon S3 answers them:
  400 InvalidArgument / IncorrectNumberOfFilesInPostRequest / InvalidPolicyDocument /
      AuthorizationQueryParametersError / InvalidRequest (SigV2 refused: ap-southeast-3 is V4 only)
  400 EntityTooLarge / EntityTooSmall (content-length-range; S3 answers 400 here, not 403)
  403 AccessDenied "Invalid according to Policy: Policy expired." / "...: Policy Condition failed:
      [...]" / "...: Extra input fields: ..." / "Request has expired" / "Access Denied"
  403 SignatureDoesNotMatch, 403 InvalidAccessKeyId
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

clock: Callable[[], float] = time.time

SIGV4 = "AWS4-HMAC-SHA256"
MAX_EXPIRES = 604800  # a presigned URL lives at most a week
EXEMPT_FIELDS = {"policy", "x-amz-signature", "file"}
QUERY_AUTH = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


class Refusal(Exception):
    """An S3 error answer: status, code, message and extra XML elements."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_id = secrets.token_hex(8).upper()
        extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in self.extra.items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message>{extra}"
            f"<RequestId>{request_id}</RequestId><HostId>local</HostId></Error>"
        ).encode()
        reason = {400: "Bad Request", 403: "Forbidden"}.get(self.status, "Error")
        start_response(
            f"{self.status} {reason}",
            [
                ("Content-Type", "application/xml"),
                ("Content-Length", str(len(body))),
                ("x-amz-request-id", request_id),
            ],
        )
        return [body]


def denied(message: str = "Access Denied", **extra: Any) -> Refusal:
    return Refusal(403, "AccessDenied", message, **extra)


def secret_for(access_key: str) -> str:
    """The secret of the one key pair the local stack knows; any other key does not exist."""
    known = os.environ.get("AWS_ACCESS_KEY_ID", "local")
    if not access_key or access_key != known:
        raise Refusal(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=access_key,
        )
    return os.environ.get("AWS_SECRET_ACCESS_KEY", "local")


def scope_of(credential: str) -> tuple[str, str, str, str]:
    """(access key, date, region, service) of ``AKID/YYYYMMDD/region/service/aws4_request``."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or len(parts[1]) != 8:
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    access_key, date, region, service, _ = parts
    if service != "s3":
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            f"Error parsing the X-Amz-Credential parameter; incorrect service "
            f'"{service}". This endpoint belongs to "s3".',
        )
    return access_key, date, region, service


def _signer(access_key: str, region: str, query: bool) -> Any:
    from botocore.auth import S3SigV4PostAuth, S3SigV4QueryAuth
    from botocore.credentials import Credentials

    credentials = Credentials(access_key, secret_for(access_key))
    if query:
        return S3SigV4QueryAuth(credentials, "s3", region)
    return S3SigV4PostAuth(credentials, "s3", region)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


# --------------------------------------------------------------------------------------------
# Presigned URLs (query authentication)
# --------------------------------------------------------------------------------------------


def check_query_auth(environ: dict[str, Any], now: float) -> None:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    query: dict[str, str] = {}
    for name, value in pairs:
        query.setdefault(name, value)
    if "AWSAccessKeyId" in query or ("Signature" in query and "X-Amz-Signature" not in query):
        raise Refusal(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is "
            "not supported. Please use AWS4-HMAC-SHA256.",
        )
    if not all(query.get(name) for name in QUERY_AUTH):
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters.",
        )
    if query["X-Amz-Algorithm"] != SIGV4:
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        )
    expires_text = query["X-Amz-Expires"]
    if not expires_text.isdigit():
        raise Refusal(400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number")
    expires = int(expires_text)
    if expires > MAX_EXPIRES:
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        )
    amz_date = query["X-Amz-Date"]
    signed_at = _parse_amz_date(amz_date, "X-Amz-Date")
    access_key, date, region, _ = scope_of(query["X-Amz-Credential"])
    if date != amz_date[:8]:
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            f'Invalid credential date "{date}". This date is not the same as '
            'X-Amz-Date: "' + amz_date[:8] + '".',
        )
    signer = _signer(access_key, region, query=True)
    expected = _query_signature(signer, environ, pairs, amz_date, query["X-Amz-SignedHeaders"])
    if not _same(expected, query["X-Amz-Signature"]):
        raise Refusal(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH, AWSAccessKeyId=access_key)
    if now > signed_at + expires:
        raise denied(
            "Request has expired",
            **{
                "X-Amz-Expires": expires,
                "Expires": _iso(signed_at + expires),
                "ServerTime": _iso(now),
            },
        )


def _query_signature(
    signer: Any,
    environ: dict[str, Any],
    pairs: list[tuple[str, str]],
    amz_date: str,
    signed_headers: str,
) -> str:
    """What the signature must be: botocore's SigV4 query signer over this very request."""
    from botocore.awsrequest import AWSRequest

    wanted = signed_headers.split(";")
    headers = {name: _header(environ, name) for name in wanted}
    if any(value is None for value in headers.values()):
        return ""  # a signed header the request does not carry can never match
    raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path = urlsplit(raw_path).path or "/"
    request = AWSRequest(
        method=environ["REQUEST_METHOD"],
        url=f"http://{headers.get('host') or environ.get('HTTP_HOST', '')}{path}",
        headers=headers,
        params=[(k, v) for k, v in pairs if k != "X-Amz-Signature"],
    )
    request.context["timestamp"] = amz_date
    to_sign = signer.headers_to_sign(request)
    if signer.signed_headers(to_sign) != signed_headers:
        return ""
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))


def _header(environ: dict[str, Any], name: str) -> str | None:
    key = name.upper().replace("-", "_")
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return environ.get(key) or None
    value = environ.get(f"HTTP_{key}")
    return None if value is None else str(value)


# --------------------------------------------------------------------------------------------
# Browser-based uploads (POST Object with a policy)
# --------------------------------------------------------------------------------------------


class Form:
    """The fields before the file (names lower-cased, every value kept), and the file."""

    def __init__(self) -> None:
        self.fields: list[tuple[str, str, str]] = []  # (lower name, name as sent, value)
        self.file: bytes | None = None
        self.filename = ""
        self.file_headers: list[tuple[str, str]] = []

    def values(self, name: str) -> list[str]:
        return [v for n, _, v in self.fields if n == name]

    def first(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None

    def encode(self, key: str) -> tuple[bytes, str]:
        """The form as S3 takes it (fields after the file dropped, ${filename} expanded)."""
        boundary = "s3guard" + secrets.token_hex(12)
        out = io.BytesIO()
        for lower, name, value in self.fields:
            if lower == "key":
                value = key
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            out.write(value.encode() + b"\r\n")
        filename = self.filename.replace('"', "%22")
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\n'.encode()
        )
        for name, value in self.file_headers:
            if name.lower() != "content-disposition":
                out.write(f"{name}: {value}\r\n".encode())
        out.write(b"\r\n" + (self.file or b"") + f"\r\n--{boundary}--\r\n".encode())
        return out.getvalue(), f"multipart/form-data; boundary={boundary}"


MALFORMED = "The body of your POST request is not well-formed multipart/form-data."


def parse_form(body: bytes, content_type: str) -> Form:
    from werkzeug.http import parse_options_header

    _, options = parse_options_header(content_type)
    boundary = options.get("boundary", "")
    if not boundary:
        raise Refusal(400, "MalformedPOSTRequest", MALFORMED)
    form, files = Form(), 0
    try:
        for part, data in _parts(body, boundary):
            if part.name.lower() == "file":
                files += 1
                if files == 1:
                    form.file = data
                    form.filename = getattr(part, "filename", "") or ""
                    form.file_headers = list(part.headers.items())
            elif files == 0:  # S3 ignores the fields after the file
                form.fields.append((part.name.lower(), part.name, data.decode("utf-8", "replace")))
    except ValueError as exc:
        raise Refusal(400, "MalformedPOSTRequest", MALFORMED) from exc
    if files != 1:
        raise Refusal(
            400,
            "IncorrectNumberOfFilesInPostRequest",
            "POST requires exactly one file upload per request.",
        )
    return form


def _parts(body: bytes, boundary: str) -> Iterable[tuple[Any, bytes]]:
    """(part, its bytes) in the order they were sent."""
    from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

    decoder = MultipartDecoder(boundary.encode())
    decoder.receive_data(body)
    decoder.receive_data(None)
    current: Any = None
    chunks: list[bytes] = []
    while True:
        event = decoder.next_event()
        if isinstance(event, Field | File):
            current, chunks = event, []
        elif isinstance(event, Data) and current is not None:
            chunks.append(event.data)
            if not event.more_data:
                yield current, b"".join(chunks)
                current = None
        elif isinstance(event, Epilogue | NeedData):
            return


def check_post(bucket: str, form: Form, now: float) -> str:
    """The key the upload is stored at, or a Refusal as S3 answers."""
    key = form.first("key")
    if key is None:
        raise Refusal(
            400,
            "InvalidArgument",
            "Bucket POST must contain a field named 'key'.  "
            "If it is specified, please check the order of the fields.",
            ArgumentName="key",
            ArgumentValue="",
        )
    key = key.replace("${filename}", form.filename)
    if form.first("awsaccesskeyid") is not None or form.first("signature") is not None:
        raise Refusal(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is "
            "not supported. Please use AWS4-HMAC-SHA256.",
        )
    policy_b64 = form.first("policy")
    if policy_b64 is None:
        raise denied()  # an anonymous write: the buckets are private
    for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
        if not form.first(name):
            raise Refusal(
                400,
                "InvalidArgument",
                f"Bucket POST must contain a field named "
                f"'{name}'.  If it is specified, please check the order of the fields.",
                ArgumentName=name,
                ArgumentValue="",
            )
    if form.first("x-amz-algorithm") != SIGV4:
        raise Refusal(
            400,
            "InvalidArgument",
            "Unsupported algorithm: only AWS4-HMAC-SHA256",
            ArgumentName="x-amz-algorithm",
        )
    access_key, date, region, _ = scope_of(form.first("x-amz-credential") or "")
    signer = _signer(access_key, region, query=False)
    request = _FakeContext(date)  # the signing key is derived from the credential's date
    expected = str(signer.signature(policy_b64, request))
    if not _same(expected, form.first("x-amz-signature") or ""):
        raise Refusal(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH, AWSAccessKeyId=access_key)
    policy = _decode_policy(policy_b64)
    expiration = _parse_expiration(policy)
    if now > expiration:
        raise denied("Invalid according to Policy: Policy expired.")
    size = len(form.file or b"")
    covered = _check_conditions(policy["conditions"], bucket, key, form, size)
    extra = sorted(
        {
            name
            for lower, name, _ in form.fields
            if lower not in covered
            and lower not in EXEMPT_FIELDS
            and not lower.startswith("x-ignore-")
        }
    )
    if extra:
        raise denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    return key


class _FakeContext:
    """What botocore's signer reads from a request to derive the signing key."""

    def __init__(self, date: str) -> None:
        self.context = {"timestamp": date}


def _decode_policy(policy_b64: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from exc
    if not isinstance(policy, dict):
        raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    if "expiration" not in policy:
        raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Missing expiration.")
    if not isinstance(policy.get("conditions"), list):
        raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Missing conditions.")
    return policy


def _parse_expiration(policy: dict[str, Any]) -> float:
    text = str(policy["expiration"])
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid expiration.") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _condition_failed(condition: Any) -> Refusal:
    shown = json.dumps(condition, separators=(", ", ": "))
    return denied(f"Invalid according to Policy: Policy Condition failed: {shown}")


def _invalid_policy(message: str) -> Refusal:
    return Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: {message}")


def _condition(condition: Any) -> tuple[str, str, Any, Any]:
    """(operator, field, expected value, the condition as S3 prints it) of a field condition."""
    if isinstance(condition, dict):
        if len(condition) != 1:
            raise _invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
                "specified."
            )
        [(name, value)] = condition.items()
        return "eq", str(name), value, ["eq", f"${name}", value]
    if not isinstance(condition, list) or len(condition) != 3:
        raise _invalid_policy("Invalid Condition.")
    op = str(condition[0]).lower()
    if op not in ("eq", "starts-with") or not str(condition[1]).startswith("$"):
        raise _invalid_policy(f"Invalid Condition: {json.dumps(condition)}")
    return op, str(condition[1])[1:], condition[2], condition


def _check_conditions(
    conditions: list[Any], bucket: str, key: str, form: Form, size: int
) -> set[str]:
    """Every condition against the form; the lower-cased field names the conditions name."""
    covered: set[str] = set()
    for condition in conditions:
        if isinstance(condition, list) and str(condition[:1][0] if condition else "").lower() == (
            "content-length-range"
        ):
            _check_length(condition, size)
            continue
        op, field, expected, shown = _condition(condition)
        lower = field.lower()
        if lower == "bucket":
            actual = [bucket]
        elif lower == "key":
            actual = [key]
        else:
            actual = form.values(lower) or [""]
        covered.add(lower)
        if not all(_matches(op, lower, str(expected), value) for value in actual):
            raise _condition_failed(shown)
    return covered


def _check_length(condition: list[Any], size: int) -> None:
    """content-length-range: S3 answers 400 EntityTooLarge / EntityTooSmall (not 403)."""
    try:
        low, high = int(condition[1]), int(condition[2])
    except (TypeError, ValueError, IndexError) as exc:
        raise _invalid_policy("Invalid content-length-range.") from exc
    if size > high:
        raise Refusal(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=size,
            MaxSizeAllowed=high,
        )
    if size < low:
        raise Refusal(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            ProposedSize=size,
            MinSizeAllowed=low,
        )


def _matches(op: str, field: str, expected: str, value: str) -> bool:
    if op == "eq":
        return value == expected
    if field == "content-type":  # each of a comma-separated list must start with the prefix
        return all(part.strip().startswith(expected) for part in value.split(","))
    return value.startswith(expected)


# --------------------------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------------------------


class PresignGuard:
    """WSGI middleware: presigned S3 requests are checked before moto sees them."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            self.check(environ)
        except Refusal as refusal:
            _drain(environ)
            return refusal(environ, start_response)
        return self.app(environ, start_response)

    def check(self, environ: dict[str, Any]) -> None:
        method = environ.get("REQUEST_METHOD", "GET")
        content_type = environ.get("CONTENT_TYPE", "")
        query = environ.get("QUERY_STRING", "")
        if method == "POST" and content_type.lower().startswith("multipart/form-data"):
            if environ.get("HTTP_AUTHORIZATION"):
                return  # not a browser-based upload
            self.check_upload(environ, content_type)
        elif (
            "X-Amz-Signature=" in query
            or "X-Amz-Credential=" in query
            or ("AWSAccessKeyId=" in query and "Signature=" in query)
        ):
            check_query_auth(environ, clock())

    def check_upload(self, environ: dict[str, Any], content_type: str) -> None:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again if nothing is refused
        bucket = environ.get("PATH_INFO", "/").strip("/").split("/", 1)[0]
        form = parse_form(body, content_type)
        key = check_post(bucket, form, clock())
        forwarded, forwarded_type = form.encode(key)
        environ["wsgi.input"] = io.BytesIO(forwarded)
        environ["CONTENT_LENGTH"] = str(len(forwarded))
        environ["CONTENT_TYPE"] = forwarded_type
        environ["QUERY_STRING"] = ""  # a POST Object takes its parameters from the form only


def _drain(environ: dict[str, Any]) -> None:
    """Read what the client sent before answering, so the connection is not reset under it."""
    stream = environ.get("wsgi.input")
    if isinstance(stream, io.BytesIO):
        return
    try:
        remaining = int(environ.get("CONTENT_LENGTH") or 0)
        while remaining > 0 and stream is not None:
            chunk = stream.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)
    except (OSError, ValueError):
        pass


def _parse_amz_date(text: str, name: str) -> float:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError as exc:
        raise Refusal(
            400,
            "AuthorizationQueryParametersError",
            f"{name} must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ) from exc


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def protect(server: Any) -> Any:
    """Put the guard in front of a started ThreadedMotoServer's WSGI app (idempotent)."""
    wsgi = getattr(server, "_server", server)
    if not isinstance(wsgi.app, PresignGuard):
        wsgi.app = PresignGuard(wsgi.app)
    return server
