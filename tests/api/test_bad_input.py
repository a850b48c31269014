"""Bad input gets a clear 4xx, always (issue 7 section 3): every operation of the committed
OpenAPI document, called by a caller its ``x-roles`` allow, with each shape of bad input the
probe sent: nested JSON 1,000 levels deep, a body that is not JSON, duplicate members, a
Content-Type that is not JSON, an unknown body field, an unknown, repeated or role-restricted
query parameter. Every answer is RFC 9457 problem+json with the status and code of its kind,
a request id and a final newline, and nothing at all is written to any table."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.core.aws import client as aws_client
from chalicelib.core.http import ROUTE_DOCS, EmptyBody
from chalicelib.core.settings import get_settings
from chalicelib.openapi import OUTPUT
from tests.support.fixtures import Api, World

DOCUMENT = json.loads(OUTPUT.read_text(encoding="utf-8"))
BODY_METHODS = {"post", "put", "patch"}
NPSN = "20603321"
PATH_VALUES = {"npsn": NPSN, "grade": "8", "code": "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"}
DEEP = b'{"a":' * 1000 + b"1" + b"}" * 1000  # about 6 KB; the probe's 2 KB was arrays


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def role(self) -> str | None:
        roles = self.spec.get("x-roles")
        return roles[0] if roles else None

    @property
    def roles(self) -> list[str]:
        return list(self.spec.get("x-roles", []))

    def query_params(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == "query"]

    def url(self) -> str:
        path = self.path
        for name in [p["name"] for p in self.spec.get("parameters", []) if p["in"] == "path"]:
            path = path.replace(
                "{" + name + "}", PATH_VALUES.get(name, "01J0000000000000000000000A")
            )
        return path

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


OPERATIONS = [
    Operation(method, path, spec)
    for path, methods in sorted(DOCUMENT["paths"].items())
    for method, spec in sorted(methods.items())
]


def token(role: str | None) -> str | None:
    from tests.conftest import KEYS

    if role is None:
        return None
    npsn = NPSN if role == "school_operator" else None
    return str(KEYS.token(f"bad-input-{role}-{uuid.uuid4().hex[:8]}", role, npsn=npsn))


def send(
    api: Api,
    method: str,
    url: str,
    role: str | None,
    body: bytes = b"",
    ctype: str = "application/json",
) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Content-Type": ctype}
    if (bearer := token(role)) is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    response = api.client.http.request(method.upper(), url, headers=headers, body=body)
    return response.status_code, response.body or b"", dict(response.headers)


def assert_problem(
    answer: tuple[int, bytes, dict[str, str]], status: int, code: str, what: str
) -> dict[str, Any]:
    got, raw, headers = answer
    assert got == status, (what, raw[:300])
    assert headers.get("Content-Type") == "application/problem+json", (what, headers)
    assert raw.endswith(b"\n"), what
    problem: dict[str, Any] = json.loads(raw)
    assert (problem["status"], problem["code"]) == (status, code), (what, problem)
    assert problem["title"] and problem["detail"] and problem["request_id"], (what, problem)
    return problem


def item_counts() -> dict[str, int]:
    settings, dynamodb = get_settings(), aws_client("dynamodb")
    tables = [
        getattr(settings, name) for name in type(settings).model_fields if name.endswith("_table")
    ]
    return {t: int(dynamodb.scan(TableName=t, Select="COUNT")["Count"]) for t in tables}


@pytest.fixture
def unchanged_tables() -> Iterator[None]:
    before = item_counts()
    yield
    assert item_counts() == before, "a refused request wrote something"


def query_cases(op: Operation) -> Iterator[tuple[str, str | None, int, str, str]]:
    """(query string, role, status, code, parameter) of bad query strings for this operation."""
    yield "?zz_unknown=1", op.role, 400, "unknown_parameter", "zz_unknown"
    yield "?nik=3671010101900001", op.role, 400, "unknown_parameter", "nik"
    usable = [
        p["name"] for p in op.query_params() if not p.get("x-roles") or op.role in p["x-roles"]
    ]
    name = usable[0] if usable else "zz_unknown"
    code = "repeated_parameter" if usable else "unknown_parameter"
    yield f"?{name}=abc&{name}=", op.role, 400, code, name
    for param in op.query_params():
        for role in op.roles:
            if param.get("x-roles") and role not in param["x-roles"]:
                yield f"?{param['name']}=1", role, 400, "parameter_not_allowed", param["name"]


BODY_CASES: list[tuple[bytes, str, int, str]] = [
    (DEEP, "application/json", 400, "invalid_json"),
    (b"[" * 1000 + b"]" * 1000, "application/json", 400, "invalid_json"),  # the probe's 2 KB
    (b'{"reason": ', "application/json", 400, "invalid_json"),
    (b'{"reason": "a", "reason": "b"}', "application/json", 400, "invalid_json"),
    (b'{"version": NaN}', "application/json", 400, "invalid_json"),
    (b"<reason>x</reason>", "application/xml", 415, "unsupported_media_type"),
    (b"{}", "text/plain", 415, "unsupported_media_type"),
    (b"reason=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"\x00\x01\xff{}", "application/octet-stream", 415, "unsupported_media_type"),  # binary
    (b"\x89PNG\r\n\x1a\n", "image/png", 415, "unsupported_media_type"),
]


@pytest.mark.usefixtures("unchanged_tables")
def test_every_operation_refuses_bad_query_strings_by_name(api: Api) -> None:
    checked = 0
    for op in OPERATIONS:
        body = b"{}" if op.method in BODY_METHODS else b""
        for query, role, status, code, parameter in query_cases(op):
            what = f"{op} {query} as {role}"
            answer = send(api, op.method, op.url() + query, role, body)
            problem = assert_problem(answer, status, code, what)
            assert problem["parameter"] == parameter, (what, problem)
            assert "3671010101900001" not in answer[1].decode(), what
            checked += 1
    assert checked >= 3 * len(OPERATIONS)


@pytest.mark.usefixtures("unchanged_tables")
def test_every_operation_with_a_body_refuses_bad_bodies(api: Api) -> None:
    with_body = [op for op in OPERATIONS if op.method in BODY_METHODS]
    assert len(with_body) >= 25
    for op in with_body:
        for raw, ctype, status, code in BODY_CASES:
            what = f"{op} {raw[:20]!r} {ctype}"
            assert_problem(send(api, op.method, op.url(), op.role, raw, ctype), status, code, what)


@pytest.mark.usefixtures("unchanged_tables")
def test_every_operation_with_a_body_refuses_an_unknown_field_with_422(api: Api) -> None:
    for op in [op for op in OPERATIONS if op.method in BODY_METHODS]:
        raw = json.dumps({"zz_unknown_field": 1}).encode()
        problem = assert_problem(send(api, op.method, op.url(), op.role, raw), 422,
                                 "validation_failed", str(op))  # fmt: skip
        unknown = [e for e in problem["errors"] if e["field"] == "zz_unknown_field"]
        assert [e["type"] for e in unknown] == ["extra_forbidden"], (str(op), problem)


def test_every_write_route_declares_an_input_model_that_forbids_unknown_fields() -> None:
    writes = {key: doc for key, doc in ROUTE_DOCS.items() if key[0] in {"POST", "PUT", "PATCH"}}
    for (method, path), doc in writes.items():
        assert doc.body is not None, (method, path)
        assert doc.body.model_config.get("extra") == "forbid", (method, path)
    empty = {path for (method, path), doc in writes.items() if doc.body is EmptyBody}
    assert {
        "/v1/admissions/applications/{application_id}/submit",
        "/v1/notifications/{notification_id}/read",
    } <= empty


def test_a_get_ignores_the_type_of_a_body_it_does_not_take(api: Api) -> None:
    for op in [op for op in OPERATIONS if op.method == "get"]:
        status, raw, headers = send(api, "get", op.url(), op.role, DEEP, "application/xml")
        body = json.loads(raw)
        assert status != 415 and set(body) != {"Code", "Message"}, (str(op), raw[:200])
        assert headers["Content-Type"] in ("application/json", "application/problem+json"), str(op)
        assert raw.endswith(b"\n"), str(op)


def test_an_unknown_method_on_a_known_path_is_a_problem_like_the_gateway_gives(api: Api) -> None:
    for method, url in [
        ("DELETE", "/v1/schools"),
        ("PUT", "/v1/health"),
        ("PATCH", "/v1/worklist"),
    ]:
        answer = send(api, method, url, "education_staff")
        problem = assert_problem(answer, 404, "route_not_found", f"{method} {url}")
        assert "Code" not in problem and "Message" not in problem


def test_any_body_the_framework_makes_itself_becomes_a_problem() -> None:
    """A route registered without the wrapper (so the framework answers): its crash, its own
    415 and its 405 all leave as problem+json with a request id."""
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.core.http import framework_errors_as_problems

    bare = Chalice(app_name="bare")
    bare.register_middleware(framework_errors_as_problems, "http")

    @bare.route("/crash", methods=["POST"], content_types=["application/json"])
    def crash() -> None:
        raise RuntimeError("boom")

    with Client(bare) as client:
        for method, ctype, status, code in [
            ("POST", "application/json", 500, "internal_error"),
            ("POST", "application/xml", 415, "unsupported_media_type"),
            ("PUT", "application/json", 404, "route_not_found"),
        ]:
            response = client.http.request(
                method, "/crash", headers={"Content-Type": ctype}, body=b"{}"
            )
            answer = (response.status_code, response.body, dict(response.headers))
            problem = assert_problem(answer, status, code, f"{method} {ctype}")
            assert "boom" not in json.dumps(problem)


@pytest.mark.parametrize(
    "query",
    ["?side=", "?side=bogus", "?state=", "?state=bogus", "?school=", "?school=123",
     "?school=20606901&state=submitted"],
)  # fmt: skip
def test_a_parameter_value_is_checked_even_where_the_caller_does_not_use_it(
    api: Api, world: World, query: str
) -> None:
    """Staff list by state unless they name a school; a `side` they send is still checked
    (found by schemathesis: `?side=` answered 200 for staff)."""
    status, problem, _ = api.call("GET", "/v1/transfers" + query, world.token("staff"))
    assert status == 400 and problem["code"] in {
        "invalid_side", "invalid_state", "invalid_npsn", "conflicting_parameters"
    }, (query, problem)  # fmt: skip
